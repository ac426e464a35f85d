// Maps each HMM state to a regime label from statistics of the returns the state
// explains on the training data (bars assigned by the Viterbi path). A state's bars
// come in runs (maximal stretches of consecutive bars in the state); per state:
//
//   driftRatio        |mean return| / std of returns (reported; not used by the rules)
//   autocorrelation   lag-1 autocorrelation of returns over pairs of consecutive bars in
//                     the same run (0 when the state has fewer than 3 such pairs)
//   autocorrelationZ  autocorrelation * sqrt(pairs): its z-score when returns are
//                     independent (standard error 1/sqrt(pairs))
//   varianceRatio     sum over runs of (run return)^2 / (variance * bars): 1 when the
//                     returns inside a run are an independent walk; > 1 when moves build
//                     on each other, through drift (up or down: the square keeps both
//                     directions) or positive autocorrelation; < 1 when they are undone
//   varianceRatioZ    (varianceRatio - 1) / sqrt(2 * sum(n_i^2)) * sum(n_i), n_i the run
//                     lengths: its z-score under the independent walk, where each
//                     (run return)^2 / (variance * n_i) is chi-square with 1 degree of
//                     freedom (variance 2)
//   volatilityRank    rank of the state's return std, 0 = calmest, K-1 = most volatile; a
//                     state with fewer than 2 bars has no std (reported as 0) and ranks
//                     after every state that has one, so it is never taken for the calmest
//
// Rules (thresholds in DEFAULT_LABEL_RULES), applied to each state in order:
//   1. trending        autocorrelation > 0 and varianceRatioZ >= minTrendZ: moves persist
//                      bar to bar and add up within runs beyond what a random walk does;
//   2. mean_reverting  autocorrelationZ <= -minReversalZ or varianceRatioZ <= -minReversalZ
//                      (moves are reliably undone, bar to bar or within runs), or the
//                      calmest state (volatilityRank 0): a quiet range without trend;
//   3. choppy          the rest: moves neither persist nor reliably reverse, usually the
//                      volatile states.
//
// Why z-scores rather than fixed effect sizes: the previous rule (driftRatio >= 0.05)
// asked for a per-bar Sharpe ratio, which shrinks with the bar length (sqrt of time) and
// averages up-trends against down-trends inside one state, so on hourly crypto no state
// ever reached it (best 0.036 on BTCUSDT 1h). The z-scores are scale-free (no per-asset
// or per-timeframe tuning), count both trend directions, and grow with the evidence the
// training data holds. The default 2 is the usual two-sigma level (about 2.3% one-sided
// false alarms per state under the independent walk; test/regime-model.test.ts checks
// that the z-scores are calibrated on simulated noise). Measured on the Binance 1h files
// of 2024-04..2026-04 in ../shared/data (3 states, default features, 3 restarts): the
// trending states are short-run volatile states (mean run 2.8..3.8 bars, autocorrelation
// +0.04..+0.11, variance ratio 1.16..1.29) on ETH, SOL, BNB and ADA; BTC and XRP 1h have
// none (their most volatile states show no persistence: variance ratio z -1.4 and +1.4);
// most other states show the hourly bounce (autocorrelation -0.09..-0.13).
// Hysteresis on the published label is separate (label-hysteresis.ts, and the WASM core).
//
// Distinct labels (labelStates). The rules above label each state on its own, so two states
// can share a label (BTCUSDT 1h, 3 states: mean_reverting, choppy, mean_reverting), which leaves
// a label unused and two states the fusion weights cannot tell apart. labelStates therefore
// scores every (state, label) pair with the margin by which the state meets that label's rule,
// in z units (>= 0 exactly when the rule's condition holds):
//
//   score(trending)       = min(varianceRatioZ - minTrendZ, autocorrelationZ)
//   score(mean_reverting) = max(-autocorrelationZ - minReversalZ, -varianceRatioZ - minReversalZ,
//                               0 for the calmest state (volatilityRank 0), else -Infinity)
//   score(choppy)         = 0 (the rest: the level below which neither other rule holds)
//
// and, when the model has at most as many states as labels (K <= 3), gives each state a
// distinct label by maximising the total score over the injective assignments (3! = 6 for
// K = 3, brute force). Ties go to the assignment that agrees with the rules on more states, then
// to the first in lexicographic order. When the rules already give distinct labels and each
// state's rule label is its best score, the rules' labels are kept. With K > 3 the rules label
// each state (ruleLabels) and labels must repeat: repeatedLabelsNote says which and why.
// ruleLabels is the per-state rule alone (what the z-score calibration is tested on).
import { REGIME_LABELS, type RegimeLabel } from './regime-label.js';

