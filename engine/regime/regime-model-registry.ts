// The LMDB registry of regime models: each put stores a new version of a named model as
// its JSON record (the same text as a model file), under the ordered key [name, version].
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';
import { parseRegimeModelJson, regimeModelToJson, type RegimeModelRecord } from './regime-model-record.js';

export interface RegimeModelEntry {
  readonly name: string;
  readonly version: number;
  readonly dataHash: string;
  readonly logLikelihood: number;
}

const NAME_RULE = /^[A-Za-z0-9._-]{1,100}$/;

export class RegimeModelRegistry {
  private constructor(private readonly db: RootDatabase<string, [string, number]>) {}

  /**
   * Opens the LMDB environment at `path`: `create` makes it when absent (to put models in);
   * `read` opens an existing registry read-only and refuses a directory that holds none, so a
   * mistyped path is said, not made into an empty registry.
   */
  static open(path: string, access: 'create' | 'read' = 'create'): RegimeModelRegistry {
    checkLmdbEnvironment(path, 'regime model registry');
    if (access === 'create') return new RegimeModelRegistry(open<string, [string, number]>({ path, name: 'regime-models', encoding: 'string' }));
    const howToMake = 'one is made by `quantflow regime fit --registry DIR --name NAME`';
    if (!existsSync(join(path, 'data.mdb'))) throw new Error(`${path} is not a regime model registry (it holds no data.mdb); ${howToMake}`);
    try {
      return new RegimeModelRegistry(open<string, [string, number]>({ path, name: 'regime-models', encoding: 'string', readOnly: true }));
    } catch (error) {
      if ((error as Error).message.includes('Database not found')) throw new Error(`${path} is not a regime model registry (an LMDB directory without regime models); ${howToMake}`);
      throw error;
    }
  }

  private static checkName(name: string): void {
    if (!NAME_RULE.test(name)) throw new Error(`model name must be 1-100 characters of letters, digits, '.', '_' or '-', was ${JSON.stringify(name)}`);
  }

  /** Latest stored version of `name`, or 0. */
  latestVersion(name: string): number {
    RegimeModelRegistry.checkName(name);
    let latest = 0;
    for (const key of this.db.getKeys({ start: [name, 0], end: [name, Number.MAX_SAFE_INTEGER] })) latest = key[1];
    return latest;
  }

  /** Stores `record` as the next version of `name`; returns that version. */
  put(name: string, record: RegimeModelRecord): number {
    RegimeModelRegistry.checkName(name);
    const text = regimeModelToJson(record);
    parseRegimeModelJson(text, `model ${name}`);
    return this.db.transactionSync(() => {
      const version = this.latestVersion(name) + 1;
      this.db.putSync([name, version], text);
      return version;
    });
  }

  /** The record of `name` at `version` (default: latest); throws when absent. */
  get(name: string, version?: number): RegimeModelRecord {
    const v = version ?? this.latestVersion(name);
    const text = v > 0 ? this.db.get([name, v]) : undefined;
    if (text === undefined) throw new Error(`regime model ${JSON.stringify(name)} version ${version ?? 'latest'} is not in the registry`);
    return parseRegimeModelJson(text, `registry ${name}@${v}`);
  }

  list(): RegimeModelEntry[] {
    const entries: RegimeModelEntry[] = [];
    for (const { key, value } of this.db.getRange()) {
      const record = JSON.parse(value) as RegimeModelRecord;
      entries.push({ name: key[0], version: key[1], dataHash: record.dataHash, logLikelihood: record.logLikelihood });
    }
    return entries;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
