// engine/models serving on the committed fixtures (test/fixtures/models, written by
// make-fixture-models.py): onnxruntime-node against LightGBM's own predictions, batch and
// ahead-of-replay inference against per-bar inference byte for byte, the fold valid at each
// time, non-finite rows, and clear errors for corrupt graphs and mismatched signatures.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelContractError, QuantileModelSet } from '../engine/models/index.js';

const FIXTURES = path.resolve('test/fixtures/models');
const SMALL = path.join(FIXTURES, 'q5-small');
const FEATURES = ['rsi:14', 'bb:20:2.pctb', 'rvol:20', 'roc:10'];
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-models-serving-'));

interface ExpectedRow { fold: number; timeNs: string; features: number[]; quantiles: number[] }
const expected = (JSON.parse(readFileSync(path.join(SMALL, 'expected.json'), 'utf8')) as { rows: ExpectedRow[] }).rows;

let model: QuantileModelSet;
beforeAll(async () => {
  model = await QuantileModelSet.load(SMALL, { expectedFeatures: FEATURES });
});
afterAll(async () => {
  await model?.release();
  rmSync(tmp, { recursive: true, force: true });
});

/** A copy of q5-small with model.json edited by `edit`. */
function editedCopy(name: string, edit: (doc: Record<string, any>) => void): string {
  const dir = path.join(tmp, name);
  cpSync(SMALL, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return dir;
}

/** Deterministic rows spread over the training ranges of the features (and beyond). */
function syntheticRows(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const rows = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    rows[i * 4] = 5 + 90 * next();
    rows[i * 4 + 1] = -0.6 + 2.2 * next();
    rows[i * 4 + 2] = 0.002 + 0.04 * next();
    rows[i * 4 + 3] = -7 + 14 * next();
  }
  return rows;
}

describe('QuantileModelSet on the fixture model', () => {
  it('agrees with LightGBM Booster.predict within 1e-5 on every fixture row of both folds', async () => {
    const out = new Float64Array(5);
    let worst = 0;
    for (const row of expected) {
      await model.predictRow(row.fold, Float64Array.from(row.features), out);
      row.quantiles.forEach((q, k) => (worst = Math.max(worst, Math.abs(out[k] - q))));
    }
    expect(expected.length, 'the fixture holds rows of both folds').toBe(80);
    expect(worst, `largest |onnxruntime - LightGBM| over ${expected.length} rows x 5 quantiles`).toBeLessThan(1e-5);
  });

  it('serves each fixture row with the fold valid at its time', () => {
    for (const row of expected) expect(model.foldFor(BigInt(row.timeNs)), `row at ${row.timeNs}`).toBe(row.fold);
  });

  it('predictBatch and predictAhead give exactly the numbers of predictRow per row (1 thread)', async () => {
    const n = 3000;
    const rows = syntheticRows(n, 42);
    const folds = model.metadata.folds;
    const first = folds[0].availableFromNs;
    const last = folds[folds.length - 1].availableFromNs;
    const span = last - first + 200n * 3_600_000_000_000n;
    const times = new BigInt64Array(n);
    for (let i = 0; i < n; i++) times[i] = first - 50n * 3_600_000_000_000n + (span * BigInt(i)) / BigInt(n);
    rows[1500 * 4 + 2] = NaN; // a non-finite feature row (served by fold 0)
    const ahead = new Float64Array(n * 5);
    const chunked = await QuantileModelSet.load(SMALL, { chunkRows: 257 });
    const stats = await chunked.predictAhead(times, rows, n, ahead);
    const perRow = new Float64Array(n * 5);
    const one = new Float64Array(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const fold = model.foldFor(times[i]);
      counts[fold + 1]++;
      if (fold < 0) perRow.fill(NaN, i * 5, i * 5 + 5);
      else {
        await model.predictRow(fold, rows.subarray(i * 4, i * 4 + 4), one);
        perRow.set(one, i * 5);
      }
    }
    expect(counts.every((c) => c > 100), `rows before fold 0, in fold 0 and in fold 1: ${counts}`).toBe(true);
    expect(Buffer.from(ahead.buffer).equals(Buffer.from(perRow.buffer)), 'predictAhead bytes equal predictRow bytes').toBe(true);
    expect(stats.noFoldRows).toBe(counts[0]);
    expect(stats.nonFiniteRows).toBe(1);
    expect(stats.rows).toBe(n - counts[0] - 1);
    expect(Number.isNaN(ahead[1500 * 5]) && Number.isNaN(ahead[1500 * 5 + 4])).toBe(true);

    // one predictBatch of 2000 fold-1 rows (with the NaN row inside) equals predictRow too
    const batch = new Float64Array(2000 * 5);
    await model.predictBatch(1, rows, 2000, batch);
    for (let i = 0; i < 2000; i++) {
      await model.predictRow(1, rows.subarray(i * 4, i * 4 + 4), one);
      for (let k = 0; k < 5; k++) {
        if (!Object.is(batch[i * 5 + k], one[k])) throw new Error(`row ${i} q${k}: batch ${batch[i * 5 + k]} vs row ${one[k]}`);
      }
    }
    await chunked.release();
  });

  it('gives NaNs for a non-finite feature row and counts it, without touching the other rows', async () => {
    const rows = Float64Array.from([...expected[0].features, Infinity, 0.5, 0.01, 0, ...expected[1].features]);
    const out = new Float64Array(15);
    const before = model.stats.nonFiniteRows;
    await model.predictBatch(expected[0].fold, rows, 3, out);
    expect(model.stats.nonFiniteRows - before).toBe(1);
    expect([...out.subarray(5, 10)].every(Number.isNaN)).toBe(true);
    expect(Math.abs(out[0] - expected[0].quantiles[0])).toBeLessThan(1e-5);
    expect(Math.abs(out[14] - expected[1].quantiles[4])).toBeLessThan(1e-5);
  });

  it('foldFor picks the fold with the largest availableFromNs < t, never one available at or after t', () => {
    const a = model.metadata.folds.map((f) => f.availableFromNs);
    fc.assert(fc.property(fc.bigInt({ min: a[0] - 10_000_000_000_000n, max: a[a.length - 1] + 10_000_000_000_000n }), fc.constantFrom(...a, ...a.map((x) => x + 1n), ...a.map((x) => x - 1n)), (t, edge) => {
      for (const time of [t, edge]) {
        const k = model.foldFor(time);
        if (k >= 0 && !(a[k] < time)) return false;
        if (k + 1 < a.length && a[k + 1] < time) return false;
        if (k === -1 && a[0] < time) return false;
      }
      return true;
    }), { seed: 7, numRuns: 500 });
    expect(model.foldFor(a[0])).toBe(-1);
    expect(model.foldFor(a[0] + 1n)).toBe(0);
    expect(model.foldFor(a[1])).toBe(0);
    expect(model.foldFor(a[1] + 1n)).toBe(1);
  });
});

