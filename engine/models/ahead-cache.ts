// The ahead-prediction cache: the quantile matrix predictAhead gave for one exact input, kept in
// LMDB so repeated backtests of the same data and model (sweeps, walk-forward folds, Monte Carlo
// reruns, a user iterating on fusion weights) skip the inference. Bounded: past `maxBytes` of
// answers the oldest written are evicted.
//
//   key   = 64 hex digits given by the caller. aheadCacheKey: sha256( utf8(model version hash)
//           || u32le n || u32le F || f64le features [n x F] || i64le bar close times [n] ).
//           A backtest (engine/backtest model-ahead.ts) keys by the bars instead, so a hit needs
//           no features: model hash, core.wasm hash, feature tokens, bar times and OHLCV.
//
//   LMDB dir (default .quantflow/cache)
//   +-- answers   key -> | u64le seq | u32le n | u32le 5 | f64le quantiles [n x 5] |
//   +-- order     seq -> key              (ascending seq = oldest first, for eviction)
//   +-- meta      'format' -> 1, 'kind' -> 'ahead-cache', 'seq' -> last seq, 'bytes' -> bytes of all answers
//   +-- answered-models  model version hash -> seq of its last answers stored (a hint: entries
//                 may have been evicted since). Named `models` in caches written before the
//                 kind tag, the name of the registry's model database: moved on first open.
//
// A directory that holds another store (a model registry, whose meta also says format 1) is
// refused by name (model-store-kind.ts): answers stored into a registry overwrote its models.
//
// A hit returns the stored bytes exactly (NaNs included), so a backtest from the cache writes the
// same MODEL records as one that ran the model. A stored value of the wrong shape is a corrupt
// cache: it is deleted and counted as a miss.
import { createHash } from 'node:crypto';
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../lmdb/index.js';
import { QUANTILE_COUNT } from './model-metadata.js';
import { AHEAD_CACHE_STORE, judgeStoreKind } from './model-store-kind.js';

export const DEFAULT_AHEAD_CACHE_DIR = '.quantflow/cache';
/** Default bound on the stored answers: 256 MiB (about 400 backtests of 15,000 bars). */
export const DEFAULT_AHEAD_CACHE_BYTES = 256 * 1024 * 1024;
const CACHE_FORMAT = AHEAD_CACHE_STORE.format;
const HEADER = 16;

export interface AheadCacheOptions {
  /** Bound on the stored answers' bytes (default 256 MiB); the oldest are evicted past it. */
  readonly maxBytes?: number;
}

/** The cache key of one predictAhead input (see the header). */
export function aheadCacheKey(modelHash: string, timesNs: BigInt64Array, rows: Float64Array, n: number, features: number): string {
  const hash = createHash('sha256').update(Buffer.from(modelHash, 'utf8'));
  const dims = Buffer.alloc(8);
  dims.writeUInt32LE(n, 0);
  dims.writeUInt32LE(features, 4);
  hash.update(dims);
  hash.update(new Uint8Array(rows.buffer, rows.byteOffset, n * features * 8));
  hash.update(new Uint8Array(timesNs.buffer, timesNs.byteOffset, n * 8));
  return hash.digest('hex');
}

