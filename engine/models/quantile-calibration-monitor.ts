// Live quantile calibration of one instrument. A prediction made at a bar close (close c0,
// quantiles q of the forward log return over `horizonBars` bars) is realised `horizonBars` bar
// closes later at close c_h: r = ln(c_h / c0). Over the last `window` realised predictions it
// keeps the coverage of [q10, q90] (share with q10 <= r <= q90; nominal 0.8) and the mean
// pinball loss per quantile. An alert is raised once when |coverage - nominal| > threshold
// (after `minCount` realised predictions) and re-armed when |coverage - nominal| falls to
// `rearmFraction` x threshold or below (hysteresis).
//
// Quantiles are sorted (a copy) before scoring, as the core sorts crossed ones. Predictions with
// a non-finite quantile (non-finite features) are ignored and counted in `skippedPredictions`.
//
// Calls: onBarClose(t, close) for every bar close; onPrediction(t, close, q) for the prediction
// made at bar close t (before or after onBarClose(t): a prediction at a new time closes that bar
// first, and a repeated onBarClose(t) is ignored). Times must not go backwards.
//
// State: a pending ring of horizonBars + 1 predictions (time, close, 5 quantiles), a realised
// ring of `window` (inside flag, 5 losses) with running sums (re-summed once per wrap to shed
// rounding drift). No allocation per bar.
import { QUANTILE_COUNT, MODEL_QUANTILES } from './model-metadata.js';
import type { MonitorAlert } from './monitor-alert.js';

export interface QuantileCalibrationOptions {
  readonly instrument: string;
  /** Bars to the realised return (model.json `target.horizonBars`). */
  readonly horizonBars: number;
  /** Realised predictions in the rolling window (default 500). */
  readonly window?: number;
  /** Realised predictions before an alert can be raised (default 100). */
  readonly minCount?: number;
  /** Alert when |coverage - nominal| exceeds it (default 0.15). */
  readonly threshold?: number;
  /** Nominal coverage of [q10, q90] (default 0.8). */
  readonly nominal?: number;
  /** Re-arm once |coverage - nominal| <= rearmFraction x threshold (default 0.8). */
  readonly rearmFraction?: number;
  readonly onAlert?: (alert: MonitorAlert) => void;
}

export class QuantileCalibrationMonitor {
  readonly instrument: string;
  readonly horizonBars: number;
  readonly window: number;
  readonly minCount: number;
  readonly threshold: number;
  readonly nominal: number;
  readonly rearmBelow: number;
  skippedPredictions = 0;
  private readonly onAlert: ((alert: MonitorAlert) => void) | undefined;
  // pending predictions, slot = bar index mod (horizonBars + 1)
  private readonly pendingBar: Float64Array;
  private readonly pendingClose: Float64Array;
  private readonly pendingQ: Float64Array;
  // realised ring
  private readonly inside: Uint8Array;
  private readonly losses: Float64Array;
  private readonly lossSums = new Float64Array(QUANTILE_COUNT);
  private readonly sorted = new Float64Array(QUANTILE_COUNT);
  private insideCount = 0;
  private head = 0;
  private filled = 0;
  private bar = -1;
  private lastNs = -1n;
  private alerted = false;
  private readonly raised: MonitorAlert[] = [];

