// `quantflow walkforward` with the ML expert (issue 14): config/examples/fusion-ml.yaml on the
// bundled BTC 1h bars, two short folds. The configured quantile model serves every fold (warm-up
// and test bars) through the same ahead path as `quantflow backtest`, and report.json says which
// model folds served each walk-forward fold. Oracles: model.json's folds (availableFromNs, a
// linear scan: a bar closing at t gets the last fold available strictly before t) applied to the
// bar close times read from the CSV; the core's wait counters; the same run with `model: null`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runWalkforwardCommand, type WalkforwardFlags } from '../engine/cli/commands/walkforward.js';
import type { WalkForwardRun } from '../engine/research/walkforward/index.js';
import { openDataSources } from '../adapters/sources/index.js';
import { MemoryStream } from '../engine/backtest/index.js';
import { RECORD_BYTES } from '../engine/replay/index.js';

const root = resolve(import.meta.dirname, '..');
const BTC = join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const EXAMPLE = join(root, 'config', 'examples', 'fusion-ml.yaml');
const MODEL_JSON = join(root, 'data', 'models', 'btc-1h-q5', 'model.json');

const dir = mkdtempSync(join(tmpdir(), 'qf-wf-ml-'));
const flags = (config: string, out: string): WalkforwardFlags => ({
  data: [BTC], config, train: '3mo', test: '2mo', mode: 'rolling', purge: '0', embargo: '0', reserve: '0.7',
  state: join(dir, 'state'), equity: '100000', out: join(dir, out), aheadCache: join(dir, 'cache'),
});

let withModel: WalkForwardRun;
let printed = '';
let closes: bigint[];
let availableFrom: bigint[];

beforeAll(async () => {
  withModel = await runWalkforwardCommand(flags(EXAMPLE, 'ml'), { print: (text) => void (printed += text), log: () => undefined });
  const loaded = await MemoryStream.load((await openDataSources([{ source: BTC }], {}))[0]);
  const view = new DataView(loaded.bytes.buffer, loaded.bytes.byteOffset, loaded.bytes.byteLength);
  closes = Array.from({ length: loaded.expectedRows }, (_, r) => view.getBigInt64(r * RECORD_BYTES + 16, true));
  availableFrom = JSON.parse(readFileSync(MODEL_JSON, 'utf8')).folds.map((f: { availableFromNs: string }) => BigInt(f.availableFromNs));
}, 300_000);

/** The model fold serving a bar that closes at `t`: the last one available strictly before t (linear scan), or -1. */
const foldAt = (t: bigint): number => availableFrom.reduce((best, from, k) => (from < t ? k : best), -1);