export interface LabelRules {
  /** varianceRatioZ a state with positive autocorrelation needs to be trending. */
  readonly minTrendZ: number;
  /** -autocorrelationZ or -varianceRatioZ a state needs to be mean_reverting. */
  readonly minReversalZ: number;
}

export const DEFAULT_LABEL_RULES: LabelRules = { minTrendZ: 2, minReversalZ: 2 };

export interface StateStatistics {
  readonly bars: number;
  readonly runs: number;
  readonly meanReturn: number;
  readonly volatility: number;
  readonly driftRatio: number;
  readonly autocorrelation: number;
  readonly autocorrelationZ: number;
  readonly varianceRatio: number;
  readonly varianceRatioZ: number;
  readonly volatilityRank: number;
}

/** Per-state return statistics from a state path and the return series it decodes. */
export function stateStatistics(states: Int32Array, returns: Float64Array, stateCount: number): StateStatistics[] {
  if (states.length !== returns.length) throw new Error(`state path length ${states.length} must equal returns length ${returns.length}`);
  const n = new Float64Array(stateCount);
  const sum = new Float64Array(stateCount);
  for (let t = 0; t < states.length; t++) {
    const s = states[t];
    if (!Number.isInteger(s) || s < 0 || s >= stateCount) throw new Error(`state path entry ${t} must be an integer in [0, ${stateCount}), was ${s}`);
    n[s]++;
    sum[s] += returns[t];
  }
  const mean = sum.map((v, k) => (n[k] > 0 ? v / n[k] : 0));
  const sq = new Float64Array(stateCount);
  for (let t = 0; t < states.length; t++) sq[states[t]] += (returns[t] - mean[states[t]]) ** 2;
  const cross = new Float64Array(stateCount);
  const pairs = new Float64Array(stateCount);
  const pairSq = new Float64Array(stateCount);
  const runs = new Float64Array(stateCount);
  const runReturnSq = new Float64Array(stateCount);
  const runLengthSq = new Float64Array(stateCount);
  let runReturn = 0;
  let runLength = 0;
  for (let t = 0; t < states.length; t++) {
    const s = states[t];
    runReturn += returns[t];
    runLength++;
    if (t + 1 === states.length || states[t + 1] !== s) {
      runs[s]++;
      runReturnSq[s] += runReturn * runReturn;
      runLengthSq[s] += runLength * runLength;
      runReturn = 0;
      runLength = 0;
    }
    if (t === 0 || states[t - 1] !== s) continue;
    const a = returns[t - 1] - mean[s];
    const b = returns[t] - mean[s];
    cross[s] += a * b;
    pairSq[s] += 0.5 * (a * a + b * b);
    pairs[s]++;
  }
  const vol = sq.map((v, k) => (n[k] > 1 ? Math.sqrt(v / (n[k] - 1)) : 0));
  const rankedVol = vol.map((v, k) => (n[k] > 1 ? v : Infinity));
  const order = [...Array(stateCount).keys()].sort((a, b) => (rankedVol[a] === rankedVol[b] ? a - b : rankedVol[a] - rankedVol[b]));
  return [...Array(stateCount).keys()].map((k) => {
    const autocorrelation = pairs[k] >= 3 && pairSq[k] > 0 ? cross[k] / pairSq[k] : 0;
    const variance = vol[k] * vol[k];
    const varianceRatio = variance > 0 ? runReturnSq[k] / (variance * n[k]) : 1;
    return {
      bars: n[k],
      runs: runs[k],
      meanReturn: mean[k],
      volatility: vol[k],
      driftRatio: vol[k] > 0 ? Math.abs(mean[k]) / vol[k] : 0,
      autocorrelation,
      autocorrelationZ: autocorrelation * Math.sqrt(pairs[k]),
      varianceRatio,
      varianceRatioZ: n[k] > 0 ? ((varianceRatio - 1) * n[k]) / Math.sqrt(2 * runLengthSq[k]) : 0,
      volatilityRank: order.indexOf(k),
    };
  });
}

export function checkLabelRules(rules: LabelRules): LabelRules {
  for (const field of ['minTrendZ', 'minReversalZ'] as const) {
    const v = rules?.[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`\`${field}\` must be a finite number > 0, was ${String(v)}`);
  }
  return rules;
}

