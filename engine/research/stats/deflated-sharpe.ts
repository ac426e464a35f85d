// The Probabilistic and Deflated Sharpe Ratios and the expected maximum Sharpe ratio of N
// trials. All Sharpe ratios here are per period (not annualised), in the units of the returns.
//
// - PSR (Bailey & Lopez de Prado, "The Sharpe Ratio Efficient Frontier", J. of Risk 15(2), 2012,
//   eq. 11; restated as eq. 2 of "The Deflated Sharpe Ratio", J. Portfolio Management 40(5),
//   2014): PSR(SR*) = Phi[ (SR - SR*) sqrt(n - 1) / sqrt(1 - gamma3 SR + (gamma4 - 1)/4 SR^2) ],
//   gamma3 the skewness, gamma4 the (non-excess) kurtosis of the n returns.
// - Expected maximum of N trial Sharpe ratios with mean 0 and variance V (Bailey, Borwein,
//   Lopez de Prado & Zhu, "Pseudo-Mathematics and Financial Charlatanism", Notices of the AMS
//   61(5), 2014, Proposition 1; eq. 4 of the DSR paper):
//   E[max SR_n] ~ sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))),
//   gamma = 0.5772156649... the Euler-Mascheroni constant, e Euler's number.
// - DSR (DSR paper, eq. 3): PSR with the benchmark SR* = that expected maximum.
import { normalCdf, normalQuantile } from './normal-distribution.js';

/** The Euler-Mascheroni constant gamma. */
export const EULER_MASCHERONI = 0.57721566490153286061;

export interface ProbabilisticSharpeInput {
  /** The observed per-period Sharpe ratio. */
  readonly sharpe: number;
  /** The benchmark SR*, per period. */
  readonly benchmark: number;
  /** Number of returns the Sharpe ratio was estimated from. */
  readonly n: number;
  readonly skewness: number;
  /** Non-excess kurtosis (normal = 3). */
  readonly kurtosis: number;
}

/** PSR(SR*): the probability that the true Sharpe ratio exceeds the benchmark (see the header). */
export function probabilisticSharpeRatio(input: ProbabilisticSharpeInput): number {
  const { sharpe, benchmark, n, skewness, kurtosis } = input;
  checkInput('n', n, n >= 2, 'a number >= 2');
  const variance = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (!(variance > 0)) return Number.NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(n - 1)) / Math.sqrt(variance));
}

/**
 * E[max] of `trials` Sharpe ratios drawn from N(0, trialSharpeVariance) (Proposition 1 of Bailey
 * et al. 2014, see the header); 0 for a single trial (nothing was selected).
 */
export function expectedMaxSharpe(trials: number, trialSharpeVariance: number): number {
  checkInput('trials', trials, Number.isInteger(trials) && trials >= 1, 'an integer >= 1');
  checkInput('trialSharpeVariance', trialSharpeVariance, trialSharpeVariance >= 0 && Number.isFinite(trialSharpeVariance), 'a finite number >= 0');
  if (trials === 1) return 0;
  const z = (1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials) + EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E));
  return Math.sqrt(trialSharpeVariance) * z;
}

export interface DeflatedSharpeInput {
  /** The selected (best) trial's per-period Sharpe ratio. */
  readonly sharpe: number;
  /** Its number of returns. */
  readonly n: number;
  readonly skewness: number;
  /** Non-excess kurtosis (normal = 3). */
  readonly kurtosis: number;
  /** How many trials the selection was made among. */
  readonly trials: number;
  /** Variance of the trials' per-period Sharpe ratios. */
  readonly trialSharpeVariance: number;
}

/** DSR = PSR(E[max SR]) (eq. 3 of the DSR paper) and the benchmark used. */
export function deflatedSharpeRatio(input: DeflatedSharpeInput): { dsr: number; expectedMaxSharpe: number } {
  const benchmark = expectedMaxSharpe(input.trials, input.trialSharpeVariance);
  return {
    dsr: probabilisticSharpeRatio({ sharpe: input.sharpe, benchmark, n: input.n, skewness: input.skewness, kurtosis: input.kurtosis }),
    expectedMaxSharpe: benchmark,
  };
}

function checkInput(name: string, value: number, ok: boolean, rule: string): void {
  if (!ok) throw new RangeError(`\`${name}\` must be ${rule}, was ${value}`);
}
