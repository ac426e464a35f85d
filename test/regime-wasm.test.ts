// The WASM forward filter (wasm/assembly/hmm) against the TS forward filter and label
// hysteresis (engine/regime): equal to 1e-12 on simulated and real features, checkpoint
// and restore by byte copy continue identically, layout offsets agree, bad calls return
// the documented status codes. K = 3, d = 3 diagonal models run the core's unrolled path
// (hmm-filter-diag3.ts); it is held bit for bit to the general path by filtering the same
// model written as a full covariance (diagonal matrices), which the general path runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { CoreStatusError } from '../engine/core/core-status.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { fitGaussianHmm } from '../engine/regime/fit-gaussian-hmm.js';
import { ForwardFilter } from '../engine/regime/forward-filter.js';
import type { FeatureMatrix, GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { HMM_FILTER_BYTES, HMM_MAX_INSTRUMENTS, HMM_MAX_MODELS, hmmFilterStateOffset, hmmModelOffset } from '../engine/regime/hmm-memory-layout.js';
import { LabelHysteresis } from '../engine/regime/label-hysteresis.js';
import { buildRegimeFeatures } from '../engine/regime/regime-features.js';
import { simulateGaussianHmm } from '../engine/regime/simulate-gaussian-hmm.js';
import { WasmForwardFilter, type HmmCoreExports } from '../engine/regime/wasm-forward-filter.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const btcHourly = sharedDataPath('crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const skipRealData = skipWithout(sharedData([btcHourly]));

const TOLERANCE = 1e-12;
const TRUTH: GaussianHmm = {
  states: 3,
  features: 3,
  covarianceType: 'full',
  startProb: new Float64Array([0.5, 0.3, 0.2]),
  transMat: new Float64Array([0.9, 0.06, 0.04, 0.08, 0.84, 0.08, 0.05, 0.05, 0.9]),
  means: new Float64Array([0.5, 1, -1, -0.5, 2, 0, 0, 4, 1]),
  covars: new Float64Array([
    0.6, 0.05, 0, 0.05, 0.4, 0.02, 0, 0.02, 0.5,
    0.5, -0.1, 0.05, -0.1, 0.6, 0, 0.05, 0, 0.7,
    1, 0.3, 0.2, 0.3, 0.8, 0.1, 0.2, 0.1, 0.9,
  ]),
};
const LABEL_OF = [2, 0, 1];
const MIN_DWELL = 3;
/** A 4-state, 2-feature diagonal model: a shape only the general path serves. */
const GENERAL_DIAG: GaussianHmm = {
  states: 4,
  features: 2,
  covarianceType: 'diag',
  startProb: new Float64Array([0.4, 0.3, 0.2, 0.1]),
  transMat: new Float64Array([0.9, 0.05, 0.03, 0.02, 0.05, 0.85, 0.05, 0.05, 0.04, 0.04, 0.88, 0.04, 0.1, 0.05, 0.05, 0.8]),
  means: new Float64Array([0, 0, 2, 1, -2, 1, 0, 4]),
  covars: new Float64Array([1, 0.5, 0.6, 0.8, 1.2, 0.4, 2, 1.5]),
};

const labelsOf = (model: GaussianHmm) => Array.from({ length: model.states }, (_, k) => LABEL_OF[k % LABEL_OF.length]);

/** The same diagonal model written as a full covariance with diagonal matrices. */
function asFullCovariance(model: GaussianHmm): GaussianHmm {
  const d = model.features;
  const covars = new Float64Array(model.states * d * d);
  for (let k = 0; k < model.states; k++) for (let f = 0; f < d; f++) covars[k * d * d + f * d + f] = model.covars[k * d + f];
  return { ...model, covarianceType: 'full', covars };
}

function newCore(): { core: HmmCoreExports; memory: WebAssembly.Memory; filter: WasmForwardFilter } {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release')) as HmmCoreExports;
  return { core, memory, filter: new WasmForwardFilter(core, memory) };
}

function tsReference(model: GaussianHmm, x: FeatureMatrix) {
  const f = new ForwardFilter(model);
  const h = new LabelHysteresis(MIN_DWELL);
  const K = model.states;
  const labelOf = labelsOf(model);
  const probabilities = new Float64Array(x.rows * K);
  const increments = new Float64Array(x.rows);
  const labels = new Int32Array(x.rows);
  for (let t = 0; t < x.rows; t++) {
    const arg = f.step(x.data, t * x.cols);
    probabilities.set(f.probabilities, t * K);
    increments[t] = f.lastIncrement;
    labels[t] = h.update(labelOf[arg]);
  }
  return { probabilities, increments, labels, logLikelihood: f.logLikelihood };
}

function slice(x: FeatureMatrix, from: number, to: number): FeatureMatrix {
  return { rows: to - from, cols: x.cols, data: x.data.subarray(from * x.cols, to * x.cols) };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let cases: { name: string; model: GaussianHmm; x: FeatureMatrix }[] = [];

beforeAll(async () => {
  const sim = simulateGaussianHmm(TRUTH, 10_000, 8).features;
  cases = [
    { name: 'simulated, full covariance', model: TRUTH, x: sim },
    { name: 'simulated, diagonal covariance', model: fitGaussianHmm(sim, { covarianceType: 'diag', restarts: 1, maxIterations: 20 }).best.model, x: sim },
    { name: 'simulated, 4 states x 2 features, diagonal (general path)', model: GENERAL_DIAG, x: simulateGaussianHmm(GENERAL_DIAG, 5_000, 3).features },
  ];
  if (!skipRealData) {
    const { series } = await loadBarsCsv(btcHourly);
    const x = buildRegimeFeatures(series);
    for (const covarianceType of ['diag', 'full'] as const) {
      cases.push({ name: `BTCUSDT 1h, ${covarianceType} covariance`, model: fitGaussianHmm(x, { covarianceType, restarts: 1, maxIterations: 30 }).best.model, x });
    }
  }
});

describe('WASM forward filter', () => {
  it('places model slots and filter states where the TS layout mirror says', () => {
    const { core } = newCore();
    for (const m of [0, 1, HMM_MAX_MODELS - 1]) expect(core.hmmModelOffset(m), `model slot ${m}`).toBe(hmmModelOffset(m));
    for (const i of [0, 7, HMM_MAX_INSTRUMENTS - 1]) expect(core.hmmFilterStateOffset(i), `instrument ${i}`).toBe(hmmFilterStateOffset(i));
    expect(core.hmmFilterStateBytes()).toBe(HMM_FILTER_BYTES);
    expect(core.hmmModelOffset(HMM_MAX_MODELS), 'slot past the table').toBe(-6);
    expect(core.hmmFilterStateOffset(-1), 'negative instrument').toBe(-6);
  });

  it(`equals the TS filter to ${TOLERANCE} in probabilities and increments, and its labels exactly`, () => {
    const { filter } = newCore();
    for (const [slot, { name, model, x }] of cases.entries()) {
      filter.loadModel(slot, model, labelsOf(model), MIN_DWELL);
      filter.reset(slot, slot);
      const wasm = filter.filterBatch(slot, x);
      const ts = tsReference(model, x);
      expect(maxAbsDiff(wasm.probabilities, ts.probabilities), `${name}: probabilities`).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(wasm.increments, ts.increments), `${name}: log-likelihood increments`).toBeLessThan(TOLERANCE);
      expect(Array.from(wasm.labels), `${name}: published labels with min dwell ${MIN_DWELL}`).toEqual(Array.from(ts.labels));
      expect(Math.abs(filter.logLikelihood(slot) - ts.logLikelihood) / Math.abs(ts.logLikelihood), `${name}: total log-likelihood`).toBeLessThan(TOLERANCE);
      expect(filter.steps(slot)).toBe(BigInt(x.rows));
      expect(new Set(wasm.labels).size, `${name}: the labels are not all the same`).toBeGreaterThan(1);
    }
  });

  it('gives the same result one step at a time as in one batch call, on the general and the unrolled path', () => {
    const { core, memory, filter } = newCore();
    for (const [slot, { name, model, x }] of cases.slice(0, 2).entries()) {
      filter.loadModel(slot, model, LABEL_OF, MIN_DWELL);
      filter.reset(1, slot);
      filter.reset(2, slot);
      const rows = 500;
      const batch = filter.filterBatch(1, slice(x, 0, rows));
      const view = new Float64Array(memory.buffer, SCRATCH_REGION_OFFSET, x.cols);
      for (let t = 0; t < rows; t++) {
        view.set(x.data.subarray(t * x.cols, (t + 1) * x.cols));
        const arg = core.hmmFilterStep(2, SCRATCH_REGION_OFFSET);
        expect(arg, `${name}: row ${t} most probable state`).toBeGreaterThanOrEqual(0);
        expect(filter.label(2), `${name}: row ${t} label`).toBe(batch.labels[t]);
      }
      expect(Array.from(filter.probabilities(2)), name).toEqual(Array.from(batch.probabilities.subarray((rows - 1) * 3)));
      expect(filter.lastIncrement(2), name).toBe(batch.increments[rows - 1]);
      expect(filter.checkpoint(2), `${name}: state blocks after ${rows} single steps and after one batch`).toEqual(filter.checkpoint(1));
    }
  });

  it('runs a 3-state, 3-feature diagonal model bit for bit as the general path runs it', () => {
    const { filter } = newCore();
    for (const { name, model, x } of cases.filter((c) => c.model.covarianceType === 'diag' && c.model.states === 3)) {
      filter.loadModel(0, model, LABEL_OF, MIN_DWELL);
      filter.loadModel(1, asFullCovariance(model), LABEL_OF, MIN_DWELL);
      filter.reset(0, 0);
      filter.reset(1, 1);
      const unrolled = filter.filterBatch(0, x);
      const general = filter.filterBatch(1, x);
      expect(Array.from(unrolled.probabilities), `${name}: probabilities`).toEqual(Array.from(general.probabilities));
      expect(Array.from(unrolled.increments), `${name}: increments`).toEqual(Array.from(general.increments));
      expect(Array.from(unrolled.labels), `${name}: labels`).toEqual(Array.from(general.labels));
      expect(filter.logLikelihood(0), `${name}: total log-likelihood`).toBe(filter.logLikelihood(1));
      const a = filter.checkpoint(0);
      const b = filter.checkpoint(1);
      a.fill(0, 4, 8); // the model slot differs by construction
      b.fill(0, 4, 8);
      expect(a, `${name}: state blocks, scratch included`).toEqual(b);
    }
  });

  it('redoes an underflowing row in log space on the unrolled path, as the TS filter does', () => {
    // State 2 is unreachable (start 0, no transition into it) and every row sits on its
    // mean, far from states 0 and 1: the scaled step sees c = 0 on every row.
    const model: GaussianHmm = {
      states: 3,
      features: 3,
      covarianceType: 'diag',
      startProb: new Float64Array([0.5, 0.5, 0]),
      transMat: new Float64Array([0.9, 0.1, 0, 0.1, 0.9, 0, 0, 0, 1]),
      means: new Float64Array([0, 0, 0, 1, 1, 1, 100, 100, 100]),
      covars: new Float64Array([1, 1, 1, 1, 1, 1, 1, 1, 1]),
    };
    const rows = 6;
    const x: FeatureMatrix = { rows, cols: 3, data: new Float64Array(rows * 3).fill(100) };
    const { filter } = newCore();
    filter.loadModel(0, model, LABEL_OF, 1);
    filter.loadModel(1, asFullCovariance(model), LABEL_OF, 1);
    filter.reset(0, 0);
    filter.reset(1, 1);
    const unrolled = filter.filterBatch(0, x);
    const general = filter.filterBatch(1, x);
    const ts = new ForwardFilter(model);
    for (let t = 0; t < rows; t++) {
      ts.step(x.data, t * 3);
      expect(Number.isFinite(unrolled.increments[t]), `row ${t}: finite increment`).toBe(true);
      expect(Math.abs(unrolled.increments[t] - ts.lastIncrement), `row ${t}: increment vs TS`).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(unrolled.probabilities.subarray(t * 3, t * 3 + 3), ts.probabilities), `row ${t}: probabilities vs TS`).toBeLessThan(TOLERANCE);
    }
    expect(Array.from(unrolled.increments), 'unrolled vs general path').toEqual(Array.from(general.increments));
    expect(Array.from(unrolled.probabilities), 'unrolled vs general path').toEqual(Array.from(general.probabilities));
  });

  it('continues identically after a checkpoint is restored, in the same core and in a fresh one', () => {
    const { filter } = newCore();
    const { model, x } = cases[0];
    const half = Math.floor(x.rows / 2);
    filter.loadModel(3, model, LABEL_OF, MIN_DWELL);
    filter.reset(10, 3);
    filter.filterBatch(10, slice(x, 0, half));
    const checkpoint = filter.checkpoint(10);
    const straight = filter.filterBatch(10, slice(x, half, x.rows));
    const straightTotal = filter.logLikelihood(10);

    filter.restore(11, checkpoint, 3);
    const resumed = filter.filterBatch(11, slice(x, half, x.rows));
    expect(Array.from(resumed.probabilities), 'same core: probabilities bit for bit').toEqual(Array.from(straight.probabilities));
    expect(Array.from(resumed.increments)).toEqual(Array.from(straight.increments));
    expect(Array.from(resumed.labels)).toEqual(Array.from(straight.labels));
    expect(filter.logLikelihood(11)).toBe(straightTotal);

    const fresh = newCore().filter;
    fresh.loadModel(3, model, LABEL_OF, MIN_DWELL);
    fresh.restore(0, checkpoint, 3);
    const restarted = fresh.filterBatch(0, slice(x, half, x.rows));
    expect(Array.from(restarted.probabilities), 'fresh core: probabilities bit for bit').toEqual(Array.from(straight.probabilities));
    expect(Array.from(restarted.labels)).toEqual(Array.from(straight.labels));
    expect(fresh.logLikelihood(0)).toBe(straightTotal);
  });

  it('returns the documented status codes for calls it cannot serve', () => {
    const { core, memory, filter } = newCore();
    expect(core.hmmResetFilter(0, 0), 'reset on an empty model slot').toBe(-30);
    expect(core.hmmFilterStep(0, SCRATCH_REGION_OFFSET), 'step before reset').toBe(-32);
    expect(() => filter.filterBatch(0, cases[0].x)).toThrow('instrument 0 has no filter');
    const base = hmmModelOffset(4);
    const view = new DataView(memory.buffer);
    filter.loadModel(4, cases[0].model, LABEL_OF, 1);
    view.setFloat64(base + 192, 0.5, true); // transMat[0][0] no longer leaves row 0 summing to 1
    expect(core.hmmLoadModel(4, 3, 3, 1, 1), 'non-stochastic transition row').toBe(-31);
    expect(core.hmmResetFilter(0, 4), 'a rejected model is not loaded').toBe(-30);
    expect(() => filter.reset(0, 4)).toThrow(CoreStatusError);
    filter.loadModel(5, cases[0].model, LABEL_OF, 1);
    filter.reset(0, 5);
    expect(core.hmmFilterBatch(0, 1024, 10, SCRATCH_REGION_OFFSET), 'input outside the scratch region').toBe(-6);
    expect(core.hmmFilterBatch(0, SCRATCH_REGION_OFFSET, 10, SCRATCH_REGION_OFFSET + 8), 'output overlapping input').toBe(-6);
    expect(core.hmmLoadModel(6, 9, 3, 0, 1), 'more states than the slot holds').toBe(-6);
  });
});
