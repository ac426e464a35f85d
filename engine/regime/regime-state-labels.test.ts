// Distinct state labels: the score table, the assignment over permutations, the note on
// repeated labels, and the bundled BTC, ETH and SOL 1h files fitted as `regime fit` does by
// default (3 states, diag, 10 restarts, seed 1, 200 iterations, tolerance 1e-3).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../../adapters/files/index.js';
import { buildRegimeFeatures } from './regime-features.js';
import { labelStates, repeatedLabelsNote, ruleLabels, stateLabelScores, stateStatistics, thinStatesNote, type StateStatistics } from './regime-state-labels.js';
import { trainRegimeModel } from './train-regime-model.js';

const stats = (s: Partial<StateStatistics>): StateStatistics => ({
  bars: 1000, runs: 50, meanReturn: 0, volatility: 1, driftRatio: 0, autocorrelation: 0, autocorrelationZ: 0, varianceRatio: 1, varianceRatioZ: 0, volatilityRank: 1, ...s,
});

// The statistics of the bundled BTCUSDT 1h fit (default settings), where the rules alone repeat mean_reverting.
const BTC = [
  stats({ volatilityRank: 0, autocorrelation: -0.0227, autocorrelationZ: -1.78, varianceRatioZ: -0.25 }),
  stats({ volatilityRank: 2, autocorrelation: 0.0069, autocorrelationZ: 0.44, varianceRatioZ: -1.42 }),
  stats({ volatilityRank: 1, autocorrelation: -0.1223, autocorrelationZ: -9.42, varianceRatioZ: -5.91 }),
];

describe('volatility rank', () => {
  it('never ranks a state with fewer than 2 bars on the Viterbi path as the calmest (its volatility is unknown, not 0)', () => {
    // State 0: calm (returns +-0.001), state 1: volatile (+-0.02), state 2: a single bar, state 3: no bar at all.
    const states = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 0, 0, 1, 1]);
    const returns = Float64Array.from([0.001, -0.001, 0.001, -0.001, 0.02, -0.02, 0.02, -0.02, 0.0005, 0.001, -0.001, 0.02, -0.02]);
    const s = stateStatistics(states, returns, 4);
    expect(s.map((x) => x.bars)).toEqual([6, 6, 1, 0]);
    expect(s[0].volatilityRank, 'the calm state with data is the calmest').toBe(0);
    expect(s[1].volatilityRank).toBe(1);
    expect(s.slice(2).map((x) => x.volatilityRank), 'the states without a volatility come after every state with one').toEqual([2, 3]);
    expect(ruleLabels(s)[0], 'the calmest state is a quiet range').toBe('mean_reverting');
    expect(thinStatesNote(ruleLabels(s), s)).toBe('state 2 (choppy, 1 bar), state 3 (choppy, 0 bars): fewer than 2 training bars on the most likely state path, so no volatility or label evidence; fewer --states or more data');
  });
});

describe('distinct regime labels', () => {
  it('scores each label by the margin of its rule in z units', () => {
    const [calm, loud, reverting] = stateLabelScores(BTC);
    expect(calm[0], 'trending: min(vrZ - 2, acZ)').toBeCloseTo(-2.25, 12);
    expect(calm[1], 'mean_reverting: the calmest state meets the rule (0)').toBe(0);
    expect(loud[1], 'mean_reverting: max(-acZ - 2, -vrZ - 2)').toBeCloseTo(-0.58, 12);
    expect(reverting[1]).toBeCloseTo(7.42, 12);
    expect([calm[2], loud[2], reverting[2]], 'choppy scores 0').toEqual([0, 0, 0]);
  });

  it('gives three states three labels by the best total score, where the rules alone repeat one', () => {
    expect(ruleLabels(BTC)).toEqual(['mean_reverting', 'choppy', 'mean_reverting']);
    // Totals: the reverting state must be mean_reverting (7.42); trending on the calm state (-2.25) beats trending on the loud one (-3.42).
    expect(labelStates(BTC)).toEqual(['trending', 'choppy', 'mean_reverting']);
  });

  it('keeps the rules\' labels when they are already distinct', () => {
    const distinct = [
      stats({ autocorrelation: 0.1, autocorrelationZ: 4, varianceRatioZ: 5, volatilityRank: 2 }),
      stats({ autocorrelation: -0.1, autocorrelationZ: -6, varianceRatioZ: -3, volatilityRank: 0 }),
      stats({ autocorrelation: 0.01, autocorrelationZ: 0.5, varianceRatioZ: 0.2, volatilityRank: 1 }),
    ];
    expect(labelStates(distinct)).toEqual(ruleLabels(distinct));
    expect(labelStates(distinct)).toEqual(['trending', 'mean_reverting', 'choppy']);
  });

  it('gives two states two different labels and labels more states than labels by the rules, saying which repeat and why', () => {
    const two = [BTC[0], BTC[2]];
    expect(ruleLabels(two)).toEqual(['mean_reverting', 'mean_reverting']);
    expect(labelStates(two)).toEqual(['choppy', 'mean_reverting']);
    const four = [...BTC, stats({ autocorrelationZ: -3, volatilityRank: 3 })];
    const labels = labelStates(four);
    expect(labels).toEqual(['mean_reverting', 'choppy', 'mean_reverting', 'mean_reverting']);
    expect(repeatedLabelsNote(labels, four)).toBe(
      'labels repeat: mean_reverting (states 0 vol rank 0, 2 vol rank 1, 3 vol rank 3); 4 states for 3 labels: each state is labelled by the rules on its own statistics (volatility rank, autocorrelation z, variance-ratio z; see stateStatistics)',
    );
    expect(repeatedLabelsNote(labelStates(BTC), BTC), 'no repeats, no note').toBeNull();
  });

  it('gives the bundled BTCUSDT, ETHUSDT and SOLUSDT 1h fits three distinct labels each (regime fit defaults)', async () => {
    const found: string[] = [];
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']) {
      const file = path.join('data', `binance_spot_${symbol}_1h_2024-04-16_2026-04-16.csv`);
      const { series } = await loadBarsCsv(file);
      const record = trainRegimeModel(buildRegimeFeatures(series), { states: 3, covarianceType: 'diag', restarts: 10, seed: 1, maxIterations: 200, tolerance: 0.001 });
      found.push(`${symbol}: ${record.labels.join(', ')} (rules alone: ${ruleLabels(record.stateStatistics, record.labelRules).join(', ')})`);
      expect(new Set(record.labels).size, found.join('\n')).toBe(3);
    }
    expect(found).toEqual([
      'BTCUSDT: trending, choppy, mean_reverting (rules alone: mean_reverting, choppy, mean_reverting)',
      'ETHUSDT: trending, choppy, mean_reverting (rules alone: trending, mean_reverting, mean_reverting)',
      'SOLUSDT: choppy, trending, mean_reverting (rules alone: mean_reverting, trending, mean_reverting)',
    ]);
  }, 120_000);
});
