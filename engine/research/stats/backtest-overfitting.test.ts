// PBO by CSCV (Bailey, Borwein, Lopez de Prado & Zhu, "The Probability of Backtest
// Overfitting", J. Computational Finance 20(4), 2017): a 4-block matrix enumerated by hand, a
// brute-force reference written independently (bit-mask subsets, sort-based ranks, concatenated
// returns) on random matrices, and the properties the paper states: pure noise has PBO near 1/2,
// one real edge among noise has a low PBO and a significant DSR while noise's best does not.
// (An independent peer, PyPI `pypbo`, is not installable here: no distribution in the wheel index.)
import { describe, expect, it } from 'vitest';
import {
  deflatedSharpeRatio, probabilityOfBacktestOverfitting, returnMoments, SeededRandom, sharpeRatio,
} from './index.js';

const mean = (r: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i];
  return s / r.length;
};

/** Per-block values, each repeated twice (T = 8, S = 4 blocks of 2 periods). */
const blocks = (values: number[]): number[] => values.flatMap((v) => [v, v]);

describe('probabilityOfBacktestOverfitting on a hand-enumerated S = 4 matrix (metric: mean)', () => {
  // Trials (per-block means): A = [4,1,1,1], B = [2,2,2,2], C = [3,3,0,3], D = [0,0,4,4].
  // Combinations of 2 of the 4 blocks, in-sample (IS) -> its best -> its out-of-sample (OOS) rank of 4:
  //   {0,1}: IS A 2.5 B 2 C 3 D 0 -> C; OOS {2,3}: A 1 B 2 C 1.5 D 4 -> C rank 2 -> logit ln(2/3)
  //   {0,2}: IS A 2.5 B 2 C 1.5 D 2 -> A; OOS {1,3}: A 1 B 2 C 3 D 2 -> A rank 1 -> ln(1/4)
  //   {0,3}: IS A 2.5 B 2 C 3 D 2 -> C; OOS {1,2}: A 1 B 2 C 1.5 D 2 -> C rank 2 -> ln(2/3)
  //   {1,2}: IS A 1 B 2 C 1.5 D 2 -> B (first of B, D); OOS {0,3}: A 2.5 B 2 C 3 D 2 -> B ties D at the bottom: rank 1.5 -> ln(0.3/0.7)
  //   {1,3}: IS A 1 B 2 C 3 D 2 -> C; OOS {0,2}: A 2.5 B 2 C 1.5 D 2 -> C rank 1 -> ln(1/4)
  //   {2,3}: IS A 1 B 2 C 1.5 D 4 -> D; OOS {0,1}: A 2.5 B 2 C 3 D 0 -> D rank 1 -> ln(1/4)
  // Every logit is negative: PBO = 6/6. Adding E = [5,5,5,5] (best everywhere) makes every
  // logit ln((5/6)/(1/6)) = ln 5 and PBO = 0.
  const A = blocks([4, 1, 1, 1]);
  const B = blocks([2, 2, 2, 2]);
  const C = blocks([3, 3, 0, 3]);
  const D = blocks([0, 0, 4, 4]);

  it('gives the logits and PBO enumerated by hand', () => {
    const result = probabilityOfBacktestOverfitting([A, B, C, D], { partitions: 4, metric: mean });
    expect(result.combinations).toBe(6);
    expect(result.partitions).toBe(4);
    const expected = [Math.log(2 / 3), Math.log(1 / 4), Math.log(2 / 3), Math.log(0.3 / 0.7), Math.log(1 / 4), Math.log(1 / 4)];
    result.logits.forEach((logit, c) => expect(logit, `combination ${c}`).toBeCloseTo(expected[c], 14));
    expect(result.pbo).toBe(1);
  });

  it('gives PBO 0 when one trial is best in every block', () => {
    const result = probabilityOfBacktestOverfitting([A, B, C, D, blocks([5, 5, 5, 5])], { partitions: 4, metric: mean });
    for (const logit of result.logits) expect(logit).toBeCloseTo(Math.log(5), 14);
    expect(result.pbo).toBe(0);
  });

  it('rejects bad shapes naming the input and the rule', () => {
    expect(() => probabilityOfBacktestOverfitting([A, B], { partitions: 3 })).toThrow(/`partitions` must be an even integer >= 2, was 3/);
    // C(32, 16) = 601,080,390 combinations ran the process out of heap (sweep --partitions 32).
    const long = Array.from({ length: 64 }, (_, i) => i % 3);
    expect(() => probabilityOfBacktestOverfitting([long, long.map((x) => -x)], { partitions: 22 })).toThrow(/`partitions` must be at most 20 \(C\(22, 11\) = 705432 combinations, each measured\), was 22/);
    expect(() => probabilityOfBacktestOverfitting([A, B.slice(1)], { partitions: 4 })).toThrow(/`performance\[1\]` must have the same length/);
    expect(() => probabilityOfBacktestOverfitting([A], { partitions: 4 })).toThrow(/at least 2 trials/);
  });
});

/** CSCV written independently: subsets as bit masks, OOS ranks by sorting, metrics on concatenated rows. */
function referencePbo(performance: number[][], S: number, metric: (r: number[]) => number): { pbo: number; logits: number[] } {
  const T = performance[0].length;
  const L = Math.floor(T / S);
  const first = T - L * S;
  const logits: number[] = [];
  for (let mask = 0; mask < 1 << S; mask++) {
    let bits = 0;
    for (let s = 0; s < S; s++) if (mask & (1 << s)) bits++;
    if (bits !== S / 2) continue;
    const rowsIn: number[] = [];
    const rowsOut: number[] = [];
    for (let t = first; t < T; t++) ((mask >> Math.floor((t - first) / L)) & 1 ? rowsIn : rowsOut).push(t);
    const isPerf = performance.map((series) => metric(rowsIn.map((t) => series[t])));
    const oosPerf = performance.map((series) => metric(rowsOut.map((t) => series[t])));
    const best = isPerf.indexOf(Math.max(...isPerf));
    const order = oosPerf.map((v, n) => ({ v, n })).sort((a, b) => a.v - b.v);
    const positions = order.map((o, i) => ({ ...o, i: i + 1 })).filter((o) => o.v === oosPerf[best]).map((o) => o.i);
    const rank = positions.reduce((a, b) => a + b, 0) / positions.length;
    const omega = rank / (performance.length + 1);
    logits.push(Math.log(omega / (1 - omega)));
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, logits };
}

