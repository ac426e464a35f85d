// TWS real-time bars (reqRealTimeBars) come every 5 seconds whatever the session trades on; this
// folds them into bars of the timeframe the session configured (live.instruments[].timeframe:
// 1m, 5m, 15m, 1h, each a whole number of 5-second bars), per stream. Pure: no I/O, no clock.
//
//   A bar [t, t + barSeconds) (t a multiple of barSeconds) takes open from its first 5-second bar,
//   high/low over them, close from its last, volume summed. It is complete when the 5-second bar
//   that ends at t + barSeconds arrives; when that one never comes (TWS skipped it: a halt, a
//   reconnect), the first 5-second bar of a later interval completes it as it stands. A 5-second
//   bar at or before the last one folded in (a repeat after a resubscribe) is dropped.
//   barSeconds 5 passes the bars through as they come. A bar that breaks OHLC order is dropped.
import type { IbBarMessage } from './messages.js';

/** TWS's real-time bar size: reqRealTimeBars accepts 5 seconds only. */
export const REALTIME_BAR_SECONDS = 5;

/** Seconds of each timeframe the live configuration allows (engine/config live-config.ts). */
const TIMEFRAME_SECONDS: Readonly<Record<string, number>> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 };

/**
 * The bar length in seconds of `timeframe`; throws (naming the value and the rule) for one the
 * 5-second real-time bars cannot build.
 */
export function realtimeBarSeconds(timeframe: string, where: string): number {
  const seconds = TIMEFRAME_SECONDS[timeframe];
  if (seconds === undefined || seconds % REALTIME_BAR_SECONDS !== 0) {
    throw new RangeError(`${where}: timeframe must be one the IB adapter builds from TWS's 5-second real-time bars (${Object.keys(TIMEFRAME_SECONDS).join(', ')}), was ${JSON.stringify(timeframe)}`);
  }
  return seconds;
}

export class RealtimeBarAggregator {
  private partial: { start: number; open: number; high: number; low: number; close: number; volume: number } | null = null;
  private lastTime = -Infinity;

  constructor(readonly barSeconds: number) {
    if (!Number.isInteger(barSeconds) || barSeconds <= 0 || barSeconds % REALTIME_BAR_SECONDS !== 0) {
      throw new RangeError(`barSeconds must be a positive multiple of ${REALTIME_BAR_SECONDS}, was ${barSeconds}`);
    }
  }

  /** Folds in one 5-second bar; returns the bars it completes (oldest first, time = their start). */
  add(bar: IbBarMessage): IbBarMessage[] {
    if (this.barSeconds === REALTIME_BAR_SECONDS) return [bar];
    // A bar that breaks OHLC order is dropped, as barRecord drops it, before it spoils the fold.
    if (!(bar.low > 0 && bar.high >= bar.low && bar.open >= bar.low && bar.open <= bar.high && bar.close >= bar.low && bar.close <= bar.high)) return [];
    if (bar.time <= this.lastTime) return [];
    this.lastTime = bar.time;
    const start = Math.floor(bar.time / this.barSeconds) * this.barSeconds;
    const done: IbBarMessage[] = [];
    const p = this.partial;
    if (p !== null && p.start !== start) {
      done.push(this.completed(p));
      this.partial = null;
    }
    const q = this.partial;
    this.partial = q === null
      ? { start, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: Math.max(0, bar.volume) }
      : { start, open: q.open, high: Math.max(q.high, bar.high), low: Math.min(q.low, bar.low), close: bar.close, volume: q.volume + Math.max(0, bar.volume) };
    if (bar.time + REALTIME_BAR_SECONDS >= start + this.barSeconds) {
      done.push(this.completed(this.partial));
      this.partial = null;
    }
    return done;
  }

  private completed(p: NonNullable<RealtimeBarAggregator['partial']>): IbBarMessage {
    return { time: p.start, open: p.open, high: p.high, low: p.low, close: p.close, volume: p.volume };
  }
}
