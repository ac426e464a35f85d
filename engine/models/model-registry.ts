// The model registry on LMDB: quantile models stored as canonical model.json plus each fold's
// ONNX bytes, keyed by version hash (never overwritten), and the append-only, gapless log of
// promotions of a model to a strategy.
//
//   <dir>/  LMDB environment
//     db "models"            key hash (string)        -> { canonical, name, addedAtNs }  (json)
//     db "model-folds"       key [hash, fold] (k)     -> ONNX bytes                       (binary)
//     db "promotions"        key seq (1, 2, 3 ...)     -> PromotionRecord                  (json)
//     db "promoted"          key strategy              -> seq of its current promotion      (json)
//     db "meta"              key "format"              -> REGISTRY_FORMAT
//
// Every read of a model re-verifies each fold's sha256 and the version hash.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';
import { modelBundle, readModelDir, type ModelBundle } from './model-bundle.js';
import { ModelContractError, ModelRegistryError } from './model-errors.js';
import type { QuantileModelMetadata } from './model-metadata.js';
import { QuantileModelSet, type QuantileModelSetOptions } from './quantile-model-set.js';

export const REGISTRY_FORMAT = 1;
/** Default registry directory of the CLI (relative to the working directory, like .quantflow/research). */
export const DEFAULT_REGISTRY_DIR = '.quantflow/models';
const STRATEGY_RULE = /^[A-Za-z0-9._:-]{1,100}$/;
const MIN_PREFIX = 6;

interface StoredModel {
  readonly canonical: string;
  readonly name: string;
  readonly addedAtNs: string;
}

export interface RegistryEntry {
  readonly hash: string;
  readonly name: string;
  readonly timeframe: string;
  readonly features: readonly string[];
  readonly folds: number;
  readonly horizonBars: number;
  /** ns since the epoch, decimal. */
  readonly addedAtNs: string;
}

export interface PromotionRecord {
  /** 1, 2, 3 ... without gaps. */
  readonly seq: number;
  /** ns since the epoch, decimal. */
  readonly timeNs: string;
  readonly hash: string;
  readonly strategy: string;
  /** The hash promoted for the strategy before this one, or null. */
  readonly previousHash: string | null;
  readonly by: string;
  readonly reason: string;
}