function normals(rng: SeededRandom, n: number, mu = 0): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const radius = Math.sqrt(-2 * Math.log(1 - rng.nextDouble()));
    const angle = 2 * Math.PI * rng.nextDouble();
    out.push(mu + radius * Math.cos(angle));
    if (out.length < n) out.push(mu + radius * Math.sin(angle));
  }
  return out;
}

describe('probabilityOfBacktestOverfitting against the brute-force reference', () => {
  const twoPassSharpe = (r: number[]): number => {
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const v = r.reduce((a, b) => a + (b - m) * (b - m), 0) / (r.length - 1);
    return m / Math.sqrt(v);
  };

  for (const [seed, S, N, T] of [[1, 8, 7, 203], [2, 6, 12, 120], [3, 10, 5, 500]] as const) {
    it(`agrees on random returns (seed ${seed}, S ${S}, N ${N}, T ${T}) with the default Sharpe and a custom metric`, () => {
      const rng = new SeededRandom(seed);
      const performance = Array.from({ length: N }, (_, n) => normals(rng, T, 0.02 * (n % 3)).map((x) => 0.01 * x));
      const reference = referencePbo(performance, S, twoPassSharpe);
      const fast = probabilityOfBacktestOverfitting(performance, { partitions: S });
      expect(fast.pbo).toBe(reference.pbo);
      const sortedRef = [...reference.logits].sort((a, b) => a - b);
      const sortedFast = [...fast.logits].sort((a, b) => a - b);
      sortedFast.forEach((l, i) => expect(l).toBeCloseTo(sortedRef[i], 12));
      const custom = probabilityOfBacktestOverfitting(performance, { partitions: S, metric: (r) => sharpeRatio(r) });
      custom.logits.forEach((l, i) => expect(l, `combination ${i}: a custom metric takes the concatenated-returns path`).toBeCloseTo(fast.logits[i], 12));
      const byMean = probabilityOfBacktestOverfitting(performance, { partitions: S, metric: mean });
      expect(byMean.pbo).toBe(referencePbo(performance, S, (r) => mean(r)).pbo);
    });
  }
});

describe('selection statistics on synthetic trials', () => {
  const T = 1000;
  const trialsCount = 50;
  const dsrOfBest = (performance: number[][]) => {
    const sharpes = performance.map((r) => sharpeRatio(r));
    const best = sharpes.indexOf(Math.max(...sharpes));
    const m = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
    const variance = sharpes.reduce((a, b) => a + (b - m) * (b - m), 0) / (sharpes.length - 1);
    const moments = returnMoments(performance[best]);
    return deflatedSharpeRatio({ sharpe: sharpes[best], n: T, skewness: moments.skewness, kurtosis: moments.kurtosis, trials: sharpes.length, trialSharpeVariance: variance });
  };

  it('pure noise: PBO near or above 1/2 and a DSR that is not significant, over 5 seeds', () => {
    const pbos: number[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const rng = new SeededRandom(1000 + seed);
      const performance = Array.from({ length: trialsCount }, () => normals(rng, T));
      const { pbo } = probabilityOfBacktestOverfitting(performance, { partitions: 16 });
      pbos.push(pbo);
      expect(dsrOfBest(performance).dsr, `seed ${seed}`).toBeLessThan(0.95);
    }
    const average = pbos.reduce((a, b) => a + b, 0) / pbos.length;
    // Under the null the logit's distribution is centred on 0 (the paper's Figure 5): each seed's
    // PBO varies (combinations share data), so the check is on the average of five.
    console.log(`noise PBO per seed: ${pbos.join(', ')}`);
    expect(average, `PBO per seed ${pbos.join(', ')}`).toBeGreaterThan(0.4);
  });

  it('one planted edge among noise: PBO < 0.2 and DSR > 0.95', () => {
    const rng = new SeededRandom(77);
    const performance = Array.from({ length: trialsCount }, (_, n) => normals(rng, T, n === 17 ? 0.2 : 0));
    const { pbo } = probabilityOfBacktestOverfitting(performance, { partitions: 16 });
    const { dsr } = dsrOfBest(performance);
    console.log(`planted edge: PBO ${pbo}, DSR ${dsr}`);
    expect(pbo).toBeLessThan(0.2);
    expect(dsr).toBeGreaterThan(0.95);
  });

  it('never takes a flat trial (no trades: undefined Sharpe) as the in-sample best', () => {
    // Trial 0 never trades; trial 1 gains in every block, trial 2 loses in every block. The best
    // in-sample is trial 1 in every combination, and it is best out of sample too: PBO 0.
    const T = 32;
    const flat = new Float64Array(T);
    const gains = Float64Array.from({ length: T }, (_, t) => 0.01 + (t % 2) * 0.001);
    const losses = Float64Array.from({ length: T }, (_, t) => -0.01 - (t % 2) * 0.001);
    const result = probabilityOfBacktestOverfitting([flat, gains, losses], { partitions: 4 });
    expect(result.pbo).toBe(0);
  });
});
