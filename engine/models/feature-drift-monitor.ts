// Live feature drift of one instrument: for each model feature, the last `window` observations
// binned by the fold's training decile edges, and the population stability index (PSI) of that
// window against the training fractions. An alert is raised once when a feature's PSI rises
// above the threshold (after `minCount` observations) and re-armed when it falls back to
// `rearmFraction` x threshold or below (hysteresis: a PSI hovering at the threshold alerts once).
//
//   PSI = sum over the 10 bins of (a - e) * ln(a / e),
//         a = live share of the window in the bin, e = training fraction,
//         both floored at `epsilon` (default 1e-4) so an empty bin gives a large, finite term.
//   Bin of v: the number of inner edges at or below v (edges e0..e8: v < e0 -> 0, v >= e8 -> 9),
//   numpy's searchsorted(edges, v, side='right'): the rule tools/train's feature_bins computed the
//   training fractions with. A value on an edge (a point mass: roc:1 of unchanged closes, relvol
//   at 0, stoch at 0 or 100) must land where its training rows did, or the window drifts from
//   its own training data.
//
// State per feature: a ring of `window` bin indices (Uint8Array) and 10 counts (Int32Array);
// an observation is O(F x 10) with no allocation. A row with a non-finite feature is skipped
// (counted in `skippedRows`): the model gives NaNs for it too.
import type { FeatureBins } from './model-metadata.js';
import { FEATURE_BIN_COUNT } from './model-metadata.js';
import type { MonitorAlert } from './monitor-alert.js';

export interface FeatureDriftOptions {
  readonly instrument: string;
  /** Feature names in column order (model.json `features`). */
  readonly features: readonly string[];
  /** Training bins per feature (the serving fold's `featureBins`). */
  readonly bins: Readonly<Record<string, FeatureBins>>;
  /** Observations in the rolling window (default 500). */
  readonly window?: number;
  /** Observations before an alert can be raised (default 100). */
  readonly minCount?: number;
  /** PSI alert threshold (default 0.25). */
  readonly threshold?: number;
  /** Re-arm once PSI <= rearmFraction x threshold (default 0.8). */
  readonly rearmFraction?: number;
  /** Floor of the live and training shares (default 1e-4). */
  readonly epsilon?: number;
  /** Called with each alert as it is raised. */
  readonly onAlert?: (alert: MonitorAlert) => void;
}

