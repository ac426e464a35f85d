// Plain TS time-bar builder with the semantics of the core's (wasm/assembly/bars): the
// test oracle for it. One (instrument, timeframe) builder over trades or quote mids; a bar
// [t, t + timeframe) closes on the first event at or after t + timeframe or on
// flush(upToNs >= t + timeframe); empty intervals are skipped or filled with flat bars at
// the previous close (volume 0). Events earlier than the builder's clock (last event or
// flush time) are rejected and change nothing.

import type { Bar } from './bar.js';

export interface BarBuilderConfig {
  readonly instrument: number;
  readonly timeframeNs: bigint;
  readonly emptyIntervals: 'skip' | 'fill';
  /** Volume added per quote (bars from quotes); default 0. */
  readonly quoteVolume?: number;
}

export type BarBuilderResult = { readonly accepted: true; readonly bars: Bar[] } | { readonly accepted: false; readonly reason: string };

interface OpenBar {
  start: bigint;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export class ReferenceBarBuilder {
  private current: OpenBar | null = null;
  private previousClose: number | null = null;
  private cursor = 0n; // start of the first interval not yet emitted
  private clock: bigint | null = null;

  constructor(readonly config: BarBuilderConfig) {
    if (typeof config.timeframeNs !== 'bigint' || config.timeframeNs <= 0n) {
      throw new Error(`\`timeframeNs\` must be a bigint > 0, was ${String(config.timeframeNs)}`);
    }
    if (config.quoteVolume !== undefined && !(Number.isFinite(config.quoteVolume) && config.quoteVolume >= 0)) {
      throw new Error(`\`quoteVolume\` must be a finite number >= 0, was ${config.quoteVolume}`);
    }
  }

  onTrade(timeNs: bigint, price: number, size: number): BarBuilderResult {
    return this.onEvent(timeNs, price, size);
  }

  onQuote(timeNs: bigint, bid: number, ask: number): BarBuilderResult {
    return this.onEvent(timeNs, (bid + ask) * 0.5, this.config.quoteVolume ?? 0);
  }

  /** Timer: emits what is complete before `upToNs` and advances the clock to it. */
  flush(upToNs: bigint): Bar[] {
    const bars: Bar[] = [];
    this.advance(this.bucket(upToNs), upToNs, bars);
    if (this.clock === null || upToNs > this.clock) this.clock = upToNs;
    return bars;
  }

  private bucket(timeNs: bigint): bigint {
    return timeNs - (timeNs % this.config.timeframeNs);
  }

  private onEvent(timeNs: bigint, price: number, volume: number): BarBuilderResult {
    if (this.clock !== null && timeNs < this.clock) {
      return { accepted: false, reason: `event at ${timeNs} ns is earlier than the builder clock ${this.clock} ns` };
    }
    const bars: Bar[] = [];
    const start = this.bucket(timeNs);
    this.advance(start, timeNs, bars);
    if (this.current === null) {
      this.current = { start, open: price, high: price, low: price, close: price, volume };
      this.cursor = start;
    } else {
      this.current.high = Math.max(this.current.high, price);
      this.current.low = Math.min(this.current.low, price);
      this.current.close = price;
      this.current.volume += volume;
    }
    this.clock = timeNs;
    return { accepted: true, bars };
  }

  private advance(limitStart: bigint, closedAtNs: bigint, bars: Bar[]): void {
    const { instrument, timeframeNs } = this.config;
    const bar = this.current;
    if (bar !== null) {
      if (bar.start >= limitStart) return;
      bars.push({ instrument, openTimeNs: bar.start, closedAtNs, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume });
      this.previousClose = bar.close;
      this.cursor = bar.start + timeframeNs;
      this.current = null;
    }
    if (this.config.emptyIntervals !== 'fill' || this.previousClose === null) return;
    const flat = this.previousClose;
    for (; this.cursor < limitStart; this.cursor += timeframeNs) {
      bars.push({ instrument, openTimeNs: this.cursor, closedAtNs, open: flat, high: flat, low: flat, close: flat, volume: 0 });
    }
  }
}
