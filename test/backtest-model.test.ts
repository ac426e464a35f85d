// The ML expert in a backtest (issue 14, backtest part): the model's answers are computed ahead
// of the replay (engine/backtest model-ahead.ts) and must be what per-bar inference would give.
// Oracles: the FEATURES records the core writes during the run (its own per-bar indicator values)
// and QuantileModelSet.predictRow on each of them with the fold picked from model.json by a
// linear scan; the core's model-wait counters; the same run with `model: null`.
// Data: the bundled BTCUSDT 1h bars and data/models/btc-1h-q5 (committed; no Python).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { MemoryStream, StreamMerger, backtestModelOf, interleaveModelRecords, modelRecordsAhead, runBacktest, summariseBacktest, type BacktestModel, type BacktestRun, type ModelAhead } from '../engine/backtest/index.js';
import { loadConfig, type QuantFlowConfig } from '../engine/config/index.js';
import { readModelQuantiles } from '../engine/decision/index.js';
import { FeatureAssembler, type FeatureRecord } from '../engine/pipeline/index.js';
import { AheadCache, QuantileModelSet, openConfiguredModel } from '../engine/models/index.js';
import { readRegimeModelFile, type RegimeModelRecord } from '../engine/regime/index.js';
import { RECORD_BYTES } from '../engine/replay/index.js';
import { EventKind, KIND_MASK } from '../engine/layout/event-record.js';

const root = resolve(import.meta.dirname, '..');
const BTC = join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const CONFIG = join(root, 'config', 'examples', 'fusion-ml.yaml');
const MODEL = join(root, 'data', 'models', 'btc-1h-q5');
const REGIME = join(root, 'data', 'models', 'btc-1h-regime.json');

let config: QuantFlowConfig;
let regimeModel: RegimeModelRecord;
let set: QuantileModelSet;
let model: BacktestModel;
let withModel: BacktestRun;
let withoutModel: BacktestRun;
const features: FeatureRecord[] = [];
let ahead: ModelAhead;

const streams = () => openDataSources([{ source: BTC }], {});
const backtest = async (m: BacktestModel | undefined, onFeatures?: (r: FeatureRecord) => void, c = config) =>
  runBacktest({ streams: await streams(), config: c, regimeModel, equity: 100_000, model: m, listeners: onFeatures ? { onFeatures } : undefined });

/** The fold model.json says serves a bar closing at `t`: the last one whose availableFromNs < t (linear scan), or -1. */
function foldByScan(t: bigint): number {
  let fold = -1;
  set.metadata.folds.forEach((f, k) => { if (f.availableFromNs < t) fold = k; });
  return fold;
}

/** The MODEL records of a stream, by bar close. */
function modelRecords(a: ModelAhead): Map<bigint, [number, number, number, number, number]> {
  const out = new Map<bigint, [number, number, number, number, number]>();
  for (const { stream } of [...a.warmupModelStreams, ...a.modelStreams]) {
    const view = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
    for (let r = 0; r < stream.expectedRows; r++) {
      const t = view.getBigInt64(r * RECORD_BYTES + 8, true);
      expect(view.getBigInt64(r * RECORD_BYTES + 16, true), 'MODEL ts_local = ts_exchange = bar close').toBe(t);
      out.set(t, readModelQuantiles(view, r * RECORD_BYTES));
    }
  }
  return out;
}

beforeAll(async () => {
  config = loadConfig({ configFile: CONFIG, env: {} });
  regimeModel = readRegimeModelFile(REGIME);
  const configured = await openConfiguredModel(config.model!, config.fusion.ml.horizonBars);
  expect(configured.state, configured.state === 'absent' ? configured.reason : '').toBe('serving');
  model = backtestModelOf(configured);
  set = (model as Extract<BacktestModel, { state: 'serving' }>).set;
  withModel = await backtest(model, (r) => void features.push(r));
  withoutModel = await backtest(undefined);
  const btc = (await streams())[0];
  ahead = await modelRecordsAhead(set, [{ instrument: 0, symbol: 'BTCUSDT', barIntervalNs: btc.barIntervalNs!, warmup: [], run: [btc] }]);
});

afterAll(async () => {
  await set?.release();
});

