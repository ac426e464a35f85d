// Parity: the WASM fusion + sizing (wasm/assembly/decision) equals the plain TS reference
// (engine/decision/reference) on random event streams (fast-check: bars with warm-up NaNs,
// regime probabilities, crossed and stale model outputs, duplicate and bursty sentiment, every
// sizing method, long-only and short instruments) and on real Binance 1h bars with indicator
// outputs from the real executor and regime probabilities from the real HMM filter.
// Equal to 1e-9 relative: the core keeps per-source sentiment sums and multiplies decays
// (exp(a) * exp(b)) where the reference decays each item (exp(a + b)), and AssemblyScript's
// Math.exp may differ from V8's in the last bit; everything else is the same operations in
// the same order.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { labelCode } from '../engine/regime/regime-label.js';
import { buildRegimeFeatures, RegimeFeatureBuilder } from '../engine/regime/regime-features.js';
import { trainRegimeModel } from '../engine/regime/train-regime-model.js';
import { DecisionPair, outputDifference } from './decision-harness.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const TOLERANCE = 1e-9;
const HOUR = 3_600_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;
const dataDir = sharedDataPath('crypto_ohlcv');
const FILES = ['binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv'].map((f) => path.join(dataDir, f));
const skipRealData = skipWithout(sharedData(FILES));

const INSTRUMENTS = [
  { instrument: 0, indicatorSlot: 0, timeframe: '1h' },
  { instrument: 1, indicatorSlot: 1, timeframe: '4h', allowShort: true, strategy: 'fixed' },
  { instrument: 2, indicatorSlot: 2, timeframe: '1h', allowShort: true, strategy: 'kelly' },
  { instrument: 3, indicatorSlot: 3, timeframe: '1d', strategy: 'atr' },
];
const STRATEGIES = {
  fixed: { method: 'fixedFractional' as const },
  kelly: { method: 'cappedKelly' as const, cappedKelly: { fraction: 0.5, cap: 0.4 } },
  atr: { method: 'atrStop' as const, maxLeverage: 2 },
};
const SENTIMENT = {
  halfLifeSeconds: 1800, maxAgeSeconds: 6 * 3600, duplicateWindowSeconds: 900, burstWindowSeconds: 600, burstCount: 3,
  fullConfidenceWeight: 2, unlistedSourceWeight: 0.7, sources: [{ id: 0, weight: 1, cap: 1.5 }, { id: 1, weight: 0.4 }, { id: 5, weight: 0, cap: 1 }],
};

const maybe = (arb: fc.Arbitrary<number>) => fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(Number.NaN) });
const barEvent = fc.record({
  type: fc.constant('bar' as const),
  instrument: fc.integer({ min: 0, max: 3 }),
  move: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
  'ema:12': maybe(fc.double({ min: 50, max: 150, noNaN: true })),
  'ema:26': maybe(fc.double({ min: 50, max: 150, noNaN: true })),
  'adx:14.adx': maybe(fc.double({ min: 0, max: 70, noNaN: true })),
  'bb:20:2.pctb': maybe(fc.double({ min: -0.5, max: 1.5, noNaN: true })),
  'rsi:14': maybe(fc.double({ min: 0, max: 100, noNaN: true })),
  'donchian:20.upper@lag:1': maybe(fc.double({ min: 95, max: 110, noNaN: true })),
  'donchian:20.lower@lag:1': maybe(fc.double({ min: 85, max: 100, noNaN: true })),
  'relvol:20': maybe(fc.double({ min: 0, max: 4, noNaN: true })),
  'atr:14': maybe(fc.double({ min: 0, max: 5, noNaN: true })),
  'rvol:20': maybe(fc.double({ min: 0, max: 0.05, noNaN: true })),
});
const regimeEvent = fc.record({
  type: fc.constant('regime' as const),
  instrument: fc.integer({ min: 0, max: 3 }),
  raw: fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
  labels: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
});
const modelEvent = fc.record({
  type: fc.constant('model' as const),
  instrument: fc.integer({ min: 0, max: 3 }),
  lagHours: fc.integer({ min: -1, max: 4 }),
  quantiles: fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: 5, maxLength: 5 }),
});
const sentimentEvent = fc.record({
  type: fc.constant('sentiment' as const),
  instrument: fc.integer({ min: 0, max: 3 }),
  lagSeconds: fc.integer({ min: 0, max: 7200 }),
  score: fc.double({ min: -1, max: 1, noNaN: true }),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  source: fc.constantFrom(0, 1, 2, 5, 63),
  hash: fc.bigInt({ min: 0n, max: 6n }),
});
const stepEvent = fc.record({ type: fc.constant('step' as const), advanceSeconds: fc.integer({ min: 0, max: 5400 }), equity: fc.double({ min: 0, max: 1e7, noNaN: true }) });
const stream = fc.array(fc.oneof({ weight: 6, arbitrary: barEvent }, regimeEvent, { weight: 2, arbitrary: modelEvent }, { weight: 2, arbitrary: sentimentEvent }, { weight: 4, arbitrary: stepEvent }), { minLength: 1, maxLength: 200 });
/** Every stream starts with a bar, a regime and a (crossed) model output per instrument, so its steps reach sizing. */
const WARM_START = [0, 1, 2, 3].flatMap((instrument) => [
  { type: 'bar' as const, instrument, move: 0.01, 'rvol:20': 0.01, 'atr:14': 2, 'ema:12': 104, 'ema:26': 100, 'adx:14.adx': 35 },
  { type: 'regime' as const, instrument, raw: [0.7, 0.2, 0.1], labels: [0, 1, 2, 0, 0] },
  { type: 'model' as const, instrument, lagHours: 0, quantiles: [0.03, -0.01, 0.004, 0.01, -0.02] },
]);

