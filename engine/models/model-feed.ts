// The I/O-thread side of per-bar inference in a live-like session (paper, live): FEATURES records
// from the outbound ring in, MODEL records out to the session's single inbound producer, and
// the model monitors fed on the way.
//
//   onFeatures(record) --FeatureAssembler--> complete vector of (instrument, bar close T)
//       fold = foldFor(T)          -1 -> no MODEL record (the core times out; counted noFold)
//       non-finite feature         -> no MODEL record (counted nonFinite)
//       else -> job queue (FIFO) --> predictRow, one call in flight, never two
//                                      |-> a non-finite quantile -> no MODEL record (counted nonFiniteOutputs;
//                                      |   the core decides the bar without the ML expert at its wait bound)
//                                      |-> MODEL record (writeModelRecord, ts = T) -> inject(view)
//                                      |-> FeatureDriftMonitor of the instrument (the fold's bins)
//                                      '-> QuantileCalibrationMonitor (with the close at T)
//   onBar(instrument, T, close)    the closes of the bars the session plays, for calibration
//
// The inject callback receives a 64-byte DataView that is valid during the call only: the session
// copies it into its inbound queue, and its player (engine/paper paced-player) publishes it between
// market records in order. Calibration needs every bar close of an instrument in time order, with
// each prediction at its bar: closes wait in a small queue per instrument and are applied in the
// order predictions complete. A prediction whose bar is older than a close already applied (its
// features arrived after a later bar was played) is not scored (counted calibrationSkipped).
//
// A job holds a copy of its vector in a pooled Float64Array: steady per-bar use allocates
// nothing here beyond onnxruntime's own run.
import type { FeatureRecord } from '../pipeline/index.js';
import { FeatureAssembler, writeModelRecord } from '../pipeline/index.js';
import { latencyHistogram } from '../threads/index.js';
import { EventKind } from '../layout/event-record.js';
import { QUANTILE_COUNT } from './model-metadata.js';
import type { QuantileModelSet } from './quantile-model-set.js';
import { FeatureDriftMonitor } from './feature-drift-monitor.js';
import { QuantileCalibrationMonitor } from './quantile-calibration-monitor.js';
import type { MonitorAlert } from './monitor-alert.js';

/** The monitor thresholds (config `model.monitor`). */
export interface ModelFeedMonitorOptions {
  readonly driftWindow: number;
  readonly driftAlertPsi: number;
  readonly calibrationWindow: number;
  readonly coverageTolerance: number;
  readonly minObservations: number;
}

export interface ModelFeedOptions {
  /** The serving model, or null when the configured model is absent. */
  readonly model: QuantileModelSet | null;
  /** Where the model comes from (a directory, a registry version), for clients. */
  readonly source: string;
  /** Why the model is absent (with model null). */
  readonly reason?: string;
  /** Symbol of each instrument id (the run's instrument order). */
  readonly symbols: readonly string[];
  readonly monitor: ModelFeedMonitorOptions;
  /** Takes each MODEL record (64 bytes, valid during the call) for the inbound ring, in order. */
  inject(record: DataView): void;
  /** Each monitor alert as it is raised. */
  onAlert?(alert: MonitorAlert): void;
  /** After each prediction (and each alert): the status changed. */
  onStatus?(): void;
  /** Kind bits added to MODEL records (default SOURCE_PAPER | DIRECTION_INBOUND). */
  readonly kindBits?: number;
  /** Recent alerts kept in the status (default 20). */
  readonly recentAlerts?: number;
}

export interface ModelFeatureStatus {
  readonly instrument: string;
  readonly name: string;
  /** PSI over the window (NaN before the first observation). */
  readonly psi: number;
  readonly alerting: boolean;
}

export interface ModelCalibrationStatus {
  readonly instrumentId: number;
  readonly instrument: string;
  /** Rolling share of realised returns inside [q10, q90] (NaN before the first). */
  readonly coverage: number;
  readonly nominal: number;
  /** Mean pinball loss per quantile q10..q90 (NaN before the first). */
  readonly pinball: readonly number[];
  /** Realised predictions in the window. */
  readonly observations: number;
  readonly alerting: boolean;
}