  constructor(options: QuantileCalibrationOptions) {
    this.instrument = options.instrument;
    this.horizonBars = options.horizonBars;
    this.window = options.window ?? 500;
    this.minCount = options.minCount ?? 100;
    this.threshold = options.threshold ?? 0.15;
    this.nominal = options.nominal ?? 0.8;
    this.rearmBelow = this.threshold * (options.rearmFraction ?? 0.8);
    this.onAlert = options.onAlert;
    if (!Number.isInteger(this.horizonBars) || this.horizonBars < 1) throw new RangeError(`\`horizonBars\` must be an integer >= 1, was ${this.horizonBars}`);
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`\`window\` must be an integer >= 1, was ${this.window}`);
    if (!Number.isInteger(this.minCount) || this.minCount < 1 || this.minCount > this.window) throw new RangeError(`\`minCount\` must be an integer in [1, window ${this.window}], was ${this.minCount}`);
    if (!(this.threshold > 0 && this.threshold < 1)) throw new RangeError(`\`threshold\` must be in (0, 1), was ${this.threshold}`);
    if (!(this.nominal > 0 && this.nominal < 1)) throw new RangeError(`\`nominal\` must be in (0, 1), was ${this.nominal}`);
    if (!(this.rearmBelow >= 0 && this.rearmBelow <= this.threshold)) throw new RangeError(`\`rearmFraction\` must be in [0, 1], was ${options.rearmFraction}`);
    const slots = this.horizonBars + 1;
    this.pendingBar = new Float64Array(slots).fill(-1);
    this.pendingClose = new Float64Array(slots);
    this.pendingQ = new Float64Array(slots * QUANTILE_COUNT);
    this.inside = new Uint8Array(this.window);
    this.losses = new Float64Array(this.window * QUANTILE_COUNT);
  }

  /** Realised predictions in the window. */
  get count(): number {
    return this.filled;
  }

  /** Share of the window's realised returns inside [q10, q90] (NaN when empty). */
  get coverage(): number {
    return this.filled === 0 ? NaN : this.insideCount / this.filled;
  }

  /** Mean pinball loss of quantile `k` (0..4: q10..q90) over the window (NaN when empty). */
  pinball(k: number): number {
    return this.filled === 0 ? NaN : this.lossSums[k] / this.filled;
  }

  get inAlert(): boolean {
    return this.alerted;
  }

  private checkTime(ns: bigint, what: string): void {
    if (ns < this.lastNs) throw new RangeError(`${what}: \`barCloseNs\` ${ns} is before the last bar close ${this.lastNs} (${this.instrument}); bars must come in time order`);
  }

  /** A bar closed at `barCloseNs` with `close`. Returns the alerts raised (a reused array, valid until the next call). */
  onBarClose(barCloseNs: bigint, close: number): readonly MonitorAlert[] {
    this.raised.length = 0;
    this.checkTime(barCloseNs, 'onBarClose');
    if (barCloseNs === this.lastNs) return this.raised;
    this.lastNs = barCloseNs;
    this.bar++;
    const slots = this.horizonBars + 1;
    const due = this.bar - this.horizonBars;
    if (due >= 0) {
      const s = due % slots;
      if (this.pendingBar[s] === due) {
        this.pendingBar[s] = -1;
        if (close > 0 && Number.isFinite(close)) this.realise(Math.log(close / this.pendingClose[s]), s, barCloseNs);
      }
    }
    return this.raised;
  }

  /** The prediction made at bar close `barCloseNs` (close `close`): 5 quantiles q10..q90 of the forward log return. */
  onPrediction(barCloseNs: bigint, close: number, quantiles: ArrayLike<number>): readonly MonitorAlert[] {
    this.checkTime(barCloseNs, 'onPrediction');
    if (barCloseNs > this.lastNs) this.onBarClose(barCloseNs, close);
    else this.raised.length = 0;
    for (let k = 0; k < QUANTILE_COUNT; k++) {
      if (!Number.isFinite(quantiles[k])) {
        this.skippedPredictions++;
        return this.raised;
      }
    }
    if (!(close > 0 && Number.isFinite(close))) {
      this.skippedPredictions++;
      return this.raised;
    }
    const s = this.bar % (this.horizonBars + 1);
    this.pendingBar[s] = this.bar;
    this.pendingClose[s] = close;
    for (let k = 0; k < QUANTILE_COUNT; k++) this.pendingQ[s * QUANTILE_COUNT + k] = quantiles[k];
    return this.raised;
  }

  private realise(r: number, slot: number, atNs: bigint): void {
    const q = this.sorted;
    for (let k = 0; k < QUANTILE_COUNT; k++) {
      // insertion sort of the 5 quantiles
      const v = this.pendingQ[slot * QUANTILE_COUNT + k];
      let i = k;
      while (i > 0 && q[i - 1] > v) {
        q[i] = q[i - 1];
        i--;
      }
      q[i] = v;
    }
    const full = this.filled === this.window;
    const h = this.head;
    if (full) {
      this.insideCount -= this.inside[h];
      for (let k = 0; k < QUANTILE_COUNT; k++) this.lossSums[k] -= this.losses[h * QUANTILE_COUNT + k];
    }
    const inside = r >= q[0] && r <= q[QUANTILE_COUNT - 1] ? 1 : 0;
    this.inside[h] = inside;
    this.insideCount += inside;
    for (let k = 0; k < QUANTILE_COUNT; k++) {
      const alpha = MODEL_QUANTILES[k];
      const d = r - q[k];
      const loss = d >= 0 ? alpha * d : (alpha - 1) * d;
      this.losses[h * QUANTILE_COUNT + k] = loss;
      this.lossSums[k] += loss;
    }
    this.head = h + 1 === this.window ? 0 : h + 1;
    if (!full) this.filled++;
    if (this.head === 0) {
      // re-sum once per wrap: the running sums shed their rounding drift
      for (let k = 0; k < QUANTILE_COUNT; k++) {
        let sum = 0;
        for (let i = 0; i < this.filled; i++) sum += this.losses[i * QUANTILE_COUNT + k];
        this.lossSums[k] = sum;
      }
    }
    const gap = Math.abs(this.insideCount / this.filled - this.nominal);
    if (this.alerted) {
      if (gap <= this.rearmBelow) this.alerted = false;
    } else if (this.filled >= this.minCount && gap > this.threshold) {
      this.alerted = true;
      const alert: MonitorAlert = { kind: 'quantile-calibration', instrument: this.instrument, value: this.insideCount / this.filled, threshold: this.threshold, atNs };
      this.raised.push(alert);
      this.onAlert?.(alert);
    }
  }
}
