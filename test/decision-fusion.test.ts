// Experts and regime-gated fusion, on the WASM core and the TS reference alike: weights follow
// the regime probabilities (fast-check: linear hence continuous in p, the pure-regime weights
// at one-hot p), choppy scaling, the long-only clamp, ML quantile confidence and staleness,
// and the sentiment filter (duplicates, bursts, decay, source caps). Without regime
// probabilities the status tells no regime model from a model whose filter has seen no bar.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NORMAL_Q10_Q90_SPAN, STATUS_COMP_SHIFT, STATUS_REGIME, STATUS_REGIME_MODEL, STATUS_SHORT_CLAMPED } from '../engine/decision/decision-layout.js';
import type { DecisionOutput } from '../engine/decision/index.js';
import { DecisionPair, labelModel } from './decision-harness.js';

const HOUR = 3_600_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;
const SIDES = ['wasm', 'reference'] as const;
const ML = 3;
const SENTIMENT = 4;
const present = (o: DecisionOutput, component: number) => (o.status & (1 << (STATUS_COMP_SHIFT + component))) !== 0;

/** One linear trend rule on the close: score (close - 100) / 10, confidence 1. */
const LINEAR_RULES = [{ kind: 'linear' as const, family: 'trend' as const, weight: 1, inputs: { value: 'close' }, params: { center: 100, scale: 10 } }];
const WEIGHTS = {
  trending: { trend: 1, meanReversion: 0.1, breakout: 0.5, ml: 0.8, sentiment: 0.3 },
  meanReverting: { trend: 0.2, meanReversion: 1, breakout: 0.1, ml: 0.4, sentiment: 0.2 },
  choppy: { trend: 0.3, meanReversion: 0.6, breakout: 0.2, ml: 0.3, sentiment: 0.1 },
};
const W = [WEIGHTS.trending, WEIGHTS.meanReverting, WEIGHTS.choppy].map((w) => [w.trend, w.meanReversion, w.breakout, w.ml, w.sentiment]);

