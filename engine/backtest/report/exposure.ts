// Exposure and traded notional from the fills. Each instrument's position is rebuilt from
// its fills (buy +quantity, sell -quantity) and is piecewise constant between fill times.
// Exposure = the fraction of the time span [from, to] during which the position is non-zero
// (for a set of instruments: during which any of them is), time-weighted. A position within
// 1e-9 of the instrument's largest fill quantity counts as flat (float residue of partial fills).
import type { RecordedFill } from '../backtest-recording.js';

/** Fraction of [fromNs, toNs] with a non-zero position in any of `instruments` (all when undefined); null over a zero span. */
export function exposure(fills: readonly RecordedFill[], fromNs: bigint, toNs: bigint, instruments?: ReadonlySet<number>): number | null {
  const span = toNs - fromNs;
  if (span <= 0n) return null;
  const scale = new Map<number, number>();
  for (const f of fills) if (!instruments || instruments.has(f.instrument)) scale.set(f.instrument, Math.max(scale.get(f.instrument) ?? 0, f.quantity));
  const position = new Map<number, number>();
  let open = 0;
  let openSince = fromNs;
  let exposed = 0n;
  const ordered = [...fills].filter((f) => !instruments || instruments.has(f.instrument)).sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
  for (const f of ordered) {
    const before = position.get(f.instrument) ?? 0;
    const after = before + (f.side === 'buy' ? f.quantity : -f.quantity);
    const eps = 1e-9 * (scale.get(f.instrument) ?? 0);
    const wasOpen = Math.abs(before) > eps;
    const isOpen = Math.abs(after) > eps;
    position.set(f.instrument, isOpen ? after : 0);
    if (wasOpen === isOpen) continue;
    const t = f.timeNs < fromNs ? fromNs : f.timeNs > toNs ? toNs : f.timeNs;
    if (isOpen) {
      if (open === 0) openSince = t;
      open++;
    } else {
      open--;
      if (open === 0) exposed += t - openSince;
    }
  }
  if (open > 0) exposed += toNs - (openSince > toNs ? toNs : openSince);
  return Number(exposed) / Number(span);
}

/** Sum of quantity * price over the fills of `instruments` (all when undefined), quote currency, no contract multiplier. */
export function tradedNotional(fills: readonly RecordedFill[], instruments?: ReadonlySet<number>): number {
  let notional = 0;
  for (const f of fills) if (!instruments || instruments.has(f.instrument)) notional += Math.abs(f.quantity * f.price);
  return notional;
}

/** Sum of the fills' fees (rebates negative) over `instruments` (all when undefined). */
export function fillFees(fills: readonly RecordedFill[], instruments?: ReadonlySet<number>): number {
  let fees = 0;
  for (const f of fills) if (!instruments || instruments.has(f.instrument)) fees += f.fee;
  return fees;
}
