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
//                            key "kind"                -> 'model-registry' (model-store-kind.ts)
//
// Every read of a model re-verifies each fold's sha256 and the version hash. A directory that
// holds another store (an ahead cache, whose meta also says format 1) is refused by name.
// Read-only commands open an existing registry (its data.mdb present) without writing anything.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';
import { modelBundle, readModelDir, type ModelBundle } from './model-bundle.js';
import { ModelContractError, ModelRegistryError, shown } from './model-errors.js';
import type { QuantileModelMetadata } from './model-metadata.js';
import { judgeStoreKind, MODEL_REGISTRY_STORE } from './model-store-kind.js';
import { QuantileModelSet, type QuantileModelSetOptions } from './quantile-model-set.js';

export const REGISTRY_FORMAT = MODEL_REGISTRY_STORE.format;
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

/**
 * How a registry is opened: `create` makes it when absent (models add); `write` needs an
 * existing registry (models promote); `read` needs one and writes nothing, not even the kind tag
 * of a registry written before it (models ls, show, promotions; a run's configured model).
 */
export type RegistryAccess = 'create' | 'write' | 'read';

const HOW_TO_MAKE = 'a registry is made by `quantflow models add MODEL_DIR --registry DIR`';

export class ModelRegistry {
  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
    private readonly models: Database<StoredModel, string>,
    private readonly folds: Database<Uint8Array, [string, number]>,
    private readonly log: Database<PromotionRecord, number>,
    private readonly promoted: Database<number, string>,
  ) {}

  /** Opens the registry in directory `dir`; `access` (default create) says whether it may be made (see RegistryAccess). */
  static open(dir: string, access: RegistryAccess = 'create'): ModelRegistry {
    checkLmdbEnvironment(dir, 'model registry');
    if (access !== 'create' && !existsSync(path.join(dir, 'data.mdb'))) {
      throw new ModelRegistryError(`${dir} is not a model registry (it holds no data.mdb); ${HOW_TO_MAKE}`);
    }
    if (access === 'create') mkdirSync(dir, { recursive: true });
    const readOnly = access === 'read';
    const root = open({ path: dir, readOnly });
    try {
      const databases = [...root.getKeys()].filter((key): key is string => typeof key === 'string');
      const meta = databases.includes('meta') || !readOnly ? root.openDB<unknown, string>({ name: 'meta', encoding: 'json' }) : undefined;
      const verdict = judgeStoreKind(dir, MODEL_REGISTRY_STORE, { format: meta?.get('format'), kind: meta?.get('kind'), databases });
      if (verdict.state === 'refused') throw new ModelRegistryError(verdict.ours ? verdict.reason : `${verdict.reason}; give the registry's directory (default ${DEFAULT_REGISTRY_DIR})`);
      if (verdict.state === 'new' && access !== 'create') throw new ModelRegistryError(`${dir} is not a model registry (an LMDB directory without a registry's format mark); ${HOW_TO_MAKE}`);
      if (!readOnly && verdict.state !== 'tagged') {
        root.transactionSync(() => {
          meta!.putSync('format', REGISTRY_FORMAT);
          meta!.putSync('kind', MODEL_REGISTRY_STORE.kind);
        });
      }
      const missing = MODEL_REGISTRY_STORE.databases.filter((name) => !databases.includes(name));
      if (readOnly && missing.length > 0) throw new ModelRegistryError(`model registry ${dir} lacks its databases ${missing.join(', ')} (corrupt store)`);
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
      const stored = this.checkStored(key, value);
      const m = this.parseCanonical(key, stored) as Partial<QuantileModelMetadata>;
      if (typeof m.timeframe !== 'string' || !Array.isArray(m.features) || !Array.isArray(m.folds) || typeof m.target?.horizonBars !== 'number') {
        throw new ModelRegistryError(`${this.origin(key)}: stored metadata lacks \`timeframe\`, \`features\`, \`folds\` or \`target.horizonBars\` (corrupt store)`);
      }
      entries.push({ hash: key, name: stored.name, timeframe: m.timeframe, features: m.features, folds: m.folds.length, horizonBars: m.target.horizonBars, addedAtNs: stored.addedAtNs });
    }
    return entries.sort((a, b) => (a.addedAtNs === b.addedAtNs ? a.hash.localeCompare(b.hash) : BigInt(a.addedAtNs) < BigInt(b.addedAtNs) ? -1 : 1));
  }

  /** The stored model (metadata and fold bytes), verified; `hash` may be a unique prefix. */
  get(hash: string): ModelBundle {
    const full = this.resolve(hash);
    const origin = this.origin(full);
    const doc = this.parseCanonical(full, this.checkStored(full, this.models.get(full)));
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

  private origin(hash: string): string {
    return `registry ${this.dir} model ${hash.slice(0, 12)}`;
  }

  /** `value` as a stored model entry, or a ModelRegistryError naming it. */
  private checkStored(hash: string, value: unknown): StoredModel {
    const v = value as Partial<StoredModel> | null | undefined;
    if (typeof v !== 'object' || v === null || typeof v.canonical !== 'string' || typeof v.name !== 'string' || typeof v.addedAtNs !== 'string' || !/^[0-9]+$/.test(v.addedAtNs)) {
      throw new ModelRegistryError(`${this.origin(hash)}: the stored entry must be { canonical, name, addedAtNs }, was ${shown(value)} (corrupt store)`);
    }
    return v as StoredModel;
  }

  private parseCanonical(hash: string, stored: StoredModel): unknown {
    let doc: unknown;
    try {
      doc = JSON.parse(stored.canonical);
    } catch (error) {
      throw new ModelRegistryError(`${this.origin(hash)}: stored metadata is not JSON (${(error as Error).message})`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ModelRegistryError(`${this.origin(hash)}: stored metadata must be a JSON object, was ${shown(doc)} (corrupt store)`);
    return doc;
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
