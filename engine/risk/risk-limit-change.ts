// Operator changes of the core's pre-trade risk limits while a session runs (issue 11): which
// limits may change, the range each may take (the config schema's, engine/config
// config-schema.ts, so an operator cannot set what the config refuses) and the read / write of
// the limit's f64 field in the risk header (wasm/assembly/risk/risk-layout.ts RH_*; the core
// reads them on every check and derives nothing from them, so writing the field while the engine
// is parked is the whole change). Money safety stays on: maxDrawdownPct moves only within
// (0, 0.5], never off. The order rate is not changeable here (its window ring is sized by it).
//
//   risk header (RISK_REGION_OFFSET + ...)
//   +-----+-----+-----+-----+-----+-----+-----+-----+
//   | 128 | 136 | 144 | 152 | 160 | 168 | 176 | 184 |   f64 each
//   | pos | cls | grs | lev | day | dd  | band| min |
//   +-----+-----+-----+-----+-----+-----+-----+-----+
import { RH_CONFIGURED, RISK_REGION_OFFSET } from './risk-region.js';

interface LimitSpec {
  readonly offset: number;
  readonly min: number;
  readonly minInclusive: boolean;
  readonly max: number;
}

const fraction = (offset: number, max: number): LimitSpec => ({ offset, min: 0, minInclusive: false, max });

/** The changeable limits, their header offsets and config-schema ranges. */
const LIMITS = {
  maxPositionPct: fraction(128, 1),
  maxAssetClassPct: fraction(136, 1),
  maxGrossExposure: { offset: 144, min: 0, minInclusive: false, max: 1e15 },
  maxLeverage: { offset: 152, min: 0, minInclusive: false, max: 100 },
  dailyLossPct: fraction(160, 0.5),
  maxDrawdownPct: fraction(168, 0.5),
  priceBandPct: fraction(176, 0.5),
  minNotional: { offset: 184, min: 0, minInclusive: true, max: 1e9 },
} as const satisfies Record<string, LimitSpec>;

export type RiskLimitName = keyof typeof LIMITS;
export const RISK_LIMIT_NAMES = Object.keys(LIMITS) as RiskLimitName[];

export function isRiskLimitName(value: unknown): value is RiskLimitName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LIMITS, value);
}

/** The rule a limit's value must follow, as text ("0 < value <= 0.5"). */
export function riskLimitRule(limit: RiskLimitName): string {
  const spec: LimitSpec = LIMITS[limit];
  return `${spec.min} ${spec.minInclusive ? '<=' : '<'} value <= ${spec.max}`;
}

/** Why `value` cannot be set as `limit`, or null when it can (names the field, the value and the rule). */
export function riskLimitValueProblem(limit: RiskLimitName, value: unknown, field = 'value'): string | null {
  const spec: LimitSpec = LIMITS[limit];
  const inRange = typeof value === 'number' && Number.isFinite(value) && (spec.minInclusive ? value >= spec.min : value > spec.min) && value <= spec.max;
  if (inRange) return null;
  const safety = limit === 'maxDrawdownPct' ? ' (the kill switch cannot be disabled, only tightened or loosened within the config range)' : '';
  return `\`${field}\` for ${limit} must be a finite number with ${riskLimitRule(limit)} (the config schema's range)${safety}, was ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

/** True when the core in `memory` has its risk module configured. */
export function riskConfigured(memory: WebAssembly.Memory): boolean {
  return new DataView(memory.buffer).getInt32(RISK_REGION_OFFSET + RH_CONFIGURED, true) === 1;
}

/** The limit's current value in the core. */
export function readRiskLimit(memory: WebAssembly.Memory, limit: RiskLimitName): number {
  return new DataView(memory.buffer).getFloat64(RISK_REGION_OFFSET + LIMITS[limit].offset, true);
}

/**
 * Writes the limit into the core (only while the engine is parked or between calls); returns the
 * previous value. Throws RangeError for a value outside the limit's range.
 */
export function writeRiskLimit(memory: WebAssembly.Memory, limit: RiskLimitName, value: number): number {
  const problem = riskLimitValueProblem(limit, value);
  if (problem !== null) throw new RangeError(problem);
  if (!riskConfigured(memory)) throw new Error('the core has no configured risk module: there is no limit to change');
  const previous = readRiskLimit(memory, limit);
  new DataView(memory.buffer).setFloat64(RISK_REGION_OFFSET + LIMITS[limit].offset, value, true);
  return previous;
}
