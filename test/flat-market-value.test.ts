// A flat book's market value is exactly 0, in the WASM core and in its TS reference. The account
// kept marketValue as the running sum of each slot's value change (risk-account.ts refreshValue,
// reference-risk-engine.ts refreshValue), so after round trips at moving marks a flat book kept
// the f64 residue of every change (-2.27e-13), and equity = cash + marketValue with it. A slot
// that turns flat now has the sum taken afresh over the slots' own values, each exactly 0 when flat.
import { describe, expect, it } from 'vitest';
import { ReferenceRiskEngine } from '../engine/risk/index.js';
import { BOOK, createWasmRisk, drain, LIMITS, MS, setUpBook, START_NS, type RiskPortfolio } from './risk-stream.js';

const LOOSE = { ...LIMITS, maxGrossExposure: 1e9, maxLeverage: 100, maxPositionPct: 1, maxAssetClassPct: 1, dailyLossPct: 1, maxDrawdownPct: 1, priceBandPct: 1 };
const QTY = [3.7, 31.3, 1.73, 17.9];

/** Round trips on every instrument of the book (spot and margin, a second currency) at marks moving between entry and exit; ends flat. */
function roundTrips(risk: RiskPortfolio, after: () => void): number[] {
  const prices = BOOK.map((entry) => entry.startPrice);
  const residues: number[] = [];
  let ts = START_NS;
  for (let round = 0; round < 6; round += 1) {
    for (const entry of BOOK) risk.onFill(entry.instrument, ts, QTY[entry.instrument] * (round % 2 === 0 ? 1 : -1), prices[entry.instrument], 0.01);
    after();
    for (let step = 0; step < 5; step += 1) {
      ts += 500n * MS;
      for (const entry of BOOK) {
        prices[entry.instrument] *= 1 + (((step * 7 + entry.instrument * 3 + round) % 11) - 5) / 997;
        risk.onMark(entry.instrument, ts, prices[entry.instrument]);
      }
    }
    for (const entry of BOOK) {
      risk.onFill(entry.instrument, ts, -QTY[entry.instrument] * (round % 2 === 0 ? 1 : -1), prices[entry.instrument], 0.01);
      // Every other instrument still open: its part of the sum only, none of the closed one's.
      const open = BOOK.filter((other) => other.instrument > entry.instrument).reduce((sum, other) => sum + risk.instrumentState(other.instrument).value, 0);
      residues.push(risk.account().marketValue - open);
    }
    after();
  }
  return residues;
}

describe('market value of a flat book', () => {
  const engines: [string, () => { risk: RiskPortfolio; after: () => void }][] = [
    ['wasm core', () => { const { risk, consumer } = createWasmRisk(); return { risk, after: () => drain(consumer) }; }],
    ['TS reference', () => ({ risk: new ReferenceRiskEngine(), after: () => undefined })],
  ];
  for (const [name, create] of engines) {
    it(`${name}: is exactly 0 after round trips at moving marks, and a closed position leaves nothing in the sum`, () => {
      const { risk, after } = create();
      setUpBook(risk, { limits: LOOSE });
      const residues = roundTrips(risk, after);
      for (const entry of BOOK) expect(risk.instrumentState(entry.instrument).position, `instrument ${entry.instrument} flat`).toBe(0);
      for (const entry of BOOK) expect(Object.is(risk.instrumentState(entry.instrument).value, 0), `instrument ${entry.instrument}'s part of the sum`).toBe(true);
      const account = risk.account();
      expect(Object.is(account.marketValue, 0), `a flat book's market value is exactly 0, not ${account.marketValue}`).toBe(true);
      expect(account.equity, 'equity = cash exactly').toBe(account.cash);
      expect(residues.filter((r) => r !== 0), 'a closed position\'s residue left in the sum of the open ones').toEqual([]);
    });
  }
});
