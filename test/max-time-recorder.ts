// Test instrumentation for the final reserve: a stream wrapper that keeps the largest ts_local
// (the time a record became available) of what a command read through it. The walkforward,
// label and regime fit tests wrap the research streams with it to show that nothing at or after
// the reserve start was read without --final.
import { RECORD_BYTES, type MarketStream } from '../engine/replay/index.js';

/** Wraps a stream, keeping the largest ts_local it yielded in `seen.maxNs`. */
export function maxTimeRecorder(seen: { maxNs: bigint }) {
  return (stream: MarketStream): MarketStream => ({
    label: stream.label, symbol: stream.symbol, kind: stream.kind, barIntervalNs: stream.barIntervalNs, expectedRows: stream.expectedRows,
    issues: () => stream.issues(),
    async *blocks(instrument: number) {
      for await (const block of stream.blocks(instrument)) {
        const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.count * RECORD_BYTES);
        for (let r = 0; r < block.count; r++) { const ns = view.getBigInt64(r * RECORD_BYTES + 16, true); if (ns > seen.maxNs) seen.maxNs = ns; }
        yield block;
      }
    },
  });
}
