// The two LMDB stores of engine/models told apart (engine/models/model-store-kind.ts): the model
// registry and the ahead cache both say format 1 in meta and once shared a database named
// `models`, so answers stored into a registry overwrote its model entries. Each now tags its
// kind and refuses the other's directory; stores written before the tag (simulated here by
// writing their databases with lmdb-js) are taken only when their databases are of the kind
// expected. Read-only opens write nothing; a bad stored entry is a ModelRegistryError naming it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { AheadCache, ModelRegistry, ModelRegistryError, readModelDir } from '../engine/models/index.js';

const SMALL = path.resolve('test/fixtures/models/q5-small');
const HASH = readModelDir(SMALL).hash;
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-store-kind-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function registryWithModel(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  const registry = ModelRegistry.open(dir);
  await registry.add(SMALL, { verifyOnnx: false, timeNs: 5n });
  registry.promote(HASH, 'btc-q5', { by: 'alice', reason: 'test', timeNs: 6n });
  await registry.close();
  return dir;
}

async function cacheWithAnswers(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  const cache = AheadCache.open(dir);
  cache.put('a'.repeat(64), new Float64Array(5), 1, HASH);
  await cache.close();
  return dir;
}

/** The environment's database names and meta, read with lmdb-js. */
async function inspect(dir: string): Promise<{ databases: string[]; kind: unknown }> {
  const root = open({ path: dir, readOnly: true });
  const databases = [...root.getKeys()].map(String);
  const kind = databases.includes('meta') ? root.openDB<string, string>({ name: 'meta', encoding: 'json' }).get('kind') : undefined;
  await root.close();
  return { databases, kind };
}

/** Removes meta 'kind' (a store written before the tag); `rename` moves a database's entries to another name. */
async function untag(dir: string, rename?: { from: string; to: string }): Promise<void> {
  const root = open({ path: dir });
  await root.openDB<string, string>({ name: 'meta', encoding: 'json' }).remove('kind');
  if (rename) {
    const from = root.openDB<unknown, string>({ name: rename.from, encoding: 'json' });
    const to = root.openDB<unknown, string>({ name: rename.to, encoding: 'json' });
    root.transactionSync(() => {
      for (const { key, value } of from.getRange()) to.putSync(key, value);
    });
    from.dropSync();
  }
  await root.close();
}

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('was accepted');
}

describe('the model registry and the ahead cache refuse each other', () => {
  it('an ahead cache refuses a registry directory and leaves its model entry intact', async () => {
    const dir = await registryWithModel('registry');
    const error = refusal(() => AheadCache.open(dir));
    expect(error.message).toBe(`${dir} is a model registry (meta kind "model-registry"), not an ahead cache; the ahead cache needs a directory of its own`);
    const registry = ModelRegistry.open(dir, 'read');
    expect(registry.list().map((e) => e.hash), 'the registry still lists its model').toEqual([HASH]);
    expect(registry.get(HASH).hash).toBe(HASH);
    expect(registry.promotedFor('btc-q5')?.hash).toBe(HASH);
    await registry.close();
  });

  it('a registry refuses an ahead cache directory, whether opened to read or to add', async () => {
    const dir = await cacheWithAnswers('cache');
    for (const access of ['read', 'write', 'create'] as const) {
      const error = refusal(() => ModelRegistry.open(dir, access));
      expect(error, access).toBeInstanceOf(ModelRegistryError);
      expect(error.message, access).toBe(`${dir} is an ahead cache (meta kind "ahead-cache"), not a model registry; give the registry's directory (default .quantflow/models)`);
    }
    expect((await inspect(dir)).databases, 'nothing of a registry was created in the cache').toEqual(['answered-models', 'answers', 'meta', 'order']);
  });

  it('the two stores share no database name', async () => {
    const registry = await inspect(await registryWithModel('names-registry'));
    const cache = await inspect(await cacheWithAnswers('names-cache'));
    expect(registry.kind).toBe('model-registry');
    expect(cache.kind).toBe('ahead-cache');
    expect(registry.databases.filter((name) => name !== 'meta' && cache.databases.includes(name))).toEqual([]);
  });
});