describe('the ML expert in a backtest, ahead of the replay', () => {
  it('computes ahead the same features the core writes as FEATURES records, bit for bit, and the MODEL quantiles predictRow gives on them', async () => {
    const bars = ahead.bars[0];
    const f = set.metadata.features.length;
    const rowOf = new Map<bigint, number>();
    for (let r = 0; r < bars.count; r++) rowOf.set(bars.closeNs[r], r);
    const answers = modelRecords(ahead);
    const assembler = new FeatureAssembler();
    const q = new Float64Array(5);
    let vectors = 0;
    let predicted = 0;
    for (const record of features) {
      const vector = assembler.add(record);
      if (vector === null) continue;
      vectors++;
      const row = rowOf.get(record.barCloseNs);
      expect(row, `bar closing at ${record.barCloseNs} is among the bars read ahead`).toBeDefined();
      for (let j = 0; j < f; j++) {
        if (!Object.is(vector[j], bars.features[row! * f + j])) {
          throw new Error(`bar ${row} (close ${record.barCloseNs}) feature ${set.metadata.features[j]}: core ${vector[j]}, ahead ${bars.features[row! * f + j]}`);
        }
      }
      const fold = foldByScan(record.barCloseNs);
      const answer = answers.get(record.barCloseNs);
      if (fold < 0) {
        expect(answer, `bar closing at ${record.barCloseNs} precedes the first fold: no MODEL record`).toBeUndefined();
        continue;
      }
      await set.predictRow(fold, vector, q);
      expect(answer, `MODEL record for the bar closing at ${record.barCloseNs}`).toBeDefined();
      for (let k = 0; k < 5; k++) {
        if (!Object.is(q[k], answer![k])) throw new Error(`bar closing at ${record.barCloseNs} q${k}: per-bar ${q[k]}, ahead ${answer![k]}`);
      }
      predicted++;
    }
    const finiteRows = bars.count - ahead.stats.nonFiniteRows;
    expect(vectors, 'the core wrote FEATURES for every bar with finite features, and only those').toBe(finiteRows);
    expect(predicted, 'every MODEL record was checked against predictRow').toBe(answers.size);
    expect(predicted).toBe(ahead.stats.predictions);
    expect(predicted, 'most bars are predicted').toBeGreaterThan(15_000);
  });

  it('decides on time at every bar with a MODEL record; only the bars before the first fold time out, and the ML expert changes the fills', () => {
    const report = withModel.model;
    expect(report?.state).toBe('serving');
    if (report?.state !== 'serving') return;
    const wait = withModel.pipeline.modelWait!;
    expect(report.instruments).toEqual(['BTCUSDT']);
    expect(report.predictions).toBe(ahead.stats.predictions);
    expect(wait.onTime, 'on-time decisions = MODEL records').toBe(report.predictions);
    expect(wait.timeouts, 'timeouts = bars with features before the first fold').toBe(report.noFoldBars);
    expect(report.noFoldBars, 'the first fold serves from 2024-07-23: about 2,300 bars before it').toBeGreaterThan(2000);
    expect(wait.late + wait.unmatched + wait.pending + wait.featureRecordsDropped, 'no late, unmatched, pending or dropped').toBe(0);
    expect(report.folds.map((f) => f.rows).reduce((a, b) => a + b, 0)).toBe(report.predictions);
    expect(report.folds.every((f) => f.rows > 0), 'every fold served some bars').toBe(true);
    expect(withoutModel.model).toBeUndefined();
    expect(withoutModel.pipeline.modelWait, 'no model: no wait').toBeUndefined();
    expect(withModel.recording.fills.length).toBeGreaterThan(20);
    expect(withModel.recording.fillsHash, 'the ML expert changes the fills').not.toBe(withoutModel.recording.fillsHash);
  });

  it('never uses a fold for a bar that closes at or before its availableFromNs', () => {
    const answers = modelRecords(ahead);
    const folds = set.metadata.folds;
    for (const closeNs of answers.keys()) {
      const fold = set.foldFor(closeNs);
      expect(fold, `bar closing at ${closeNs}`).toBe(foldByScan(closeNs));
      expect(folds[fold].availableFromNs < closeNs, `fold ${fold} serves the bar closing at ${closeNs}`).toBe(true);
      if (fold + 1 < folds.length) expect(folds[fold + 1].availableFromNs >= closeNs, `fold ${fold + 1} is not yet available at ${closeNs}`).toBe(true);
    }
    // The folds become available on the hour, when a bar closes: that bar still gets the previous fold (or none).
    const closes = new Set(ahead.bars[0].closeNs);
    for (const [k, fold] of folds.entries()) {
      expect(closes.has(fold.availableFromNs), `a bar closes exactly at fold ${k}'s availableFromNs`).toBe(true);
      expect(set.foldFor(fold.availableFromNs), `the bar closing at fold ${k}'s availableFromNs`).toBe(k - 1);
    }
    expect(answers.has(folds[0].availableFromNs), 'no MODEL record for the bar closing when fold 0 becomes available').toBe(false);
    expect(answers.has(folds[0].availableFromNs + 3_600_000_000_000n), 'the next bar has one').toBe(true);
  });

  it('gives the same fills twice, and the same MODEL records with 1-row and 4,096-row inference batches', async () => {
    const again = await backtest(model);
    expect(again.recording.fillsHash).toBe(withModel.recording.fillsHash);
    const timing = again.model as { aheadSeconds: number; coreCompileSeconds: number; featuresSeconds: number; inferenceSeconds: number };
    expect(again.model).toEqual({ ...withModel.model, aheadSeconds: timing.aheadSeconds, coreCompileSeconds: timing.coreCompileSeconds, featuresSeconds: timing.featuresSeconds, inferenceSeconds: timing.inferenceSeconds });
    const bytesOf = (a: ModelAhead) => Buffer.concat(a.modelStreams.map(({ stream }) => stream.bytes));
    for (const chunkRows of [1, 4096]) {
      const chunked = await QuantileModelSet.load(MODEL, { chunkRows });
      try {
        const btc = (await streams())[0];
        const other = await modelRecordsAhead(chunked, [{ instrument: 0, symbol: 'BTCUSDT', barIntervalNs: btc.barIntervalNs!, warmup: [], run: [btc] }]);
        expect(Buffer.compare(bytesOf(other), bytesOf(ahead)), `chunkRows ${chunkRows}: the same MODEL records, byte for byte`).toBe(0);
      } finally {
        await chunked.release();
      }
    }
  });

  it('writes no FEATURES record when the answers come ahead: every other outbound record and the decisions stay byte-identical', async () => {
    const run = async (featureRecords: boolean) => {
      const records: Buffer[] = [];
      const result = await runBacktest({ streams: await streams(), config, regimeModel, equity: 100_000, model, featureRecords, listeners: { onRecordBytes: (bytes) => void records.push(Buffer.from(bytes)) } });
      return { result, records };
    };
    const on = await run(true);
    const off = await run(false);
    const kindOf = (record: Buffer) => record.readInt32LE(0) & KIND_MASK;
    const featuresOn = on.records.filter((r) => kindOf(r) === EventKind.FEATURES);
    expect(featuresOn.length, 'with featureRecords the core writes ceil(9 / 4) = 3 FEATURES records per waiting bar').toBe(3 * (on.result.pipeline.modelWait!.onTime + on.result.pipeline.modelWait!.timeouts));
    expect(off.records.filter((r) => kindOf(r) === EventKind.FEATURES).length, 'featureRecords false: no FEATURES record').toBe(0);
    const others = on.records.filter((r) => kindOf(r) !== EventKind.FEATURES);
    expect(others.length, 'the other outbound records (orders, EQUITY with each decision, round trips ...)').toBeGreaterThan(10_000);
    expect(off.records.length, 'the same number of other records').toBe(others.length);
    expect(Buffer.compare(Buffer.concat(off.records), Buffer.concat(others)), 'every other outbound record, byte for byte').toBe(0);
    expect(off.result.recording.fillsHash).toBe(on.result.recording.fillsHash);
    expect(on.result.pipeline.modelWait!.featureRecords).toBe(featuresOn.length);
    expect(off.result.pipeline.modelWait, 'the same waits (on time, timed out), no FEATURES record counted').toEqual({ ...on.result.pipeline.modelWait, featureRecords: 0 });
    expect(off.result.pipeline.decisionSteps).toBe(on.result.pipeline.decisionSteps);
    // The default: FEATURES only when a listener reads them.
    expect(withModel.pipeline.modelWait).toEqual(on.result.pipeline.modelWait);
  });

  it('interleaves a single bar stream with its MODEL records in the order the StreamMerger gives the two', async () => {
    const bars = [...ahead.loaded.values()][0];
    const models = ahead.modelStreams[0].stream;
    const merged: Buffer[] = [];
    const merger = await StreamMerger.open([{ stream: bars, instrument: 0 }, { stream: models, instrument: 0 }]);
    for (;;) {
      if (merger.needsRefill) await merger.refill();
      if (merger.finished) break;
      merger.fill(4096, (bytes, from, count) => void merged.push(Buffer.from(bytes.subarray(from * RECORD_BYTES, (from + count) * RECORD_BYTES))));
    }
    const interleaved = interleaveModelRecords(bars, models);
    expect(interleaved.expectedRows).toBe(bars.expectedRows + models.expectedRows);
    const played: Buffer[] = [];
    for await (const block of interleaved.blocks(0)) played.push(Buffer.from(block.bytes.subarray(0, block.count * RECORD_BYTES)));
    expect(Buffer.compare(Buffer.concat(played), Buffer.concat(merged)), 'the same records in the same order, byte for byte').toBe(0);
  });

  it('serves the warm-up bars too: a walk-forward warm-up decides on time and trades nothing', async () => {
    const all = await streams();
    const loaded = await MemoryStream.load(all[0]);
    const split = 1_745_000_000_000_000_000n;
    const run = await runBacktest({ streams: [loaded.slice(split, 1n << 62n)], warmupStreams: [loaded.slice(0n, split)], config, regimeModel, equity: 100_000, model });
    const report = run.model;
    if (report?.state !== 'serving') throw new Error(`model ${report?.state}`);
    expect(report.warmupBars).toBeGreaterThan(5000);
    expect(run.pipeline.modelWait!.onTime).toBe(report.predictions);
    expect(run.pipeline.modelWait!.timeouts).toBe(report.noFoldBars);
    expect(run.recording.fills.every((fill) => fill.timeNs >= split), 'no fill in the warm-up').toBe(true);
  });
});