/** The label each state gets from the rules alone, state by state (labels may repeat). */
export function ruleLabels(stats: readonly StateStatistics[], rules: LabelRules = DEFAULT_LABEL_RULES): RegimeLabel[] {
  checkLabelRules(rules);
  return stats.map((s) => {
    if (s.autocorrelation > 0 && s.varianceRatioZ >= rules.minTrendZ) return REGIME_LABELS[0];
    if (s.autocorrelationZ <= -rules.minReversalZ || s.varianceRatioZ <= -rules.minReversalZ || s.volatilityRank === 0) return REGIME_LABELS[1];
    return REGIME_LABELS[2];
  });
}

/** Per state, the score of each label in REGIME_LABELS order (module header: margins in z units). */
export function stateLabelScores(stats: readonly StateStatistics[], rules: LabelRules = DEFAULT_LABEL_RULES): number[][] {
  checkLabelRules(rules);
  return stats.map((s) => [
    Math.min(s.varianceRatioZ - rules.minTrendZ, s.autocorrelationZ),
    Math.max(-s.autocorrelationZ - rules.minReversalZ, -s.varianceRatioZ - rules.minReversalZ, s.volatilityRank === 0 ? 0 : -Infinity),
    0,
  ]);
}

/** Every injective map from `k` states to `m` labels, as label index per state, in lexicographic order. */
function injections(k: number, m: number): number[][] {
  const out: number[][] = [];
  const pick = (prefix: number[]): void => {
    if (prefix.length === k) {
      out.push(prefix);
      return;
    }
    for (let j = 0; j < m; j++) if (!prefix.includes(j)) pick([...prefix, j]);
  };
  pick([]);
  return out;
}

/**
 * The label of each state (see the module header): distinct labels maximising the total score
 * when the model has at most as many states as labels, else the rules' labels.
 */
export function labelStates(stats: readonly StateStatistics[], rules: LabelRules = DEFAULT_LABEL_RULES): RegimeLabel[] {
  const byRule = ruleLabels(stats, rules);
  if (stats.length > REGIME_LABELS.length) return byRule;
  const scores = stateLabelScores(stats, rules);
  const ruleIndex = byRule.map((label) => REGIME_LABELS.indexOf(label));
  let best: number[] = [];
  let bestScore = -Infinity;
  let bestAgreement = -1;
  for (const assignment of injections(stats.length, REGIME_LABELS.length)) {
    const total = assignment.reduce((sum, j, k) => sum + scores[k][j], 0);
    const agreement = assignment.filter((j, k) => j === ruleIndex[k]).length;
    if (total > bestScore || (total === bestScore && agreement > bestAgreement)) {
      best = assignment;
      bestScore = total;
      bestAgreement = agreement;
    }
  }
  return best.map((j) => REGIME_LABELS[j]);
}

/**
 * Why labels repeat in `labels` (a model with more states than labels), for the model's
 * description: null when every label is used at most once.
 */
export function repeatedLabelsNote(labels: readonly RegimeLabel[], stats: readonly StateStatistics[]): string | null {
  const repeats = REGIME_LABELS.map((label) => ({ label, states: labels.flatMap((l, k) => (l === label ? [k] : [])) })).filter((r) => r.states.length > 1);
  if (repeats.length === 0) return null;
  const which = repeats.map((r) => `${r.label} (states ${r.states.map((k) => `${k} vol rank ${stats[k].volatilityRank}`).join(', ')})`).join('; ');
  const why = labels.length > REGIME_LABELS.length
    ? `${labels.length} states for ${REGIME_LABELS.length} labels: each state is labelled by the rules on its own statistics (volatility rank, autocorrelation z, variance-ratio z; see stateStatistics)`
    : 'labels repeat only with more states than labels';
  return `labels repeat: ${which}; ${why}`;
}

/**
 * Which states the training data hardly shows (fewer than 2 bars on the Viterbi path: no return
 * std, so their label rests on no evidence), for `regime fit`'s output; null when there are none.
 */
export function thinStatesNote(labels: readonly RegimeLabel[], stats: readonly StateStatistics[]): string | null {
  const thin = stats.flatMap((s, k) => (s.bars < 2 ? [`state ${k} (${labels[k]}, ${s.bars} bar${s.bars === 1 ? '' : 's'})`] : []));
  if (thin.length === 0) return null;
  return `${thin.join(', ')}: fewer than 2 training bars on the most likely state path, so no volatility or label evidence; fewer --states or more data`;
}
