// All walk-forward folds of one quantile model, loaded for serving: one QuantileSession per
// fold, the fold valid at each time (never one trained on data after it), per-bar and batch
// inference, and predictAhead for backtests (rows grouped by fold, run in chunks, the same
// numbers as per-bar inference).
//
// Non-finite features: a row with any NaN or infinite feature gets five NaN quantiles and is
// never given to onnxruntime (trees would route NaN down the "missing" branch and return a
// confident-looking number). Rows with no valid fold (time <= folds[0].availableFromNs) get NaNs
// too. Crossed rows (some q[k+1] < q[k]) are returned as the model gives them and counted.
import { readModelDir, type ModelBundle } from './model-bundle.js';
import { ModelContractError } from './model-errors.js';
import { QUANTILE_COUNT, type QuantileModelMetadata } from './model-metadata.js';
import { QuantileSession } from './quantile-session.js';

/** Rows per onnxruntime call in predictAhead. */
export const DEFAULT_CHUNK_ROWS = 4096;

export interface QuantileModelSetOptions {
  /** The feature tokens the strategy asks for: must equal model.json `features` exactly (count, order, names). */
  readonly expectedFeatures?: readonly string[];
  /** onnxruntime intra-op threads per session (default 1). */
  readonly threads?: number;
  /** Rows per onnxruntime call in predictAhead (default 4,096). */
  readonly chunkRows?: number;
}

export interface InferenceStats {
  /** Rows predicted (finite features and a valid fold). */
  rows: number;
  /** Rows given NaNs because a feature was not finite. */
  nonFiniteRows: number;
  /** Rows given NaNs because no fold was valid at their time (predictAhead). */
  noFoldRows: number;
  /** Predicted rows whose quantiles are not non-decreasing. */
  crossedRows: number;
}

/** Throws when `expected` differs from the model's features, naming the first mismatch and both lists. */
export function checkExpectedFeatures(expected: readonly string[], metadata: QuantileModelMetadata, origin: string): void {
  const actual = metadata.features;
  const lists = `strategy asks for [${expected.join(', ')}], model ${JSON.stringify(metadata.name)} takes [${actual.join(', ')}]`;
  const n = Math.min(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== actual[i]) {
      const elsewhere = actual.indexOf(expected[i]);
      const why = elsewhere >= 0 ? `is column ${elsewhere} of the model (wrong order)` : 'is not a feature of the model';
      throw new ModelContractError(`${origin}: feature ${i} differs: strategy ${JSON.stringify(expected[i])}, model ${JSON.stringify(actual[i])} (${JSON.stringify(expected[i])} ${why}); ${lists}`);
    }
  }
  if (expected.length !== actual.length) {
    throw new ModelContractError(`${origin}: feature count differs: strategy asks for ${expected.length}, model takes ${actual.length}; ${lists}`);
  }
}

function isCrossed(out: Float64Array, row: number): boolean {
  const b = row * QUANTILE_COUNT;
  for (let k = 1; k < QUANTILE_COUNT; k++) if (out[b + k] < out[b + k - 1]) return true;
  return false;
}

export class QuantileModelSet {
  readonly stats: InferenceStats = { rows: 0, nonFiniteRows: 0, noFoldRows: 0, crossedRows: 0 };
  private readonly availableFrom: BigInt64Array;
  private readonly featureCount: number;
  private readonly chunkRows: number;
  /** Scratch of finite rows (predictBatch) and their positions, grown on demand. */
  private packed = new Float64Array(0);
  private packedOut = new Float64Array(0);
  private packedIndex = new Int32Array(0);

  private constructor(readonly bundle: ModelBundle, private readonly sessions: readonly QuantileSession[], chunkRows: number) {
    this.availableFrom = BigInt64Array.from(bundle.metadata.folds.map((f) => f.availableFromNs));
    this.featureCount = bundle.metadata.features.length;
    this.chunkRows = chunkRows;
  }

  get metadata(): QuantileModelMetadata {
    return this.bundle.metadata;
  }

  get hash(): string {
    return this.bundle.hash;
  }

