// Sizing formulas against hand-computed values, on the WASM core and the TS reference:
// volatility targeting (annualised with the timeframe's bars per year), fixed-fractional,
// capped Kelly and ATR stop distance, the leverage cap, and quantity = exposure * equity / price.
// Setup: one linear trend rule scoring 0.5 with confidence 1 in a pure trending regime
// (direction * confidence = 0.5), realised volatility (rvol:20) 0.05 per bar, price 105.
import { describe, expect, it } from 'vitest';
import { NORMAL_Q10_Q90_SPAN } from '../engine/decision/decision-layout.js';
import { barsPerYear, compileInstrument } from '../engine/decision/index.js';
import { DecisionPair } from './decision-harness.js';

const T0 = 1_700_000_000_000_000_000n;
const EQUITY = 250_000;
const SIDES = ['wasm', 'reference'] as const;
const PRICE = 105;
const R = 0.05;

function sized(sizing: object, timeframe = '1h', values: Record<string, number> = {}) {
  const pair = DecisionPair.create({
    fusion: {
      weights: {
        trending: { trend: 1, meanReversion: 0, breakout: 0, ml: 0, sentiment: 0 },
        meanReverting: { trend: 1, meanReversion: 0, breakout: 0, ml: 0, sentiment: 0 },
        choppy: { trend: 1, meanReversion: 0, breakout: 0, ml: 0, sentiment: 0 },
      },
      rules: [{ kind: 'linear', family: 'trend', weight: 1, inputs: { value: 'close' }, params: { center: 100, scale: 10 } }],
      ml: { horizonBars: 4, maxAgeSeconds: 3600, scoreScale: 1, widthAtHalf: 1 },
    },
    sizing,
    instruments: [{ instrument: 0, indicatorSlot: 0, timeframe }],
  });
  pair.setRegime(0, [1], [0]);
  pair.setBar(0, { close: PRICE, 'rvol:20': R, ...values });
  return pair;
}

function expectSized(pair: DecisionPair, exposure: number, what: string) {
  const out = pair.step(0, T0, EQUITY);
  for (const side of SIDES) {
    expect(out[side].direction * out[side].confidence, `${side}: direction * confidence of the setup`).toBeCloseTo(0.5, 15);
    expect(out[side].exposure, `${side}: exposure, ${what}`).toBeCloseTo(exposure, 12);
    expect(out[side].quantity, `${side}: quantity = exposure * ${EQUITY} / ${PRICE}`).toBeCloseTo((exposure * EQUITY) / PRICE, 8);
  }
}

describe('sizing', () => {
  it('annualises with the bars per year of the timeframe (crypto 365 x 24 h, equities 252 x 6.5 h)', () => {
    expect(barsPerYear('1h', { daysPerYear: 365, sessionHours: 24 }), '1h crypto').toBe(8760);
    expect(barsPerYear('4h', { daysPerYear: 365, sessionHours: 24 }), '4h crypto').toBe(2190);
    expect(barsPerYear('1d', { daysPerYear: 252, sessionHours: 6.5 }), '1d equities').toBe(252);
    expect(barsPerYear('30m', { daysPerYear: 252, sessionHours: 6.5 }), '30m equities').toBe(3276);
    expect(() => barsPerYear('1hour', { daysPerYear: 365, sessionHours: 24 })).toThrow('`timeframe` must be a count >= 1 and a unit s, m, h, d or w (e.g. 1h), was "1hour"');
  });

  it('targets 15% annual volatility by default: 0.5 * 0.15 / (0.05 * sqrt(8760))', () => {
    expectSized(sized({ maxLeverage: 3 }), (0.5 * 0.15) / (R * Math.sqrt(8760)), 'volatility target on 1h bars');
  });

  it('uses the 4h timeframe\'s 2190 bars per year', () => {
    expectSized(sized({ maxLeverage: 3 }, '4h'), (0.5 * 0.15) / (R * Math.sqrt(2190)), 'volatility target on 4h bars');
  });

  it('caps the volatility-target leverage at maxLeverage', () => {
    expectSized(sized({ maxLeverage: 0.02 }), 0.5 * 0.02, 'leverage 0.0253 capped at 0.02');
  });

  it('risks riskFraction of equity to a stop stopFraction away (fixed-fractional)', () => {
    expectSized(sized({ method: 'fixedFractional', fixedFractional: { riskFraction: 0.01, stopFraction: 0.04 } }), (0.5 * 0.01) / 0.04, '0.5 * 1% / 4%');
  });

  it('risks riskFraction of equity to a stop atrMultiple ATRs away (ATR stop)', () => {
    const pair = sized({ method: 'atrStop', atrStop: { riskFraction: 0.01, atrMultiple: 2, atr: 'atr:14' } }, '1h', { 'atr:14': 1.5 });
    expectSized(pair, (0.5 * 0.01 * PRICE) / (2 * 1.5), 'quantity 0.5 * 1% * equity / (2 * 1.5)');
  });

  it('gives no ATR-stop exposure while the ATR warms up', () => {
    expectSized(sized({ method: 'atrStop' }), 0, 'ATR is NaN');
  });

  describe('capped Kelly from the model quantiles', () => {
    const sigma = 0.02;
    const withModel = (q50: number, kelly: object) => {
      const pair = sized({ method: 'cappedKelly', cappedKelly: kelly });
      const half = (NORMAL_Q10_Q90_SPAN * sigma) / 2;
      pair.model({ instrument: 0, tsNs: T0, quantiles: [q50 - half, q50 - half / 2, q50, q50 + half / 2, q50 + half] });
      return pair;
    };

    it('sizes fraction * q50 / sigma^2 below the cap', () => {
      expectSized(withModel(0.0001, { fraction: 0.5, cap: 0.5 }), 0.5 * ((0.5 * 0.0001) / (sigma * sigma)), 'Kelly 0.125');
    });

    it('caps the Kelly fraction', () => {
      expectSized(withModel(0.002, { fraction: 0.5, cap: 0.25 }), 0.5 * 0.25, 'Kelly 2.5 capped at 0.25');
    });

    it('sizes nothing when the model median disagrees with the direction', () => {
      expectSized(withModel(-0.001, { fraction: 0.5, cap: 0.25 }), 0, 'q50 < 0 against a long direction');
    });

    it('sizes nothing without a model output', () => {
      expectSized(sized({ method: 'cappedKelly' }), 0, 'no MODEL record');
    });
  });

  it('applies per-strategy overrides of the method', () => {
    const pair = DecisionPair.create({
      sizing: { strategies: { breakout: { method: 'fixedFractional', fixedFractional: { riskFraction: 0.02, stopFraction: 0.05 } } } },
      instruments: [{ instrument: 0, indicatorSlot: 0, timeframe: '1h', strategy: 'breakout' }],
    });
    expect(compileInstrument(pair.sizing, pair.plan, { instrument: 0, indicatorSlot: 0, timeframe: '1h', strategy: 'breakout' }), 'the breakout strategy sizes fixed-fractional').toMatchObject({ sizing: 1, p0: 0.02, p1: 0.05 });
    expect(compileInstrument(pair.sizing, pair.plan, { instrument: 0, indicatorSlot: 0, timeframe: '1h' }), 'no strategy: the section default').toMatchObject({ sizing: 0, p0: 0.15 });
    expect(() => pair.addInstrument({ instrument: 1, indicatorSlot: 1, timeframe: '1h', strategy: 'none' })).toThrow('`strategy` "none" of instrument 1 has no entry in sizing.strategies (breakout)');
  });
});
