// The ahead pool and the ahead-prediction cache (issue 14 follow-ups): predictAhead on worker
// threads gives the bytes predictRow gives (oracle: predictRow per row, in this thread, with the
// fold picked by a linear scan of model.json), and a cache hit gives the bytes that were stored,
// so a backtest's MODEL records are the same from the cache as from the model.
// Data: data/models/btc-1h-q5 and the bundled BTCUSDT 1h bars (committed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { modelRecordsAhead } from '../engine/backtest/index.js';
import { AheadCache, QuantileModelSet, aheadCacheKey } from '../engine/models/index.js';

const root = resolve(import.meta.dirname, '..');
const MODEL = join(root, 'data', 'models', 'btc-1h-q5');
const BTC = join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');

let inThread: QuantileModelSet;
let pooled: QuantileModelSet;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'qf-ahead-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  inThread = await QuantileModelSet.load(MODEL, { aheadWorkers: 1 });
  pooled = await QuantileModelSet.load(MODEL, { aheadWorkers: 2, aheadMinRows: 0 });
});

afterAll(async () => {
  await inThread?.release();
  await pooled?.release();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** n seeded rows drawn from the last fold's training deciles, some with a NaN, times spanning before fold 0 to past the last fold. */
function rowsAndTimes(set: QuantileModelSet, n: number): { rows: Float64Array; times: BigInt64Array } {
  const m = set.metadata;
  const f = m.features.length;
  let s = 12345;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const bins = m.folds[m.folds.length - 1].featureBins;
  const rows = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const e = bins[m.features[j]].edges;
      const k = Math.floor(u() * 8);
      rows[i * f + j] = e[k] + (e[k + 1] - e[k]) * u();
    }
    if (i % 97 === 5) rows[i * f + (i % f)] = NaN;
  }
  const first = m.folds[0].availableFromNs;
  const last = m.folds[m.folds.length - 1].availableFromNs;
  const span = (last - first) * 2n;
  const times = new BigInt64Array(n);
  for (let i = 0; i < n; i++) times[i] = first - span / 10n + (span * BigInt((i * 7919) % n)) / BigInt(n);
  return { rows, times };
}

function foldByScan(set: QuantileModelSet, t: bigint): number {
  let fold = -1;
  set.metadata.folds.forEach((f, k) => { if (f.availableFromNs < t) fold = k; });
  return fold;
}

describe('predictAhead on the ahead pool', () => {
  it('gives predictRow\'s bytes for every row, NaNs for non-finite rows and rows before the first fold, and the in-thread stats', async () => {
    const n = 3000;
    const f = pooled.metadata.features.length;
    const { rows, times } = rowsAndTimes(pooled, n);
    const outPool = new Float64Array(n * 5);
    const outThread = new Float64Array(n * 5);
    const statsPool = await pooled.predictAhead(times, rows, n, outPool);
    const statsThread = await inThread.predictAhead(times, rows, n, outThread);
    expect(statsPool, 'the pool counts rows like the in-thread path').toEqual(statsThread);
    expect(statsPool.noFoldRows, 'the times start before the first fold').toBeGreaterThan(0);
    expect(statsPool.nonFiniteRows, 'some rows have a NaN').toBeGreaterThan(0);
    const q = new Float64Array(5);
    let predicted = 0;
    for (let i = 0; i < n; i++) {
      const fold = foldByScan(inThread, times[i]);
      const row = rows.subarray(i * f, (i + 1) * f);
      if (fold < 0 || !row.every(Number.isFinite)) {
        for (let k = 0; k < 5; k++) expect(Number.isNaN(outPool[i * 5 + k]), `row ${i} (fold ${fold}) gets NaN`).toBe(true);
        continue;
      }
      await inThread.predictRow(fold, row, q);
      for (let k = 0; k < 5; k++) expect(Object.is(outPool[i * 5 + k], q[k]), `row ${i} q${k}: pool ${outPool[i * 5 + k]}, predictRow ${q[k]}`).toBe(true);
      predicted++;
    }
    expect(predicted).toBe(statsPool.rows);
  });
});