export interface ModelFeedCounters {
  /** Complete feature vectors received. */
  vectors: number;
  /** MODEL records written (vectors with a fold and finite features). */
  predictions: number;
  /** Vectors whose bar closes before the first fold is available: no MODEL record. */
  noFold: number;
  /** Vectors with a non-finite feature: no MODEL record. */
  nonFinite: number;
  /** Predictions whose quantiles are not non-decreasing (sent as they are; the core sorts them). */
  crossed: number;
  /** Predictions not scored by calibration (their bar came after a later close was applied). */
  calibrationSkipped: number;
  /** Inference calls that threw (no MODEL record; the core times out). */
  failures: number;
  /** Predictions with a NaN or infinite quantile (a broken graph): no MODEL record, not in `predictions`; the core times out. */
  nonFiniteOutputs: number;
  /** Vectors waiting or being predicted now. */
  inFlight: number;
  /** predictRow latency, microseconds (NaN before the first). */
  latencyP50Us: number;
  latencyP99Us: number;
}

export interface ModelStatus {
  readonly state: 'serving' | 'absent';
  readonly reason?: string;
  readonly source: string;
  readonly name?: string;
  readonly hash?: string;
  /** The fold of the latest prediction (-1 before any). */
  readonly fold?: number;
  readonly driftThreshold: number;
  readonly coverageTolerance: number;
  readonly features: readonly ModelFeatureStatus[];
  readonly calibration: readonly ModelCalibrationStatus[];
  readonly counters: ModelFeedCounters;
  /** Newest last. */
  readonly recentAlerts: readonly MonitorAlert[];
}

interface Job {
  instrument: number;
  barCloseNs: bigint;
  fold: number;
  readonly features: Float64Array;
}

interface InstrumentMonitors {
  drift: FeatureDriftMonitor | null;
  driftFold: number;
  readonly calibration: QuantileCalibrationMonitor;
  /** Bar closes not yet applied, time order. */
  readonly closeTimes: bigint[];
  readonly closes: number[];
  lastAppliedNs: bigint;
}

/** Closes kept per instrument before the oldest is applied without a prediction (warm-up bars). */
const MAX_QUEUED_CLOSES = 256;

export class ModelFeed {
  private readonly model: QuantileModelSet | null;
  private readonly assembler = new FeatureAssembler();
  private readonly queue: Job[] = [];
  private readonly pool: Job[] = [];
  private readonly out = new Float64Array(QUANTILE_COUNT);
  private readonly quantiles: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  private readonly record = new DataView(new ArrayBuffer(64));
  private readonly monitors = new Map<number, InstrumentMonitors>();
  private readonly alerts: MonitorAlert[] = [];
  private readonly latency = latencyHistogram(60_000_000_000);
  private readonly idleWaiters: (() => void)[] = [];
  private readonly counters: ModelFeedCounters = {
    vectors: 0, predictions: 0, noFold: 0, nonFinite: 0, crossed: 0, calibrationSkipped: 0, failures: 0, nonFiniteOutputs: 0, inFlight: 0, latencyP50Us: NaN, latencyP99Us: NaN,
  };
  private running = false;
  private closed = false;
  private lastFold = -1;
  private readonly kindBits: number;
  private readonly keepAlerts: number;

  constructor(private readonly options: ModelFeedOptions) {
    this.model = options.model;
    this.kindBits = options.kindBits ?? (EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND);
    this.keepAlerts = options.recentAlerts ?? 20;
    const m = options.monitor;
    if (!(m.minObservations >= 1 && m.minObservations <= Math.min(m.driftWindow, m.calibrationWindow))) {
      throw new RangeError(`model.monitor.minObservations must be in [1, min(driftWindow ${m.driftWindow}, calibrationWindow ${m.calibrationWindow})], was ${m.minObservations}`);
    }
  }

  get serving(): boolean {
    return this.model !== null;
  }

