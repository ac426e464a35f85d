// Bars per year of a timeframe, for annualising a per-bar volatility: intraday bars count
// trading hours only (daysPerYear * sessionHours * 3600 / seconds), daily and longer bars
// count days (daysPerYear * 86400 / seconds). Crypto: 365 days x 24 h; US equities: 252 x 6.5.
import { DecisionConfigError } from './decision-config.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds of a timeframe such as `15m`, `1h`, `4h`, `1d`. */
export function timeframeSeconds(timeframe: string): number {
  const match = /^(\d+)([smhdw])$/.exec(timeframe);
  const count = match ? Number(match[1]) : 0;
  if (!match || count < 1) throw new DecisionConfigError(`\`timeframe\` must be a count >= 1 and a unit s, m, h, d or w (e.g. 1h), was ${JSON.stringify(timeframe)}`);
  return count * UNIT_SECONDS[match[2]];
}

export function barsPerYear(timeframe: string, calendar: { readonly daysPerYear: number; readonly sessionHours: number }): number {
  const seconds = timeframeSeconds(timeframe);
  if (seconds >= 86_400) return (calendar.daysPerYear * 86_400) / seconds;
  const session = calendar.sessionHours * 3600;
  if (seconds > session) throw new DecisionConfigError(`\`timeframe\` ${timeframe} is longer than the ${calendar.sessionHours} h session of sizing.calendar`);
  return (calendar.daysPerYear * session) / seconds;
}