describe('regime-gated fusion weights', () => {
  const pair = DecisionPair.create({ fusion: { weights: WEIGHTS, rules: LINEAR_RULES } });
  pair.setBar(0, { close: 105 });

  const probabilities = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }))
    .map(([k, raw, labels]) => {
      const p = raw.slice(0, k);
      const sum = p.reduce((a, b) => a + b, 0);
      return { p: p.map((x) => x / sum), labels: labels.slice(0, k) };
    });

  it('blends the per-regime weights linearly in the filtered state probabilities (hence continuously)', () => {
    fc.assert(
      fc.property(probabilities, ({ p, labels }) => {
        pair.setRegime(0, p, labels);
        const out = pair.step(0, T0);
        const q = [0, 0, 0];
        labels.forEach((label, k) => (q[label] += p[k]));
        for (const side of SIDES) {
          out[side].weights.forEach((w, c) => {
            const expected = q[0] * W[0][c] + q[1] * W[1][c] + q[2] * W[2][c];
            expect(w, `${side} weight of component ${c} at p=${p} labels=${labels}`).toBeCloseTo(expected, 12);
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('moves the weights by at most max|W| * |dp|_1 when the probabilities move by dp', () => {
    const maxW = Math.max(...W.flat());
    fc.assert(
      fc.property(probabilities, fc.double({ min: 0, max: 0.05, noNaN: true }), fc.nat(), ({ p, labels }, eps, pick) => {
        const k = pick % p.length;
        const moved = p.map((x, i) => (i === k ? x + eps : x));
        const sum = moved.reduce((a, b) => a + b, 0);
        const p2 = moved.map((x) => x / sum);
        pair.setRegime(0, p, labels);
        const a = pair.step(0, T0);
        pair.setRegime(0, p2, labels);
        const b = pair.step(0, T0);
        const dp = p.reduce((acc, x, i) => acc + Math.abs(x - p2[i]), 0);
        for (const side of SIDES) {
          a[side].weights.forEach((w, c) => {
            expect(Math.abs(w - b[side].weights[c]), `${side} weight ${c} jumped for dp=${dp}`).toBeLessThanOrEqual(maxW * dp + 1e-12);
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('equals the pure-regime weights exactly at a one-hot probability vector', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), (k, hot, labels) => {
        const p = Array.from({ length: k }, (_, i) => (i === hot % k ? 1 : 0));
        pair.setRegime(0, p, labels.slice(0, k));
        const out = pair.step(0, T0);
        for (const side of SIDES) expect(out[side].weights, `${side}: one-hot state ${hot % k} with label ${labels[hot % k]}`).toEqual(W[labels[hot % k]]);
      }),
      { numRuns: 100 },
    );
  });

  it('gives no exposure and no confidence before the regime filter has a step', () => {
    const fresh = DecisionPair.create({ fusion: { weights: WEIGHTS, rules: LINEAR_RULES } });
    fresh.setBar(0, { close: 105 });
    const out = fresh.step(0, T0);
    for (const side of SIDES) {
      expect(out[side].weights, `${side}: weights without regime probabilities`).toEqual([0, 0, 0, 0, 0]);
      expect(out[side].exposure, `${side}: exposure without regime probabilities`).toBe(0);
    }
  });
});

describe('band reversion on a price that does not move', () => {
  const sizing = { method: 'fixedFractional' as const, fixedFractional: { riskFraction: 0.01, stopFraction: 0.02 } };
  /** What the default rules read on a flat 100 file: RSI and %B at TA-Lib's / our zero-movement values. */
  const FLAT = {
    close: 100, 'ema:12': 100, 'ema:26': 100, 'adx:14.adx': 0, 'bb:20:2.pctb': 0.5, 'rsi:14': 0,
    'donchian:20.upper@lag:1': 100, 'donchian:20.lower@lag:1': 100, 'relvol:20': 1,
  };

  it('reads RSI 0 in a zero-width band (no gain, no loss) as no signal, so fixedFractional sizing buys nothing', () => {
    const pair = DecisionPair.create({ sizing });
    pair.setBar(0, FLAT);
    pair.setRegime(0, [0.1, 0.45, 0.45], [0, 1, 2]);
    const out = pair.step(0, T0);
    for (const side of SIDES) {
      expect(out[side].componentConfidences[1], `${side}: mean-reversion confidence on a flat price (RSI 0 is 0/0, not oversold)`).toBe(0);
      expect(out[side].quantity, `${side}: fixedFractional target quantity on a flat price`).toBe(0);
    }
  });

  it('still reads RSI 0 below the middle of a band that has width as oversold', () => {
    const pair = DecisionPair.create({ sizing });
    pair.setBar(0, { ...FLAT, 'bb:20:2.pctb': 0.2 });
    pair.setRegime(0, [0.1, 0.45, 0.45], [0, 1, 2]);
    const out = pair.step(0, T0);
    for (const side of SIDES) {
      expect(out[side].componentConfidences[1], `${side}: mean-reversion confidence at RSI 0, %B 0.2`).toBe(1);
      expect(out[side].componentScores[1], `${side}: mean-reversion score (1 + (1 - 0.4)) / 2`).toBeCloseTo(0.8, 15);
      expect(out[side].quantity, `${side}: a long target`).toBeGreaterThan(0);
    }
  });
});

describe('choppy scaling and the long-only clamp', () => {
  const base = { fusion: { weights: WEIGHTS, rules: LINEAR_RULES }, sizing: { method: 'fixedFractional' as const, fixedFractional: { riskFraction: 0.01, stopFraction: 0.01 } } };

  it('scales the direction by 1 - 0.7 * P(choppy) by default', () => {
    const pair = DecisionPair.create(base);
    pair.setBar(0, { close: 105 });
    for (const [pChoppy, scale] of [[1, 0.3], [0.5, 0.65], [0, 1]] as const) {
      pair.setRegime(0, [1 - pChoppy, pChoppy], [0, 2]);
      const out = pair.step(0, T0);
      for (const side of SIDES) {
        expect(out[side].choppyScale, `${side}: scale at P(choppy)=${pChoppy}`).toBeCloseTo(scale, 15);
        expect(out[side].direction, `${side}: direction = signal 0.5 * scale at P(choppy)=${pChoppy}`).toBeCloseTo(0.5 * scale, 15);
      }
    }
  });

  it('uses the configured choppy reduction', () => {
    const pair = DecisionPair.create({ ...base, fusion: { ...base.fusion, choppyReduction: 0.2 } });
    pair.setBar(0, { close: 105 });
    pair.setRegime(0, [1], [2]);
    const out = pair.step(0, T0);
    for (const side of SIDES) expect(out[side].direction, `${side}: 0.5 * (1 - 0.2)`).toBeCloseTo(0.4, 15);
  });

  it('clamps a short direction to 0 on a long-only instrument and keeps it where shorts are allowed', () => {
    const pair = DecisionPair.create({ ...base, instruments: [{ instrument: 0, indicatorSlot: 0, timeframe: '1h' }, { instrument: 1, indicatorSlot: 1, timeframe: '1h', allowShort: true }] });
    for (const instrument of [0, 1]) {
      pair.setBar(instrument, { close: 95 });
      pair.setRegime(instrument, [1], [0]);
    }
    const spot = pair.step(0, T0);
    const perp = pair.step(1, T0);
    for (const side of SIDES) {
      expect(spot[side].signal, `${side}: the fused signal stays negative`).toBeCloseTo(-0.5, 15);
      expect(spot[side].direction, `${side}: long-only direction`).toBe(0);
      expect(spot[side].exposure, `${side}: long-only exposure`).toBe(0);
      expect(spot[side].status & STATUS_SHORT_CLAMPED, `${side}: clamp reported in status`).toBe(STATUS_SHORT_CLAMPED);
      expect(perp[side].direction, `${side}: short allowed`).toBeCloseTo(-0.5, 15);
      expect(perp[side].exposure, `${side}: short exposure = -0.5 * 0.01 / 0.01`).toBeCloseTo(-0.5, 15);
    }
  });
});

describe('regime status bits', () => {
  it('tells no regime model (neither bit) from a model whose filter has seen no bar (STATUS_REGIME_MODEL alone) and from probabilities (both)', () => {
    const pair = DecisionPair.create({ fusion: { weights: WEIGHTS, rules: LINEAR_RULES } });
    pair.setBar(0, { close: 105 });
    const bits = (o: DecisionOutput) => o.status & (STATUS_REGIME | STATUS_REGIME_MODEL);
    const none = pair.step(0, T0);
    pair.filter.loadModel(0, labelModel(3), [0, 1, 2]);
    pair.filter.reset(0, 0);
    const warming = pair.step(0, T0 + HOUR);
    pair.setRegime(0, [1], [0]);
    const weighed = pair.step(0, T0 + 2n * HOUR);
    expect([bits(none.wasm), bits(warming.wasm), bits(weighed.wasm)], 'the core: no model, a model with no filter step, probabilities')
      .toEqual([0, STATUS_REGIME_MODEL, STATUS_REGIME | STATUS_REGIME_MODEL]);
    expect([bits(none.reference), bits(warming.reference), bits(weighed.reference)], 'the reference agrees').toEqual([bits(none.wasm), bits(warming.wasm), bits(weighed.wasm)]);
    expect([warming.wasm.confidence, warming.wasm.exposure], 'no probabilities yet: every weight 0, nothing weighed').toEqual([0, 0]);
  });
});

/** A pair in a trending regime whose realised volatility (rvol:20) is 0.01 per bar. */
function volPair() {
  const pair = DecisionPair.create({ fusion: { weights: WEIGHTS, rules: LINEAR_RULES, ml: { horizonBars: 1, maxAgeSeconds: 3600, scoreScale: 1, widthAtHalf: 1.5 } } });
  pair.setRegime(0, [1], [0]);
  pair.setBar(0, { close: 101, 'rvol:20': 0.01 });
  return pair;
}

const quantiles = (q50: number, width: number): [number, number, number, number, number] => [q50 - width / 2, q50 - width / 4, q50, q50 + width / 4, q50 + width / 2];

describe('ML expert', () => {
  it('scores q50 against the realised deviation and gives 1 / (1 + (rho / widthAtHalf)^2) confidence', () => {
    const pair = volPair();
    pair.model({ instrument: 0, tsNs: T0, quantiles: quantiles(0.005, NORMAL_Q10_Q90_SPAN * 0.01) });
    const out = pair.step(0, T0);
    for (const side of SIDES) {
      expect(out[side].volatilityPerBar, `${side}: realised vol from rvol:20`).toBe(0.01);
      expect(out[side].componentScores[ML], `${side}: q50 0.005 / sigma 0.01`).toBeCloseTo(0.5, 12);
      expect(out[side].componentConfidences[ML], `${side}: rho = 1, widthAtHalf 1.5`).toBeCloseTo(1 / (1 + 1 / 2.25), 12);
    }
  });

  it('lowers the confidence as the q10..q90 interval widens', () => {
    const pair = volPair();
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.2, noNaN: true }), fc.double({ min: 1e-6, max: 0.2, noNaN: true }), (narrow, extra) => {
        pair.model({ instrument: 0, tsNs: T0, quantiles: quantiles(0.001, narrow) });
        const a = pair.step(0, T0);
        pair.model({ instrument: 0, tsNs: T0, quantiles: quantiles(0.001, narrow + extra) });
        const b = pair.step(0, T0);
        for (const side of SIDES) {
          expect(b[side].componentConfidences[ML], `${side}: width ${narrow + extra} vs ${narrow}`).toBeLessThan(a[side].componentConfidences[ML]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sorts crossed quantiles before using them', () => {
    const crossed = volPair();
    crossed.model({ instrument: 0, tsNs: T0, quantiles: [0.02, -0.01, 0.004, -0.02, 0.01] });
    const sorted = volPair();
    sorted.model({ instrument: 0, tsNs: T0, quantiles: [-0.02, -0.01, 0.004, 0.01, 0.02] });
    const a = crossed.step(0, T0);
    const b = sorted.step(0, T0);
    for (const side of SIDES) {
      expect(a[side].componentScores[ML], `${side}: median of the crossed set is 0.004`).toBeCloseTo(0.4, 12);
      expect(a[side], `${side}: crossed and sorted inputs decide alike`).toEqual(b[side]);
    }
  });

  it('counts a model output older than the configured age as absent', () => {
    const pair = volPair();
    pair.model({ instrument: 0, tsNs: T0 - HOUR, quantiles: quantiles(0.005, 0.02) });
    const atLimit = pair.step(0, T0);
    const stale = pair.step(0, T0 + 1n);
    for (const side of SIDES) {
      expect(present(atLimit[side], ML), `${side}: exactly maxAgeSeconds old is still valid`).toBe(true);
      expect(present(stale[side], ML), `${side}: 1 ns past maxAgeSeconds is stale`).toBe(false);
      expect(stale[side].componentConfidences[ML], `${side}: a stale model has no confidence`).toBe(0);
    }
  });
});

describe('sentiment expert', () => {
  const sentiment = (halfLifeSeconds = 1e9, extra: object = {}) =>
    DecisionPair.create({
      fusion: {
        weights: WEIGHTS, rules: LINEAR_RULES,
        sentiment: { halfLifeSeconds, maxAgeSeconds: 86_400, duplicateWindowSeconds: 600, burstWindowSeconds: 60, burstCount: 5, fullConfidenceWeight: 100, sources: [], unlistedSourceWeight: 1, ...extra },
      },
    });
  const item = (tsNs: bigint, hash: bigint, score = 0.5, source = 0, confidence = 1) => ({ instrument: 0, tsNs, score, confidence, source, contentHash: hash });

  it('suppresses a near-duplicate (same content hash within the window) and keeps it once the window has passed', () => {
    const pair = sentiment();
    expect(pair.sentiment(item(T0, 42n)), 'first copy stored').toEqual({ wasm: 1, reference: 1 });
    expect(pair.sentiment(item(T0 + 599_000_000_000n, 42n)), 'copy 599 s later suppressed').toEqual({ wasm: 0, reference: 0 });
    expect(pair.sentiment(item(T0 + 601_000_000_000n, 42n)), 'copy 601 s later stored').toEqual({ wasm: 1, reference: 1 });
    expect(pair.sentiment(item(T0 + 700_000_000_000n, 43n)), 'other content stored').toEqual({ wasm: 1, reference: 1 });
    expect(pair.wasm.sentimentCounts(0), 'core counters').toEqual({ accepted: 3, suppressed: 1 });
    expect(pair.reference.sentimentCounts(0), 'reference counters').toEqual({ accepted: 3, suppressed: 1 });
  });

  it('down-weights items of a burst by burstCount / items-in-window', () => {
    const burst = sentiment();
    for (let i = 0; i < 10; i++) burst.sentiment(item(T0 + BigInt(i) * 1_000_000_000n, BigInt(i)));
    const spread = sentiment();
    for (let i = 0; i < 10; i++) spread.sentiment(item(T0 + BigInt(i) * 120_000_000_000n, BigInt(i)));
    const now = T0 + 1_200_000_000_000n;
    const a = burst.step(0, now);
    const b = spread.step(0, now);
    const burstWeight = 5 + 5 * (1 / 6 + 1 / 7 + 1 / 8 + 1 / 9 + 1 / 10);
    for (const side of SIDES) {
      expect(a[side].componentConfidences[SENTIMENT], `${side}: 10 items in 9 s, burstCount 5`).toBeCloseTo(burstWeight / 100, 6);
      expect(b[side].componentConfidences[SENTIMENT], `${side}: 10 items 2 min apart keep full weight`).toBeCloseTo(10 / 100, 6);
    }
  });

  it('decays an item with its age (half-life) and drops it past the maximum age', () => {
    const pair = sentiment(3600);
    pair.sentiment(item(T0, 1n));
    const fresh = pair.step(0, T0);
    const halfLife = pair.step(0, T0 + HOUR);
    const twoHalfLives = pair.step(0, T0 + 2n * HOUR);
    const expired = pair.step(0, T0 + 24n * HOUR + 1n);
    for (const side of SIDES) {
      expect(fresh[side].componentConfidences[SENTIMENT], `${side}: weight 1 of 100`).toBeCloseTo(0.01, 14);
      expect(halfLife[side].componentConfidences[SENTIMENT], `${side}: one half-life`).toBeCloseTo(0.005, 14);
      expect(twoHalfLives[side].componentConfidences[SENTIMENT], `${side}: two half-lives`).toBeCloseTo(0.0025, 14);
      expect(present(expired[side], SENTIMENT), `${side}: past maxAgeSeconds`).toBe(false);
    }
  });

  it('weights sources and caps what one source can contribute', () => {
    const pair = sentiment(1e9, { sources: [{ id: 1, weight: 1, cap: 2 }, { id: 2, weight: 0.5 }] });
    for (let i = 0; i < 8; i++) pair.sentiment(item(T0 + BigInt(i) * 120_000_000_000n, BigInt(i), 1, 1));
    pair.sentiment(item(T0 + 2_000_000_000_000n, 100n, -1, 2));
    const out = pair.step(0, T0 + 2_000_000_000_000n);
    for (const side of SIDES) {
      expect(out[side].componentConfidences[SENTIMENT], `${side}: source 1 capped at 2, source 2 weighs 0.5`).toBeCloseTo(2.5 / 100, 9);
      expect(out[side].componentScores[SENTIMENT], `${side}: (2 * 1 + 0.5 * -1) / 2.5`).toBeCloseTo(0.6, 9);
    }
  });
});