describe('decision parity: WASM core == TS reference', () => {
  it(`agrees to ${TOLERANCE} on random event streams`, () => {
    const sized = [0, 0, 0, 0];
    fc.assert(
      fc.property(stream, (events) => {
        const pair = DecisionPair.create({ fusion: { sentiment: SENTIMENT }, sizing: { strategies: STRATEGIES }, instruments: INSTRUMENTS });
        const close = [100, 100, 100, 100];
        let now = T0;
        for (const e of [...WARM_START, ...events]) {
          if (e.type === 'bar') {
            close[e.instrument] *= 1 + e.move;
            const { type: _t, instrument, move: _m, ...values } = e;
            pair.setBar(instrument, { ...(values as Record<string, number>), close: close[instrument] });
          } else if (e.type === 'regime') {
            const sum = e.raw.reduce((a, b) => a + b, 0);
            pair.setRegime(e.instrument, e.raw.map((x) => x / sum), e.labels.slice(0, e.raw.length), e.instrument);
          } else if (e.type === 'model') {
            pair.model({ instrument: e.instrument, tsNs: now - BigInt(e.lagHours) * HOUR, quantiles: e.quantiles as [number, number, number, number, number] });
          } else if (e.type === 'sentiment') {
            const result = pair.sentiment({ instrument: e.instrument, tsNs: now - BigInt(e.lagSeconds) * 1_000_000_000n, score: e.score, confidence: e.confidence, source: e.source, contentHash: e.hash });
            expect(result.wasm, 'stored / suppressed alike').toBe(result.reference);
          } else {
            now += BigInt(e.advanceSeconds) * 1_000_000_000n;
            for (const { instrument } of INSTRUMENTS) {
              const out = pair.step(instrument, now, e.equity);
              const diff = outputDifference(out.wasm, out.reference);
              expect(diff.difference, `instrument ${instrument} at ${now}: ${diff.field} differs`).toBeLessThanOrEqual(TOLERANCE);
              if (out.wasm.exposure !== 0) sized[instrument]++;
            }
          }
        }
      }),
      { numRuns: 150 },
    );
    console.log(`decision-parity: steps with a non-zero exposure per sizing method: ${sized.join('/')}`);
    sized.forEach((count, instrument) => expect(count, `instrument ${instrument} (${INSTRUMENTS[instrument].strategy ?? 'volatilityTarget'}) was sized non-zero in some streams`).toBeGreaterThan(20));
  });
});

