// LatencyMonitor: the per-stage latency histograms of one engine run, on the I/O thread. Each
// stage has one preallocated HDR histogram (hdr-histogram-js, 1 ns to 60 s, 3 significant
// digits); recording is integer increments, so nothing is allocated per record.
//
//   stage    from                                   to                                      stamped by
//   ingress  the producer claims the slots          it publishes them on the inbound ring   StampingRingProducer
//   ring     published                              the core's batch that consumes it starts engine thread (batch log)
//   core     that batch starts                      it ends: decisions and orders written   engine thread (batch log)
//   intent   the batch that wrote an outbound record ends   the I/O thread drains the record OutboundDispatch
//   journal  a journal write starts                 it is committed (live sessions)         the journal's owner: record()
//   venue    an order is sent                       the venue acknowledges it (live)        the venue adapter: record()
//
// A stage the session does not have (journal and venue in a paper session: no journal, the
// venue is simulated inside the core) keeps count 0. `view()` builds the latency topic's payload
// and `rows()` the /metrics series (both allocate, at publish time only).
//
// Records timed alike go in as one count: the records of a published run share their publish
// stamp and those of a drain their drain time, so the ring and intent stages record each run of
// equal values once (recordValueWithCount: the same histogram as one record per value; a
// backtest's 17,520 bars cost a handful of histogram updates instead of ~35,000).
// The histogram class hdr.build() makes by default (32-bit counts), from its own module: the
// package's index also loads its WebAssembly build and a log writer that sets up an Intl number
// format, ~56 ms of every thread's start here against ~13 ms (hdr-histogram-js 3.0.1's dist/).
import int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';
import type { LatencyView } from '../client/index.js';
import {
  BATCH_LOG_ENTRIES, ENTRY_COUNT, ENTRY_END_NS, ENTRY_IN_FROM, ENTRY_OUT_END, ENTRY_OUT_FROM, ENTRY_START_NS, LOG_READ, LOG_WRITTEN,
  type IngressRecorder, type LatencyStamps,
} from './latency-stamps.js';

export const LATENCY_STAGES = ['ingress', 'ring', 'core', 'intent', 'journal', 'venue'] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

const HIGHEST_NS = 60_000_000_000;
const STAGE_INDEX: Readonly<Record<LatencyStage, number>> = { ingress: 0, ring: 1, core: 2, intent: 3, journal: 4, venue: 5 };

// Node gives a CommonJS module's exports object as its default import; vitest's transform gives
// that object's `default` (the class) instead.
const Int32Histogram = ('default' in int32HistogramModule ? int32HistogramModule.default : int32HistogramModule) as typeof int32HistogramModule.default;
export type LatencyHistogram = InstanceType<typeof Int32Histogram>;

/** An HDR histogram of ns from 1 to `highestNs`, 3 significant digits (what hdr.build() gives with those). */
export function latencyHistogram(highestNs: number = HIGHEST_NS): LatencyHistogram {
  return new Int32Histogram(1, highestNs, 3);
}

export interface LatencyRow {
  stage: LatencyStage;
  count: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

export class LatencyMonitor implements IngressRecorder {
  private readonly histograms: LatencyHistogram[];
  /** Records a stage could not time (a stale stamp; an outbound record drained before its batch ended), by stage. */
  readonly unstamped = new Float64Array(LATENCY_STAGES.length);
  /** Outbound runs of the batches read from the log, not yet drained: [outFrom, outEnd, endNs] each. */
  private readonly outRuns = new Float64Array(BATCH_LOG_ENTRIES * 3);
  private outHead = 0;
  private outTail = 0;
  /** The intent stage's run of equal values not yet in its histogram (see the header): value, count. */
  private intentValue = 0;
  private intentCount = 0;
  /** Bumped on every record: a publisher republishes only when it moved. */
  version = 0;

  constructor() {
    this.histograms = LATENCY_STAGES.map(() => latencyHistogram());
  }

  /** Records `count` records that spent `ns` in `stage` (clamped to [0, 60 s]). */
  record(stage: LatencyStage, ns: number, count = 1): void {
    this.recordAt(STAGE_INDEX[stage], ns, count);
  }

  recordIngress(ns: number, count: number): void {
    this.recordAt(0, ns, count);
  }

  private recordAt(index: number, ns: number, count: number): void {
    const value = ns < 0 ? 0 : ns > HIGHEST_NS ? HIGHEST_NS : Math.round(ns);
    this.histograms[index].recordValueWithCount(value, count);
    this.version++;
  }

