// PSR, DSR and the expected maximum Sharpe ratio against the worked example of Bailey & Lopez de
// Prado, "The Deflated Sharpe Ratio" (J. Portfolio Management 40(5), 2014, section "A numerical
// example"): 100 trials whose annualised Sharpe ratios have variance 1/2, the best one annualised
// 2.5 over 5 years of daily returns (T = 1250, 250 days a year), skewness -3, kurtosis 10; the
// paper finds SR0 = 0.1132 (per day) and DSR = 0.9004. scipy 1.17 (norm.cdf/ppf, in .cache/pyenv)
// gives 0.11317200186513214 and 0.9003968344493903 with the same formulas. The normal CDF and
// quantile, skewness and kurtosis are checked against scipy.stats values recorded below.
import { describe, expect, it } from 'vitest';
import {
  deflatedSharpeRatio, expectedMaxSharpe, normalCdf, normalQuantile, probabilisticSharpeRatio, returnMoments, SeededRandom, sharpeRatio,
} from './index.js';

describe('normal distribution', () => {
  it('matches scipy.stats.norm.cdf to 1e-14', () => {
    const scipy: [number, number][] = [
      [-7.5, 3.1908916729108844e-14], [-3, 0.0013498980316300933], [-1.2838, 0.09960597180160069], [0, 0.5],
      [0.5, 0.6914624612740131], [1.96, 0.9750021048517795], [2.5, 0.9937903346742238], [5, 0.9999997133484281],
    ];
    for (const [x, p] of scipy) expect(Math.abs(normalCdf(x) - p), `Phi(${x})`).toBeLessThan(1e-14);
  });

  it('matches scipy.stats.norm.ppf to 1e-11 in the body and 1e-8 relative in the tails', () => {
    const scipy: [number, number][] = [
      [1e-4, -3.7190164854556804], [0.01, -2.3263478740408408], [0.025, -1.9599639845400545], [0.3, -0.5244005127080409],
      [0.5, 0], [0.975, 1.959963984540054], [0.99, 2.3263478740408408], [1 - 1 / (100 * Math.E), 2.6802104449668875],
    ];
    for (const [p, x] of scipy) expect(Math.abs(normalQuantile(p) - x), `Phi^-1(${p})`).toBeLessThan(1e-11);
    for (const [p, x] of [[1e-7, -5.1993375821928165], [0.9999999, 5.199337582290661]] as const) {
      expect(Math.abs(normalQuantile(p) / x - 1), `Phi^-1(${p})`).toBeLessThan(1e-8);
    }
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('sharpeRatio and returnMoments', () => {
  const x = [0.01, -0.02, 0.03, 0.005, -0.04, 0.02, 0.015, -0.01];
  it('match scipy.stats.skew, kurtosis(fisher=False) and mean / std(ddof=1)', () => {
    const m = returnMoments(x);
    expect(m.n).toBe(8);
    expect(m.skewness).toBeCloseTo(-0.5883725829569573, 13);
    expect(m.kurtosis).toBeCloseTo(2.27009764991443, 13);
    expect(sharpeRatio(x)).toBeCloseTo(0.054096408426828765, 14);
    expect(m.mean / m.std).toBeCloseTo(sharpeRatio(x), 14);
  });

  it('gives NaN (undefined, report.json\'s null) below two returns and for zero variance: a run without trades', () => {
    expect(sharpeRatio([0.1])).toBeNaN();
    expect(sharpeRatio([0, 0, 0]), 'flat equity: no trades').toBeNaN();
    expect(sharpeRatio([0.01, 0.01])).toBeNaN();
    expect(returnMoments([1, 1, 1]).skewness).toBeNaN();
  });
});

describe('DSR paper example (Bailey & Lopez de Prado 2014)', () => {
  const daily = 250;
  const input = { sharpe: 2.5 / Math.sqrt(daily), n: 1250, skewness: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / daily };

  it('reproduces SR0 = 0.1132 and DSR = 0.9004', () => {
    const { dsr, expectedMaxSharpe: sr0 } = deflatedSharpeRatio(input);
    expect(sr0, 'the expected maximum per-day Sharpe of 100 trials (paper: 0.1132)').toBeCloseTo(0.1132, 4);
    expect(dsr, 'the paper\'s DSR 0.9004').toBeCloseTo(0.9004, 4);
    expect(Math.abs(sr0 - 0.11317200186513214), 'scipy').toBeLessThan(1e-12);
    expect(Math.abs(dsr - 0.9003968344493903), 'scipy').toBeLessThan(1e-10);
  });

  it('is the PSR at the benchmark SR0, and PSR(0) is higher', () => {
    const { dsr, expectedMaxSharpe: sr0 } = deflatedSharpeRatio(input);
    const psr = (benchmark: number) => probabilisticSharpeRatio({ sharpe: input.sharpe, benchmark, n: input.n, skewness: input.skewness, kurtosis: input.kurtosis });
    expect(psr(sr0)).toBe(dsr);
    expect(psr(0)).toBeGreaterThan(dsr);
    // Normal returns, SR = benchmark: exactly 1/2.
    expect(probabilisticSharpeRatio({ sharpe: 0.1, benchmark: 0.1, n: 100, skewness: 0, kurtosis: 3 })).toBeCloseTo(0.5, 15);
  });

  it('has no selection benchmark for a single trial', () => {
    expect(expectedMaxSharpe(1, 0.3)).toBe(0);
    expect(() => expectedMaxSharpe(0, 1)).toThrow(/`trials` must be an integer >= 1, was 0/);
  });
});

describe('expectedMaxSharpe against a Monte Carlo of the maximum of N normals', () => {
  // The formula is an asymptotic (N >> 1) approximation: Bailey et al. report errors of a few
  // per cent at small N that shrink as N grows. Tolerance: 3% of the simulated value plus 4
  // standard errors of the simulated mean.
  for (const trials of [10, 100, 1000]) {
    it(`is within 3% of the simulated E[max] of ${trials} N(0, 0.25) draws`, () => {
      const variance = 0.25;
      const rng = new SeededRandom(7n + BigInt(trials));
      const reps = trials === 1000 ? 4000 : 20000;
      let sum = 0;
      let squares = 0;
      for (let r = 0; r < reps; r++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < trials; i += 2) {
          // Box-Muller: two independent standard normals per pair of uniforms.
          const u = 1 - rng.nextDouble();
          const v = rng.nextDouble();
          const radius = Math.sqrt(-2 * Math.log(u));
          const a = radius * Math.cos(2 * Math.PI * v);
          const b = radius * Math.sin(2 * Math.PI * v);
          if (a > max) max = a;
          if (i + 1 < trials && b > max) max = b;
        }
        const value = max * Math.sqrt(variance);
        sum += value;
        squares += value * value;
      }
      const mean = sum / reps;
      const standardError = Math.sqrt((squares / reps - mean * mean) / reps);
      const formula = expectedMaxSharpe(trials, variance);
      expect(Math.abs(formula - mean), `formula ${formula} vs simulated ${mean} +- ${standardError}`).toBeLessThan(0.03 * mean + 4 * standardError);
    });
  }
});