  /** Vectors waiting or being predicted. */
  get inFlight(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** The outbound listener: each FEATURES record, in order. */
  readonly onFeatures = (record: FeatureRecord): void => {
    const vector = this.assembler.add(record);
    if (vector === null || this.model === null) return;
    this.counters.vectors++;
    const barCloseNs = record.barCloseNs;
    const instrument = record.instrument;
    for (let j = 0; j < vector.length; j++) {
      if (!Number.isFinite(vector[j])) {
        this.counters.nonFinite++;
        this.settleBar(instrument, barCloseNs, null);
        return;
      }
    }
    const fold = this.model.foldFor(barCloseNs);
    if (fold < 0) {
      this.counters.noFold++;
      this.settleBar(instrument, barCloseNs, null);
      return;
    }
    const job = this.pool.pop() ?? { instrument: 0, barCloseNs: 0n, fold: 0, features: new Float64Array(this.model.metadata.features.length) };
    job.instrument = instrument;
    job.barCloseNs = barCloseNs;
    job.fold = fold;
    job.features.set(vector);
    this.queue.push(job);
    if (!this.running) void this.drain();
  };

  /** A bar of `instrument` closed at `barCloseNs` with `close` (every bar the session plays). */
  onBar(instrument: number, barCloseNs: bigint, close: number): void {
    if (this.model === null) return;
    const m = this.monitorsOf(instrument);
    if (barCloseNs <= m.lastAppliedNs) return;
    const last = m.closeTimes.length > 0 ? m.closeTimes[m.closeTimes.length - 1] : m.lastAppliedNs;
    if (barCloseNs <= last) return;
    m.closeTimes.push(barCloseNs);
    m.closes.push(close);
    if (m.closeTimes.length > MAX_QUEUED_CLOSES) this.applyClosesBefore(m, m.closeTimes[1]);
  }

  /** Resolves once no vector waits or is predicted, or after `timeoutMs` (true: idle). */
  whenIdle(timeoutMs = Infinity): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const i = this.idleWaiters.indexOf(done);
          if (i >= 0) this.idleWaiters.splice(i, 1);
          resolve(false);
        }, Math.max(0, timeoutMs));
      }
    });
  }

  /**
   * Ends the feed: waits for the queued predictions (their MODEL records still go to inject),
   * applies the remaining bar closes to calibration, then releases the model.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.whenIdle();
    for (const m of this.monitors.values()) this.applyClosesBefore(m, BigInt('0x7fffffffffffffff'));
    await this.model?.release();
  }

  status(): ModelStatus {
    const c = this.counters;
    c.inFlight = this.inFlight;
    if (this.latency.totalCount > 0) {
      c.latencyP50Us = this.latency.getValueAtPercentile(50) / 1000;
      c.latencyP99Us = this.latency.getValueAtPercentile(99) / 1000;
    }
    const { monitor } = this.options;
    const base = { source: this.options.source, driftThreshold: monitor.driftAlertPsi, coverageTolerance: monitor.coverageTolerance, counters: { ...c }, recentAlerts: [...this.alerts] };
    if (this.model === null) return { state: 'absent', reason: this.options.reason ?? 'no model', features: [], calibration: [], ...base };
    const features: ModelFeatureStatus[] = [];
    const calibration: ModelCalibrationStatus[] = [];
    const ids = [...this.monitors.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const m = this.monitors.get(id)!;
      const symbol = this.symbolOf(id);
      if (m.drift) m.drift.features.forEach((name, j) => features.push({ instrument: symbol, name, psi: m.drift!.psi(j), alerting: m.drift!.inAlert(j) }));
      const cal = m.calibration;
      calibration.push({
        instrumentId: id, instrument: symbol, coverage: cal.coverage, nominal: cal.nominal, observations: cal.count, alerting: cal.inAlert,
        pinball: Array.from({ length: QUANTILE_COUNT }, (_, k) => cal.pinball(k)),
      });
    }
    return { state: 'serving', name: this.model.metadata.name, hash: this.model.hash, fold: this.lastFold, features, calibration, ...base };
  }

  private symbolOf(instrument: number): string {
    return this.options.symbols[instrument] ?? `#${instrument}`;
  }

  private monitorsOf(instrument: number): InstrumentMonitors {
    let m = this.monitors.get(instrument);
    if (!m) {
      const { monitor } = this.options;
      m = {
        drift: null,
        driftFold: -1,
        calibration: new QuantileCalibrationMonitor({
          instrument: this.symbolOf(instrument),
          horizonBars: this.model!.metadata.target.horizonBars,
          window: monitor.calibrationWindow,
          minCount: monitor.minObservations,
          threshold: monitor.coverageTolerance,
          onAlert: this.raise,
        }),
        closeTimes: [],
        closes: [],
        lastAppliedNs: -1n,
      };
      this.monitors.set(instrument, m);
    }
    return m;
  }

  private readonly raise = (alert: MonitorAlert): void => {
    this.alerts.push(alert);
    if (this.alerts.length > this.keepAlerts) this.alerts.shift();
    this.options.onAlert?.(alert);
    this.options.onStatus?.();
  };

  private async drain(): Promise<void> {
    this.running = true;
    const model = this.model!;
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
        const started = process.hrtime.bigint();
        let crossed: number;
        try {
          crossed = await model.predictRow(job.fold, job.features, this.out);
        } catch {
          this.counters.failures++;
          this.settleBar(job.instrument, job.barCloseNs, null);
          this.pool.push(job);
          continue;
        }
        this.latency.recordValue(Math.max(1, Number(process.hrtime.bigint() - started)));
        const q = this.quantiles;
        let finite = true;
        for (let k = 0; k < QUANTILE_COUNT; k++) {
          q[k] = this.out[k];
          if (!Number.isFinite(q[k])) finite = false;
        }
        if (!finite) {
          // The core would refuse the record (ERR_DEC_BAD_RECORD); the bar is decided without the ML expert.
          this.counters.nonFiniteOutputs++;
          this.settleBar(job.instrument, job.barCloseNs, null);
          this.pool.push(job);
          this.options.onStatus?.();
          continue;
        }
        writeModelRecord(this.record, 0, { instrument: job.instrument, tsNs: job.barCloseNs, quantiles: q }, this.kindBits);
        this.options.inject(this.record);
        this.counters.predictions++;
        this.counters.crossed += crossed;
        this.lastFold = job.fold;
        this.observeDrift(job);
        this.settleBar(job.instrument, job.barCloseNs, this.out);
        this.pool.push(job);
        this.options.onStatus?.();
      }
    } finally {
      this.running = false;
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private observeDrift(job: Job): void {
    const m = this.monitorsOf(job.instrument);
    if (m.drift === null || m.driftFold !== job.fold) {
      const { monitor } = this.options;
      // A new fold has its own training bins: its window starts empty.
      m.drift = new FeatureDriftMonitor({
        instrument: this.symbolOf(job.instrument),
        features: this.model!.metadata.features,
        bins: this.model!.metadata.folds[job.fold].featureBins,
        window: monitor.driftWindow,
        minCount: monitor.minObservations,
        threshold: monitor.driftAlertPsi,
        onAlert: this.raise,
      });
      m.driftFold = job.fold;
    }
    m.drift.observe(job.features, job.barCloseNs);
  }

  /** Calibration at the bar of a settled vector: closes before it, then the prediction (or the bare close). */
  private settleBar(instrument: number, barCloseNs: bigint, quantiles: Float64Array | null): void {
    const m = this.monitorsOf(instrument);
    if (barCloseNs <= m.lastAppliedNs) {
      if (quantiles) this.counters.calibrationSkipped++;
      return;
    }
    this.applyClosesBefore(m, barCloseNs);
    if (m.closeTimes.length === 0 || m.closeTimes[0] !== barCloseNs) {
      // The bar's close was not seen (not played as a bar record): nothing to score against.
      if (quantiles) this.counters.calibrationSkipped++;
      return;
    }
    const close = m.closes[0];
    m.closeTimes.shift();
    m.closes.shift();
    m.lastAppliedNs = barCloseNs;
    if (quantiles) m.calibration.onPrediction(barCloseNs, close, quantiles);
    else m.calibration.onBarClose(barCloseNs, close);
  }

  private applyClosesBefore(m: InstrumentMonitors, beforeNs: bigint): void {
    while (m.closeTimes.length > 0 && m.closeTimes[0] < beforeNs) {
      const t = m.closeTimes.shift()!;
      const close = m.closes.shift()!;
      m.lastAppliedNs = t;
      m.calibration.onBarClose(t, close);
    }
  }
}
