// The triple-barrier method (Lopez de Prado, Advances in Financial Machine Learning, ch. 3)
// over bars whose per-bar volatility is already known. Pure TS, no core: the WASM part
// (volatility and side operands) is in triple-barrier-labels.ts.
//
// For each event bar i (volatility v_i finite and > 0, side s_i in {1, -1}; s_i = 1 without a
// primary signal), entry at close_i, horizon h bars, multipliers pt and sl:
//
//   width w_i  = v_i * sqrt(h)          v_i is a per-bar volatility (rvol:20: std of 1-bar log
//                                       returns), so v_i * sqrt(h) is the std of the h-bar
//                                       return under a random walk: pt = 2 means "2 sigma over
//                                       the holding period", whatever h is
//   take-profit  close_i * (1 + s_i * pt * w_i)     (above the entry for a long, below for a short)
//   stop-loss    close_i * (1 - s_i * sl * w_i)
//   time         bar i + h
//
// A multiplier of 0 removes that barrier (as in the book); a stop at or below 0 is never touched.
// Bars j = i+1 .. i+h are checked in order on their high and low: the first bar that reaches a
// horizontal barrier ends the event there; when one bar reaches both, it counts as the stop
// (the bar's path is unknown: the conservative reading) unless the bar opened at or beyond the
// take-profit (the open is the first price: the take-profit came first). The exit price of a touch is the
// barrier, or the bar's open when the bar opened beyond it (a gap). No touch: the event ends at
// the close of bar i+h. Events need the whole horizon (i + h <= n - 1); later bars are skipped
// (a partial horizon would keep only the events that touched early).
//
//   ret    = s_i * (exit / close_i - 1)        (the side's simple return)
//   label  without a side: pt -> 1, sl -> -1, time -> sign(ret) (0 with zeroAtTime)
//          with a side (meta-label): 1 when the take-profit was touched first, else 0
//
// Times: eventNs = timeNs[i] + closeOffsetNs (the close of bar i), endNs = timeNs[end] +
// closeOffsetNs (the close of the bar that touched: the latest moment the outcome can depend
// on, which is what purging overlapping training events needs).

export type Barrier = 'pt' | 'sl' | 'time';

export interface Label {
  readonly eventIndex: number;
  readonly eventNs: bigint;
  readonly endIndex: number;
  readonly endNs: bigint;
  readonly barrier: Barrier;
  readonly ret: number;
  readonly label: -1 | 0 | 1;
  readonly vol: number;
  readonly side?: 1 | -1;
}

/** Bars as the labelling reads them; volume is not used. */
export interface LabelBars {
  readonly timeNs: BigInt64Array | readonly bigint[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume?: Float64Array;
}

export interface BarrierParameters {
  readonly horizon: number;
  readonly profitTake: number;
  readonly stopLoss: number;
  readonly zeroAtTime: boolean;
  readonly closeOffsetNs: bigint;
}

/**
 * Labels every event of `bars` given the per-bar volatility `vol` and, for meta-labels, the
 * per-bar side (1 long, -1 short, anything else no event); `sides` null: every bar, no side.
 */
export function labelEvents(bars: LabelBars, vol: ArrayLike<number>, sides: ArrayLike<number> | null, p: BarrierParameters): Label[] {
  const n = bars.close.length;
  const { open, high, low, close } = bars;
  const root = Math.sqrt(p.horizon);
  const labels: Label[] = [];
  for (let i = 0; i + p.horizon <= n - 1; i++) {
    const v = vol[i];
    if (!(v > 0) || !Number.isFinite(v)) continue;
    const side = sides === null ? 1 : sides[i];
    if (side !== 1 && side !== -1) continue;
    const entry = close[i];
    const w = v * root;
    const take = p.profitTake > 0 ? entry * (1 + side * p.profitTake * w) : NaN;
    const stop = p.stopLoss > 0 ? entry * (1 - side * p.stopLoss * w) : NaN;
    // For a long the take-profit is above (touched by the high), for a short below (by the low).
    const upper = side === 1 ? take : stop;
    const lower = side === 1 ? stop : take;
    let barrier: Barrier = 'time';
    let end = i + p.horizon;
    let exit = close[end];
    for (let j = i + 1; j <= i + p.horizon; j++) {
      const up = high[j] >= upper;
      const down = lower > 0 && low[j] <= lower;
      if (!up && !down) continue;
      end = j;
      const upIsTake = side === 1;
      const takeTouched = up ? upIsTake : !upIsTake;
      const stopTouched = up ? !upIsTake : upIsTake;
      const both = up && down;
      const openedBeyondTake = side === 1 ? open[j] >= take : open[j] <= take;
      if (both && openedBeyondTake) {
        barrier = 'pt';
        exit = open[j];
      } else if (both || stopTouched) {
        barrier = 'sl';
        exit = side === 1 ? Math.min(open[j], stop) : Math.max(open[j], stop);
      } else if (takeTouched) {
        barrier = 'pt';
        exit = side === 1 ? Math.max(open[j], take) : Math.min(open[j], take);
      }
      break;
    }
    const ret = side * (exit / entry - 1);
    let label: -1 | 0 | 1;
    if (sides !== null) label = barrier === 'pt' ? 1 : 0;
    else if (barrier === 'pt') label = 1;
    else if (barrier === 'sl') label = -1;
    else label = p.zeroAtTime || ret === 0 ? 0 : ret > 0 ? 1 : -1;
    const eventNs = BigInt(bars.timeNs[i]) + p.closeOffsetNs;
    const endNs = BigInt(bars.timeNs[end]) + p.closeOffsetNs;
    const base = { eventIndex: i, eventNs, endIndex: end, endNs, barrier, ret, label, vol: v };
    labels.push(sides === null ? base : { ...base, side: side as 1 | -1 });
  }
  return labels;
}