  get foldCount(): number {
    return this.sessions.length;
  }

  /** Loads a model directory (model.json + fold-<k>.onnx). */
  static async load(dir: string, options: QuantileModelSetOptions = {}): Promise<QuantileModelSet> {
    return QuantileModelSet.fromBundle(readModelDir(dir), options);
  }

  /** Loads verified bytes (a directory's or the registry's). */
  static async fromBundle(bundle: ModelBundle, options: QuantileModelSetOptions = {}): Promise<QuantileModelSet> {
    const { metadata } = bundle;
    if (options.expectedFeatures !== undefined) checkExpectedFeatures(options.expectedFeatures, metadata, bundle.origin);
    const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`\`chunkRows\` must be an integer >= 1, was ${chunkRows}`);
    const sessions: QuantileSession[] = [];
    try {
      for (const fold of metadata.folds) {
        sessions.push(await QuantileSession.create(bundle.foldBytes[fold.index], {
          label: `${bundle.origin}/${fold.file}`,
          inputName: metadata.input.name,
          inputType: metadata.input.type,
          columns: metadata.input.columns,
          outputName: metadata.output.name,
          features: metadata.features,
        }, { threads: options.threads }));
      }
    } catch (error) {
      for (const s of sessions) await s.release();
      throw error;
    }
    return new QuantileModelSet(bundle, sessions, chunkRows);
  }

  /** The fold with the largest availableFromNs < timeNs, or -1 when none is valid yet. */
  foldFor(timeNs: bigint): number {
    const a = this.availableFrom;
    let lo = 0;
    let hi = a.length; // first index with a[i] >= timeNs
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < timeNs) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private checkFold(fold: number): void {
    if (!Number.isInteger(fold) || fold < 0 || fold >= this.sessions.length) {
      throw new RangeError(`\`fold\` must be an integer in [0, ${this.sessions.length - 1}] (model ${this.metadata.name}), was ${fold}`);
    }
  }

  private ensureScratch(rows: number): void {
    if (this.packedIndex.length >= rows) return;
    this.packed = new Float64Array(rows * this.featureCount);
    this.packedOut = new Float64Array(rows * QUANTILE_COUNT);
    this.packedIndex = new Int32Array(rows);
  }

  /** One row (F features) through fold `fold`; writes 5 quantiles to `out`. Returns 1 when crossed, else 0. */
  async predictRow(fold: number, features: Float64Array, out: Float64Array): Promise<number> {
    return this.predictBatch(fold, features, 1, out);
  }

  /**
   * `n` rows (row-major n x F in `rows`) through fold `fold`; writes n x 5 quantiles to `out`.
   * Rows with a non-finite feature get NaNs without reaching onnxruntime. Returns the number of
   * crossed rows. One call at a time per model set (await it).
   */
  async predictBatch(fold: number, rows: Float64Array, n: number, out: Float64Array): Promise<number> {
    this.checkFold(fold);
    const f = this.featureCount;
    if (!Number.isInteger(n) || n < 0 || rows.length < n * f || out.length < n * QUANTILE_COUNT) {
      throw new RangeError(`predictBatch: \`n\` ${n} rows need rows.length >= ${n * f} (was ${rows.length}) and out.length >= ${n * QUANTILE_COUNT} (was ${out.length})`);
    }
    let finite = 0;
    let allFinite = true;
    for (let r = 0; r < n; r++) {
      let ok = true;
      for (let j = r * f, end = j + f; j < end; j++) if (!Number.isFinite(rows[j])) { ok = false; break; }
      if (ok) finite++;
      else allFinite = false;
    }
    const session = this.sessions[fold];
    if (allFinite) {
      await session.run(rows, 0, n, out, 0);
    } else {
      this.ensureScratch(n);
      const packed = this.packed;
      const index = this.packedIndex;
      let m = 0;
      for (let r = 0; r < n; r++) {
        let ok = true;
        for (let j = r * f, end = j + f; j < end; j++) if (!Number.isFinite(rows[j])) { ok = false; break; }
        if (!ok) {
          for (let k = 0; k < QUANTILE_COUNT; k++) out[r * QUANTILE_COUNT + k] = NaN;
          continue;
        }
        for (let j = 0; j < f; j++) packed[m * f + j] = rows[r * f + j];
        index[m++] = r;
      }
      await session.run(packed, 0, m, this.packedOut, 0);
      for (let i = 0; i < m; i++) {
        const r = index[i];
        for (let k = 0; k < QUANTILE_COUNT; k++) out[r * QUANTILE_COUNT + k] = this.packedOut[i * QUANTILE_COUNT + k];
      }
    }
    let crossed = 0;
    for (let r = 0; r < n; r++) if (isCrossed(out, r)) crossed++;
    this.stats.rows += finite;
    this.stats.nonFiniteRows += n - finite;
    this.stats.crossedRows += crossed;
    return crossed;
  }

  /**
   * Backtest inference ahead of the replay: row i (time timesNs[i]) goes through foldFor(timesNs[i]);
   * rows are grouped by fold and run in chunks of `chunkRows`. Identical to predictRow per row
   * with 1 thread (see README). Rows with no valid fold get NaNs. Returns this call's stats.
   */
  async predictAhead(timesNs: BigInt64Array, rows: Float64Array, n: number, out: Float64Array): Promise<InferenceStats> {
    const f = this.featureCount;
    if (!Number.isInteger(n) || n < 0 || timesNs.length < n || rows.length < n * f || out.length < n * QUANTILE_COUNT) {
      throw new RangeError(`predictAhead: \`n\` ${n} rows need timesNs.length >= ${n} (was ${timesNs.length}), rows.length >= ${n * f} (was ${rows.length}) and out.length >= ${n * QUANTILE_COUNT} (was ${out.length})`);
    }
    const before = { ...this.stats };
    const folds = this.sessions.length;
    // Counting sort of the row indices by fold (fold -1 first).
    const foldOf = new Int32Array(n);
    const starts = new Int32Array(folds + 2);
    for (let i = 0; i < n; i++) {
      const k = this.foldFor(timesNs[i]);
      foldOf[i] = k;
      starts[k + 2]++;
    }
    for (let k = 1; k < starts.length; k++) starts[k] += starts[k - 1];
    const order = new Int32Array(n);
    const fill = starts.slice();
    for (let i = 0; i < n; i++) order[fill[foldOf[i] + 1]++] = i;

    const chunk = Math.min(this.chunkRows, Math.max(1, n));
    const chunkRowsBuf = new Float64Array(chunk * f);
    const chunkOut = new Float64Array(chunk * QUANTILE_COUNT);
    let noFold = 0;
    for (let p = starts[0]; p < starts[1]; p++) {
      const i = order[p];
      for (let k = 0; k < QUANTILE_COUNT; k++) out[i * QUANTILE_COUNT + k] = NaN;
      noFold++;
    }
    for (let fold = 0; fold < folds; fold++) {
      for (let p = starts[fold + 1]; p < starts[fold + 2]; p += chunk) {
        const m = Math.min(chunk, starts[fold + 2] - p);
        for (let r = 0; r < m; r++) {
          const i = order[p + r];
          for (let j = 0; j < f; j++) chunkRowsBuf[r * f + j] = rows[i * f + j];
        }
        await this.predictBatch(fold, chunkRowsBuf, m, chunkOut);
        for (let r = 0; r < m; r++) {
          const i = order[p + r];
          for (let k = 0; k < QUANTILE_COUNT; k++) out[i * QUANTILE_COUNT + k] = chunkOut[r * QUANTILE_COUNT + k];
        }
      }
    }
    this.stats.noFoldRows += noFold;
    return {
      rows: this.stats.rows - before.rows,
      nonFiniteRows: this.stats.nonFiniteRows - before.nonFiniteRows,
      noFoldRows: noFold,
      crossedRows: this.stats.crossedRows - before.crossedRows,
    };
  }

  async release(): Promise<void> {
    for (const s of this.sessions) await s.release();
  }
}
