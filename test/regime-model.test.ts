// State labelling rules, label hysteresis, the model record (JSON file round trip, data
// hash, field checks) and the LMDB registry (a real environment in a temp dir).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scoreGaussianHmm } from '../engine/regime/forward-filter.js';
import type { GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { LabelHysteresis } from '../engine/regime/label-hysteresis.js';
import { LABEL_CHOPPY, LABEL_MEAN_REVERTING, LABEL_TRENDING } from '../engine/regime/regime-label.js';
import type { RegimeFeatures } from '../engine/regime/regime-features.js';
import { featureDataHash, parseRegimeModelJson, readRegimeModelFile, regimeModelToJson, writeRegimeModelFile } from '../engine/regime/regime-model-record.js';
import { RegimeModelRegistry } from '../engine/regime/regime-model-registry.js';
import { labelStates, stateStatistics, type StateStatistics } from '../engine/regime/regime-state-labels.js';
import { SeededRandom } from '../engine/regime/seeded-random.js';
import { simulateGaussianHmm } from '../engine/regime/simulate-gaussian-hmm.js';
import { trainRegimeModel } from '../engine/regime/train-regime-model.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-regime-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** Returns in three regimes of 2,000 bars each: AR(1) +0.4 with drift, AR(1) -0.4, loud white noise. */
function regimeReturns(): { states: Int32Array; returns: Float64Array } {
  const rng = new SeededRandom(5);
  const n = 6_000;
  const states = new Int32Array(n);
  const returns = new Float64Array(n);
  let prev = 0;
  for (let t = 0; t < n; t++) {
    const s = Math.floor(t / 2_000);
    states[t] = s;
    const e = rng.nextGaussian();
    if (s === 0) prev = 0.002 + 0.4 * (prev - 0.002) + 0.004 * e;
    else if (s === 1) prev = -0.4 * prev + 0.003 * e;
    else prev = 0.02 * e;
    returns[t] = prev;
  }
  return { states, returns };
}

const stats = (s: Partial<StateStatistics>): StateStatistics => ({ bars: 100, meanReturn: 0, volatility: 1, driftRatio: 0, autocorrelation: 0, volatilityRank: 0, ...s });

describe('state labelling rules', () => {
  it('measures drift ratio, within-state autocorrelation and volatility rank, and labels trending, mean-reverting and choppy states', () => {
    const { states, returns } = regimeReturns();
    const s = stateStatistics(states, returns, 3);
    expect(s[0].driftRatio, 'drifting state: mean 0.002 over std about 0.0044').toBeGreaterThan(0.3);
    expect(s[0].autocorrelation, 'AR(1) +0.4').toBeGreaterThan(0.3);
    expect(s[1].autocorrelation, 'AR(1) -0.4').toBeLessThan(-0.3);
    expect(s.map((x) => x.volatilityRank), 'std about 0.0044, 0.0033, 0.02').toEqual([1, 0, 2]);
    expect(labelStates(s)).toEqual(['trending', 'mean_reverting', 'choppy']);
  });

  it('applies the rules in their documented order', () => {
    const K3 = [
      stats({ driftRatio: 0.1, autocorrelation: 0.0, volatilityRank: 2 }), // rule 1
      stats({ driftRatio: 0.1, autocorrelation: -0.2, volatilityRank: 0 }), // drift undone -> rule 2
      stats({ driftRatio: 0.01, autocorrelation: 0.01, volatilityRank: 0 }), // quiet range -> rule 2
    ];
    expect(labelStates(K3)).toEqual(['trending', 'mean_reverting', 'mean_reverting']);
    const loud = [stats({ volatilityRank: 0 }), stats({ volatilityRank: 1, autocorrelation: 0.02 }), stats({ volatilityRank: 2, autocorrelation: 0.2 })];
    expect(labelStates(loud), 'calm half is a range; the loud states without drift are choppy').toEqual(['mean_reverting', 'choppy', 'choppy']);
    expect(() => labelStates(K3, { minTrendDriftRatio: -1, autocorrelationBand: 0.05 })).toThrow('`minTrendDriftRatio` must be a finite number >= 0, was -1');
  });

  it('holds the published label until a new one has lasted the minimum dwell', () => {
    const h = new LabelHysteresis(3);
    const T = LABEL_TRENDING;
    const M = LABEL_MEAN_REVERTING;
    const C = LABEL_CHOPPY;
    const input = [T, M, M, T, M, M, M, C, M, C, C, C, C];
    const wanted = [T, T, T, T, T, T, M, M, M, M, M, C, C];
    expect(input.map((l) => h.update(l))).toEqual(wanted);
    const instant = new LabelHysteresis(1);
    expect(input.map((l) => instant.update(l)), 'min dwell 1 publishes every change').toEqual(input);
    expect(() => new LabelHysteresis(0)).toThrow('`minDwellBars` must be an integer >= 1, was 0');
  });
});

const TRUTH: GaussianHmm = {
  states: 3,
  features: 2,
  covarianceType: 'diag',
  startProb: new Float64Array([0.4, 0.3, 0.3]),
  transMat: new Float64Array([0.9, 0.05, 0.05, 0.05, 0.9, 0.05, 0.05, 0.05, 0.9]),
  means: new Float64Array([0.003, 0.5, -0.001, 1, 0, 3]),
  covars: new Float64Array([1e-5, 0.05, 2e-5, 0.05, 4e-4, 0.2]),
};

function features(): RegimeFeatures {
  const sim = simulateGaussianHmm(TRUTH, 3_000, 2).features;
  const timeNs = BigInt64Array.from({ length: sim.rows }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 3_600_000_000_000n);
  return { ...sim, timeNs, spec: ['logret', 'rvol:20'] };
}

describe('regime model record', () => {
  it('round-trips through a JSON file with its spec, range, hash, log-likelihood and labels', () => {
    const x = features();
    const record = trainRegimeModel(x, { restarts: 2, seed: 3, minDwellBars: 4, source: 'simulated' });
    const file = path.join(tempDir(), 'model.json');
    writeRegimeModelFile(file, record);
    const loaded = readRegimeModelFile(file);
    expect(loaded.featureSpec).toEqual(['logret', 'rvol:20']);
    expect(loaded.trainingRange).toEqual({ fromNs: '1700000000000000000', toNs: String(1_700_000_000_000_000_000n + 2_999n * 3_600_000_000_000n), rows: 3_000, source: 'simulated' });
    expect(loaded.dataHash).toBe(`sha256:${createHash('sha256').update(Buffer.from(x.data.buffer)).digest('hex')}`);
    expect(loaded.minDwellBars).toBe(4);
    expect(loaded.labels).toEqual(record.labels);
    expect(Array.from(loaded.model.covars)).toEqual(Array.from(record.model.covars));
    expect(Array.from(loaded.model.transMat)).toEqual(Array.from(record.model.transMat));
    expect(Math.abs(loaded.logLikelihood / scoreGaussianHmm(loaded.model, x) - 1), 'saved log-likelihood is the loaded model’s score on the training rows').toBeLessThan(1e-12);
  });

  it('changes the data hash when one feature value changes', () => {
    const x = features();
    const before = featureDataHash(x);
    x.data[1234] += 1e-12;
    expect(featureDataHash(x)).not.toBe(before);
  });

  it('rejects a model file with a bad field, naming the file, the field and the value', () => {
    const record = trainRegimeModel(features(), { restarts: 1, seed: 3 });
    const json = JSON.parse(regimeModelToJson(record));
    const file = path.join(tempDir(), 'bad.json');
    writeFileSync(file, JSON.stringify({ ...json, labels: ['trending', 'sideways', 'choppy'] }));
    expect(() => readRegimeModelFile(file)).toThrow(`${file}: \`labels\` must be 3 of trending, mean_reverting, choppy, was ["trending","sideways","choppy"]`);
    json.model.transMat[0] = 2;
    expect(() => parseRegimeModelJson(JSON.stringify(json), 'm.json')).toThrow('m.json: model `transMat row 0` must sum to 1');
    expect(() => parseRegimeModelJson('{"format":"other"}', 'x.json')).toThrow("x.json: `format` must be 'quantflow.regime-hmm', was \"other\"");
  });

  it('refuses to train without a logret feature to label the states', () => {
    expect(() => trainRegimeModel({ ...features(), spec: ['rvol:20', 'volz:20'] })).toThrow('feature spec must include `logret`');
  });
});

describe('LMDB regime model registry', () => {
  it('stores numbered versions, returns the latest or a given one, and keeps them across reopen', async () => {
    const dir = tempDir();
    const a = trainRegimeModel(features(), { restarts: 1, seed: 1 });
    const b = trainRegimeModel(features(), { restarts: 1, seed: 1, minDwellBars: 5 });
    const registry = RegimeModelRegistry.open(path.join(dir, 'env'));
    expect(registry.put('btc-1h', a)).toBe(1);
    expect(registry.put('btc-1h', b)).toBe(2);
    expect(registry.put('eth-1h', a)).toBe(1);
    expect(registry.get('btc-1h').minDwellBars).toBe(5);
    expect(registry.get('btc-1h', 1).minDwellBars).toBe(1);
    await registry.close();

    const reopened = RegimeModelRegistry.open(path.join(dir, 'env'));
    expect(reopened.list().map((e) => `${e.name}@${e.version}`)).toEqual(['btc-1h@1', 'btc-1h@2', 'eth-1h@1']);
    expect(Array.from(reopened.get('eth-1h').model.means)).toEqual(Array.from(a.model.means));
    expect(reopened.list()[0].dataHash).toBe(a.dataHash);
    expect(() => reopened.get('sol-1h')).toThrow('regime model "sol-1h" version latest is not in the registry');
    expect(() => reopened.put('bad name', a)).toThrow('model name must be 1-100 characters');
    await reopened.close();
    expect(readFileSync(path.join(dir, 'env', 'data.mdb')).length, 'a real LMDB data file was written').toBeGreaterThan(0);
  });
});