describe('predictAheadParts', () => {
  it('gives predictAhead\'s bytes, each part complete when its promise resolves, on the pool and in this thread', async () => {
    const n = 2500;
    const { rows, times } = rowsAndTimes(pooled, n);
    const reference = new Float64Array(n * 5);
    await inThread.predictAhead(times, rows, n, reference);
    const ends = [0, 300, 300, 1200, 2499, 2500];
    for (const set of [pooled, inThread]) {
      const out = new Float64Array(n * 5).fill(7);
      const parts = set.predictAheadParts(times, rows, n, out, ends);
      expect(parts.length, 'one promise per part').toBe(ends.length);
      for (let k = 0; k < parts.length; k++) {
        await parts[k];
        const from = k === 0 ? 0 : ends[k - 1];
        const got = Buffer.from(out.buffer, from * 40, (ends[k] - from) * 40);
        const want = Buffer.from(reference.buffer, from * 40, (ends[k] - from) * 40);
        expect(got.equals(want), `${set === pooled ? 'pool' : 'in thread'}: part ${k} (rows ${from}..${ends[k]}) has predictAhead's bytes once it resolved`).toBe(true);
      }
    }
  });

  it('rejects parts that go back or do not end at n, naming the value', () => {
    const { rows, times } = rowsAndTimes(pooled, 10);
    const out = new Float64Array(50);
    expect(() => pooled.predictAheadParts(times, rows, 10, out, [5, 3, 10])).toThrow('ends[1] was 3 (after 5)');
    expect(() => pooled.predictAheadParts(times, rows, 10, out, [5, 9])).toThrow('the last of `ends` must be n = 10, was 9');
  });
});

describe('the ahead cache', () => {
  it('returns the stored bytes (NaNs included) for the same key, nothing for another key, and evicts the oldest past its bound', async () => {
    const dir = tempDir();
    const n = 200;
    const entryBytes = 16 + n * 5 * 8;
    const cache = AheadCache.open(dir, { maxBytes: entryBytes * 2 });
    try {
      const { rows, times } = rowsAndTimes(inThread, n);
      const out = new Float64Array(n * 5);
      await inThread.predictAhead(times, rows, n, out);
      const key = aheadCacheKey(inThread.hash, times, rows, n, 9);
      expect(cache.get(key, n), 'empty cache').toBeUndefined();
      cache.put(key, out, n);
      const back = cache.get(key, n)!;
      expect(Buffer.from(back.buffer).equals(Buffer.from(out.buffer)), 'a hit gives the stored bytes').toBe(true);
      const moved = times.slice();
      moved[0] += 1n;
      expect(aheadCacheKey(inThread.hash, moved, rows, n, 9), 'another bar time is another key').not.toBe(key);
      const other = rows.slice();
      other[3] = Math.fround(other[3]) === other[3] ? other[3] + 1e-9 : Math.fround(other[3]);
      const otherKey = aheadCacheKey(inThread.hash, times, other, n, 9);
      expect(otherKey, 'another feature value is another key').not.toBe(key);
      expect(aheadCacheKey('0'.repeat(64), times, rows, n, 9), 'another model is another key').not.toBe(key);
      cache.put(otherKey, out, n);
      cache.put(aheadCacheKey(inThread.hash, moved, rows, n, 9), out, n);
      expect(cache.size(), 'two entries fit the bound').toEqual({ entries: 2, bytes: entryBytes * 2 });
      expect(cache.get(key, n), 'the oldest entry was evicted').toBeUndefined();
      expect(cache.get(otherKey, n), 'the newer entries stay').toBeDefined();
    } finally {
      await cache.close();
    }
  });

  it('gives a backtest the same MODEL records from the cache as from the model, and says where they came from', async () => {
    const cache = AheadCache.open(tempDir());
    try {
      const btc = async () => (await openDataSources([{ source: BTC }], {}))[0];
      const instrument = async () => {
        const s = await btc();
        return [{ instrument: 0, symbol: 'BTCUSDT', barIntervalNs: s.barIntervalNs!, warmup: [], run: [s] }];
      };
      const plain = await modelRecordsAhead(inThread, await instrument());
      const stored = await modelRecordsAhead(pooled, await instrument(), { cache });
      const hit = await modelRecordsAhead(inThread, await instrument(), { cache });
      expect([stored.stats.cacheHits, stored.stats.cacheMisses], 'first run: computed and stored').toEqual([0, 1]);
      expect([hit.stats.cacheHits, hit.stats.cacheMisses], 'second run: from the cache').toEqual([1, 0]);
      for (const run of [stored, hit]) {
        expect(run.modelStreams.length).toBe(plain.modelStreams.length);
        run.modelStreams.forEach(({ stream }, k) => {
          expect(Buffer.from(stream.bytes).equals(Buffer.from(plain.modelStreams[k].stream.bytes)), 'MODEL records byte-identical').toBe(true);
        });
        expect({ ...run.stats, elapsedNs: 0n, coreCompileNs: 0n, featuresNs: 0n, inferenceNs: 0n, cacheHits: 0, cacheMisses: 0 }).toEqual({ ...plain.stats, elapsedNs: 0n, coreCompileNs: 0n, featuresNs: 0n, inferenceNs: 0n });
      }
      expect(plain.stats.predictions, 'the bundled bars give predictions').toBeGreaterThan(10_000);
    } finally {
      await cache.close();
    }
  });
});