/**
 * A copy of the bundled model in a temp dir with fold 2 truncated and its new sha256 recorded,
 * so the damage reaches onnxruntime's parser (not the hash check).
 */
function copyWithCorruptFold(): { dir: string; copy: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qf-bad-model-'));
  const copy = join(dir, 'btc-1h-q5');
  mkdirSync(copy);
  for (const name of readdirSync(MODEL)) copyFileSync(join(MODEL, name), join(copy, name));
  const bytes = readFileSync(join(copy, 'fold-2.onnx'));
  const damaged = bytes.subarray(0, bytes.length >> 1);
  writeFileSync(join(copy, 'fold-2.onnx'), damaged);
  const meta = JSON.parse(readFileSync(join(copy, 'model.json'), 'utf8'));
  meta.folds[2].sha256 = createHash('sha256').update(damaged).digest('hex');
  writeFileSync(join(copy, 'model.json'), JSON.stringify(meta, null, 2));
  return { dir, copy };
}

describe('a model that cannot serve', () => {
  it('a corrupt fold: the backtest completes without the ML expert and the summary names the reason', async () => {
    const { dir, copy } = copyWithCorruptFold();
    const configured = await openConfiguredModel({ ...config.model!, path: copy }, config.fusion.ml.horizonBars);
    expect(configured.state).toBe('absent');
    const run = await backtest(backtestModelOf(configured));
    expect(run.model?.state).toBe('absent');
    expect(run.pipeline.modelWait, 'no instrument waits').toBeUndefined();
    expect(run.recording.fillsHash, 'the same fills as without a model').toBe(withoutModel.recording.fillsHash);
    const lines = summariseBacktest(run, { out: dir, files: [], sources: [BTC] }).lines;
    const line = lines.find((l) => l.startsWith('ML expert absent: '));
    expect(line, lines.join('\n')).toMatch(/fold-2\.onnx/);
  });

  it('a corrupt fold loaded with lazySessions (as `quantflow backtest` loads it): found before the first inference, the run completes without the ML expert and names the file', async () => {
    const { dir, copy } = copyWithCorruptFold();
    for (const aheadWorkers of [1, 2]) {
      const configured = await openConfiguredModel({ ...config.model!, path: copy }, config.fusion.ml.horizonBars, { lazySessions: true });
      expect(configured.state, 'lazy: no onnxruntime session at open, so no signature check yet').toBe('serving');
      const serving = configured as Extract<typeof configured, { state: 'serving' }>;
      const lazy = serving.model;
      // The same bytes, loaded with the pool size under test.
      const sized = await QuantileModelSet.fromBundle(lazy.bundle, { lazySessions: true, aheadWorkers, aheadMinRows: 0 });
      await lazy.release();
      const logged: string[] = [];
      try {
        const run = await runBacktest({ streams: await streams(), config, regimeModel, equity: 100_000, model: backtestModelOf({ ...serving, model: sized }), log: (line) => void logged.push(line) });
        expect(run.model?.state, `aheadWorkers ${aheadWorkers}`).toBe('absent');
        expect(run.model?.state === 'absent' ? run.model.reason : '', 'the reason names the fold file').toMatch(/fold-2\.onnx/);
        expect(logged.join('\n'), 'the run says so as it starts').toMatch(/ML expert absent: .*fold-2\.onnx/);
        expect(run.pipeline.modelWait, 'no instrument waits').toBeUndefined();
        expect(run.recording.fillsHash, 'the same fills as without a model').toBe(withoutModel.recording.fillsHash);
      } finally {
        await sized.release();
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a model loaded with lazySessions whose answers are all in the ahead cache creates no onnxruntime session and starts no pool; the same fills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-lazy-cache-'));
    const cache = AheadCache.open(dir);
    try {
      expect(cache.holdsAnswersOf(set.hash), 'an empty cache holds no answers of the model').toBe(false);
      const first = await runBacktest({ streams: await streams(), config, regimeModel, equity: 100_000, model, aheadCache: cache });
      expect(first.model?.state === 'serving' ? first.model.answers : '', 'the first run computes and stores').toBe('stored');
      expect(cache.holdsAnswersOf(set.hash), 'the cache knows it holds answers of this model').toBe(true);
      const lazy = await QuantileModelSet.load(MODEL, { lazySessions: true });
      try {
        const hit = await runBacktest({ streams: await streams(), config, regimeModel, equity: 100_000, model: { ...(model as Extract<BacktestModel, { state: 'serving' }>), set: lazy }, aheadCache: cache });
        expect(hit.model?.state === 'serving' ? hit.model.answers : '', 'the second run is a hit').toBe('cache');
        expect([lazy.sessionsLoaded, lazy.aheadPoolStarted], 'no session in this thread, no pool').toEqual([false, false]);
        expect(hit.recording.fillsHash, 'the same fills as running the model').toBe(withModel.recording.fillsHash);
        // A run the cache cannot answer (another warm-up split) loads the model then.
        const loaded = await MemoryStream.load((await streams())[0]);
        const split = 1_735_689_600_000_000_000n; // 2025-01-01
        const miss = await runBacktest({ streams: [loaded.slice(split, 1n << 62n)], warmupStreams: [loaded.slice(0n, split)], config, regimeModel, equity: 100_000, model: { ...(model as Extract<BacktestModel, { state: 'serving' }>), set: lazy }, aheadCache: cache });
        expect(miss.model?.state === 'serving' ? miss.model.answers : '', 'another split misses').toBe('stored');
        expect(lazy.sessionsLoaded || lazy.aheadPoolStarted, 'a miss loads the model').toBe(true);
      } finally {
        await lazy.release();
      }
    } finally {
      await cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a horizon other than fusion.ml.horizonBars: absent, with both horizons in the reason (from the config and given directly)', async () => {
    const one = { ...config, fusion: { ...config.fusion, ml: { ...config.fusion.ml, horizonBars: 1 } } };
    const configured = await openConfiguredModel(config.model!, 1);
    expect(configured.state).toBe('absent');
    const direct = await backtest(model, undefined, one);
    expect(direct.model?.state).toBe('absent');
    const reason = (direct.model as { reason: string }).reason;
    expect(reason).toMatch(/12-bar returns/);
    expect(reason).toMatch(/horizonBars` is 1/);
    expect(direct.pipeline.modelWait, 'no instrument waits').toBeUndefined();
    const lines = summariseBacktest(direct, { out: '', files: [], sources: [BTC] }).lines;
    expect(lines).toContain(`ML expert absent: ${reason}`);
  });
});
