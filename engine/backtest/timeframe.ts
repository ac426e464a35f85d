// Bar timeframes as users write them (`30s`, `1m`, `15m`, `1h`, `4h`, `1d`, `1w`) -> ns.
import { BacktestOptionError } from './backtest-errors.js';

const UNIT_NS: Readonly<Record<string, bigint>> = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** Parses a timeframe; `field` names the flag or key in the error. */
export function parseTimeframe(text: string, field: string): bigint {
  const match = /^([1-9][0-9]{0,5})([smhdw])$/.exec(text.trim());
  if (!match) throw new BacktestOptionError(`${field}: ${JSON.stringify(text)} is not a timeframe: a whole number and a unit s, m, h, d or w (e.g. 1m, 15m, 1h)`);
  return BigInt(match[1]) * UNIT_NS[match[2]];
}
