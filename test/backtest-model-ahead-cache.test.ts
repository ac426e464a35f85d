// The ML expert's answers ahead of a backtest, keyed by the bars (engine/backtest model-ahead.ts,
// issue 14's benchmark goal): a hit in the ahead cache is found from the bars alone, without the
// features, and gives the same MODEL records byte for byte; any change of a bar, of the warm-up
// split or of the model is another key. Also: foldsFor (no BigInt per row) equals foldFor.
// Oracles: modelRecordsAhead without a cache (features + predictAhead), QuantileModelSet.foldFor.
// Data: the bundled BTCUSDT 1h bars and data/models/btc-1h-q5 (committed; no Python).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { MemoryStream, modelRecordsAhead, type AheadInstrument, type ModelAhead } from '../engine/backtest/index.js';
import { modelSummaryLines, servedModelReport } from '../engine/backtest/backtest-model.js';
import { AheadCache, QuantileModelSet } from '../engine/models/index.js';
import { RECORD_BYTES } from '../engine/replay/index.js';

const root = resolve(import.meta.dirname, '..');
const BTC = join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const MODEL = join(root, 'data', 'models', 'btc-1h-q5');

let set: QuantileModelSet;
let bars: MemoryStream;
let plain: ModelAhead;
const dirs: string[] = [];

const instrumentOf = (run: MemoryStream, warmup: MemoryStream[] = []): AheadInstrument[] => [{ instrument: 0, symbol: 'BTCUSDT', barIntervalNs: run.barIntervalNs!, warmup, run: [run] }];
const modelBytes = (a: ModelAhead): Buffer => Buffer.concat([...a.warmupModelStreams, ...a.modelStreams].map(({ stream }) => stream.bytes));
const counts = (a: ModelAhead) => ({ bars: a.stats.bars, warmupBars: a.stats.warmupBars, nonFiniteRows: a.stats.nonFiniteRows, noFoldBars: a.stats.noFoldBars, predictions: a.stats.predictions, crossedRows: a.stats.crossedRows, rowsPerFold: a.stats.rowsPerFold });
function tempCache(): AheadCache {
  const dir = mkdtempSync(join(tmpdir(), 'qf-ahead-bars-'));
  dirs.push(dir);
  return AheadCache.open(dir);
}

beforeAll(async () => {
  set = await QuantileModelSet.load(MODEL, { threads: 1 });
  bars = await MemoryStream.load((await openDataSources([{ source: BTC }], {}))[0]);
  plain = await modelRecordsAhead(set, instrumentOf(bars));
}, 120_000);

