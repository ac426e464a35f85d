// BenchIoPath (adapters bench): the I/O thread's side of a live session around one venue
// adapter, made of the session's own modules (engine/live JournaledInbound, JournaledCommands)
// over a real engine (EngineHost with no pipeline: the core takes every record and decides
// nothing):
//
//   inbound   adapter --listener--> JournaledInbound.journalAndPublish (Journal.append(inbound,
//             seq), then the inbound ring: claim, write 64 bytes, publish) [stamp: publishedNs]
//             --> the core consumes it. The commit is the session loop's commitIfDue, after the
//             publish (`settle`); `commitInbound` adds a commit() inside the listener, after the
//             publish, to show what committing every record would cost.
//   outbound  the bench's own outbound ring stands in for the core's (a transport-only core
//             writes no ORDER records): `writeOrder` puts an ORDER record there --RingConsumer
//             read [stamp: readNs]--> decodeOrderFlowRecord --> JournaledCommands.push + flush
//             (Journal.append(submit), commit(), then sendCommand -> adapter.submit [stamp:
//             committedNs, at the submit call: right after the commit returned]).
import { DEFAULT_DURABILITY, Journal, type DurabilityPolicy } from '../../engine/journal/index.js';
import { ringBytes } from '../../engine/layout/memory-map.js';
import { EVENT_BYTES, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../../engine/layout/event-record.js';
import { JournaledCommands, JournaledInbound, type VenueAdapter, type VenueOrderRequest } from '../../engine/live/index.js';
import { decodeOrderFlowRecord, encodeOrderAttributes, TimeInForce } from '../../engine/orders/index.js';
import { initRing, RingConsumer, RingProducer } from '../../engine/ring/index.js';
import { EngineHost, monotonicNs } from '../../engine/threads/index.js';

const RING_CAPACITY = 1024;

/** One record as it reached the inbound ring. */
export interface PublishedRecord {
  readonly kind: number;
  readonly instrument: number;
  readonly id: bigint;
  readonly sourceSeq: bigint;
  /** Latency clock when the publish returned. */
  readonly publishedNs: number;
}

export class BenchIoPath {
  private readonly inbound: JournaledInbound;
  private readonly outboundWriter: RingProducer;
  private readonly outbound: RingConsumer;
  private readonly view: DataView;
  private readonly scratch = new DataView(new ArrayBuffer(EVENT_BYTES));
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);
  /** Every record published, in order (the bench reads and clears it between messages). */
  readonly published: PublishedRecord[] = [];
  commits = 0;

  private constructor(private readonly host: EngineHost, readonly journal: Journal, private readonly commitInbound: boolean) {
    this.inbound = new JournaledInbound(host, journal, 0n);
    const memory = new SharedArrayBuffer(ringBytes(RING_CAPACITY));
    this.view = new DataView(memory);
    initRing(memory, 0, RING_CAPACITY);
    this.outboundWriter = new RingProducer(memory, 0);
    this.outbound = new RingConsumer(memory, 0);
  }

  /** A running engine (no pipeline) and a journal in `directory`. */
  static async open(directory: string, durability: DurabilityPolicy = DEFAULT_DURABILITY, commitInbound = false): Promise<BenchIoPath> {
    // No pipeline: the core takes every record through the ring with no stages (as `replay --journal` runs a transport session).
    const host = await EngineHost.start();
    return new BenchIoPath(host, Journal.open(directory, { durability }), commitInbound);
  }

  /** The session's record listener (onRecord): journal, then publish into the inbound ring. */
  readonly listener = (record: Uint8Array, sourceSeq: bigint): void => {
    this.inbound.journalAndPublish(record, sourceSeq);
    if (this.commitInbound) {
      this.journal.commit();
      this.commits++;
    }
    const publishedNs = monotonicNs();
    this.scratchBytes.set(record.subarray(0, EVENT_BYTES));
    const v = this.scratch;
    this.published.push({ kind: v.getInt32(EV_KIND, true) & KIND_MASK, instrument: v.getInt32(EV_INSTRUMENT, true), id: v.getBigUint64(EV_ID, true), sourceSeq, publishedNs });
  };

  /** Untimed, between messages: the session loop's group commit, and the core taking what was published. */
  async settle(): Promise<void> {
    if (!this.commitInbound && this.journal.commitIfDue()) this.commits++;
    await this.inbound.idle();
  }

  /** Stands in for the core: writes an ORDER record (outbound layout of engine/orders) into the bench's outbound ring. */
  writeOrder(orderId: bigint, instrument: number, qty: number, limitPrice: number, orderType: number, nowNs: bigint): void {
    const first = this.outboundWriter.tryClaim(1);
    if (first === -1) throw new Error('adapters bench: the outbound ring is full');
    const at = this.outboundWriter.slotOffset(first >>> 0);
    const v = this.view;
    for (let k = 0; k < EVENT_BYTES; k += 8) v.setFloat64(at + k, 0);
    v.setInt32(at + EV_KIND, EventKind.ORDER | EventKind.DIRECTION_OUTBOUND, true);
    v.setInt32(at + EV_INSTRUMENT, instrument, true);
    v.setBigInt64(at + EV_TS_EXCHANGE, nowNs, true);
    v.setBigInt64(at + EV_TS_LOCAL, nowNs, true);
    v.setFloat64(at + EV_PRICE, limitPrice, true);
    v.setFloat64(at + EV_SIZE, qty, true);
    v.setFloat64(at + EV_A, 0, true);
    v.setFloat64(at + EV_B, encodeOrderAttributes({ orderType, timeInForce: TimeInForce.GTC, flags: 0, rule: 0, cutBy: 0 }), true);
    v.setBigUint64(at + EV_ID, orderId, true);
    this.outboundWriter.publish((first + 1) >>> 0);
  }

  /**
   * The I/O thread's outbound step for one ORDER record, as a live session takes it: read it
   * (stamp), then JournaledCommands (journal, commit, send). Returns the read stamp and the stamp
   * at the adapter's submit call (the commit has returned by then).
   */
  readJournalSend(adapter: VenueAdapter): { readNs: number; committedNs: number; orderId: bigint } {
    const reader = this.outbound;
    if (reader.available() < 1) throw new Error('adapters bench: no ORDER record to read');
    const readNs = monotonicNs();
    const at = reader.slotOffset(reader.cursor);
    const command = decodeOrderFlowRecord(this.view, at);
    if (command.record !== 'order') throw new Error(`adapters bench: expected an ORDER record, read ${command.record}`);
    const bytes = new Uint8Array(this.view.buffer, at, EVENT_BYTES).slice();
    reader.release((reader.cursor + 1) >>> 0);
    let committedNs = 0;
    const stamping = new Proxy(adapter, {
      get(target, property) {
        if (property === 'submit') return (order: VenueOrderRequest): void => { committedNs = monotonicNs(); target.submit(order); };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const commands = new JournaledCommands(this.journal, stamping);
    commands.push({ command, bytes });
    commands.flush();
    this.commits++;
    if (committedNs === 0) throw new Error(`adapters bench: order ${command.orderId} was not sent`);
    return { readNs, committedNs, orderId: command.orderId };
  }

  async close(): Promise<void> {
    this.journal.commit();
    await this.host.drainAndStop();
    this.journal.close();
  }
}