describe('quantflow walkforward with the ML expert', () => {
  it('serves every fold with the model fold trained before each bar, and says which in report.json', () => {
    const report = JSON.parse(readFileSync(join(dir, 'ml', 'report.json'), 'utf8'));
    expect(report, 'the report written is the run\'s').toEqual(JSON.parse(JSON.stringify(withModel.report)));
    expect(report.settings.quantileModel).toMatchObject({ name: 'btc-1h-q5', source: join(root, 'data', 'models', 'btc-1h-q5') });
    expect(report.folds).toHaveLength(2);
    for (const fold of report.folds) {
      const q = fold.quantileModel;
      expect(q.state, `fold ${fold.index}`).toBe('serving');
      const testStart = BigInt(fold.test.startNs);
      const testEnd = BigInt(fold.test.endNs);
      const warmupStart = BigInt(fold.warmup.firstNs);
      // The windows are cut by arrival time (ts_local = bar close): test bars close in [start, end), the warm-up's in [first, start).
      const testCloses = closes.filter((t) => t >= testStart && t < testEnd);
      const spanCloses = closes.filter((t) => t >= warmupStart && t < testEnd);
      const served = new Map<number, number>(q.folds.map((f: { fold: number; rows: number }) => [f.fold, f.rows]));
      for (const [k, rows] of served) {
        expect(availableFrom[k] < testEnd, `fold ${fold.index}: model fold ${k} was available before the fold's last bar`).toBe(true);
        const testRows = testCloses.filter((t) => foldAt(t) === k).length;
        const spanRows = spanCloses.filter((t) => foldAt(t) === k).length;
        expect(rows, `fold ${fold.index}: model fold ${k} answers its test bars, and at most the warm-up's too`).toBeGreaterThanOrEqual(testRows);
        expect(rows).toBeLessThanOrEqual(spanRows);
        expect(q.folds.find((f: { fold: number }) => f.fold === k).availableFrom).toBe(new Date(Number(availableFrom[k] / 1_000_000n)).toISOString());
      }
      const expectedFolds = [...new Set(testCloses.map(foldAt).filter((k) => k >= 0))].sort();
      expect([...served.keys()], `fold ${fold.index}: every model fold its test bars need`).toEqual(expect.arrayContaining(expectedFolds));
      expect([...served.keys()].every((k) => spanCloses.some((t) => foldAt(t) === k)), `fold ${fold.index}: no model fold outside the fold's bars`).toBe(true);
      expect(q.onTime, 'every bar with a MODEL record decided on time').toBe(q.predictions);
      expect(q.timeouts, 'only bars before the first model fold time out').toBe(q.noFoldBars);
      expect(q.noFoldBars, 'test bars before the first model fold, and at most the warm-up\'s too').toBeGreaterThanOrEqual(testCloses.filter((t) => foldAt(t) < 0).length);
      expect(q.noFoldBars).toBeLessThanOrEqual(spanCloses.filter((t) => foldAt(t) < 0).length);
      expect(q.predictions + q.noFoldBars, 'one answer or one timeout per test bar, plus the warm-up bars with finite features').toBeGreaterThanOrEqual(testCloses.length);
      expect(q.predictions + q.noFoldBars).toBeLessThanOrEqual(spanCloses.length);
    }
    expect(report.folds.map((f: { quantileModel: { folds: { fold: number }[] } }) => f.quantileModel.folds.map((m) => m.fold)), 'this data: fold 0 served by model fold 0 (bars before 2024-07-23 without it), fold 1 by 0 then 1').toEqual([[0], [0, 1]]);
    expect(report.folds[0].quantileModel.noFoldBars, 'fold 0 starts before model fold 0 was available').toBeGreaterThan(100);
    expect(printed).toContain('ML expert folds 0, 1 (');
  });

  it('the ML expert changes the folds\' trading: the same run with `model: null` has no quantileModel and other fills', async () => {
    const config = join(dir, 'fusion-no-ml.yaml');
    const text = readFileSync(EXAMPLE, 'utf8');
    const start = text.indexOf('\nmodel:');
    const end = text.indexOf('\nrisk:');
    expect(start > 0 && end > start, 'the example has a model: section before risk:').toBe(true);
    writeFileSync(config, `${text.slice(0, start)}\nmodel: null\n${text.slice(end)}`.replace('regimeModel: ../../data/models/btc-1h-regime.json', `regimeModel: ${join(root, 'data', 'models', 'btc-1h-regime.json')}`));
    const without = await runWalkforwardCommand(flags(config, 'plain'), { print: () => undefined, log: () => undefined });
    expect(without.report.settings.quantileModel).toBeNull();
    expect(without.report.folds.map((f) => f.quantileModel)).toEqual([null, null]);
    expect(without.report.folds.map((f) => f.test), 'the same folds').toEqual(withModel.report.folds.map((f) => f.test));
    const fillsOf = (run: WalkForwardRun) => run.report.folds.map((f) => `${f.fills}/${f.trades}/${f.firstFillNs}/${f.oos.return}`).join(' ');
    expect(fillsOf(without), 'the ML expert moved some decision').not.toBe(fillsOf(withModel));
  }, 300_000);
});
