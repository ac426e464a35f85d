// Calendar-month returns of the equity series (UTC months): a month's return is its last
// equity point over the previous month's last point, minus 1; the first month is measured
// from the series' first point. Months with no equity point are absent.
import type { EquityPoint } from '../backtest-recording.js';

export interface MonthlyReturn {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly return: number;
}

export function monthlyReturns(equity: readonly EquityPoint[]): MonthlyReturn[] {
  const out: MonthlyReturn[] = [];
  if (equity.length === 0) return out;
  let base = equity[0].equity;
  let key = -1;
  let last = base;
  let year = 0;
  let month = 0;
  for (const p of equity) {
    const d = new Date(Number(p.timeNs / 1_000_000n));
    const k = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (k !== key) {
      if (key >= 0) {
        out.push({ year, month, return: last / base - 1 });
        base = last;
      }
      key = k;
      year = d.getUTCFullYear();
      month = d.getUTCMonth() + 1;
    }
    last = p.equity;
  }
  out.push({ year, month, return: last / base - 1 });
  return out;
}
