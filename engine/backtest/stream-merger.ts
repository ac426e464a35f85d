// Merges the run's market streams into one arrival-ordered sequence of 64-byte event
// records, copied straight from the sources' blocks into the destination (the inbound ring's
// slots): no record is decoded or re-encoded on the way.
//
// Order: by ts_local (the time a record became known), ties by stream index (the order of
// --data), so the same inputs always give the same sequence. Each stream is read one block
// ahead at most, so memory stays constant whatever the range.
//
//   stream 0  [blk: r r r r r ...]--+
//   stream 1  [blk: r r r ...]  ----+--> pick the smallest head, copy its run of records that
//   stream 2  [blk: r r r r ...]----+    still precede every other head -> destination slots
//
// Two streams of one instrument and one kind of market record (bars, trades, quotes) must not
// overlap in time: the same data given twice (plain and .gz, a file and a store), or two
// venues' data under one symbol, would interleave into one instrument's series (each bar
// traded twice, prices jumping between sources). One may follow the other (a file per month):
// a stream of that instrument and kind may start once the one before it is exhausted.
//
// `fill` is synchronous and stops when the stream it copies from runs out of its block;
// `refill` (async) then fetches the next block. Blocks may be reused by their source once
// the next is fetched: records are copied before that.
import type { MarketStream, RecordBlock } from '../replay/index.js';
import { RECORD_BYTES } from '../replay/index.js';
import { EventKind, KIND_MASK } from '../layout/event-record.js';

const TS_LOCAL_LO = 16;
const TS_LOCAL_HI = 20;

interface Cursor {
  readonly index: number;
  readonly label: string;
  readonly instrument: number;
  readonly iterator: AsyncIterator<RecordBlock>;
  block: Uint8Array;
  view: DataView;
  count: number;
  next: number;
  done: boolean;
  /** Records copied from this stream so far. */
  taken: number;
  /** ts_local of the last record copied (hi, lo): streams must not go back in time. */
  lastHi: number;
  lastLo: number;
}

/** Where merged records go: `write(bytes, from, count)` copies `count` records of `bytes` starting at record `from`. */
export type RecordSink = (bytes: Uint8Array, fromRecord: number, count: number) => void;

export class BacktestStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestStreamError';
  }
}

export class StreamMerger {
  private readonly cursors: Cursor[];
  /** Records copied so far. */
  copied = 0;
  /** The stream each (instrument, market kind) last took records from (index: instrument * 4 + kind slot). */
  private readonly owners: (Cursor | undefined)[] = [];

  private constructor(cursors: Cursor[]) {
    this.cursors = cursors;
  }

  /** Opens every stream with its instrument id and reads its first block. */
  static async open(streams: readonly { stream: MarketStream; instrument: number }[]): Promise<StreamMerger> {
    const cursors = streams.map(({ stream, instrument }, index): Cursor => ({
      index,
      label: stream.label,
      instrument,
      iterator: stream.blocks(instrument)[Symbol.asyncIterator](),
      block: new Uint8Array(0),
      view: new DataView(new ArrayBuffer(0)),
      count: 0,
      next: 0,
      done: false,
      taken: 0,
      lastHi: -0x8000_0000,
      lastLo: 0,
    }));
    const merger = new StreamMerger(cursors);
    for (const cursor of cursors) await merger.load(cursor);
    return merger;
  }

  /** ts_local of the earliest record not yet copied (0n when every stream is exhausted). */
  firstTimeNs(): bigint {
    let first: bigint | undefined;
    for (const c of this.cursors) {
      if (c.done || c.next >= c.count) continue;
      const ns = c.view.getBigInt64(c.next * RECORD_BYTES + TS_LOCAL_LO, true);
      if (first === undefined || ns < first) first = ns;
    }
    return first ?? 0n;
  }

  /** True once every stream is exhausted. */
  get finished(): boolean {
    return this.cursors.every((c) => c.done);
  }

  /** True when some live stream has no record left in its block (call refill before fill). */
  get needsRefill(): boolean {
    return this.cursors.some((c) => !c.done && c.next >= c.count);
  }

  /** Fetches the next block of every live stream whose block is used up. */
  async refill(): Promise<void> {
    for (const cursor of this.cursors) if (!cursor.done && cursor.next >= cursor.count) await this.load(cursor);
  }

