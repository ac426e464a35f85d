// All walk-forward folds of one quantile model, loaded for serving: one QuantileSession per
// fold, the fold valid at each time (never one trained on data after it), per-bar and batch
// inference, and predictAhead for backtests (rows grouped by fold, run in chunks, the same
// numbers as per-bar inference).
//
// Non-finite features: a row with any NaN or infinite feature gets five NaN quantiles and is
// never given to onnxruntime (trees would route NaN down the "missing" branch and return a
// confident-looking number). Rows with no valid fold (time <= folds[0].availableFromNs) get NaNs
// too. Crossed rows (some q[k+1] < q[k]) are returned as the model gives them and counted.
//
// predictAhead on more than `aheadMinRows` rows runs its chunks on the ahead pool (ahead-pool.ts:
// `aheadWorkers` threads, each with its own 1-thread session of every fold, started on first use
// and kept until release()), so a backtest's inference uses the machine's cores; the bytes are
// the same as in-process (and as predictRow).
import { availableParallelism } from 'node:os';
import { AheadPool } from './ahead-pool.js';
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
  /**
   * Worker threads of the ahead pool (default min(2, availableParallelism())); 1 runs predictAhead
   * in this thread. Each worker loads every fold once (1 intra-op thread) and is reused.
   */
  readonly aheadWorkers?: number;
  /** predictAhead calls with fewer rows than this run in this thread (default 4,096). */
  readonly aheadMinRows?: number;
  /**
   * Create this thread's onnxruntime sessions on first use instead of at load (default false). A
   * backtest may never use them: its answers come from the ahead cache, or from the ahead pool,
   * whose workers hold their own. The graphs' signatures are then checked by whatever loads them
   * first (checkLoadable, the pool's start, the first in-thread call), not at load.
   */
  readonly lazySessions?: boolean;
}

/** The ahead pool's default size: 2 workers when the machine has 2 cores or more. */
export function defaultAheadWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
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

/** One onnxruntime session per fold of `bundle` (each checks its graph's signature against model.json). */
async function createSessions(bundle: ModelBundle, threads: number | undefined): Promise<QuantileSession[]> {
  const { metadata } = bundle;
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
      }, { threads }));
    }
  } catch (error) {
    for (const s of sessions) await s.release();
    throw error;
  }
  return sessions;
}

function isCrossed(out: Float64Array, row: number): boolean {
  const b = row * QUANTILE_COUNT;
  for (let k = 1; k < QUANTILE_COUNT; k++) if (out[b + k] < out[b + k - 1]) return true;
  return false;
}

export class QuantileModelSet {
  readonly stats: InferenceStats = { rows: 0, nonFiniteRows: 0, noFoldRows: 0, crossedRows: 0 };
  private readonly availableFrom: BigInt64Array;
  /** availableFrom as high (signed) and low (unsigned) 32-bit words, for foldsFor. */
  private readonly availableFromHi: Int32Array;
  private readonly availableFromLo: Uint32Array;
  private readonly featureCount: number;
  private readonly chunkRows: number;
  private readonly aheadWorkers: number;
  private readonly aheadMinRows: number;
  private pool: Promise<AheadPool> | undefined;
  /** This thread's sessions (undefined until created: lazySessions), and their creation under way. */
  private sessions: readonly QuantileSession[] | undefined;
  private sessionsLoading: Promise<readonly QuantileSession[]> | undefined;
  private readonly sessionOptions: { readonly threads?: number };
  /** Scratch of finite rows (predictBatch) and their positions, grown on demand. */
  private packed = new Float64Array(0);
  private packedOut = new Float64Array(0);
  private packedIndex = new Int32Array(0);

  private constructor(readonly bundle: ModelBundle, sessions: readonly QuantileSession[] | undefined, threads: number | undefined, chunkRows: number, aheadWorkers: number, aheadMinRows: number) {
    this.sessions = sessions;
    this.sessionOptions = { threads };
    this.availableFrom = BigInt64Array.from(bundle.metadata.folds.map((f) => f.availableFromNs));
    this.availableFromHi = Int32Array.from(bundle.metadata.folds.map((f) => Number(BigInt.asIntN(32, f.availableFromNs >> 32n))));
    this.availableFromLo = Uint32Array.from(bundle.metadata.folds.map((f) => Number(BigInt.asUintN(32, f.availableFromNs))));
    this.featureCount = bundle.metadata.features.length;
    this.chunkRows = chunkRows;
    this.aheadWorkers = aheadWorkers;
    this.aheadMinRows = aheadMinRows;
  }