afterAll(async () => {
  await set?.release();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the ahead cache keyed by the bars', () => {
  it('a hit gives the same MODEL records and counts as running the model, and its features (computed on demand) are the same bytes', async () => {
    const cache = tempCache();
    try {
      const stored = await modelRecordsAhead(set, instrumentOf(bars), { cache });
      expect([stored.stats.cacheHits, stored.stats.cacheMisses], 'the first run computes and stores').toEqual([0, 1]);
      const hit = await modelRecordsAhead(set, instrumentOf(bars), { cache });
      expect([hit.stats.cacheHits, hit.stats.cacheMisses], 'the second run is a hit').toEqual([1, 0]);
      expect(modelBytes(stored).equals(modelBytes(plain)), 'stored run: the same MODEL records as without a cache').toBe(true);
      expect(modelBytes(hit).equals(modelBytes(plain)), 'hit: the same MODEL records, byte for byte').toBe(true);
      expect(counts(hit), 'the same counts (non-finite rows kept apart from rows before the first fold)').toEqual(counts(plain));
      expect(plain.stats.nonFiniteRows, 'the indicator warm-up gives non-finite rows').toBeGreaterThan(0);
      expect(plain.stats.noFoldBars, 'bars before the first fold').toBeGreaterThan(2000);
      const f = new Uint8Array(plain.bars[0].features.buffer);
      expect(Buffer.from(new Uint8Array(hit.bars[0].features.buffer)).equals(Buffer.from(f)), 'the features of a hit, computed when read').toBe(true);
      expect(Buffer.from(new Uint8Array(hit.bars[0].closeNs.buffer)).equals(Buffer.from(new Uint8Array(plain.bars[0].closeNs.buffer)))).toBe(true);
    } finally {
      await cache.close();
    }
  }, 120_000);

  it('another bar, another warm-up split or another model is another key: computed again, never served stale', async () => {
    const cache = tempCache();
    try {
      await modelRecordsAhead(set, instrumentOf(bars), { cache });
      // One close price changed near the end: the features (and maybe the answers) of the last bars change.
      const changed = new Uint8Array(bars.bytes);
      const view = new DataView(changed.buffer);
      const last = bars.expectedRows - 3;
      view.setFloat64(last * RECORD_BYTES + 24, view.getFloat64(last * RECORD_BYTES + 24, true) * 1.01, true);
      const other = await modelRecordsAhead(set, instrumentOf(MemoryStream.fromRecords(bars, changed)), { cache });
      expect([other.stats.cacheHits, other.stats.cacheMisses], 'a changed close price misses').toEqual([0, 1]);
      const reference = await modelRecordsAhead(set, instrumentOf(MemoryStream.fromRecords(bars, changed)));
      expect(modelBytes(other).equals(modelBytes(reference)), 'and gives the answers of the changed bars').toBe(true);
      expect(modelBytes(other).equals(modelBytes(plain)), 'which differ from the original bars\' answers').toBe(false);
      // The same bars split into a warm-up and a run: another key (the split decides which records are warm-up).
      const cut = 5000 * RECORD_BYTES;
      const warm = MemoryStream.fromRecords(bars, bars.bytes.slice(0, cut));
      const run = MemoryStream.fromRecords(bars, bars.bytes.slice(cut));
      const split = await modelRecordsAhead(set, instrumentOf(run, [warm]), { cache });
      expect([split.stats.cacheHits, split.stats.cacheMisses], 'a warm-up split misses').toEqual([0, 1]);
      expect(modelBytes(split).equals(modelBytes(plain)), 'warm-up then run: the same records in the same order').toBe(true);
      const splitHit = await modelRecordsAhead(set, instrumentOf(run, [warm]), { cache });
      expect(splitHit.stats.cacheHits).toBe(1);
      expect(Buffer.concat(splitHit.warmupModelStreams.map(({ stream }) => stream.bytes)).equals(Buffer.concat(split.warmupModelStreams.map(({ stream }) => stream.bytes))), 'the warm-up records from the cache').toBe(true);
      // The same model version loaded again (1 row per onnxruntime call, in this thread): the same hash, a hit.
      const chunked = await QuantileModelSet.load(MODEL, { chunkRows: 1, aheadWorkers: 1 });
      try {
        const again = await modelRecordsAhead(chunked, instrumentOf(bars), { cache });
        expect(again.stats.cacheHits, 'the same model version, loaded again, hits').toBe(1);
      } finally {
        await chunked.release();
      }
    } finally {
      await cache.close();
    }
  }, 180_000);
});

