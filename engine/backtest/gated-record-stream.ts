// A market stream over records in memory whose later records are still being written: the
// ML expert's MODEL records while the ahead pool computes their quantiles (model-ahead.ts).
// Gates say how far the records may be read: records [0, gate.records) are complete once
// gate.ready resolves. blocks() awaits each gate in order before yielding the records it
// covers (so a gate's records come once it and every earlier gate opened), so
// the StreamMerger (refill, on the I/O thread) waits for an answer it needs before feeding it;
// the engine thread never waits on another thread, it only sees records arrive later.
//
//   bytes:  | rec 0 | rec 1 | ... | rec a-1 | rec a | ... | rec b-1 | ... | rec n-1 |
//   gates:  |<-- gate 0: a records -------->|<-- gate 1: b --------->| ... last: n
//           (ready 0 resolved: readable)     (ready 1 pending: blocks() awaits it)
//
// The records are the same bytes a MemoryStream of the finished buffer holds, so a run plays
// the same sequence either way.
import type { MarketRecordKind, MarketStream, RecordBlock, StreamIssue } from '../replay/index.js';
import { RECORD_BYTES } from '../replay/index.js';

const BLOCK_RECORDS = 16_384;

/** Records [0, records) of the stream are written once `ready` resolves. */
export interface RecordGate {
  readonly records: number;
  readonly ready: Promise<void>;
}

export class GatedRecordStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  readonly barIntervalNs?: bigint;
  /** The instrument id the records hold (-1: unknown, rewritten on the first read). */
  private instrument = -1;

  /**
   * `bytes`: 64-byte event records in ts_local order; `gates`: non-decreasing record counts, the last covering every record.
   */
  constructor(like: Pick<MarketStream, 'label' | 'symbol' | 'kind' | 'barIntervalNs'>, readonly bytes: Uint8Array, readonly gates: readonly RecordGate[]) {
    if (bytes.byteLength % RECORD_BYTES !== 0) throw new RangeError(`\`bytes\` must hold whole 64-byte records, had ${bytes.byteLength} bytes`);
    const n = bytes.byteLength / RECORD_BYTES;
    let last = 0;
    for (const [k, gate] of gates.entries()) {
      if (!Number.isInteger(gate.records) || gate.records < last || gate.records > n) throw new RangeError(`gate ${k}: \`records\` must be an integer in [${last}, ${n}], was ${gate.records}`);
      last = gate.records;
    }
    if (last !== n) throw new RangeError(`the last gate must cover all ${n} records, covered ${last}`);
    this.label = like.label;
    this.symbol = like.symbol;
    this.kind = like.kind;
    this.barIntervalNs = like.barIntervalNs;
    // A gate the run never reaches (stopped early) must not report an unhandled rejection.
    for (const gate of gates) gate.ready.catch(() => undefined);
  }

  get expectedRows(): number {
    return this.bytes.byteLength / RECORD_BYTES;
  }

  /** Records [from, to) as their own gated stream (the same bytes, the gates clipped). */
  slice(from: number, to: number): GatedRecordStream {
    const clip = (records: number): number => Math.min(Math.max(records - from, 0), to - from);
    const gates = this.gates.filter((g) => g.records > from).map((g) => ({ records: clip(g.records), ready: g.ready }));
    if (gates.length === 0 || gates[gates.length - 1].records !== to - from) gates.push({ records: to - from, ready: Promise.resolve() });
    return new GatedRecordStream(this, this.bytes.subarray(from * RECORD_BYTES, to * RECORD_BYTES), gates);
  }

  /** The records of each gate once it is ready, with `instrument` written into each (as MemoryStream does). */
  async *blocks(instrument: number): AsyncIterable<RecordBlock> {
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const rewrite = instrument !== this.instrument;
    let start = 0;
    for (const gate of this.gates) {
      await gate.ready; // in order: a gate's records come once it and every earlier gate opened

      while (start < gate.records) {
        const count = Math.min(BLOCK_RECORDS, gate.records - start);
        if (rewrite) for (let r = start; r < start + count; r++) view.setInt32(r * RECORD_BYTES + 4, instrument, true);
        yield { count, bytes: this.bytes.subarray(start * RECORD_BYTES, (start + count) * RECORD_BYTES) };
        start += count;
      }
    }
    this.instrument = instrument;
  }

  issues(): readonly StreamIssue[] {
    return [];
  }
}
