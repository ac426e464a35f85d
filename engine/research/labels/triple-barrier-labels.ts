// tripleBarrierLabels: the labelling entry point. Checks the options, computes the volatility
// token (default rvol:20) and, for meta-labels, the primary side in the WASM core in batch
// mode (indicator-columns.ts, side-signal.ts), then walks the barriers (triple-barrier.ts).
import type { RuleStrategyConfig } from '../../strategy/index.js';
import type { BarColumns } from '../../indicators/index.js';
import { indicatorColumns, toBarColumns } from './indicator-columns.js';
import { LabelOptionError } from './label-option-error.js';
import { parseSideExpression, sidesFromExpression, sidesFromStrategy } from './side-signal.js';
import { labelEvents, type Label, type LabelBars } from './triple-barrier.js';

export const DEFAULT_VOLATILITY_TOKEN = 'rvol:20';
export const DEFAULT_HORIZON = 24;
export const DEFAULT_PROFIT_TAKE = 2;
export const DEFAULT_STOP_LOSS = 2;

export interface TripleBarrierOptions {
  /**
   * Single-output indicator token of the per-bar volatility (default rvol:20), or the values per
   * bar. It must be in return units (a fraction of the price, as rvol:N is): the barriers are
   * close * (1 +- multiplier * vol * sqrt(horizon)); a price-unit token such as atr:14 is not.
   */
  readonly volatility?: string | ArrayLike<number>;
  /** Take-profit multiplier of v_i * sqrt(horizon) (default 2; 0: no take-profit barrier). */
  readonly profitTake?: number;
  /** Stop-loss multiplier of v_i * sqrt(horizon) (default 2; 0: no stop-loss barrier). */
  readonly stopLoss?: number;
  /** Bars to the time barrier (default 24). */
  readonly horizon?: number;
  /** Label 0 (not the return's sign) when the time barrier comes first. */
  readonly zeroAtTime?: boolean;
  /**
   * The primary signal, for meta-labels: a rule expression (long where it holds, short where
   * not), a rule strategy (its side), or a side per bar (1, -1; anything else: no event).
   */
  readonly side?: string | RuleStrategyConfig | ArrayLike<number>;
  /** Added to a bar's timeNs to give its close time (the bar's duration when timeNs stamps the open); default 0. */
  readonly closeOffsetNs?: bigint;
}

function multiplier(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new LabelOptionError(`\`${name}\` must be a finite number >= 0 (0 removes the barrier), was ${String(v)}`, name);
  return v;
}

/** Prices are multiplied by this to tell a return-unit volatility (unchanged) from a price-unit one. */
const UNIT_CHECK_SCALE = 1000;

/**
 * Throws unless `token`'s values on `columns` stay the same (1e-9 relative, absolute below 1) with every price
 * multiplied by UNIT_CHECK_SCALE: the barriers are close * (1 +- k * vol * sqrt(horizon)), so a
 * price-unit token (ema:20, atr:14) would put them at nonsense distances.
 */
function checkReturnUnits(columns: BarColumns, token: string, vol: ArrayLike<number>): void {
  const scale = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, (x) => x * UNIT_CHECK_SCALE);
  const scaled = indicatorColumns({ ...columns, open: scale(columns.open), high: scale(columns.high), low: scale(columns.low), close: scale(columns.close) }, [token], 'volatility').get(token)!;
  for (let i = 0; i < vol.length; i++) {
    const a = vol[i];
    const b = scaled[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (Number.isNaN(a) || Number.isNaN(b) || Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) {
      throw new LabelOptionError(`\`volatility\` must be in return units (a fraction of the price, as rvol:N is): \`${token}\` changes when prices are multiplied by ${UNIT_CHECK_SCALE} (bar ${i}: ${a} becomes ${b}), so it is in price units`, 'volatility');
    }
  }
}

/** Triple-barrier labels of `bars` (see triple-barrier.ts for the exact definitions). */
export function tripleBarrierLabels(bars: LabelBars, options: TripleBarrierOptions = {}): Label[] {
  const horizon = options.horizon ?? DEFAULT_HORIZON;
  if (!Number.isInteger(horizon) || horizon < 1) throw new LabelOptionError(`\`horizon\` must be an integer >= 1 (bars), was ${String(horizon)}`, 'horizon');
  const profitTake = multiplier('profitTake', options.profitTake, DEFAULT_PROFIT_TAKE);
  const stopLoss = multiplier('stopLoss', options.stopLoss, DEFAULT_STOP_LOSS);
  const closeOffsetNs = options.closeOffsetNs ?? 0n;
  if (typeof closeOffsetNs !== 'bigint' || closeOffsetNs < 0n) throw new LabelOptionError(`\`closeOffsetNs\` must be a bigint >= 0, was ${String(closeOffsetNs)}`, 'closeOffsetNs');
  const columns = toBarColumns(bars);
  const n = columns.length;
  const volatilityOption = options.volatility ?? DEFAULT_VOLATILITY_TOKEN;
  let vol: ArrayLike<number>;
  if (typeof volatilityOption === 'string') {
    const token = volatilityOption.trim();
    vol = indicatorColumns(columns, [token], 'volatility').get(token)!;
    checkReturnUnits(columns, token, vol);
  } else {
    if (volatilityOption.length !== n) throw new LabelOptionError(`\`volatility\` must have one value per bar (${n}), was ${volatilityOption.length}`, 'volatility');
    vol = volatilityOption;
  }
  let sides: ArrayLike<number> | null = null;
  const side = options.side;
  if (typeof side === 'string') sides = sidesFromExpression(columns, parseSideExpression(side, 'side'), 'side');
  else if (side !== undefined && 'type' in side && (side as RuleStrategyConfig).type === 'rules') sides = sidesFromStrategy(columns, side as RuleStrategyConfig, 'side');
  else if (side !== undefined) {
    const perBar = side as ArrayLike<number>;
    if (perBar.length !== n) throw new LabelOptionError(`\`side\` must have one value per bar (${n}), was ${perBar.length}`, 'side');
    sides = perBar;
  }
  return labelEvents(bars, vol, sides, { horizon, profitTake, stopLoss, zeroAtTime: options.zeroAtTime ?? false, closeOffsetNs });
}
