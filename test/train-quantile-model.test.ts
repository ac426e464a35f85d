// `quantflow train` for real on 3,000 bundled BTCUSDT 1h bars (3 anchored folds, 50 trees per
// quantile): the purged folds it plans, the ONNX graphs run by onnxruntime-node against
// LightGBM's own predictions in Python (within 1e-5 on every validation row), model.json
// complete per the model directory contract, coverage / crossed quantiles / pinball as
// recomputed from the predictions, point-in-time fold availability, and byte-identical output
// for the same inputs and seed. Needs the Python venv (tools/pyenv): skipped outside CI with a
// message when it is missing, failed under CI=true.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFolds, runTrain } from '../engine/cli/commands/train.js';
import { readFeatureFile, type FeatureFile } from '../engine/research/features/index.js';
import { pythonPeer, skipWithout } from './peers.js';
import { HOUR, QUANTILES, TAGS, btcSliceFeatures, expectSameFiles } from './train-test-kit.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModelJson = any;

describe.skipIf(skipWithout(pythonPeer(['numpy', 'lightgbm', 'onnxmltools', 'onnx', 'pyarrow'])))('quantflow train (LightGBM quantiles -> ONNX per fold)', () => {
  const featuresDir = path.join(dir, 'features');
  const modelDir = path.join(dir, 'model');
  const flags = { features: featuresDir, out: modelDir, folds: '3', trees: '50', seed: '11', purge: '6bars', embargo: '3bars', name: 'btc-slice' };
  let model: ModelJson;
  let file: FeatureFile;
  let predictions: Table;

  beforeAll(async () => {
    await btcSliceFeatures(dir, featuresDir);
    model = await runTrain(flags);
    file = readFeatureFile(featuresDir);
    predictions = tableFromIPC(readFileSync(path.join(modelDir, 'validation-predictions.arrow')));
  });

  it('purges every training label that reaches a validation window (plus the purge gap) and embargoes after it', () => {
    const t = file.table;
    const timeNs = t.getChild('time_ns')!.toArray() as BigInt64Array;
    const fwdEnd = Array.from({ length: t.numRows }, (_, i) => t.getChild('fwd_end_ns')!.get(i) as bigint | null);
    const usable = Array.from({ length: t.numRows }, (_, i) => t.getChild('usable')!.get(i) as boolean);
    const folds = planFolds(timeNs, fwdEnd, usable, { folds: 3, windows: 'anchored', purgeNs: 6n * HOUR, embargoNs: 3n * HOUR });
    expect(folds.length).toBe(3);
    for (const fold of folds) {
      const rows = fold.trainRows.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k));
      expect(rows.length, `fold ${fold.index} rows as model.json records`).toBe(model.folds[fold.index].train.rows);
      for (const r of rows) {
        const [start, end] = [timeNs[r], fwdEnd[r]!];
        if (start < fold.validation.endNs + 6n * HOUR && end >= fold.validation.startNs - 6n * HOUR) throw new Error(`fold ${fold.index}: training row ${r} [${start}, ${end}] overlaps the purged validation window`);
        if (start >= fold.validation.endNs && start < fold.validation.endNs + 3n * HOUR) throw new Error(`fold ${fold.index}: training row ${r} starts in the embargo`);
        if (!usable[r]) throw new Error(`fold ${fold.index}: training row ${r} is not usable`);
      }
      const dropped = timeNs.filter((x, r) => usable[r] && x >= fold.train.startNs && x < fold.train.endNs).length - rows.length;
      expect(dropped, `fold ${fold.index}: horizon 12 + purge 6 bars are purged before the window`).toBe(18);
      expect(BigInt(model.folds[fold.index].availableFromNs)).toBe(fold.availableFromNs);
      expect(fold.availableFromNs < fold.validation.startNs - 6n * HOUR, 'the fold is available before its validation window').toBe(true);
    }
  });

  it('ONNX via onnxruntime-node equals LightGBM\'s predictions within 1e-5 on every validation row, shape [N, 5]', async () => {
    const fold = predictions.getChild('fold')!.toArray() as Int32Array;
    const times = predictions.getChild('time_ns')!.toArray() as BigInt64Array;
    const expected = TAGS.map((tag) => predictions.getChild(tag)!.toArray() as Float64Array);
    const rowOf = new Map<bigint, number>();
    (file.table.getChild('time_ns')!.toArray() as BigInt64Array).forEach((t, i) => rowOf.set(t, i));
    const columns = model.features.map((f: string) => file.table.getChild(f)!.toArray() as Float64Array);
    let checked = 0;
    let worst = 0;
    for (const f of model.folds) {
      const session = await ort.InferenceSession.create(path.join(modelDir, f.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['quantiles']);
      const at: number[] = [];
      fold.forEach((k, i) => { if (k === f.index) at.push(i); });
      expect(at.length).toBe(f.validation.rows);
      const x = new Float32Array(at.length * columns.length);
      at.forEach((p, r) => columns.forEach((c: Float64Array, j: number) => { x[r * columns.length + j] = c[rowOf.get(times[p])!]; }));
      const out = (await session.run({ features: new ort.Tensor('float32', x, [at.length, columns.length]) })).quantiles;
      expect(out.dims).toEqual([at.length, 5]);
      const q = out.data as Float32Array;
      at.forEach((p, r) => {
        for (let k = 0; k < 5; k++) {
          const d = Math.abs(q[r * 5 + k] - expected[k][p]);
          worst = Math.max(worst, d);
          if (!(d <= 1e-5)) throw new Error(`fold ${f.index} row ${times[p]} ${TAGS[k]}: ONNX ${q[r * 5 + k]} vs LightGBM ${expected[k][p]}`);
          if (k > 0 && q[r * 5 + k] < q[r * 5 + k - 1]) throw new Error(`fold ${f.index}: ONNX quantiles cross on row ${times[p]}`);
        }
        checked++;
      });
      await session.release();
    }
    expect(checked).toBe(predictions.numRows);
    expect(worst).toBeLessThan(1e-5);
  });

  it('writes complete metadata: features, horizon, ranges, data hash, versions, importance, decile bins', () => {
    expect(model.schema).toBe('quantflow.quantile-model/1');
    expect(model.name).toBe('btc-slice');
    expect(model.quantiles).toEqual(QUANTILES);
    expect(model.target).toEqual({ kind: 'forward_log_return', horizonBars: 12 });
    expect(model.timeframe).toBe('1h');
    expect(model.features).toEqual(file.manifest.features);
    expect(model.input).toEqual({ name: 'features', type: 'float32', columns: model.features.length });
    expect(model.output).toEqual({ name: 'quantiles', columns: 5 });
    expect(model.data.sha256).toBe(createHash('sha256').update(file.bytes).digest('hex'));
    expect(model.data.rows).toBe(3000);
    expect(model.data.source).toBe('btc-3000.csv');
    for (const lib of ['python', 'lightgbm', 'onnx', 'onnxmltools', 'numpy', 'pyarrow']) expect(model.versions[lib], lib).toMatch(/^\d+\.\d+/);
    expect(model.versions.lightgbm).toBe('4.7.0');
    expect(model.params).toMatchObject({ objective: 'quantile', num_iterations: 50, num_threads: 1, deterministic: true, seed: 11 });
    expect(model.folds.map((f: ModelJson) => f.file)).toEqual(['fold-0.onnx', 'fold-1.onnx', 'fold-2.onnx']);
    for (const f of model.folds) {
      expect(f.sha256).toBe(createHash('sha256').update(readFileSync(path.join(modelDir, f.file))).digest('hex'));
      for (const range of [f.train, f.validation]) {
        expect(range.startNs).toMatch(/^\d+$/);
        expect(BigInt(range.endNs) > BigInt(range.startNs)).toBe(true);
        expect(range.rows).toBeGreaterThan(500);
      }
      expect(f.validation.startNs).toBe(f.train.endNs);
      expect(Object.keys(f.importance)).toEqual(model.features);
      expect(Object.values(f.importance).some((g) => (g as number) > 0)).toBe(true);
      for (const feature of model.features) {
        const bins = f.featureBins[feature];
        expect(bins.edges.length).toBe(9);
        expect(bins.fractions.length).toBe(10);
        expect(bins.fractions.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
  });

  it('reports pinball loss, coverage of [q10, q90] and crossed rows per fold, as recomputed from the predictions', () => {
    const fold = predictions.getChild('fold')!.toArray() as Int32Array;
    const times = predictions.getChild('time_ns')!.toArray() as BigInt64Array;
    const crossed = predictions.getChild('crossed')!;
    const q = TAGS.map((tag) => predictions.getChild(tag)!.toArray() as Float64Array);
    const y = new Map<bigint, number>();
    const fwd = file.table.getChild('fwd_log_return')!.toArray() as Float64Array;
    (file.table.getChild('time_ns')!.toArray() as BigInt64Array).forEach((t, i) => y.set(t, fwd[i]));
    for (const f of model.folds) {
      const rows = [...fold.keys()].filter((i) => fold[i] === f.index);
      const covered = rows.filter((i) => y.get(times[i])! >= q[0][i] && y.get(times[i])! <= q[4][i]).length / rows.length;
      expect(f.metrics.coverage80).toBeCloseTo(covered, 12);
      expect(f.metrics.coverage80).toBeGreaterThan(0.4);
      expect(f.metrics.crossedFraction).toBeCloseTo(rows.filter((i) => crossed.get(i)).length / rows.length, 12);
      QUANTILES.forEach((tau, k) => {
        const loss = rows.reduce((s, i) => { const d = y.get(times[i])! - q[k][i]; return s + Math.max(tau * d, (tau - 1) * d); }, 0) / rows.length;
        expect(f.metrics.pinball[String(tau)], `fold ${f.index} pinball ${tau}`).toBeCloseTo(loss, 12);
      });
    }
    expect(model.folds.some((f: ModelJson) => f.metrics.crossedFraction > 0), 'raw quantile models cross somewhere on this slice: the rearrangement is exercised').toBe(true);
  });

  it('never serves a bar from a fold trained on labels that end after it', () => {
    const fold = predictions.getChild('fold')!.toArray() as Int32Array;
    const times = predictions.getChild('time_ns')!.toArray() as BigInt64Array;
    fold.forEach((k, i) => {
      if (!(BigInt(model.folds[k].availableFromNs) < times[i])) throw new Error(`validation row ${times[i]} of fold ${k} is not after the fold's availableFromNs ${model.folds[k].availableFromNs}`);
    });
  });

  it('is deterministic: the same inputs and seed give byte-identical model files', async () => {
    const again = path.join(dir, 'again');
    await runTrain({ ...flags, out: again });
    expectSameFiles(modelDir, again);
  });
});
