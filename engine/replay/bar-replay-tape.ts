// A replay tape: bars of several files merged into one time-ordered stream of
// BAR event records, held as columns ready to copy into ring slots.
//
// A bar is labelled by its open time but is only known when it closes, so the
// tape orders bars by close time (open time + the file's bar interval, the
// smallest gap between consecutive bars) and writes:
//   tsExchange = bar open time, tsLocal = bar close time.
// Ties are broken by instrument id, so a tape is deterministic.
import type { BarSeries } from '../../adapters/files/index.js';
import { EventKind } from '../layout/event-record.js';

export interface ReplayTape {
  readonly length: number;
  /** Instrument id i is the series at index i of the input. */
  readonly instrumentNames: readonly string[];
  readonly instrument: Int32Array;
  readonly tsExchange: BigInt64Array;
  readonly tsLocal: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** The kind word every record of this tape carries. */
  readonly kind: number;
}

export const REPLAY_BAR_KIND = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;

/** Smallest positive gap between consecutive bars: the file's bar interval (0 for a single bar). */
export function barIntervalNs(series: BarSeries): bigint {
  let smallest = 0n;
  for (let i = 1; i < series.length; i++) {
    const gap = series.timeNs[i] - series.timeNs[i - 1];
    if (gap > 0n && (smallest === 0n || gap < smallest)) smallest = gap;
  }
  return smallest;
}

/** Merges the series into one tape ordered by bar close time. */
export function buildBarReplayTape(series: readonly BarSeries[], instrumentNames: readonly string[]): ReplayTape {
  if (instrumentNames.length !== series.length) {
    throw new RangeError(`\`instrumentNames\` must name every series: ${series.length} series, ${instrumentNames.length} names`);
  }
  const total = series.reduce((sum, s) => sum + s.length, 0);
  const tape = {
    length: total,
    instrumentNames,
    instrument: new Int32Array(total),
    tsExchange: new BigInt64Array(total),
    tsLocal: new BigInt64Array(total),
    open: new Float64Array(total),
    high: new Float64Array(total),
    low: new Float64Array(total),
    close: new Float64Array(total),
    volume: new Float64Array(total),
    kind: REPLAY_BAR_KIND,
  } satisfies ReplayTape;
  const intervals = series.map(barIntervalNs);
  const next = new Array<number>(series.length).fill(0);
  for (let row = 0; row < total; row++) {
    let pick = -1;
    let pickClose = 0n;
    for (let s = 0; s < series.length; s++) {
      const i = next[s];
      if (i >= series[s].length) continue;
      const close = series[s].timeNs[i] + intervals[s];
      if (pick === -1 || close < pickClose) {
        pick = s;
        pickClose = close;
      }
    }
    const from = series[pick];
    const i = next[pick]++;
    tape.instrument[row] = pick;
    tape.tsExchange[row] = from.timeNs[i];
    tape.tsLocal[row] = pickClose;
    tape.open[row] = from.open[i];
    tape.high[row] = from.high[i];
    tape.low[row] = from.low[i];
    tape.close[row] = from.close[i];
    tape.volume[row] = from.volume[i];
  }
  return tape;
}
