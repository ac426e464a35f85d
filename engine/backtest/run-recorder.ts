// Collects what a backtest's outputs need while it runs, from the I/O thread's side only:
// the simulated venue's fills and the portfolio's round trips (outbound records), the
// account after each bar (EQUITY records), and each instrument's bars for the price chart
// (BAR records as they are published, or trades and quotes aggregated into the strategy's
// timeframe). It never reads a state region while the core runs. The equity is kept as columns
// (EquitySeries), read from each EQUITY record's bytes in place: no object per bar.
import type { RoundTrip } from '../portfolio/index.js';
import type { VenueReply } from '../venue/index.js';
import { labelName } from '../regime/index.js';
import { EV_A, EV_INSTRUMENT, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { RECORD_BYTES } from '../replay/index.js';
import type { RecordedBar, RecordedFill } from './backtest-recording.js';
import { EquitySeries } from './equity-series.js';

interface BarBucket {
  openNs: bigint;
  /** The bucket's end (open + timeframe) as (hi, lo) words, so a tick inside it needs no BigInt. */
  endHi: number;
  endLo: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Whether the bars' times never go back (what the ordered walk of recordedBars needs). */
function barsOrdered(bars: readonly RecordedBar[]): boolean {
  for (let i = 1; i < bars.length; i++) if (bars[i].timeNs < bars[i - 1].timeNs) return false;
  return true;
}

export class RunRecorder {
  readonly fills: RecordedFill[] = [];
  readonly trades: RoundTrip[] = [];
  readonly equity = new EquitySeries();
  private readonly bars: RecordedBar[][];
  /**
   * Per instrument, the regime label code each EQUITY record gave (by its bar's time), in arrival
   * order: times and codes side by side; a repeated time replaces the last code. recordedBars
   * matches them to the bars by one ordered walk, with no hash of a BigInt per bar (a Map keyed
   * by the time took ~6 ms to fill and ~12 ms to read for 17,520 bars). `regimesOrdered[i]`
   * turns false if a time ever goes back (then a Map is built once, the last code winning).
   */
  private readonly regimeTimes: bigint[][];
  private readonly regimeCodes: number[][];
  private readonly regimesOrdered: boolean[];
  /** Per instrument: the bar being aggregated from ticks, and its timeframe (0: the instrument streams bars). */
  private readonly buckets: (BarBucket | undefined)[];
  private readonly tickTimeframeNs: readonly bigint[];
  /** Per instrument: whether trades feed its bars (else quotes' mids). */
  private readonly fromTrades: readonly boolean[];
  private firstHi = 0;
  private firstLo = 0;
  private lastHi = 0;
  private lastLo = 0;
  private seen = false;
  /** While paused (a warm-up), equity reports are not kept. */
  private paused = false;
  /** false: no bars are kept for the chart (the span of the market records still is). */
  private readonly keepBars: boolean;

  /** Whether this recorder keeps the bars (recordedBars() lists them all). */
  get keepsBars(): boolean {
    return this.keepBars;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /**
   * `tickTimeframeNs[i]`: the bar interval ticks of instrument i aggregate into for the chart
   * (0n when it streams bars); `fromTrades[i]`: trades (true) or quote mids make its bars.
   */
  constructor(tickTimeframeNs: readonly bigint[], fromTrades: readonly boolean[], options: { readonly bars?: boolean } = {}) {
    this.keepBars = options.bars ?? true;
    this.tickTimeframeNs = tickTimeframeNs;
    this.fromTrades = fromTrades;
    this.bars = tickTimeframeNs.map(() => []);
    this.regimeTimes = tickTimeframeNs.map(() => []);
    this.regimeCodes = tickTimeframeNs.map(() => []);
    this.regimesOrdered = tickTimeframeNs.map(() => true);
    this.buckets = tickTimeframeNs.map(() => undefined);
  }

  onVenueReport = (reply: VenueReply): void => {
    if (reply.type !== 'fill') return;
    this.fills.push({
      timeNs: reply.venueNs,
      instrument: reply.instrument,
      side: reply.qty > 0 ? 'buy' : 'sell',
      quantity: Math.abs(reply.qty),
      price: reply.price,
      fee: reply.fee,
      orderId: reply.clientId,
      maker: reply.maker,
    });
  };

  onRoundTrip = (trip: RoundTrip): void => {
    this.trades.push(trip);
  };

  /** An EQUITY record (the account after one instrument's bar), read in place at `offset` of `view`. */
  onEquityAt = (view: DataView, offset: number): void => {
    if (this.paused) return;
    this.equity.push(view.getInt32(offset + EV_TS_LOCAL + 4, true), view.getUint32(offset + EV_TS_LOCAL, true), view.getFloat64(offset + EV_PRICE, true), view.getFloat64(offset + EV_SIZE, true));
    const regimeLabel = view.getFloat64(offset + EV_A, true);
    if (regimeLabel >= 0 && this.keepBars) this.recordRegime(view.getInt32(offset + EV_INSTRUMENT, true), view.getBigInt64(offset + EV_TS_EXCHANGE, true), regimeLabel);
  };

  private recordRegime(instrument: number, timeNs: bigint, code: number): void {
    const times = this.regimeTimes[instrument];
    if (times === undefined) return;
    const codes = this.regimeCodes[instrument];
    const last = times.length - 1;
    if (last >= 0 && times[last] === timeNs) {
      codes[last] = code;
      return;
    }
    if (last >= 0 && timeNs < times[last]) this.regimesOrdered[instrument] = false;
    times.push(timeNs);
    codes.push(code);
  }

  /** Market records as they are published (a view of `count` records from record `from`). */
  onMarketRecords(view: DataView, from: number, count: number): void {
    if (!this.keepBars) {
      // Only the span: the first record's time and the last's (records come in ts_local order).
      if (count <= 0) return;
      const first = from * RECORD_BYTES;
      const last = (from + count - 1) * RECORD_BYTES;
      if (!this.seen) {
        this.seen = true;
        this.firstHi = view.getInt32(first + 20, true);
        this.firstLo = view.getUint32(first + 16, true);
      }
      this.lastHi = view.getInt32(last + 20, true);
      this.lastLo = view.getUint32(last + 16, true);
      return;
    }
    for (let r = from; r < from + count; r++) {
      const at = r * RECORD_BYTES;
      const kind = view.getInt32(at, true) & KIND_MASK;
      const instrument = view.getInt32(at + 4, true);
      const hi = view.getInt32(at + 20, true);
      const lo = view.getUint32(at + 16, true);
      if (!this.seen) {
        this.seen = true;
        this.firstHi = hi;
        this.firstLo = lo;
      }
      this.lastHi = hi;
      this.lastLo = lo;
      if (kind === EventKind.BAR) {
        this.bars[instrument]?.push({
          timeNs: view.getBigInt64(at + 8, true),
          open: view.getFloat64(at + 56, true),
          high: view.getFloat64(at + 40, true),
          low: view.getFloat64(at + 48, true),
          close: view.getFloat64(at + 24, true),
        });
      } else if ((kind === EventKind.TRADE && this.fromTrades[instrument]) || (kind === EventKind.QUOTE && !this.fromTrades[instrument])) {
        const price = view.getFloat64(at + 24, true);
        const bucket = this.buckets[instrument];
        const thi = view.getInt32(at + 12, true);
        const tlo = view.getUint32(at + 8, true);
        if (bucket !== undefined && (thi < bucket.endHi || (thi === bucket.endHi && tlo < bucket.endLo)) && price > 0) {
          if (price > bucket.high) bucket.high = price;
          if (price < bucket.low) bucket.low = price;
          bucket.close = price;
        } else {
          this.aggregate(instrument, view.getBigInt64(at + 8, true), price);
        }
      }
    }
  }

  /** The recorded bars per instrument, each with the regime the filter gave it. */
  recordedBars(): RecordedBar[][] {
    this.buckets.forEach((bucket, instrument) => {
      if (bucket) this.bars[instrument].push({ timeNs: bucket.openNs, open: bucket.open, high: bucket.high, low: bucket.low, close: bucket.close });
      this.buckets[instrument] = undefined;
    });
    return this.bars.map((bars, instrument) => {
      const times = this.regimeTimes[instrument];
      const codes = this.regimeCodes[instrument];
      if (times.length === 0) return bars;
      const labelled = (bar: RecordedBar, code: number | undefined): RecordedBar =>
        code === undefined ? bar : { timeNs: bar.timeNs, open: bar.open, high: bar.high, low: bar.low, close: bar.close, regime: labelName(code) };
      if (!this.regimesOrdered[instrument] || !barsOrdered(bars)) {
        const byTime = new Map<bigint, number>();
        for (let i = 0; i < times.length; i++) byTime.set(times[i], codes[i]);
        return bars.map((bar) => labelled(bar, byTime.get(bar.timeNs)));
      }
      // Both in time order: one walk.
      const out = new Array<RecordedBar>(bars.length);
      let r = 0;
      for (let b = 0; b < bars.length; b++) {
        const timeNs = bars[b].timeNs;
        while (r < times.length && times[r] < timeNs) r++;
        out[b] = labelled(bars[b], r < times.length && times[r] === timeNs ? codes[r] : undefined);
      }
      return out;
    });
  }

  /** ts_local of the first and last market record published (0n before any). */
  span(): { startNs: bigint; endNs: bigint } {
    if (!this.seen) return { startNs: 0n, endNs: 0n };
    const ns = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    return { startNs: ns(this.firstHi, this.firstLo), endNs: ns(this.lastHi, this.lastLo) };
  }

  private aggregate(instrument: number, timeNs: bigint, price: number): void {
    const timeframe = this.tickTimeframeNs[instrument];
    if (!timeframe || !(price > 0)) return;
    const openNs = timeNs - (((timeNs % timeframe) + timeframe) % timeframe);
    const bucket = this.buckets[instrument];
    if (bucket) this.bars[instrument].push({ timeNs: bucket.openNs, open: bucket.open, high: bucket.high, low: bucket.low, close: bucket.close });
    const end = openNs + timeframe;
    this.buckets[instrument] = { openNs, endHi: Number(end >> 32n), endLo: Number(end & 0xffff_ffffn), open: price, high: price, low: price, close: price };
  }
}
