// The published gross exposure of a flat book is exactly 0. The risk engine keeps the gross
// sum incrementally (each slot's exposure change is added to it: risk-account.ts
// refreshExposure), and after round trips at moving marks that f64 sum keeps a residue (a paper
// session showed -1.09e-10 in `quantflow watch risk --json` and /metrics). The state block
// (wasm/assembly/state/state-publish.ts), which the risk topic and /metrics read, sums the
// slots' own exposures at publish time instead: each is exactly 0 when its slot is flat.
import { describe, expect, it } from 'vitest';
import { readConsistentState } from '../engine/snapshot/index.js';
import type { RiskCoreExports } from '../engine/risk/index.js';
import { RH_GROSS_EXPOSURE, RISK_REGION_OFFSET } from '../engine/risk/risk-region.js';
import { createWasmRisk, drain, LIMITS, MS, START_NS } from './risk-stream.js';

interface StateCoreExports extends RiskCoreExports {
  statePublish(): number;
}

const INSTRUMENTS = [0, 1, 2];
const QTY = [0.37, 3.1, 17.3];

describe('published gross exposure', () => {
  it('is exactly 0 for a flat book after round trips at moving marks, and the open positions\' exposure otherwise', () => {
    const { risk, consumer, memory } = createWasmRisk(4096);
    const core = risk.core as StateCoreExports;
    const view = new DataView(memory.buffer);
    const runningSum = () => view.getFloat64(RISK_REGION_OFFSET + RH_GROSS_EXPOSURE, true);
    risk.configure({ ...LIMITS, maxGrossExposure: 1e9, maxLeverage: 100, maxPositionPct: 1, maxAssetClassPct: 1, dailyLossPct: 1, maxDrawdownPct: 1 });
    for (const instrument of INSTRUMENTS) risk.configureInstrument({ instrument, assetClass: 0, lotSize: 0.001, staleNs: 5_000n * MS });
    risk.init(1_000_000, START_NS);
    const prices = [50_000.13, 2_013.77, 101.3];
    for (const instrument of INSTRUMENTS) risk.onMark(instrument, START_NS, prices[instrument]);
    let ts = START_NS;
    for (let round = 0; round < 5; round += 1) {
      for (const instrument of INSTRUMENTS) risk.onFill(instrument, ts, QTY[instrument], prices[instrument], 0);
      for (let step = 0; step < 7; step += 1) {
        ts += 1_000n * MS;
        for (const instrument of INSTRUMENTS) {
          prices[instrument] *= 1 + (((step * 7 + instrument * 3 + round) % 11) - 5) / 997;
          risk.onMark(instrument, ts, prices[instrument]);
        }
      }
      expect(core.statePublish(), 'statePublish').toBe(0);
      const open = INSTRUMENTS.reduce((sum, i) => sum + QTY[i] * prices[i], 0);
      expect(readConsistentState(memory).account.grossExposure, `round ${round}: the open positions' exposure`).toBeCloseTo(open, 6);
      for (const instrument of INSTRUMENTS) risk.onFill(instrument, ts, -QTY[instrument], prices[instrument], 0);
      drain(consumer);
    }
    expect(runningSum(), 'the running sum the risk checks read keeps a residue (the condition of this test)').not.toBe(0);
    expect(core.statePublish(), 'statePublish').toBe(0);
    const state = readConsistentState(memory);
    expect(state.instruments.map((i) => i.position), 'every position is closed').toEqual([0, 0, 0]);
    expect(state.account.netExposure, 'net exposure').toBe(0);
    expect(Object.is(state.account.grossExposure, 0), `a flat book's gross exposure is exactly 0, not ${state.account.grossExposure}`).toBe(true);
  });
});