export interface AddResult {
  readonly hash: string;
  /** False when the same version was already stored (nothing written). */
  readonly added: boolean;
  readonly name: string;
}

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class ModelRegistry {
  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
    private readonly models: Database<StoredModel, string>,
    private readonly folds: Database<Uint8Array, [string, number]>,
    private readonly log: Database<PromotionRecord, number>,
    private readonly promoted: Database<number, string>,
  ) {}

  /** Opens (creating if needed) the registry in directory `dir`. */
  static open(dir: string): ModelRegistry {
    checkLmdbEnvironment(dir, 'model registry');
    mkdirSync(dir, { recursive: true });
    const root = open({ path: dir });
    try {
      const meta = root.openDB<number, string>({ name: 'meta', encoding: 'json' });
      const format = meta.get('format');
      if (format === undefined) meta.putSync('format', REGISTRY_FORMAT);
      else if (format !== REGISTRY_FORMAT) throw new ModelRegistryError(`model registry ${dir} has format ${format}, this code reads format ${REGISTRY_FORMAT}`);
      return new ModelRegistry(
        dir,
        root,
        root.openDB<StoredModel, string>({ name: 'models', encoding: 'json' }),
        root.openDB<Uint8Array, [string, number]>({ name: 'model-folds', encoding: 'binary' }),
        root.openDB<PromotionRecord, number>({ name: 'promotions', encoding: 'json' }),
        root.openDB<number, string>({ name: 'promoted', encoding: 'json' }),
      );
    } catch (error) {
      void root.close();
      throw error;
    }
  }

  /**
   * Stores the model directory `modelDir` under its version hash. Verifies model.json, each fold's
   * sha256 and (unless `verifyOnnx` is false) that every fold loads in onnxruntime with the
   * declared signature. Adding the same version again stores nothing and returns the same hash.
   */
  async add(modelDir: string, options: { verifyOnnx?: boolean; timeNs?: bigint } = {}): Promise<AddResult> {
    const bundle = readModelDir(modelDir);
    if (options.verifyOnnx !== false) await (await QuantileModelSet.fromBundle(bundle)).release();
    return this.addBundle(bundle, options.timeNs);
  }

  /** Stores a verified bundle (see add). */
  addBundle(bundle: ModelBundle, timeNs: bigint = nowNs()): AddResult {
    const { hash, metadata } = bundle;
    return this.models.transactionSync(() => {
      const existing = this.models.get(hash);
      if (existing !== undefined) {
        if (existing.canonical !== bundle.canonical) throw new ModelRegistryError(`registry ${this.dir}: version ${hash} is stored with different metadata (sha256 collision or a corrupt store); nothing written`);
        return { hash, added: false, name: existing.name };
      }
      this.models.putSync(hash, { canonical: bundle.canonical, name: metadata.name, addedAtNs: timeNs.toString() });
      bundle.foldBytes.forEach((bytes, k) => this.folds.putSync([hash, k], bytes));
      return { hash, added: true, name: metadata.name };
    });
  }

  /** The full hash of `hashOrPrefix` (a unique prefix of >= 6 hex digits is enough). */
  resolve(hashOrPrefix: string): string {
    const text = hashOrPrefix.trim().toLowerCase();
    if (!/^[0-9a-f]+$/.test(text) || text.length > 64 || text.length < MIN_PREFIX) {
      throw new ModelRegistryError(`model hash must be ${MIN_PREFIX} to 64 hex digits (a unique prefix of a version hash), was ${JSON.stringify(hashOrPrefix)}`);
    }
    if (text.length === 64) {
      if (this.models.get(text) === undefined) throw new ModelRegistryError(`model ${text} is not in the registry ${this.dir} (see \`quantflow models ls\`)`);
      return text;
    }
    const matches = [...this.models.getKeys({ start: text, end: `${text}g` })];
    if (matches.length === 0) throw new ModelRegistryError(`no model hash starts with ${text} in the registry ${this.dir} (see \`quantflow models ls\`)`);
    if (matches.length > 1) throw new ModelRegistryError(`model hash prefix ${text} is ambiguous in the registry ${this.dir}: ${matches.join(', ')}`);
    return matches[0];
  }

  has(hash: string): boolean {
    return this.models.get(hash) !== undefined;
  }

  list(): RegistryEntry[] {
    const entries: RegistryEntry[] = [];
    for (const { key, value } of this.models.getRange()) {
      const m = JSON.parse(value.canonical) as QuantileModelMetadata;
      entries.push({ hash: key, name: value.name, timeframe: m.timeframe, features: m.features, folds: m.folds.length, horizonBars: m.target.horizonBars, addedAtNs: value.addedAtNs });
    }
    return entries.sort((a, b) => (a.addedAtNs === b.addedAtNs ? a.hash.localeCompare(b.hash) : BigInt(a.addedAtNs) < BigInt(b.addedAtNs) ? -1 : 1));
  }

  /** The stored model (metadata and fold bytes), verified; `hash` may be a unique prefix. */
  get(hash: string): ModelBundle {
    const full = this.resolve(hash);
    const stored = this.models.get(full)!;
    const origin = `registry ${this.dir} model ${full.slice(0, 12)}`;
    let doc: unknown;
    try {
      doc = JSON.parse(stored.canonical);
    } catch (error) {
      throw new ModelRegistryError(`${origin}: stored metadata is not JSON (${(error as Error).message})`);
    }
    const folds = Array.isArray((doc as { folds?: unknown }).folds) ? (doc as { folds: unknown[] }).folds.length : 0;
    const bytes: Uint8Array[] = [];
    for (let k = 0; k < folds; k++) {
      const b = this.folds.get([full, k]);
      if (b === undefined) throw new ModelRegistryError(`${origin}: fold ${k} bytes are missing from the store`);
      bytes.push(new Uint8Array(b));
    }
    let bundle: ModelBundle;
    try {
      bundle = modelBundle(doc, bytes, origin, `${origin} model.json`);
    } catch (error) {
      if (error instanceof ModelContractError) throw new ModelRegistryError(`stored model failed verification: ${error.message}`);
      throw error;
    }
    if (bundle.hash !== full) throw new ModelRegistryError(`${origin}: stored bytes hash to ${bundle.hash}, not to their key ${full} (corrupt store)`);
    return bundle;
  }

  /** Writes the stored model as a model directory (model.json with sorted keys, fold-<k>.onnx). */
  materialize(hash: string, dir: string): string {
    const bundle = this.get(hash);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), `${JSON.stringify(JSON.parse(bundle.canonical), null, 2)}\n`);
    bundle.metadata.folds.forEach((fold, k) => writeFileSync(path.join(dir, fold.file), bundle.foldBytes[k]));
    return bundle.hash;
  }

  /** Loads the stored model into onnxruntime straight from its bytes. */
  async load(hash: string, options: QuantileModelSetOptions = {}): Promise<QuantileModelSet> {
    return QuantileModelSet.fromBundle(this.get(hash), options);
  }

  /**
   * Makes `hash` the model of `strategy`: appends a PromotionRecord (next seq) to the promotion
   * log. Explicit only: nothing else changes what a strategy uses.
   */
  promote(hash: string, strategy: string, who: { by: string; reason: string; timeNs?: bigint }): PromotionRecord {
    const full = this.resolve(hash);
    if (!STRATEGY_RULE.test(strategy)) throw new ModelRegistryError(`\`strategy\` must be 1-100 letters, digits, '.', '_', ':' or '-', was ${JSON.stringify(strategy)}`);
    if (typeof who.by !== 'string' || who.by.trim() === '') throw new ModelRegistryError(`\`by\` must name who promotes (non-empty), was ${JSON.stringify(who.by)}`);
    if (typeof who.reason !== 'string' || who.reason.trim() === '') throw new ModelRegistryError(`\`reason\` must say why (non-empty), was ${JSON.stringify(who.reason)}`);
    return this.log.transactionSync(() => {
      const current = this.promotedFor(strategy);
      if (current?.hash === full) throw new ModelRegistryError(`model ${full} is already the promoted model of strategy ${JSON.stringify(strategy)} (promotion ${current.seq}); nothing written`);
      const seq = this.lastSeq() + 1;
      const record: PromotionRecord = {
        seq,
        timeNs: (who.timeNs ?? nowNs()).toString(),
        hash: full,
        strategy,
        previousHash: current?.hash ?? null,
        by: who.by.trim(),
        reason: who.reason.trim(),
      };
      this.log.putSync(seq, record);
      this.promoted.putSync(strategy, seq);
      return record;
    });
  }

  /** The current promotion of `strategy`, or null when none. */
  promotedFor(strategy: string): PromotionRecord | null {
    const seq = this.promoted.get(strategy);
    if (seq === undefined) return null;
    const record = this.log.get(seq);
    if (record === undefined) throw new ModelRegistryError(`registry ${this.dir}: strategy ${JSON.stringify(strategy)} points at promotion ${seq}, which is missing (corrupt store)`);
    return record;
  }

  /** The promotion log, oldest first (of one strategy when given). */
  promotions(strategy?: string): PromotionRecord[] {
    const records: PromotionRecord[] = [];
    let expected = 1;
    for (const { key, value } of this.log.getRange()) {
      if (key !== expected) throw new ModelRegistryError(`registry ${this.dir}: promotion log has a gap: seq ${key} follows ${expected - 1}`);
      expected++;
      if (strategy === undefined || value.strategy === strategy) records.push(value);
    }
    return records;
  }

  private lastSeq(): number {
    for (const key of this.log.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
