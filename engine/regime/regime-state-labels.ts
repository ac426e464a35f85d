// Maps each HMM state to a regime label from statistics of the returns the state
// explains on the training data (bars assigned by the Viterbi path):
//
//   driftRatio  |mean return| / std of returns                  (drift relative to volatility)
//   autocorr    lag-1 autocorrelation of returns over pairs of consecutive bars that are
//               both in the state (0 when the state has fewer than 3 such pairs)
//   volRank     rank of the state's return std, 0 = calmest, K-1 = most volatile
//
// Rules, applied to each state in order (defaults in DEFAULT_LABEL_RULES):
//   1. trending        driftRatio >= minTrendDriftRatio and autocorr > -autocorrelationBand
//                      (a steady drift that the next bar does not undo);
//   2. mean_reverting  autocorr <= -autocorrelationBand (moves are undone), or
//                      |autocorr| < autocorrelationBand and volRank < floor(K/2) (a quiet
//                      range: the calmer half of the states, a middle state excluded);
//   3. choppy          everything else: volatile, no drift and no reliable reversal.
// Hysteresis on the published label is separate (label-hysteresis.ts, and the WASM core).
import { REGIME_LABELS, type RegimeLabel } from './regime-label.js';

export interface LabelRules {
  readonly minTrendDriftRatio: number;
  readonly autocorrelationBand: number;
}

export const DEFAULT_LABEL_RULES: LabelRules = { minTrendDriftRatio: 0.05, autocorrelationBand: 0.05 };

export interface StateStatistics {
  readonly bars: number;
  readonly meanReturn: number;
  readonly volatility: number;
  readonly driftRatio: number;
  readonly autocorrelation: number;
  readonly volatilityRank: number;
}

/** Per-state return statistics from a state path and the return series it decodes. */
export function stateStatistics(states: Int32Array, returns: Float64Array, stateCount: number): StateStatistics[] {
  if (states.length !== returns.length) throw new Error(`state path length ${states.length} must equal returns length ${returns.length}`);
  const n = new Float64Array(stateCount);
  const sum = new Float64Array(stateCount);
  for (let t = 0; t < states.length; t++) {
    n[states[t]]++;
    sum[states[t]] += returns[t];
  }
  const mean = sum.map((s, k) => (n[k] > 0 ? s / n[k] : 0));
  const sq = new Float64Array(stateCount);
  for (let t = 0; t < states.length; t++) sq[states[t]] += (returns[t] - mean[states[t]]) ** 2;
  const cross = new Float64Array(stateCount);
  const pairs = new Float64Array(stateCount);
  const pairSq = new Float64Array(stateCount);
  for (let t = 1; t < states.length; t++) {
    const s = states[t];
    if (states[t - 1] !== s) continue;
    const a = returns[t - 1] - mean[s];
    const b = returns[t] - mean[s];
    cross[s] += a * b;
    pairSq[s] += 0.5 * (a * a + b * b);
    pairs[s]++;
  }
  const vol = sq.map((v, k) => (n[k] > 1 ? Math.sqrt(v / (n[k] - 1)) : 0));
  const order = [...Array(stateCount).keys()].sort((a, b) => vol[a] - vol[b] || a - b);
  return [...Array(stateCount).keys()].map((k) => ({
    bars: n[k],
    meanReturn: mean[k],
    volatility: vol[k],
    driftRatio: vol[k] > 0 ? Math.abs(mean[k]) / vol[k] : 0,
    autocorrelation: pairs[k] >= 3 && pairSq[k] > 0 ? cross[k] / pairSq[k] : 0,
    volatilityRank: order.indexOf(k),
  }));
}

export function checkLabelRules(rules: LabelRules): LabelRules {
  if (!(rules.minTrendDriftRatio >= 0) || !Number.isFinite(rules.minTrendDriftRatio)) {
    throw new Error(`\`minTrendDriftRatio\` must be a finite number >= 0, was ${rules.minTrendDriftRatio}`);
  }
  if (!(rules.autocorrelationBand >= 0 && rules.autocorrelationBand < 1)) {
    throw new Error(`\`autocorrelationBand\` must be a number in [0, 1), was ${rules.autocorrelationBand}`);
  }
  return rules;
}

/** The label of each state under `rules` (see the module header). */
export function labelStates(stats: StateStatistics[], rules: LabelRules = DEFAULT_LABEL_RULES): RegimeLabel[] {
  checkLabelRules(rules);
  const K = stats.length;
  return stats.map((s) => {
    if (s.driftRatio >= rules.minTrendDriftRatio && s.autocorrelation > -rules.autocorrelationBand) return REGIME_LABELS[0];
    if (s.autocorrelation <= -rules.autocorrelationBand) return REGIME_LABELS[1];
    if (Math.abs(s.autocorrelation) < rules.autocorrelationBand && s.volatilityRank < Math.floor(K / 2)) return REGIME_LABELS[1];
    return REGIME_LABELS[2];
  });
}
