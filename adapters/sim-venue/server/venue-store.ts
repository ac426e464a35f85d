// The server's own state, in LMDB (lmdb-js), written in one synchronous transaction per
// request before its replies leave (VenueSession.transact), so what a client was told is
// always on disk, and a server killed mid-request has either all of it or none:
//
//   <state>/  LMDB environment
//     db "meta"              key "venue" -> StoredMeta (tape fingerprint, costs, market seq, clock,
//                                           last fill id, last venue order id, journal length)
//     db "client-order-ids"  client order id -> submission count (every id ever received)
//     db "orders"            client order id -> StoredOrder (the venue's view of the order)
//     db "fills"             fill id (u32)   -> the FILL record as sent (64 bytes)
//     db "positions"         instrument (u32) -> signed quantity from the fills
//     db "journal"           n (u32, 1, 2 ...) -> JournalEntry: every command handed to the venue
//                                           and the market seq it was handed over at; a restart
//                                           replays it over the tape to rebuild the venue's book
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../../../engine/lmdb/index.js';

export interface StoredMeta {
  readonly tape: string;
  readonly instruments: readonly string[];
  readonly makerFee: number;
  readonly takerFee: number;
  readonly marketSeq: number;
  readonly nowNs: string;
  readonly lastFillId: number;
  readonly lastVenueOrderId: number;
  readonly journalLength: number;
}

export interface StoredOrder {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly state: number;
  readonly qty: number;
  readonly filled: number;
  readonly avgPrice: number;
  readonly venueOrderId: number;
  /** Absent in orders stored before it was kept (read as 0). */
  readonly limitPrice?: number;
}

/** A VenueCommand with its client id as a decimal string. */
export interface StoredCommand {
  readonly type: 'order' | 'cancel' | 'replace';
  readonly instrument: number;
  readonly clientId: string;
  readonly qty: number;
  readonly orderType?: string;
  readonly timeInForce?: string;
  readonly reduceOnly?: boolean;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

export interface JournalEntry {
  readonly atMarketSeq: number;
  readonly command: StoredCommand;
}

export class VenueStore {
  private constructor(
    private readonly root: RootDatabase,
    private readonly meta: Database<StoredMeta, string>,
    private readonly submissions: Database<number, string>,
    private readonly orders: Database<StoredOrder, string>,
    private readonly fills: Database<Uint8Array, number>,
    private readonly positions: Database<number, number>,
    private readonly journal: Database<JournalEntry, number>,
  ) {}

  /** Opens (creating if needed) the LMDB environment at `path`. */
  static open(path: string): VenueStore {
    checkLmdbEnvironment(path, 'venue store');
    const root = openLmdbDirectory(path);
    return new VenueStore(
      root,
      root.openDB<StoredMeta, string>({ name: 'meta', encoding: 'json' }),
      root.openDB<number, string>({ name: 'client-order-ids', encoding: 'json' }),
      root.openDB<StoredOrder, string>({ name: 'orders', encoding: 'json' }),
      root.openDB<Uint8Array, number>({ name: 'fills', encoding: 'binary', keyEncoding: 'uint32' }),
      root.openDB<number, number>({ name: 'positions', encoding: 'json', keyEncoding: 'uint32' }),
      root.openDB<JournalEntry, number>({ name: 'journal', encoding: 'json', keyEncoding: 'uint32' }),
    );
  }

  /** Runs `write` in one synchronous (durable) transaction; a throw aborts it. */
  transact<T>(write: () => T): T {
    return this.root.transactionSync(write);
  }

  readMeta(): StoredMeta | undefined {
    return this.meta.get('venue');
  }

  putMeta(meta: StoredMeta): void {
    this.meta.putSync('venue', meta);
  }

  putSubmissions(clientOrderId: string, count: number): void {
    this.submissions.putSync(clientOrderId, count);
  }

  putOrder(order: StoredOrder): void {
    this.orders.putSync(order.clientOrderId, order);
  }

  putFill(fillId: number, record: Uint8Array): void {
    this.fills.putSync(fillId, record);
  }

  putPosition(instrument: number, qty: number): void {
    this.positions.putSync(instrument, qty);
  }

  appendJournal(n: number, entry: JournalEntry): void {
    this.journal.putSync(n, entry);
  }

  loadSubmissions(): Map<string, number> {
    const map = new Map<string, number>();
    for (const { key, value } of this.submissions.getRange()) map.set(key, value);
    return map;
  }

  loadOrders(): StoredOrder[] {
    return [...this.orders.getRange()].map(({ value }) => value);
  }

  loadPositions(): Map<number, number> {
    const map = new Map<number, number>();
    for (const { key, value } of this.positions.getRange()) map.set(key, value);
    return map;
  }

  *journalEntries(length: number): Generator<JournalEntry> {
    for (let n = 1; n <= length; n++) {
      const entry = this.journal.get(n);
      if (entry === undefined) throw new Error(`venue journal entry ${n} of ${length} is missing: the state is damaged`);
      yield entry;
    }
  }

  /** Up to `limit` FILL records with a fill id above `fillId`, in fill-id order. */
  fillsAfter(fillId: number, limit: number): Uint8Array[] {
    const fills: Uint8Array[] = [];
    for (const { value } of this.fills.getRange({ start: fillId + 1, limit })) fills.push(new Uint8Array(value));
    return fills;
  }

  close(): Promise<void> {
    return this.root.close();
  }
}