/** PSI of bin counts against expected fractions, both floored at `epsilon`. */
export function populationStabilityIndex(counts: ArrayLike<number>, total: number, expected: ArrayLike<number>, epsilon = 1e-4): number {
  let psi = 0;
  for (let k = 0; k < expected.length; k++) {
    const a = Math.max(total > 0 ? counts[k] / total : 0, epsilon);
    const e = Math.max(expected[k], epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export class FeatureDriftMonitor {
  readonly instrument: string;
  readonly features: readonly string[];
  readonly window: number;
  readonly minCount: number;
  readonly threshold: number;
  readonly rearmBelow: number;
  readonly epsilon: number;
  skippedRows = 0;
  private readonly edges: Float64Array; // F x 9
  private readonly expected: Float64Array; // F x 10
  private readonly counts: Int32Array; // F x 10
  private readonly ring: Uint8Array; // window x F
  private readonly psiValues: Float64Array;
  private readonly alerted: Uint8Array;
  private readonly raised: MonitorAlert[] = [];
  private readonly onAlert: ((alert: MonitorAlert) => void) | undefined;
  private head = 0;
  private filled = 0;

  constructor(options: FeatureDriftOptions) {
    const f = options.features.length;
    this.instrument = options.instrument;
    this.features = [...options.features];
    this.window = options.window ?? 500;
    this.minCount = options.minCount ?? 100;
    this.threshold = options.threshold ?? 0.25;
    this.rearmBelow = this.threshold * (options.rearmFraction ?? 0.8);
    this.epsilon = options.epsilon ?? 1e-4;
    this.onAlert = options.onAlert;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`\`window\` must be an integer >= 1, was ${this.window}`);
    if (!Number.isInteger(this.minCount) || this.minCount < 1 || this.minCount > this.window) throw new RangeError(`\`minCount\` must be an integer in [1, window ${this.window}], was ${this.minCount}`);
    if (!(this.threshold > 0)) throw new RangeError(`\`threshold\` must be > 0, was ${this.threshold}`);
    if (!(this.rearmBelow >= 0 && this.rearmBelow <= this.threshold)) throw new RangeError(`\`rearmFraction\` must be in [0, 1], was ${options.rearmFraction}`);
    if (!(this.epsilon > 0 && this.epsilon < 0.1)) throw new RangeError(`\`epsilon\` must be in (0, 0.1), was ${this.epsilon}`);
    this.edges = new Float64Array(f * (FEATURE_BIN_COUNT - 1));
    this.expected = new Float64Array(f * FEATURE_BIN_COUNT);
    options.features.forEach((name, j) => {
      const b = options.bins[name];
      if (!b) throw new RangeError(`\`bins\` has no training bins for feature ${JSON.stringify(name)}`);
      this.edges.set(b.edges, j * (FEATURE_BIN_COUNT - 1));
      this.expected.set(b.fractions, j * FEATURE_BIN_COUNT);
    });
    this.counts = new Int32Array(f * FEATURE_BIN_COUNT);
    this.ring = new Uint8Array(this.window * f);
    this.psiValues = new Float64Array(f).fill(NaN);
    this.alerted = new Uint8Array(f);
  }

  /** Observations in the window (<= window). */
  get count(): number {
    return this.filled;
  }

  /** PSI of feature `j` over the window (NaN before the first observation). */
  psi(j: number): number {
    return this.psiValues[j];
  }

  /** Whether feature `j` is in alert (raised and not yet re-armed). */
  inAlert(j: number): boolean {
    return this.alerted[j] === 1;
  }

  private bin(j: number, v: number): number {
    const base = j * (FEATURE_BIN_COUNT - 1);
    let k = 0;
    while (k < FEATURE_BIN_COUNT - 1 && this.edges[base + k] <= v) k++;
    return k;
  }

  /**
   * Adds one feature row (F values, the same columns as the model) observed at `atNs`. Returns
   * the alerts raised by this row: a reused array, valid until the next call (usually empty).
   */
  observe(row: ArrayLike<number>, atNs: bigint): readonly MonitorAlert[] {
    this.raised.length = 0;
    const f = this.features.length;
    for (let j = 0; j < f; j++) {
      if (!Number.isFinite(row[j])) {
        this.skippedRows++;
        return this.raised;
      }
    }
    const slot = this.head * f;
    const full = this.filled === this.window;
    for (let j = 0; j < f; j++) {
      if (full) this.counts[j * FEATURE_BIN_COUNT + this.ring[slot + j]]--;
      const k = this.bin(j, row[j]);
      this.ring[slot + j] = k;
      this.counts[j * FEATURE_BIN_COUNT + k]++;
    }
    this.head = this.head + 1 === this.window ? 0 : this.head + 1;
    if (!full) this.filled++;
    const n = this.filled;
    for (let j = 0; j < f; j++) {
      let psi = 0;
      for (let k = 0; k < FEATURE_BIN_COUNT; k++) {
        const a = Math.max(this.counts[j * FEATURE_BIN_COUNT + k] / n, this.epsilon);
        const e = Math.max(this.expected[j * FEATURE_BIN_COUNT + k], this.epsilon);
        psi += (a - e) * Math.log(a / e);
      }
      this.psiValues[j] = psi;
      if (this.alerted[j] === 1) {
        if (psi <= this.rearmBelow) this.alerted[j] = 0;
      } else if (n >= this.minCount && psi > this.threshold) {
        this.alerted[j] = 1;
        const alert: MonitorAlert = { kind: 'feature-drift', instrument: this.instrument, feature: this.features[j], value: psi, threshold: this.threshold, atNs };
        this.raised.push(alert);
        this.onAlert?.(alert);
      }
    }
    return this.raised;
  }
}