describe('the ahead cache and model.threads', () => {
  it('answers computed in this thread with 2 intra-op threads are never served to a threads: 1 run', async () => {
    const cache = tempCache();
    // The last 3,500 bars: fewer rows than aheadMinRows, so the answers are computed in this thread.
    const tail = MemoryStream.fromRecords(bars, bars.bytes.slice((bars.expectedRows - 3500) * RECORD_BYTES));
    const two = await QuantileModelSet.load(MODEL, { threads: 2, aheadWorkers: 1 });
    try {
      const stored = await modelRecordsAhead(two, instrumentOf(tail), { cache });
      expect([stored.stats.cacheHits, stored.stats.cacheMisses], 'the 2-thread run computes and stores').toEqual([0, 1]);
      const one = await modelRecordsAhead(set, instrumentOf(tail), { cache });
      expect([one.stats.cacheHits, one.stats.cacheMisses], 'the threads: 1 run misses the 2-thread answers').toEqual([0, 1]);
      const reference = await modelRecordsAhead(set, instrumentOf(tail));
      expect(modelBytes(one).equals(modelBytes(reference)), 'and gives the 1-thread answers').toBe(true);
      const again = await modelRecordsAhead(two, instrumentOf(tail), { cache });
      expect(again.stats.cacheHits, 'the 2-thread run hits its own answers').toBe(1);
    } finally {
      await two.release();
      await cache.close();
    }
  }, 120_000);
});

describe('non-finite model outputs', () => {
  it('are counted apart from predictions (and per fold), in the stats and the summary', async () => {
    const broken = await QuantileModelSet.load(MODEL, { threads: 1, aheadWorkers: 1 });
    try {
      // A graph returning NaN or Infinity for every 5th row it is given.
      const parts = broken.predictAheadParts.bind(broken);
      broken.predictAheadParts = (times, rows, n, out, ends) => parts(times, rows, n, out, ends).map((part) => part.then(() => {
        for (let i = 0; i < n; i += 5) out[i * 5 + (i % 2 === 0 ? 1 : 4)] = i % 2 === 0 ? NaN : -Infinity;
      }));
      const ahead = await modelRecordsAhead(broken, instrumentOf(bars));
      const nonFinite = ahead.stats.nonFiniteOutputs;
      expect(nonFinite, 'the rows with a fold among the broken ones').toBeGreaterThan(2000);
      expect(ahead.stats.predictions + nonFinite, 'predictions exclude them').toBe(plain.stats.predictions);
      expect(ahead.stats.rowsPerFold.reduce((a, b) => a + b, 0), 'per fold too').toBe(ahead.stats.predictions);
      expect(plain.stats.nonFiniteOutputs, 'the committed model gives none').toBe(0);
      const report = servedModelReport({ set: broken, source: MODEL, instruments: ['BTCUSDT'], without: [], stats: ahead.stats });
      expect(report).toMatchObject({ nonFiniteOutputs: nonFinite, predictions: ahead.stats.predictions });
      const lines = modelSummaryLines(report);
      expect(lines[0]).toMatch(new RegExp(`bars before the first fold was trained, ${nonFinite.toLocaleString('en-US')} non-finite model outputs\\)`));
      expect(lines[1]).toMatch(/^ML expert: [0-9,]+ of the model's answers had a NaN or infinite quantile: not predictions/);
    } finally {
      await broken.release();
    }
  }, 120_000);
});

describe('foldsFor', () => {
  it('gives foldFor\'s fold for every time: each fold boundary, one ns either side, the bars, negative and extreme times', () => {
    const times: bigint[] = [0n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n)];
    for (const fold of set.metadata.folds) for (const d of [-(2n ** 32n), -1n, 0n, 1n, 2n ** 32n]) times.push(fold.availableFromNs + d);
    const closes = plain.bars[0].closeNs;
    for (let i = 0; i < closes.length; i += 7) times.push(closes[i]);
    const array = BigInt64Array.from(times);
    const folds = set.foldsFor(array, array.length, new Int32Array(array.length));
    for (let i = 0; i < array.length; i++) expect(folds[i], `time ${array[i]}`).toBe(set.foldFor(array[i]));
    const offset = new BigInt64Array(new ArrayBuffer((array.length + 1) * 8), 8, array.length);
    offset.set(array);
    expect([...set.foldsFor(offset, offset.length, new Int32Array(offset.length))], 'a view that does not start its buffer').toEqual([...folds]);
    expect(new Set(folds).size, 'every fold and -1 appear').toBe(set.foldCount + 1);
  });
});
