// State labelling rules (simulated regimes with known truth, and hourly crypto from
// ../shared/data when present), label hysteresis, the model record (JSON file round trip,
// data hash, field checks) and the LMDB registry (a real environment in a temp dir).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { scoreGaussianHmm } from '../engine/regime/forward-filter.js';
import type { GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { LabelHysteresis } from '../engine/regime/label-hysteresis.js';
import { LABEL_CHOPPY, LABEL_MEAN_REVERTING, LABEL_TRENDING } from '../engine/regime/regime-label.js';
import { buildRegimeFeatures, type RegimeFeatures } from '../engine/regime/regime-features.js';
import { featureDataHash, parseRegimeModelJson, readRegimeModelFile, regimeModelToJson, writeRegimeModelFile } from '../engine/regime/regime-model-record.js';
import { RegimeModelRegistry } from '../engine/regime/regime-model-registry.js';
import { labelStates, ruleLabels, stateStatistics, type LabelRules, type StateStatistics } from '../engine/regime/regime-state-labels.js';
import { SeededRandom } from '../engine/regime/seeded-random.js';
import { simulateGaussianHmm } from '../engine/regime/simulate-gaussian-hmm.js';
import { trainRegimeModel } from '../engine/regime/train-regime-model.js';
import { viterbi } from '../engine/regime/viterbi.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const cryptoDir = sharedDataPath('crypto_ohlcv');
const hourlyData = sharedData(['BTCUSDT', 'ETHUSDT'].map((s) => path.join(cryptoDir, `binance_spot_${s}_1h_2024-04-16_2026-04-16.csv`)));
const btc4hData = sharedData([path.join(cryptoDir, 'binance_spot_BTCUSDT_4h_2024-04-16_2026-04-16.csv')]);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-regime-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/**
 * A Markov-switching return series with known regimes (about 20-bar runs):
 *   0 trending        AR(1) +0.3 around a drift of 0.002 per bar, std 0.004; with
 *                     `alternate` the drift's sign is drawn afresh for every run (up- and
 *                     down-trends in one state, so its mean return is near 0)
 *   1 mean_reverting  AR(1) -0.4, std 0.003
 *   2 choppy          white noise, std 0.02
 */
function regimeReturns(alternate: boolean, seed = 5, n = 30_000): { states: Int32Array; returns: Float64Array } {
  const rng = new SeededRandom(seed);
  const states = new Int32Array(n);
  const returns = new Float64Array(n);
  let s = 0;
  let prev = 0;
  let drift = 0.002;
  for (let t = 0; t < n; t++) {
    if (t > 0 && rng.next() < 0.05) {
      s = (s + 1 + Math.floor(rng.next() * 2)) % 3;
      if (s === 0 && alternate) drift = rng.next() < 0.5 ? 0.002 : -0.002;
      prev = s === 0 ? drift : 0;
    }
    states[t] = s;
    const e = rng.nextGaussian();
    if (s === 0) prev = drift + 0.3 * (prev - drift) + 0.004 * e;
    else if (s === 1) prev = -0.4 * prev + 0.003 * e;
    else prev = 0.02 * e;
    returns[t] = prev;
  }
  return { states, returns };
}

const stats = (s: Partial<StateStatistics>): StateStatistics => ({
  bars: 1000, runs: 50, meanReturn: 0, volatility: 1, driftRatio: 0, autocorrelation: 0, autocorrelationZ: 0, varianceRatio: 1, varianceRatioZ: 0, volatilityRank: 1, ...s,
});

describe('state labelling rules', () => {
  it('labels a drifting, positively autocorrelated state trending, an anti-persistent one mean-reverting and loud noise choppy', () => {
    const { states, returns } = regimeReturns(false);
    const s = stateStatistics(states, returns, 3);
    expect(s[0].runs, 'the simulated path switches regime about every 20 bars').toBeGreaterThan(300);
    expect(s[0].driftRatio, 'drifting state: mean 0.002 over std about 0.0044').toBeGreaterThan(0.3);
    expect(s[0].autocorrelation, 'AR(1) +0.3').toBeGreaterThan(0.2);
    expect(s[0].varianceRatio, 'drift and persistence add up within runs').toBeGreaterThan(2);
    expect(s[1].autocorrelation, 'AR(1) -0.4').toBeLessThan(-0.3);
    expect(s[1].autocorrelationZ, 'anti-persistence is many standard errors from 0').toBeLessThan(-10);
    expect(Math.abs(s[2].autocorrelationZ), 'white noise: no autocorrelation beyond sampling error').toBeLessThan(3);
    expect(Math.abs(s[2].varianceRatioZ), 'white noise: variance ratio within sampling error of 1').toBeLessThan(3);
    expect(s.map((x) => x.volatilityRank), 'std about 0.0044, 0.0033, 0.02').toEqual([1, 0, 2]);
    expect(labelStates(s)).toEqual(['trending', 'mean_reverting', 'choppy']);
  });

  it('labels a state trending when its runs trend up and down alike, although its mean return is near zero', () => {
    const { states, returns } = regimeReturns(true);
    const s = stateStatistics(states, returns, 3);
    expect(s[0].driftRatio, 'up- and down-trends cancel in the mean').toBeLessThan(0.1);
    expect(s[0].varianceRatioZ, 'each run still moves far more than a random walk').toBeGreaterThan(10);
    expect(labelStates(s)).toEqual(['trending', 'mean_reverting', 'choppy']);
  });

  it('labels the fitted states of simulated regimes by their truth, end to end through trainRegimeModel', () => {
    const { states, returns } = regimeReturns(true, 11, 12_000);
    const rng = new SeededRandom(12);
    const n = states.length;
    // Feature 2 marks the regime with noise (as a volatility feature would), so the fit can find it.
    const data = new Float64Array(n * 2);
    for (let t = 0; t < n; t++) {
      data[t * 2] = returns[t];
      data[t * 2 + 1] = [1, 0, 2][states[t]] + 0.1 * rng.nextGaussian();
    }
    const timeNs = BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 3_600_000_000_000n);
    const record = trainRegimeModel({ rows: n, cols: 2, data, timeNs, spec: ['logret', 'marker'] }, { restarts: 5, seed: 1 });
    const path = viterbi(record.model, { rows: n, cols: 2, data }).states;
    const truthOf = (k: number) => {
      const votes = [0, 0, 0];
      for (let t = 0; t < n; t++) if (path[t] === k) votes[states[t]]++;
      return votes.indexOf(Math.max(...votes));
    };
    const wanted = ['trending', 'mean_reverting', 'choppy'];
    expect(new Set([0, 1, 2].map(truthOf)).size, 'the fit gives each simulated regime its own state').toBe(3);
    for (let k = 0; k < 3; k++) {
      expect(record.labels[k], `fitted state ${k} is simulated regime ${truthOf(k)} (${wanted[truthOf(k)]})`).toBe(wanted[truthOf(k)]);
    }
  });

  it('gives calibrated z-scores on independent returns, so noise is rarely called trending or mean-reverting', () => {
    const z: { ac: number[]; vr: number[] } = { ac: [], vr: [] };
    let trending = 0;
    let reversal = 0;
    const seeds = 60;
    for (let seed = 1; seed <= seeds; seed++) {
      const rng = new SeededRandom(seed);
      const n = 20_000;
      const states = new Int32Array(n);
      const returns = new Float64Array(n);
      let state = 0;
      for (let t = 0; t < n; t++) {
        if (rng.next() < 0.05) state = rng.nextInt(3);
        states[t] = state;
        returns[t] = (state + 1) * 0.003 * rng.nextGaussian();
      }
      const s = stateStatistics(states, returns, 3);
      s.forEach((st) => {
        z.ac.push(st.autocorrelationZ);
        z.vr.push(st.varianceRatioZ);
      });
      const labels = ruleLabels(s);
      trending += labels.filter((l) => l === 'trending').length;
      reversal += labels.filter((l, k) => l === 'mean_reverting' && s[k].volatilityRank > 0).length;
    }
    const moments = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return { mean: m, std: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) };
    };
    for (const [name, v] of Object.entries(z)) {
      const { mean, std } = moments(v);
      expect(Math.abs(mean), `${name} z-scores of ${v.length} noise states: mean ${mean.toFixed(3)}`).toBeLessThan(0.3);
      expect(std, `${name} z-scores of ${v.length} noise states: std ${std.toFixed(3)}, 1 if the standard error is right`).toBeGreaterThan(0.8);
      expect(std).toBeLessThan(1.2);
    }
    const states = seeds * 3;
    expect(trending / states, `${trending} of ${states} noise states called trending (about 1% expected: positive autocorrelation and z >= 2)`).toBeLessThan(0.04);
    expect(reversal / (seeds * 2), `${reversal} of ${seeds * 2} noise states above the calmest called mean_reverting (about 4.5% expected: either z <= -2)`).toBeLessThan(0.1);
  });

  it('computes the variance ratio and its z-score from the runs of a state', () => {
    // State 0 has runs [1, 2] and [3]; state 1 has [-1, 1]. Mean 2, variance 1 for state 0.
    const states = Int32Array.from([0, 0, 1, 1, 0]);
    const returns = Float64Array.from([1, 2, -1, 1, 3]);
    const [s0, s1] = stateStatistics(states, returns, 2);
    expect(s0.runs).toBe(2);
    expect(s0.volatility).toBe(1);
    expect(s0.varianceRatio, '(3^2 + 3^2) / (1 * 3 bars)').toBe(6);
    expect(s0.varianceRatioZ, '(6 - 1) * 3 / sqrt(2 * (2^2 + 1^2))').toBeCloseTo((5 * 3) / Math.sqrt(10), 12);
    expect(s1.varianceRatio, 'a run that ends where it started: (0)^2 / (2 * 2 bars)').toBe(0);
    expect(s1.autocorrelation, 'fewer than 3 pairs: no estimate').toBe(0);
  });

  it('applies the rules in their documented order', () => {
    const K3 = [
      stats({ autocorrelation: 0.1, autocorrelationZ: 3, varianceRatioZ: 2.5, volatilityRank: 2 }), // rule 1
      stats({ autocorrelation: 0.05, autocorrelationZ: 1.5, varianceRatioZ: -2.5, volatilityRank: 1 }), // undone within runs -> rule 2
      stats({ autocorrelation: 0.01, autocorrelationZ: 0.3, varianceRatioZ: 0.5, volatilityRank: 0 }), // calmest, no trend -> rule 2
    ];
    expect(ruleLabels(K3)).toEqual(['trending', 'mean_reverting', 'mean_reverting']);
    expect(labelStates(K3), 'distinct labels: the calmest state scores 0 as mean_reverting, the state undone within runs 0.5').toEqual(['trending', 'mean_reverting', 'choppy']);
    const loud = [
      stats({ autocorrelation: -0.02, autocorrelationZ: -1, volatilityRank: 1 }),
      stats({ autocorrelation: -0.1, autocorrelationZ: -2.5, volatilityRank: 2 }),
      stats({ autocorrelation: -0.01, varianceRatioZ: 3, volatilityRank: 0 }),
    ];
    expect(ruleLabels(loud), 'persistence needs positive autocorrelation; reliable reversal wins over volatility').toEqual(['choppy', 'mean_reverting', 'mean_reverting']);
    expect(labelStates(loud), 'distinct labels: trending goes to the state with the best trend score (variance ratio z 3)').toEqual(['choppy', 'mean_reverting', 'trending']);
    expect(labelStates([stats({ autocorrelation: 0.1, varianceRatioZ: 1.9, volatilityRank: 2 })]), 'below the two-sigma default').toEqual(['choppy']);
    expect(labelStates([stats({ autocorrelation: 0.1, varianceRatioZ: 1.9, volatilityRank: 2 })], { minTrendZ: 1.5, minReversalZ: 2 })).toEqual(['trending']);
    expect(() => labelStates(K3, { minTrendZ: -1, minReversalZ: 2 })).toThrow('`minTrendZ` must be a finite number > 0, was -1');
    expect(() => labelStates(K3, { minTrendZ: 2 } as LabelRules)).toThrow('`minReversalZ` must be a finite number > 0, was undefined');
  });

  describe.skipIf(skipWithout(hourlyData))('on Binance crypto bars (../shared/data/crypto_ohlcv)', () => {
    const train = async (symbol: string, timeframe: string) => {
      const file = path.join(cryptoDir, `binance_spot_${symbol}_${timeframe}_2024-04-16_2026-04-16.csv`);
      const record = trainRegimeModel(buildRegimeFeatures((await loadBarsCsv(file)).series), { restarts: 3, seed: 1 });
      const table = record.labels.map((label, k) => {
        const st = record.stateStatistics[k];
        return `${symbol} ${timeframe} state ${k}: ${label} (vol rank ${st.volatilityRank}, autocorrelation ${st.autocorrelation.toFixed(3)} z ${st.autocorrelationZ.toFixed(1)}, variance ratio ${st.varianceRatio.toFixed(2)} z ${st.varianceRatioZ.toFixed(1)})`;
      });
      return { record, table };
    };

    it('finds trending, mean-reverting and choppy states over BTCUSDT and ETHUSDT 1h with the default rules', async () => {
      const found = new Set<string>();
      const table: string[] = [];
      for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
        const fit = await train(symbol, '1h');
        table.push(...fit.table);
        fit.record.labels.forEach((label, k) => {
          found.add(label);
          if (ruleLabels(fit.record.stateStatistics)[k] === 'trending') expect(fit.record.stateStatistics[k].volatilityRank, `${fit.table[k]}: the persistent state is not the calmest`).toBeGreaterThan(0);
        });
      }
      expect([...found].sort(), `labels:\n${table.join('\n')}`).toEqual(['choppy', 'mean_reverting', 'trending']);
    }, 120_000);

    it.skipIf(skipWithout(btc4hData))('gives one BTCUSDT 4h model all three labels', async () => {
      const { record, table } = await train('BTCUSDT', '4h');
      expect([...record.labels].sort(), table.join('\n')).toEqual(['choppy', 'mean_reverting', 'trending']);
    }, 120_000);
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