describe('stores written before the kind tag', () => {
  it('a registry without a tag is opened as a registry (tagged when opened to write) and refused as a cache', async () => {
    const dir = await registryWithModel('legacy-registry');
    await untag(dir);
    expect(refusal(() => AheadCache.open(dir)).message).toBe(`${dir} is a model registry (it holds model-folds, promoted, promotions), not an ahead cache; the ahead cache needs a directory of its own`);
    const reader = ModelRegistry.open(dir, 'read');
    expect(reader.list().map((e) => e.hash)).toEqual([HASH]);
    await reader.close();
    expect((await inspect(dir)).kind, 'a read-only open writes no tag').toBeUndefined();
    const writer = ModelRegistry.open(dir, 'write');
    await writer.close();
    expect((await inspect(dir)).kind).toBe('model-registry');
  });

  it('a cache without a tag (its hints in `models`) is refused as a registry, opened as a cache with its hints moved', async () => {
    const dir = await cacheWithAnswers('legacy-cache');
    await untag(dir, { from: 'answered-models', to: 'models' });
    expect((await inspect(dir)).databases).toEqual(['answers', 'meta', 'models', 'order']);
    expect(refusal(() => ModelRegistry.open(dir, 'read')).message).toBe(`${dir} is an ahead cache (it holds answers, order), not a model registry; give the registry's directory (default .quantflow/models)`);
    const cache = AheadCache.open(dir);
    expect(cache.holdsAnswersOf(HASH), 'the hint survives the move').toBe(true);
    expect(cache.get('a'.repeat(64), 1)).toEqual(new Float64Array(5));
    await cache.close();
    expect(await inspect(dir)).toEqual({ databases: ['answered-models', 'answers', 'meta', 'order'], kind: 'ahead-cache' });
  });

  it('a directory holding both stores\' databases (a cache written into a registry) is refused by both', async () => {
    const dir = await registryWithModel('mixed');
    await untag(dir);
    const root = open({ path: dir });
    await root.openDB<Uint8Array, string>({ name: 'answers', encoding: 'binary' }).put('k', new Uint8Array(16));
    await root.openDB<string, number>({ name: 'order', encoding: 'json' }).put(1, 'k');
    await root.openDB<number, string>({ name: 'models', encoding: 'json' }).put(HASH, 1);
    await root.close();
    const both = `${dir} holds the databases of both`;
    expect(refusal(() => ModelRegistry.open(dir, 'read')).message).toMatch(new RegExp(`^${both} a model registry \\(model-folds, promoted, promotions\\) and an ahead cache \\(answers, order\\): one was written into the other, its entries cannot be trusted; give the registry's directory`));
    expect(refusal(() => AheadCache.open(dir)).message).toMatch(new RegExp(`^${both} an ahead cache \\(answers, order\\) and a model registry`));
  });

  it('another LMDB store is refused by both, naming its databases', async () => {
    const dir = path.join(tmp, 'other-store');
    const root = open({ path: dir });
    await root.openDB<string, string>({ name: 'runs', encoding: 'json' }).put('r', 'x');
    await root.close();
    expect(refusal(() => ModelRegistry.open(dir)).message).toBe(`${dir} is another store, not a model registry: it holds databases runs; give the registry's directory (default .quantflow/models)`);
    expect(refusal(() => AheadCache.open(dir)).message).toBe(`${dir} is another store, not an ahead cache: it holds databases runs; the ahead cache needs a directory of its own`);
  });
});

describe('read-only opens of the registry', () => {
  it('refuse a directory that holds no registry and create nothing in it', () => {
    const dir = path.join(tmp, 'model-dir');
    mkdirSync(dir);
    for (const access of ['read', 'write'] as const) {
      expect(refusal(() => ModelRegistry.open(dir, access)).message).toBe(`${dir} is not a model registry (it holds no data.mdb); a registry is made by \`quantflow models add MODEL_DIR --registry DIR\``);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(refusal(() => ModelRegistry.open(path.join(tmp, 'absent'), 'read'))).toBeInstanceOf(ModelRegistryError);
    expect(existsSync(path.join(tmp, 'absent'))).toBe(false);
  });

  it('refuse an LMDB directory without a registry\'s format mark', async () => {
    const dir = path.join(tmp, 'empty-env');
    await open({ path: dir }).close();
    expect(refusal(() => ModelRegistry.open(dir, 'read')).message).toBe(`${dir} is not a model registry (an LMDB directory without a registry's format mark); a registry is made by \`quantflow models add MODEL_DIR --registry DIR\``);
  });
});

describe('a bad stored model entry', () => {
  let stores = 0;
  it.each([
    [5, /: the stored entry must be \{ canonical, name, addedAtNs \}, was 5 \(corrupt store\)$/],
    [{ canonical: '{not json', name: 'x', addedAtNs: '1' }, /: stored metadata is not JSON \(/],
    [{ canonical: '[1]', name: 'x', addedAtNs: '1' }, /: stored metadata must be a JSON object, was \[1\] \(corrupt store\)$/],
    [{ canonical: '{"name":"x"}', name: 'x', addedAtNs: '1' }, /: stored metadata lacks `timeframe`, `features`, `folds` or `target.horizonBars` \(corrupt store\)$/],
  ])('%j is a ModelRegistryError naming the model, from list() and get()', async (value, message) => {
    const dir = await registryWithModel(`bad-entry-${++stores}`);
    const root = open({ path: dir });
    await root.openDB<unknown, string>({ name: 'models', encoding: 'json' }).put(HASH, value);
    await root.close();
    const registry = ModelRegistry.open(dir, 'read');
    try {
      const listed = refusal(() => registry.list());
      expect(listed).toBeInstanceOf(ModelRegistryError);
      expect(listed.message).toMatch(new RegExp(`^registry ${dir} model ${HASH.slice(0, 12)}`));
      expect(listed.message).toMatch(message);
      const got = refusal(() => registry.get(HASH));
      expect(got).toBeInstanceOf(ModelRegistryError);
      expect(got.message, 'get() names the model too').toContain(`model ${HASH.slice(0, 12)}`);
    } finally {
      await registry.close();
    }
  });
});