  /**
   * Reads the engine's batch log: the ring stage of every consumed record (batch start - its
   * publish stamp, when the stamp is still there: `claimed` is the producer's cursor), the core
   * stage of the batch for each of its records, and the batch's outbound run for `intent`.
   */
  collect(stamps: LatencyStamps, claimed: number): void {
    const header = stamps.header;
    const written = Atomics.load(header, LOG_WRITTEN);
    let read = Atomics.load(header, LOG_READ);
    const log = stamps.log;
    const publishNs = stamps.publishNs;
    const mask = stamps.publishMask;
    const ring = this.histograms[1];
    // A run of equal ring times (records published together, consumed by one batch) is recorded once.
    let runValue = 0;
    let runCount = 0;
    while (read !== written) {
      const at = (read & (BATCH_LOG_ENTRIES - 1)) * 8;
      const inFrom = log[at + ENTRY_IN_FROM];
      const count = log[at + ENTRY_COUNT];
      const startNs = log[at + ENTRY_START_NS];
      const endNs = log[at + ENTRY_END_NS];
      for (let i = 0; i < count; i++) {
        const seq = (inFrom + i) >>> 0;
        if (((claimed - seq) >>> 0) > mask + 1) {
          this.unstamped[1]++;
          continue;
        }
        const ns = startNs - publishNs[seq & mask];
        const value = ns < 0 ? 0 : ns > HIGHEST_NS ? HIGHEST_NS : Math.round(ns);
        if (value === runValue && runCount > 0) {
          runCount++;
        } else {
          if (runCount > 0) ring.recordValueWithCount(runValue, runCount);
          runValue = value;
          runCount = 1;
        }
      }
      if (count > 0) this.recordAt(2, endNs - startNs, count);
      const outFrom = log[at + ENTRY_OUT_FROM];
      const outEnd = log[at + ENTRY_OUT_END];
      if (outFrom !== outEnd && this.outTail - this.outHead < BATCH_LOG_ENTRIES) {
        const slot = (this.outTail % BATCH_LOG_ENTRIES) * 3;
        this.outRuns[slot] = outFrom;
        this.outRuns[slot + 1] = outEnd;
        this.outRuns[slot + 2] = endNs;
        this.outTail++;
      }
      read = (read + 1) | 0;
    }
    if (runCount > 0) ring.recordValueWithCount(runValue, runCount);
    Atomics.store(header, LOG_READ, read);
  }

  /** The intent stage of outbound record `sequence`, drained at `drainNs` (call in sequence order). */
  recordIntent(sequence: number, drainNs: number): void {
    const runs = this.outRuns;
    while (this.outHead < this.outTail) {
      const slot = (this.outHead % BATCH_LOG_ENTRIES) * 3;
      if (((sequence - runs[slot + 1]) | 0) >= 0) {
        this.outHead++;
        continue;
      }
      if (((sequence - runs[slot]) | 0) >= 0) {
        const ns = drainNs - runs[slot + 2];
        const value = ns < 0 ? 0 : ns > HIGHEST_NS ? HIGHEST_NS : Math.round(ns);
        if (value !== this.intentValue || this.intentCount === 0) {
          this.flushIntent();
          this.intentValue = value;
        }
        this.intentCount++;
        this.version++;
        return;
      }
      break;
    }
    this.unstamped[3]++;
  }

  /** Puts the intent stage's pending run of equal values into its histogram. */
  private flushIntent(): void {
    if (this.intentCount === 0) return;
    this.histograms[3].recordValueWithCount(this.intentValue, this.intentCount);
    this.intentCount = 0;
  }

  /** Each stage's count and percentiles (ns); a stage with no record has count 0 and zeros. */
  rows(): LatencyRow[] {
    this.flushIntent();
    return LATENCY_STAGES.map((stage, index) => {
      const histogram = this.histograms[index];
      const count = histogram.totalCount;
      if (count === 0) return { stage, count: 0, p50Ns: 0, p90Ns: 0, p99Ns: 0, p999Ns: 0, maxNs: 0 };
      // A percentile is its bucket's highest equivalent value: capped at the exact maximum.
      const maxNs = histogram.maxValue;
      const at = (percentile: number): number => Math.min(histogram.getValueAtPercentile(percentile), maxNs);
      return { stage, count, p50Ns: at(50), p90Ns: at(90), p99Ns: at(99), p999Ns: at(99.9), maxNs };
    });
  }

  /** The latency topic's payload. */
  view(): LatencyView {
    return { stages: this.rows().map((row) => ({ ...row, count: BigInt(row.count) })) };
  }

  /** Forgets every record (a bench's warm-up). */
  reset(): void {
    this.intentCount = 0;
    for (const histogram of this.histograms) histogram.reset();
    this.unstamped.fill(0);
    this.version++;
  }
}
