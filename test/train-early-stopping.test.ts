// `quantflow train --early-stopping` for real on 3,000 bundled BTCUSDT 1h bars (3 anchored folds,
// at most 60 trees, purge 6 bars, embargo 3 bars, the last 25% of each training window held out,
// 10 rounds of patience): the inner split (the tail of the training window, its fit rows purged
// by the label horizon and the purge gap, never a row of the fold's validation), the rounds
// chosen per quantile against an independent numpy scan of the inner pinball loss
// (test/fixtures/train/early_stopping_oracle.py), the refit on the whole training window, the
// trees in each ONNX graph, metadata that the engine's model check accepts, byte-identical
// output for the same inputs, and one-line errors for bad flags. Needs the Python venv
// (tools/pyenv): skipped outside CI with a message when it is missing, failed under CI=true.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { planFolds, runTrain, type PlannedFold } from '../engine/cli/commands/train.js';
import { readFeatureFile, type FeatureFile } from '../engine/research/features/index.js';
import { parseModelMetadata } from '../engine/models/index.js';
import { pythonBin, pythonPeer, skipWithout } from './peers.js';
import { HOUR, QUANTILES, TAGS, btcSliceFeatures, expectSameFiles } from './train-test-kit.js';

const ORACLE = path.resolve(import.meta.dirname, 'fixtures/train/early_stopping_oracle.py');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-train-es-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModelJson = any;

const rowsOf = (runs: Array<[number, number]>) => runs.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k));

