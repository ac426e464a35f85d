// Client order ids that stay unique across restarts: a high-water mark persisted in LMDB,
// leased ahead in blocks. Before an ORDER record with an id beyond the lease leaves the
// process, the lease is extended with a synchronous (durable) write, so no id that ever left
// can be handed out again after a crash; a restart starts past the lease. A backtest needs
// none of this: its ids start at 1 in its own run.
//
//   db "order-ids"  key "leased" -> the highest id that may have been used (a decimal string)
import type { Database, RootDatabase } from 'lmdb';

/** Ids leased per durable write: one write per this many orders. */
export const ORDER_ID_BLOCK = 10_000n;
/** Largest id the core takes (exact in an f64 field). */
const MAX_ORDER_ID = (1n << 53n) - 1n;

export class OrderIdLease {
  private readonly db: Database<string, string>;
  private leased: bigint;

  constructor(root: RootDatabase, private readonly block: bigint = ORDER_ID_BLOCK) {
    if (block < 1n) throw new RangeError(`\`block\` must be >= 1, was ${block}`);
    this.db = root.openDB<string, string>({ name: 'order-ids', encoding: 'string' });
    const stored = this.db.get('leased');
    this.leased = stored === undefined ? 0n : BigInt(stored);
  }

  /** The first id this run may use: one past every id a previous run may have sent. */
  firstId(): bigint {
    if (this.leased >= MAX_ORDER_ID) throw new RangeError(`order ids are exhausted: the lease reached ${this.leased}`);
    return this.leased + 1n;
  }

  /** The highest id covered by the lease. */
  get highWaterMark(): bigint {
    return this.leased;
  }

  /** Makes sure `id` is covered before it leaves the process: extends the lease durably when it is not. */
  ensure(id: bigint): void {
    if (id <= this.leased) return;
    const next = id + this.block - 1n > MAX_ORDER_ID ? MAX_ORDER_ID : id + this.block - 1n;
    this.db.putSync('leased', String(next));
    this.leased = next;
  }
}