describe('bad models and mismatched signatures', () => {
  const load = (dir: string, options = {}) => QuantileModelSet.load(dir, options);

  it('names the file of a corrupt ONNX graph', async () => {
    const error = await load(path.join(FIXTURES, 'corrupt')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ModelContractError);
    expect((error as Error).message).toMatch(/corrupt\/fold-0\.onnx: not a loadable ONNX model \(320 bytes; onnxruntime: .*[Pp]rotobuf parsing failed/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names the column counts when the graph takes fewer inputs than model.json lists', async () => {
    await expect(load(path.join(FIXTURES, 'q3-columns'))).rejects.toThrow(/q3-columns\/fold-0\.onnx: the graph takes 3 input columns, model.json `input.columns` says 4 \(features: rsi:14, bb:20:2.pctb, rvol:20, roc:10\)/);
  });

  it('names the type when model.json says float64 and the graph takes float32', async () => {
    const dir = editedCopy('wrong-type', (d) => (d.input.type = 'float64'));
    await expect(load(dir)).rejects.toThrow(/wrong-type\/fold-0\.onnx: the graph's input "features" is float32, model.json `input.type` says float64/);
  });

  it('names the input and output names that differ', async () => {
    const input = editedCopy('wrong-input', (d) => (d.input.name = 'x'));
    await expect(load(input)).rejects.toThrow(/the graph's input is named "features", model.json `input.name` says "x"/);
    const output = editedCopy('wrong-output', (d) => (d.output.name = 'q'));
    await expect(load(output)).rejects.toThrow(/the graph has no output "q" \(model.json `output.name`\); its outputs: quantiles/);
  });

  it('names the first feature that differs from what the strategy asks for, and both lists', async () => {
    await expect(load(SMALL, { expectedFeatures: ['bb:20:2.pctb', 'rsi:14', 'rvol:20', 'roc:10'] })).rejects.toThrow(
      'feature 0 differs: strategy "bb:20:2.pctb", model "rsi:14" ("bb:20:2.pctb" is column 1 of the model (wrong order)); strategy asks for [bb:20:2.pctb, rsi:14, rvol:20, roc:10], model "fixture-q5-small" takes [rsi:14, bb:20:2.pctb, rvol:20, roc:10]',
    );
    await expect(load(SMALL, { expectedFeatures: ['rsi:14', 'bb:20:2.pctb', 'rvol:20'] })).rejects.toThrow('feature count differs: strategy asks for 3, model takes 4');
    await expect(load(SMALL, { expectedFeatures: ['rsi:14', 'bb:20:2.pctb', 'rvol:50', 'roc:10'] })).rejects.toThrow('feature 2 differs: strategy "rvol:50", model "rvol:20" ("rvol:50" is not a feature of the model)');
  });

  it('refuses a fold whose bytes changed after training (sha256)', async () => {
    const dir = path.join(tmp, 'tampered');
    cpSync(SMALL, dir, { recursive: true });
    const file = path.join(dir, 'fold-1.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(file, bytes);
    await expect(load(dir)).rejects.toThrow(/tampered\/fold-1\.onnx: sha256 is [0-9a-f]{64}, model.json `folds\[1\]\.sha256` says [0-9a-f]{64}/);
  });
});
