// The limit-writing helper against the compiled core: each limit's offset is the field
// riskConfigure fills (read back the configured values), a written limit changes the core's
// decisions at once, and out-of-range values (the config schema's ranges) are refused naming
// the field, the value and the rule, with the core untouched.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { riskLimitsFromConfig, riskReasonName, type RiskLimits } from './index.js';
import { RISK_LIMIT_NAMES, readRiskLimit, riskLimitValueProblem, writeRiskLimit, type RiskLimitName } from './risk-limit-change.js';
import { createWasmRisk, drain, START_NS } from '../../test/risk-stream.js';

const DEFAULTS: RiskLimits = riskLimitsFromConfig(loadConfig({ env: {} }).risk);
const DISTINCT: Record<RiskLimitName, number> = {
  maxPositionPct: 0.41, maxAssetClassPct: 0.42, maxGrossExposure: 4.3e6, maxLeverage: 4.4, dailyLossPct: 0.045, maxDrawdownPct: 0.046, priceBandPct: 0.047, minNotional: 48,
};

describe('risk-limit changes in the core', () => {
  it('reads each limit from the field riskConfigure wrote', () => {
    const { risk, memory } = createWasmRisk(64);
    risk.configure({ ...DEFAULTS, ...DISTINCT });
    expect(Object.fromEntries(RISK_LIMIT_NAMES.map((name) => [name, readRiskLimit(memory, name)]))).toStrictEqual(DISTINCT);
  });

  it('a written minNotional denies the next order and returns the previous value', () => {
    const { risk, memory, consumer } = createWasmRisk(64);
    risk.configure(DEFAULTS);
    risk.configureInstrument({ instrument: 0, assetClass: 0, lotSize: 0.001, staleNs: 10_000_000_000n });
    risk.init(100_000, START_NS);
    risk.onMark(0, START_NS, 50_000);
    drain(consumer);
    const check = (id: bigint): string => {
      const name = riskReasonName(risk.checkOrder({ orderId: id, instrument: 0, tsNs: START_NS, qty: 0.01, price: 50_000 }).reason);
      drain(consumer);
      return name;
    };
    expect(check(1n)).toBe('ACCEPTED');
    risk.releaseWorking(0, 0.01);
    expect(writeRiskLimit(memory, 'minNotional', 1e9)).toBe(DEFAULTS.minNotional);
    expect(check(2n)).toBe('MIN_NOTIONAL');
  });

  it('refuses values the config schema refuses, naming field, value and rule, and leaves the core as it was', () => {
    const { risk, memory } = createWasmRisk(64);
    risk.configure(DEFAULTS);
    expect(riskLimitValueProblem('maxDrawdownPct', 0)).toMatch(/`value` for maxDrawdownPct must be a finite number with 0 < value <= 0\.5 .*cannot be disabled.*, was 0$/);
    expect(riskLimitValueProblem('maxLeverage', Number.POSITIVE_INFINITY)).toMatch(/0 < value <= 100 .*was Infinity$/);
    expect(riskLimitValueProblem('minNotional', Number.NaN)).toMatch(/was NaN$/);
    expect(riskLimitValueProblem('minNotional', 0)).toBeNull();
    expect(riskLimitValueProblem('maxPositionPct', 1)).toBeNull();
    expect(() => writeRiskLimit(memory, 'maxDrawdownPct', 0.6)).toThrow(RangeError);
    expect(readRiskLimit(memory, 'maxDrawdownPct')).toBe(DEFAULTS.maxDrawdownPct);
  });
});