export class AheadCache {
  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly root: RootDatabase,
    private readonly answers: Database<Uint8Array, string>,
    private readonly order: Database<string, number>,
    private readonly meta: Database<number, string>,
    private readonly models: Database<number, string>,
  ) {}

  /** Opens (creating if needed) the cache in directory `dir`. */
  static open(dir: string, options: AheadCacheOptions = {}): AheadCache {
    const maxBytes = options.maxBytes ?? DEFAULT_AHEAD_CACHE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`the ahead cache's \`maxBytes\` must be an integer >= 0, was ${maxBytes}`);
    checkLmdbEnvironment(dir, 'ahead cache');
    const root = openLmdbDirectory(dir);
    try {
      const databases = [...root.getKeys()].filter((key): key is string => typeof key === 'string');
      const meta = root.openDB<number | string, string>({ name: 'meta', encoding: 'json' });
      const verdict = judgeStoreKind(dir, AHEAD_CACHE_STORE, { format: meta.get('format'), kind: meta.get('kind'), databases });
      if (verdict.state === 'refused') throw new Error(`${verdict.reason}${verdict.ours ? ' (delete the directory to rebuild it)' : '; the ahead cache needs a directory of its own'}`);
      const answeredModels = root.openDB<number, string>({ name: 'answered-models', encoding: 'json' });
      if (verdict.state !== 'tagged') {
        root.transactionSync(() => {
          meta.putSync('format', CACHE_FORMAT);
          meta.putSync('kind', AHEAD_CACHE_STORE.kind);
        });
        if (databases.includes('models')) AheadCache.moveLegacyHints(root, answeredModels);
      }
      return new AheadCache(dir, maxBytes, root,
        root.openDB<Uint8Array, string>({ name: 'answers', encoding: 'binary' }),
        root.openDB<string, number>({ name: 'order', encoding: 'json' }),
        meta as Database<number, string>,
        answeredModels);
    } catch (error) {
      void root.close();
      throw error;
    }
  }

  /** Moves the hints of a cache written before the kind tag (db `models`) to `answered-models`. */
  private static moveLegacyHints(root: RootDatabase, answeredModels: Database<number, string>): void {
    const legacy = root.openDB<number, string>({ name: 'models', encoding: 'json' });
    root.transactionSync(() => {
      for (const { key, value } of legacy.getRange()) answeredModels.putSync(key, value);
    });
    legacy.dropSync();
  }

  /** The stored answers for `key` (n x 5), or undefined. */
  get(key: string, n: number): Float64Array | undefined {
    const value = this.answers.get(key);
    if (value === undefined) return undefined;
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    if (value.byteLength !== HEADER + n * QUANTILE_COUNT * 8 || view.getUint32(8, true) !== n || view.getUint32(12, true) !== QUANTILE_COUNT) {
      this.root.transactionSync(() => this.remove(key, value));
      return undefined;
    }
    const out = new Float64Array(n * QUANTILE_COUNT);
    new Uint8Array(out.buffer).set(value.subarray(HEADER));
    return out;
  }

  /** Stores `out` (n x 5) under `key` (answers of model `modelHash`, for holdsAnswersOf), then evicts the oldest answers past maxBytes. */
  put(key: string, out: Float64Array, n: number, modelHash?: string): void {
    const size = HEADER + n * QUANTILE_COUNT * 8;
    if (size > this.maxBytes) return;
    this.root.transactionSync(() => {
      const old = this.answers.get(key);
      if (old !== undefined) this.remove(key, old);
      const seq = (this.meta.get('seq') ?? 0) + 1;
      const value = new Uint8Array(size);
      const view = new DataView(value.buffer);
      view.setBigUint64(0, BigInt(seq), true);
      view.setUint32(8, n, true);
      view.setUint32(12, QUANTILE_COUNT, true);
      value.set(new Uint8Array(out.buffer, out.byteOffset, n * QUANTILE_COUNT * 8), HEADER);
      this.answers.putSync(key, value);
      this.order.putSync(seq, key);
      this.meta.putSync('seq', seq);
      if (modelHash !== undefined) this.models.putSync(modelHash, seq);
      let bytes = (this.meta.get('bytes') ?? 0) + size;
      for (const { key: oldest, value: victim } of this.order.getRange({})) {
        if (bytes <= this.maxBytes) break;
        const stored = this.answers.get(victim);
        bytes -= stored?.byteLength ?? 0;
        this.answers.removeSync(victim);
        this.order.removeSync(oldest);
      }
      this.meta.putSync('bytes', bytes);
    });
  }

  /**
   * Whether answers of model `modelHash` were stored here (given to put): a hint that a run of
   * it may hit, for deciding to load the model before knowing (they may have been evicted since).
   */
  holdsAnswersOf(modelHash: string): boolean {
    return this.models.get(modelHash) !== undefined;
  }

  /** Entries and bytes stored. */
  size(): { entries: number; bytes: number } {
    return { entries: this.order.getCount(), bytes: this.meta.get('bytes') ?? 0 };
  }

  /** Removes one entry (inside a write transaction). */
  private remove(key: string, value: Uint8Array): void {
    const seq = value.byteLength >= 8 ? Number(new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0, true)) : -1;
    this.answers.removeSync(key);
    if (seq >= 0) this.order.removeSync(seq);
    this.meta.putSync('bytes', Math.max(0, (this.meta.get('bytes') ?? 0) - value.byteLength));
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