  get metadata(): QuantileModelMetadata {
    return this.bundle.metadata;
  }

  get hash(): string {
    return this.bundle.hash;
  }

  /** onnxruntime intra-op threads of this thread's sessions (`threads`, default 1); the ahead pool's workers always use 1. */
  get threads(): number {
    return this.sessionOptions.threads ?? 1;
  }

  get foldCount(): number {
    return this.bundle.metadata.folds.length;
  }

  /** Whether this thread's onnxruntime sessions exist (always, unless loaded with lazySessions). */
  get sessionsLoaded(): boolean {
    return this.sessions !== undefined;
  }

  /** Whether the ahead pool was started (its workers hold sessions of their own). */
  get aheadPoolStarted(): boolean {
    return this.pool !== undefined;
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
    const aheadWorkers = options.aheadWorkers ?? defaultAheadWorkers();
    if (!Number.isInteger(aheadWorkers) || aheadWorkers < 1 || aheadWorkers > 64) throw new RangeError(`\`aheadWorkers\` must be an integer in [1, 64], was ${aheadWorkers}`);
    const aheadMinRows = options.aheadMinRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(aheadMinRows) || aheadMinRows < 0) throw new RangeError(`\`aheadMinRows\` must be an integer >= 0, was ${aheadMinRows}`);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 256)) throw new RangeError(`\`threads\` must be an integer in [1, 256], was ${options.threads}`);
    const sessions = options.lazySessions === true ? undefined : await createSessions(bundle, options.threads);
    return new QuantileModelSet(bundle, sessions, options.threads, chunkRows, aheadWorkers, aheadMinRows);
  }

  /** This thread's sessions, created now if they are not yet (lazySessions). */
  private loadSessions(): Promise<readonly QuantileSession[]> {
    if (this.sessions !== undefined) return Promise.resolve(this.sessions);
    if (this.sessionsLoading === undefined) {
      const loading = createSessions(this.bundle, this.sessionOptions.threads);
      this.sessionsLoading = loading;
      loading.then((created) => { this.sessions = created; }, () => { if (this.sessionsLoading === loading) this.sessionsLoading = undefined; });
    }
    return this.sessionsLoading;
  }

  /**
   * Resolves once onnxruntime has loaded every fold and checked its signature (throws the
   * ModelContractError otherwise), where this set's backtest inference will run: on the ahead
   * pool when it has more than one worker (starting it), else in this thread. Immediate when
   * the sessions were created at load.
   */
  async checkLoadable(): Promise<void> {
    if (this.sessions !== undefined) return;
    if (this.aheadWorkers > 1) await this.startAheadPool();
    else await this.loadSessions();
  }

  /**
   * foldFor of each of the first `n` times, into `out` (Int32Array of n): the same folds, without
   * a BigInt per comparison (the times are compared as high and low 32-bit words).
   */
  foldsFor(timesNs: BigInt64Array, n: number, out: Int32Array): Int32Array {
    if (timesNs.byteOffset % 4 !== 0) {
      for (let i = 0; i < n; i++) out[i] = this.foldFor(timesNs[i]);
      return out;
    }
    const hi = new Int32Array(timesNs.buffer, timesNs.byteOffset, n * 2);
    const lo = new Uint32Array(timesNs.buffer, timesNs.byteOffset, n * 2);
    const aHi = this.availableFromHi;
    const aLo = this.availableFromLo;
    const folds = aHi.length;
    for (let i = 0; i < n; i++) {
      const tHi = hi[2 * i + 1];
      const tLo = lo[2 * i];
      let lo_ = 0;
      let hi_ = folds; // first index with available[k] >= t
      while (lo_ < hi_) {
        const mid = (lo_ + hi_) >>> 1;
        if (aHi[mid] < tHi || (aHi[mid] === tHi && aLo[mid] < tLo)) lo_ = mid + 1;
        else hi_ = mid;
      }
      out[i] = lo_ - 1;
    }
    return out;
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
    if (!Number.isInteger(fold) || fold < 0 || fold >= this.foldCount) {
      throw new RangeError(`\`fold\` must be an integer in [0, ${this.foldCount - 1}] (model ${this.metadata.name}), was ${fold}`);
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
    const session = (this.sessions ?? await this.loadSessions())[fold];
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
    const folds = this.foldCount;
    // Counting sort of the row indices by fold (fold -1 first).
    const foldOf = this.foldsFor(timesNs, n, new Int32Array(n));
    const starts = new Int32Array(folds + 2);
    for (let i = 0; i < n; i++) starts[foldOf[i] + 2]++;
    for (let k = 1; k < starts.length; k++) starts[k] += starts[k - 1];
    const order = new Int32Array(n);
    const fill = starts.slice();
    for (let i = 0; i < n; i++) order[fill[foldOf[i] + 1]++] = i;

    let noFold = 0;
    for (let p = starts[0]; p < starts[1]; p++) {
      const i = order[p];
      for (let k = 0; k < QUANTILE_COUNT; k++) out[i * QUANTILE_COUNT + k] = NaN;
      noFold++;
    }
    if (this.aheadWorkers > 1 && n - noFold >= this.aheadMinRows && n - noFold > 0) {
      await this.predictAheadOnPool(rows, order, starts, out);
    } else {
      const chunk = Math.min(this.chunkRows, Math.max(1, n));
      const chunkRowsBuf = new Float64Array(chunk * f);
      const chunkOut = new Float64Array(chunk * QUANTILE_COUNT);
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
    }
    this.stats.noFoldRows += noFold;
    return {
      rows: this.stats.rows - before.rows,
      nonFiniteRows: this.stats.nonFiniteRows - before.nonFiniteRows,
      noFoldRows: noFold,
      crossedRows: this.stats.crossedRows - before.crossedRows,
    };
  }

  /**
   * predictAhead in consecutive parts, for a caller that uses the first answers while the rest
   * are being computed (a backtest's replay, engine/backtest/model-ahead.ts): part k is rows
   * [ends[k - 1], ends[k]) (ends[-1] = 0; ends non-decreasing, the last = n) and its promise
   * resolves once those rows' answers are in `out`. The same bytes as predictAhead (so as
   * predictRow with 1 thread: a row's answer does not depend on the batch it is in). When
   * predictAhead would run on the ahead pool, every part's chunks are sent at once, in part
   * order, so the first parts come back first; otherwise one predictAhead runs in this thread
   * and every part resolves when it ends. One call at a time per model set (await every part).
   */
  predictAheadParts(timesNs: BigInt64Array, rows: Float64Array, n: number, out: Float64Array, ends: ArrayLike<number>): Promise<void>[] {
    const f = this.featureCount;
    if (!Number.isInteger(n) || n < 0 || timesNs.length < n || rows.length < n * f || out.length < n * QUANTILE_COUNT) {
      throw new RangeError(`predictAheadParts: \`n\` ${n} rows need timesNs.length >= ${n} (was ${timesNs.length}), rows.length >= ${n * f} (was ${rows.length}) and out.length >= ${n * QUANTILE_COUNT} (was ${out.length})`);
    }
    for (let k = 0; k < ends.length; k++) {
      const from = k === 0 ? 0 : ends[k - 1];
      if (!Number.isInteger(ends[k]) || ends[k] < from || ends[k] > n) throw new RangeError(`predictAheadParts: \`ends\` must be non-decreasing integers in [0, ${n}], ends[${k}] was ${ends[k]} (after ${from})`);
    }
    if (ends.length === 0 ? n !== 0 : ends[ends.length - 1] !== n) throw new RangeError(`predictAheadParts: the last of \`ends\` must be n = ${n}, was ${ends.length === 0 ? 'none' : ends[ends.length - 1]}`);
    const foldOf = this.foldsFor(timesNs, n, new Int32Array(n));
    let predicted = 0;
    for (let i = 0; i < n; i++) if (foldOf[i] >= 0) predicted++;
    if (!(this.aheadWorkers > 1 && predicted >= this.aheadMinRows && predicted > 0)) {
      const all = this.predictAhead(timesNs, rows, n, out).then(() => undefined);
      return Array.from(ends, () => all);
    }
    const folds = this.foldCount;
    const parts: Promise<void>[] = [];
    for (let k = 0, from = 0; k < ends.length; from = ends[k++]) {
      const end = ends[k];
      // Counting sort of the part's rows by fold (fold -1 first), as predictAhead does.
      const starts = new Int32Array(folds + 2);
      for (let i = from; i < end; i++) starts[foldOf[i] + 2]++;
      for (let j = 1; j < starts.length; j++) starts[j] += starts[j - 1];
      const order = new Int32Array(end - from);
      const fill = starts.slice();
      for (let i = from; i < end; i++) order[fill[foldOf[i] + 1]++] = i;
      for (let p = starts[0]; p < starts[1]; p++) {
        const i = order[p];
        for (let q = 0; q < QUANTILE_COUNT; q++) out[i * QUANTILE_COUNT + q] = NaN;
      }
      this.stats.noFoldRows += starts[1] - starts[0];
      // Called in part order: each sends its chunks once the pool is up, in this order.
      // One chunk per worker and part: fewer, bigger calls. The CPU of 15,163 rows in 10 parts
      // against one predictAhead (bench data, medians of 10, load 4-6): 4 chunks per worker
      // +11% (159.0 vs 142.9 ms), 1 chunk per worker +3% and +2% (185.6 vs 180.4, 145.4 vs 142.0).
      parts.push(starts[folds + 1] > starts[1] ? this.predictAheadOnPool(rows, order, starts, out, 1) : Promise.resolve());
    }
    return parts;
  }

  /**
   * The pool part of predictAhead: each fold's rows (in `order` between starts[fold + 1] and
   * starts[fold + 2]) are packed without the non-finite ones (NaNs, counted) and cut into chunks
   * small enough to keep every worker busy (`chunksPerWorker` chunks per worker), all sent at
   * once; answers are scattered back by row.
   */
  private async predictAheadOnPool(rows: Float64Array, order: Int32Array, starts: Int32Array, out: Float64Array, chunksPerWorker = 4): Promise<void> {
    const pool = await this.startAheadPool();
    const f = this.featureCount;
    const folds = this.foldCount;
    const total = starts[folds + 1] - starts[1];
    const chunk = Math.max(256, Math.min(this.chunkRows, Math.ceil(total / (pool.size * chunksPerWorker))));
    const tasks: Promise<void>[] = [];
    let finite = 0;
    let crossed = 0;
    for (let fold = 0; fold < folds; fold++) {
      let index = new Int32Array(chunk);
      let packed = new Float64Array(chunk * f);
      let m = 0;
      const send = (): void => {
        const positions = index;
        const count = m;
        tasks.push(pool.run(fold, packed, count).then((answers) => {
          for (let r = 0; r < count; r++) {
            const i = positions[r];
            for (let k = 0; k < QUANTILE_COUNT; k++) out[i * QUANTILE_COUNT + k] = answers[r * QUANTILE_COUNT + k];
            if (isCrossed(out, i)) crossed++;
          }
        }));
        index = new Int32Array(chunk);
        packed = new Float64Array(chunk * f);
        m = 0;
      };
      for (let p = starts[fold + 1]; p < starts[fold + 2]; p++) {
        const i = order[p];
        let ok = true;
        for (let j = i * f, end = j + f; j < end; j++) if (!Number.isFinite(rows[j])) { ok = false; break; }
        if (!ok) {
          for (let k = 0; k < QUANTILE_COUNT; k++) out[i * QUANTILE_COUNT + k] = NaN;
          continue;
        }
        for (let j = 0; j < f; j++) packed[m * f + j] = rows[i * f + j];
        index[m++] = i;
        finite++;
        if (m === chunk) send();
      }
      if (m > 0) send();
    }
    await Promise.all(tasks);
    this.stats.rows += finite;
    this.stats.nonFiniteRows += total - finite;
    this.stats.crossedRows += crossed;
  }

  /** Starts the ahead pool (once; later calls share it). predictAhead calls it when it needs it. */
  startAheadPool(): Promise<AheadPool> {
    if (this.pool === undefined) {
      const starting = AheadPool.start(this.bundle, this.aheadWorkers);
      starting.catch(() => { if (this.pool === starting) this.pool = undefined; });
      this.pool = starting;
    }
    return this.pool;
  }

  async release(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await pool.then((p) => p.release(), () => undefined);
    const loading = this.sessionsLoading;
    this.sessionsLoading = undefined;
    const sessions = this.sessions ?? (loading !== undefined ? await loading.catch(() => undefined) : undefined);
    this.sessions = undefined;
    for (const s of sessions ?? []) await s.release();
  }
}