describe('decision parity: Kelly on degenerate model spreads', () => {
  // fast-check found these: a q10..q90 spread whose square underflows (or whose inverse
  // overflows) made the core size at the cap and the reference NaN. Both now size nothing.
  const kelly = { instrument: 2, indicatorSlot: 2, timeframe: '1h', allowShort: true, strategy: 'kelly' };
  const cases: Array<{ name: string; quantiles: [number, number, number, number, number]; sized: boolean }> = [
    { name: 'subnormal quantiles (spread squared is 0)', quantiles: [5e-324, 0, 0, 5e-324, 1e-323], sized: false },
    { name: 'spread squared subnormal (inverse overflows)', quantiles: [0, 0, 1e-160, 1e-160, 2e-160], sized: false },
    { name: 'all quantiles equal', quantiles: [0.01, 0.01, 0.01, 0.01, 0.01], sized: false },
    { name: 'an ordinary spread', quantiles: [0.03, -0.01, 0.004, 0.01, -0.02], sized: true },
  ];
  for (const { name, quantiles, sized } of cases) {
    it(`${name}: ${sized ? 'sized' : 'not sized'} alike`, () => {
      const pair = DecisionPair.create({ fusion: { sentiment: SENTIMENT }, sizing: { strategies: STRATEGIES }, instruments: [kelly] });
      pair.setBar(2, { close: 100, 'rvol:20': 0.01, 'atr:14': 2, 'ema:12': 104, 'ema:26': 100, 'adx:14.adx': 35 });
      pair.setRegime(2, [0.7, 0.2, 0.1], [0, 1, 2], 2);
      pair.model({ instrument: 2, tsNs: T0, quantiles });
      const out = pair.step(2, T0, 1e6);
      const diff = outputDifference(out.wasm, out.reference);
      expect(diff.difference, `${diff.field} differs`).toBeLessThanOrEqual(TOLERANCE);
      expect(Number.isFinite(out.wasm.quantity)).toBe(true);
      expect(out.wasm.exposure !== 0).toBe(sized);
    });
  }
});

describe.skipIf(skipRealData)('decision parity on real Binance 1h bars (BTC, ETH)', () => {
  it(`agrees to ${TOLERANCE} on every bar with real indicator outputs and HMM probabilities`, async () => {
    const series = await Promise.all(FILES.map(async (f) => (await loadBarsCsv(f)).series));
    const btc = series[0];
    const training = buildRegimeFeatures({ ...btc, length: 3000 });
    const record = trainRegimeModel(training, { restarts: 2, maxIterations: 60, seed: 7 });
    const labelOf = record.labels.map((label) => labelCode(label));
    const pair = DecisionPair.create({
      fusion: { sentiment: SENTIMENT },
      sizing: { strategies: STRATEGIES },
      instruments: [{ instrument: 0, indicatorSlot: 0, timeframe: '1h' }, { instrument: 1, indicatorSlot: 1, timeframe: '1h', allowShort: true, strategy: 'kelly' }],
    });
    pair.filter.loadModel(0, record.model, labelOf);
    const builders = series.map(() => new RegimeFeatureBuilder(record.featureSpec));
    series.forEach((_, k) => pair.filter.reset(k, 0));
    const features = new Float64Array(pair.memory.buffer, SCRATCH_REGION_OFFSET, record.model.features);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const n = Math.min(...series.map((s) => s.length));
    let worst = 0;
    let steps = 0;
    const present = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < series.length; k++) {
        const s = series[k];
        pair.executor.update(k, s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i], s.timeNs[i]);
        pair.syncBarFromSlot(k);
        if (builders[k].update(s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i], s.timeNs[i])) {
          features.set(builders[k].row);
          expect(pair.core.hmmFilterStep(k, SCRATCH_REGION_OFFSET), 'HMM filter step').toBeGreaterThanOrEqual(0);
          pair.syncRegimeFromFilter(k, labelOf);
        }
        if (i >= 24) {
          let sum = 0;
          let sq = 0;
          for (let j = i - 23; j <= i; j++) {
            const r = s.close[j] / s.close[j - 1] - 1;
            sum += r;
            sq += r * r;
          }
          const mean = sum / 24;
          const sd = Math.sqrt(Math.max(0, sq / 24 - mean * mean));
          pair.model({ instrument: k, tsNs: s.timeNs[i], quantiles: [mean - 1.28 * sd, mean - 0.67 * sd, mean, mean + 0.67 * sd, mean + 1.28 * sd] });
        }
        if (random() < 0.3) {
          pair.sentiment({ instrument: k, tsNs: s.timeNs[i], score: 2 * random() - 1, confidence: random(), source: Math.floor(random() * 8), contentHash: BigInt(Math.floor(random() * 40)) });
        }
        const out = pair.step(k, s.timeNs[i] + HOUR / 2n, 1_000_000);
        const diff = outputDifference(out.wasm, out.reference);
        if (diff.difference > TOLERANCE) expect.fail(`${path.basename(FILES[k])} bar ${i}: ${diff.field} differs by ${diff.difference}`);
        worst = Math.max(worst, diff.difference);
        steps++;
        for (let c = 0; c < 5; c++) if (out.wasm.status & (1 << (8 + c))) present[c]++;
      }
    }
    console.log(`decision-parity: ${steps} instrument-bars, worst relative difference ${worst.toExponential(2)}, components present ${present.join('/')}`);
    expect(steps, 'every bar of both files decided').toBe(2 * n);
    for (let c = 0; c < 5; c++) expect(present[c], `component ${c} was exercised on real data`).toBeGreaterThan(n / 10);
  });
});