  /**
   * Copies up to `max` records in arrival order to `sink`. Stops early when the stream it
   * copies from needs its next block. Returns the records copied (0: finished or refill needed).
   */
  fill(max: number, sink: RecordSink): number {
    let written = 0;
    const cursors = this.cursors;
    while (written < max) {
      // The stream with the smallest head (ties: lowest index), and the head that bounds its run.
      let pick: Cursor | undefined;
      let pickHi = 0;
      let pickLo = 0;
      let boundHi = 0x7fff_ffff;
      let boundLo = 0xffff_ffff;
      let boundIndex = Number.MAX_SAFE_INTEGER;
      for (const c of cursors) {
        if (c.done) continue;
        if (c.next >= c.count) return written; // a live stream must show its head before anything passes it
        const at = c.next * RECORD_BYTES;
        const hi = c.view.getInt32(at + TS_LOCAL_HI, true);
        const lo = c.view.getUint32(at + TS_LOCAL_LO, true);
        if (pick === undefined || hi < pickHi || (hi === pickHi && lo < pickLo)) {
          if (pick !== undefined) [boundHi, boundLo, boundIndex] = [pickHi, pickLo, pick.index];
          pick = c;
          pickHi = hi;
          pickLo = lo;
        } else if (hi < boundHi || (hi === boundHi && lo < boundLo)) {
          [boundHi, boundLo, boundIndex] = [hi, lo, c.index];
        }
      }
      if (pick === undefined) return written;
      this.checkOwner(pick);
      // The run: pick's records that precede the bound (equal times pass only a higher-index bound).
      const limit = Math.min(pick.count, pick.next + (max - written));
      let end = pick.next;
      const passEqual = pick.index < boundIndex;
      let lastHi = pick.lastHi;
      let lastLo = pick.lastLo;
      while (end < limit) {
        const at = end * RECORD_BYTES;
        const hi = pick.view.getInt32(at + TS_LOCAL_HI, true);
        const lo = pick.view.getUint32(at + TS_LOCAL_LO, true);
        if (hi < lastHi || (hi === lastHi && lo < lastLo)) this.wentBack(pick, end, hi, lo, lastHi, lastLo);
        if (hi > boundHi || (hi === boundHi && (lo > boundLo || (lo === boundLo && !passEqual)))) break;
        lastHi = hi;
        lastLo = lo;
        end++;
      }
      pick.lastHi = lastHi;
      pick.lastLo = lastLo;
      const n = end - pick.next;
      sink(pick.block, pick.next, n);
      pick.next = end;
      pick.taken += n;
      written += n;
      this.copied += n;
      if (pick.next >= pick.count) return written;
    }
    return written;
  }

  /** Ends every stream's iteration early (sources close their files). */
  async close(): Promise<void> {
    for (const cursor of this.cursors) {
      if (!cursor.done) {
        cursor.done = true;
        await cursor.iterator.return?.();
      }
    }
  }

  private async load(cursor: Cursor): Promise<void> {
    for (;;) {
      const result = await cursor.iterator.next();
      if (result.done) {
        cursor.done = true;
        cursor.count = 0;
        cursor.next = 0;
        return;
      }
      const { count, bytes } = result.value;
      if (bytes.byteLength < count * RECORD_BYTES) {
        throw new BacktestStreamError(`${cursor.label}: a block of ${count} records holds only ${bytes.byteLength} bytes (needs ${count * RECORD_BYTES})`);
      }
      if (count === 0) continue;
      cursor.block = bytes;
      cursor.view = new DataView(bytes.buffer, bytes.byteOffset, count * RECORD_BYTES);
      cursor.count = count;
      cursor.next = 0;
      return;
    }
  }

  /** Refuses a run of market records whose instrument and kind another live stream already fed (see the header). */
  private checkOwner(pick: Cursor): void {
    const kind = pick.view.getUint32(pick.next * RECORD_BYTES, true) & KIND_MASK;
    const slot = kind === EventKind.BAR ? 1 : kind === EventKind.TRADE ? 2 : kind === EventKind.QUOTE ? 3 : 0;
    if (slot === 0) return;
    const key = pick.instrument * 4 + slot;
    const owner = this.owners[key];
    if (owner === pick) return;
    if (owner !== undefined && !owner.done) {
      const what = slot === 1 ? 'bars' : slot === 2 ? 'trades' : 'quotes';
      const at = pick.view.getBigInt64(pick.next * RECORD_BYTES + TS_LOCAL_LO, true);
      throw new BacktestStreamError(
        `${pick.label} and ${owner.label} overlap in time (${what} of one instrument; ${pick.label} has a record at ${new Date(Number(at / 1_000_000n)).toISOString()} before ${owner.label} ends): the same data given twice, or two sources under one symbol; give each period once`,
      );
    }
    if (owner !== undefined && slot === 1) {
      // Bars of one instrument are one per time: a source that starts with the bar the one before
      // it ended with (a month's file repeating the last bar of the month before) would play that bar twice.
      const hi = pick.view.getInt32(pick.next * RECORD_BYTES + TS_LOCAL_HI, true);
      const lo = pick.view.getUint32(pick.next * RECORD_BYTES + TS_LOCAL_LO, true);
      if (hi === owner.lastHi && lo === owner.lastLo >>> 0) {
        const at = pick.view.getBigInt64(pick.next * RECORD_BYTES + TS_LOCAL_LO, true);
        throw new BacktestStreamError(
          `${pick.label} starts with the bar ${owner.label} ends with (both close at ${new Date(Number(at / 1_000_000n)).toISOString()}): the same bar would play twice; give each period once`,
        );
      }
    }
    this.owners[key] = pick;
  }

  private wentBack(cursor: Cursor, record: number, hi: number, lo: number, lastHi: number, lastLo: number): never {
    const ns = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    const last = (BigInt(lastHi) << 32n) | BigInt(lastLo >>> 0);
    throw new BacktestStreamError(`${cursor.label}: record ${cursor.taken + record - cursor.next + 1} arrives at ${ns} ns, before the previous one at ${last} ns: a stream must be in time order`);
  }
}