describe('quantflow train --early-stopping flags', () => {
  const base = { features: path.join(dir, 'none'), out: path.join(dir, 'unused') };
  it.each([
    [{ earlyStopping: '0' }, '`--early-stopping` must be a fraction strictly between 0 and 1 (e.g. 0.2), was "0"'],
    [{ earlyStopping: '1' }, '`--early-stopping` must be a fraction strictly between 0 and 1 (e.g. 0.2), was "1"'],
    [{ earlyStopping: 'a fifth' }, '`--early-stopping` must be a fraction strictly between 0 and 1 (e.g. 0.2), was "a fifth"'],
    [{ earlyStoppingRounds: '5' }, '`--early-stopping-rounds` needs `--early-stopping <fraction>`'],
    [{ earlyStopping: '0.2', earlyStoppingRounds: '0' }, '`--early-stopping-rounds` must be an integer in [1, 10000], was "0"'],
  ])('rejects %o in one line naming the flag', async (flags, message) => {
    const error = await runTrain({ ...base, ...flags }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toBe(message);
  });
});

describe.skipIf(skipWithout(pythonPeer(['numpy', 'lightgbm', 'onnxmltools', 'onnx', 'pyarrow'])))('quantflow train --early-stopping (rounds per quantile on the training window\'s tail, then a refit)', () => {
  const featuresDir = path.join(dir, 'features');
  const modelDir = path.join(dir, 'model');
  const flags = { features: featuresDir, out: modelDir, folds: '3', trees: '60', seed: '11', purge: '6bars', embargo: '3bars', earlyStopping: '0.25', earlyStoppingRounds: '10', name: 'btc-slice-es' };
  const options = { folds: 3, windows: 'anchored' as const, purgeNs: 6n * HOUR, embargoNs: 3n * HOUR };
  let model: ModelJson;
  let file: FeatureFile;
  let planned: PlannedFold[];
  let plain: PlannedFold[];
  let timeNs: BigInt64Array;
  let fwdEnd: (bigint | null)[];
  let predictions: Table;

  beforeAll(async () => {
    await btcSliceFeatures(dir, featuresDir);
    model = await runTrain(flags);
    file = readFeatureFile(featuresDir);
    const t = file.table;
    timeNs = t.getChild('time_ns')!.toArray() as BigInt64Array;
    fwdEnd = Array.from({ length: t.numRows }, (_, i) => t.getChild('fwd_end_ns')!.get(i) as bigint | null);
    const usable = Array.from({ length: t.numRows }, (_, i) => t.getChild('usable')!.get(i) as boolean);
    planned = planFolds(timeNs, fwdEnd, usable, { ...options, earlyStoppingFraction: 0.25 });
    plain = planFolds(timeNs, fwdEnd, usable, options);
    predictions = tableFromIPC(readFileSync(path.join(modelDir, 'validation-predictions.arrow')));
  });

  it('holds out the tail of each training window, purged from the rows fit, never a validation row', () => {
    expect(planned.length).toBe(3);
    for (const fold of planned) {
      const k = fold.index;
      const es = fold.earlyStopping!;
      const train = rowsOf(fold.trainRows);
      expect(train, `fold ${k}: the training rows are those without early stopping`).toEqual(rowsOf(plain[k].trainRows));
      expect(model.folds[k].train.rows, `fold ${k}: the refit trains on the whole window`).toBe(train.length);
      const span = fold.train.endNs - fold.train.startNs;
      expect(es.validation.endNs).toBe(fold.train.endNs);
      expect(es.validation.startNs).toBe(fold.train.endNs - span / 4n);
      const inner = rowsOf(es.validationRows);
      const fit = rowsOf(es.fitRows);
      expect(inner, `fold ${k}: the inner rows are the training rows starting in the held-out tail`).toEqual(train.filter((r) => timeNs[r] >= es.validation.startNs));
      for (const r of fit) {
        if (!train.includes(r)) throw new Error(`fold ${k}: fit row ${r} is not a training row`);
        if (!(fwdEnd[r]! < es.validation.startNs - 6n * HOUR)) throw new Error(`fold ${k}: fit row ${r}'s label ends at ${fwdEnd[r]}, within the purge of the inner window starting ${es.validation.startNs}`);
      }
      const validation = new Set(rowsOf(fold.validationRows));
      for (const r of [...fit, ...inner]) if (validation.has(r)) throw new Error(`fold ${k}: row ${r} of the fold's validation is used by early stopping`);
      const dropped = train.filter((r) => timeNs[r] < es.validation.startNs).length - fit.length;
      expect(dropped, `fold ${k}: horizon 12 + purge 6 bars are purged before the inner window`).toBe(18);
      const recorded = model.folds[k].earlyStopping;
      expect(recorded.validation).toEqual({ startNs: String(es.validation.startNs), endNs: String(es.validation.endNs), rows: inner.length });
      expect(recorded.fitRows).toBe(fit.length);
    }
  });

  it('picks the rounds an independent scan of the inner pinball loss finds, and refits on the whole training window with them', () => {
    const plan = path.join(dir, 'oracle-plan.json');
    writeFileSync(plan, JSON.stringify({
      featuresDir,
      features: model.features,
      params: { trees: 60, seed: 11, earlyStopping: { fraction: 0.25, rounds: 10 } },
      folds: planned.map((f) => ({ index: f.index, trainRows: f.trainRows, validationRows: f.validationRows, earlyStopping: { fitRows: f.earlyStopping!.fitRows, validationRows: f.earlyStopping!.validationRows } })),
    }));
    const run = spawnSync(pythonBin, [ORACLE, plan, modelDir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const oracle = JSON.parse(run.stdout) as Array<{ index: number; best: number[]; loss: number[]; refitDiff: number; rows: number }>;
    let shortened = 0;
    for (const o of oracle) {
      const es = model.folds[o.index].earlyStopping;
      QUANTILES.forEach((q, j) => {
        expect(es.iterations[String(q)], `fold ${o.index} q${q}: rounds`).toBe(o.best[j]);
        expect(Math.abs(es.pinball[String(q)] - o.loss[j]) / o.loss[j], `fold ${o.index} q${q}: inner pinball (LightGBM holds labels as float32)`).toBeLessThan(1e-6);
        if (o.best[j] < 60) shortened++;
      });
      expect(o.rows).toBe(model.folds[o.index].validation.rows);
      expect(o.refitDiff, `fold ${o.index}: stored predictions = a refit on all training rows for the recorded rounds`).toBeLessThan(1e-12);
    }
    expect(shortened, 'early stopping shortens some quantile\'s training on this slice').toBeGreaterThan(0);
  });

  it('puts exactly the chosen rounds of trees per quantile in each ONNX graph, which still equals LightGBM within 1e-5', async () => {
    const count = spawnSync(pythonBin, ['-c', `
import json, sys, onnx
out = []
for f in sys.argv[1:]:
    m = onnx.load(f)
    out.append([len(set(a.ints)) for n in m.graph.node if n.op_type == "TreeEnsembleRegressor" for a in n.attribute if a.name == "nodes_treeids"])
print(json.dumps(out))`, ...model.folds.map((f: ModelJson) => path.join(modelDir, f.file))], { encoding: 'utf8' });
    expect(count.status, count.stderr).toBe(0);
    const trees = JSON.parse(count.stdout) as number[][];
    model.folds.forEach((f: ModelJson, k: number) => expect(trees[k], `fold ${k}: trees per quantile node`).toEqual(QUANTILES.map((q) => f.earlyStopping.iterations[String(q)])));

    const fold = predictions.getChild('fold')!.toArray() as Int32Array;
    const times = predictions.getChild('time_ns')!.toArray() as BigInt64Array;
    const expected = TAGS.map((tag) => predictions.getChild(tag)!.toArray() as Float64Array);
    const rowOf = new Map<bigint, number>();
    timeNs.forEach((t, i) => rowOf.set(t, i));
    const columns = model.features.map((f: string) => file.table.getChild(f)!.toArray() as Float64Array);
    for (const f of model.folds) {
      const session = await ort.InferenceSession.create(path.join(modelDir, f.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
      const at: number[] = [];
      fold.forEach((k, i) => { if (k === f.index) at.push(i); });
      const x = new Float32Array(at.length * columns.length);
      at.forEach((p, r) => columns.forEach((c: Float64Array, j: number) => { x[r * columns.length + j] = c[rowOf.get(times[p])!]; }));
      const q = (await session.run({ features: new ort.Tensor('float32', x, [at.length, columns.length]) })).quantiles.data as Float32Array;
      at.forEach((p, r) => {
        for (let k = 0; k < 5; k++) if (!(Math.abs(q[r * 5 + k] - expected[k][p]) <= 1e-5)) throw new Error(`fold ${f.index} row ${times[p]} ${TAGS[k]}: ONNX ${q[r * 5 + k]} vs LightGBM ${expected[k][p]}`);
      });
      await session.release();
    }
  });

  it('records the setting and each fold\'s rounds in metadata the engine\'s model check accepts', () => {
    expect(model.params).toMatchObject({ num_iterations: 60, early_stopping: { fraction: 0.25, rounds: 10, metric: 'quantile' } });
    const text = readFileSync(path.join(modelDir, 'model.json'), 'utf8');
    const checked = parseModelMetadata(text, 'model.json');
    checked.folds.forEach((f, k) => expect(f.earlyStopping?.iterations, `fold ${k}`).toEqual(model.folds[k].earlyStopping.iterations));
    const bad = JSON.parse(text);
    bad.folds[1].earlyStopping.iterations['0.5'] = 61;
    expect(() => parseModelMetadata(JSON.stringify(bad), 'model.json')).toThrow('model.json: `folds[1].earlyStopping.iterations["0.5"]` must be <= params.num_iterations 60 (early stopping only shortens training), was 61');
    const outside = JSON.parse(text);
    outside.folds[0].earlyStopping.validation.endNs = outside.folds[0].validation.endNs;
    expect(() => parseModelMetadata(JSON.stringify(outside), 'model.json')).toThrow(/`folds\[0\]\.earlyStopping\.validation` must lie within the fold's training window/);
  });

  it('is deterministic: the same inputs and seed give byte-identical model files', async () => {
    const again = path.join(dir, 'again');
    await runTrain({ ...flags, out: again });
    expectSameFiles(modelDir, again);
  });
});
