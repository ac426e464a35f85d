import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamMerger, BacktestStreamError } from './stream-merger.js';
import type { MarketStream, RecordBlock } from '../replay/index.js';
import { EventKind } from '../layout/event-record.js';

/** A stream of records with the given ts_local values, in blocks of `blockSize`, reusing one buffer like a file source. */
function streamOf(label: string, times: readonly bigint[], blockSize: number, kindWord = 0): MarketStream {
  return {
    label,
    symbol: label,
    kind: 'trades',
    issues: () => [],
    async *blocks(instrument: number): AsyncIterable<RecordBlock> {
      const buffer = new Uint8Array(blockSize * 64);
      const view = new DataView(buffer.buffer);
      for (let start = 0; start < times.length; start += blockSize) {
        const count = Math.min(blockSize, times.length - start);
        buffer.fill(0);
        for (let k = 0; k < count; k++) {
          view.setUint32(k * 64, kindWord, true);
          view.setInt32(k * 64 + 4, instrument, true);
          view.setBigInt64(k * 64 + 16, times[start + k], true);
          view.setFloat64(k * 64 + 24, start + k, true); // the row number, to check order within a stream
        }
        yield { count, bytes: buffer.subarray(0, count * 64) };
      }
    },
  };
}

async function mergeAll(streams: MarketStream[], max: number): Promise<{ instrument: number; ts: bigint; row: number }[]> {
  const merger = await StreamMerger.open(streams.map((stream, instrument) => ({ stream, instrument })));
  const out: { instrument: number; ts: bigint; row: number }[] = [];
  const sink = (bytes: Uint8Array, from: number, count: number): void => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = from; r < from + count; r++) out.push({ instrument: view.getInt32(r * 64 + 4, true), ts: view.getBigInt64(r * 64 + 16, true), row: view.getFloat64(r * 64 + 24, true) });
  };
  for (;;) {
    if (merger.needsRefill) await merger.refill();
    if (merger.finished) break;
    merger.fill(max, sink);
  }
  return out;
}

describe('StreamMerger', () => {
  it('orders records by ts_local, ties by stream index, whatever the block and batch sizes', async () => {
    const sortedTimes = fc.array(fc.bigInt({ min: 0n, max: 50n }), { maxLength: 60 }).map((xs) => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    await fc.assert(
      fc.asyncProperty(fc.array(sortedTimes, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), async (lists, blockSize, max) => {
        const merged = await mergeAll(lists.map((times, i) => streamOf(`s${i}`, times, blockSize)), max);
        const expected = lists
          .flatMap((times, instrument) => times.map((ts, row) => ({ instrument, ts, row })))
          .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.instrument - b.instrument || a.row - b.row));
        expect(merged).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('handles times beyond 2^32 ns and negative-free 64-bit ordering across the word boundary', async () => {
    const a = [0xffff_ffffn, 0x1_0000_0000n, 1_723_161_240_000_000_000n];
    const b = [0x1_0000_0000n, 1_723_161_239_999_999_999n];
    const merged = await mergeAll([streamOf('a', a, 2), streamOf('b', b, 1)], 100);
    expect(merged.map((r) => [r.instrument, r.ts])).toEqual([
      [0, 0xffff_ffffn], [0, 0x1_0000_0000n], [1, 0x1_0000_0000n], [1, 1_723_161_239_999_999_999n], [0, 1_723_161_240_000_000_000n],
    ]);
  });

  it('rejects a stream that goes back in time, naming it', async () => {
    await expect(mergeAll([streamOf('late.csv', [5n, 7n, 6n], 8)], 10)).rejects.toThrow(BacktestStreamError);
    await expect(mergeAll([streamOf('late.csv', [5n, 7n, 6n], 8)], 10)).rejects.toThrow(/late\.csv: .*before the previous one at 7 ns/);
  });

  it('refuses a bar source that starts with the bar the one before it ended with (it would play twice)', async () => {
    const bars = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
    const play = async (first: bigint[], second: bigint[]): Promise<number> => {
      const merger = await StreamMerger.open([
        { stream: streamOf('april.csv', first, 4, bars), instrument: 0 },
        { stream: streamOf('may.csv', second, 4, bars), instrument: 0 },
      ]);
      let copied = 0;
      try {
        for (;;) {
          if (merger.needsRefill) await merger.refill();
          if (merger.finished) return copied;
          copied += merger.fill(16, () => undefined);
        }
      } finally {
        await merger.close();
      }
    };
    // One after the other: one series.
    expect(await play([1n, 2n, 3n], [4n, 5n])).toBe(5);
    // The second repeats the first's last bar.
    await expect(play([1n, 2n, 3n], [3n, 4n, 5n])).rejects.toThrow(/may\.csv starts with the bar april\.csv ends with \(both close at .*\): the same bar would play twice/);
  });

  it('reports the earliest pending time', async () => {
    const merger = await StreamMerger.open([{ stream: streamOf('a', [9n, 10n], 4), instrument: 0 }, { stream: streamOf('b', [3n], 4), instrument: 1 }]);
    expect(merger.firstTimeNs()).toBe(3n);
    await merger.close();
  });
});
