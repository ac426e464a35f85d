// The LMDB model registry (engine/models/model-registry.ts) in a temporary directory: add is
// idempotent under the version hash, get verifies the stored bytes, a stored model serves the
// same numbers as its directory, promotions are explicit and form a gapless log that survives
// close and reopen, and unknown hashes or bad promotions are refused by name.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelRegistry, ModelRegistryError, QuantileModelSet, readModelDir } from '../engine/models/index.js';

const FIXTURES = path.resolve('test/fixtures/models');
const SMALL = path.join(FIXTURES, 'q5-small');
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-models-registry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HOUR = 3_600_000_000_000n;

describe('ModelRegistry', () => {
  it('adds a model once under its version hash, lists it, and serves the stored bytes like the directory', async () => {
    const dir = path.join(tmp, 'r1');
    const registry = ModelRegistry.open(dir);
    const first = await registry.add(SMALL, { timeNs: 1000n * HOUR });
    expect(first).toEqual({ hash: readModelDir(SMALL).hash, added: true, name: 'fixture-q5-small' });
    const again = await registry.add(SMALL, { timeNs: 2000n * HOUR });
    expect(again, 'adding the same version is a no-op with the same hash').toEqual({ ...first, added: false });
    const list = registry.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ hash: first.hash, name: 'fixture-q5-small', timeframe: '1h', folds: 2, horizonBars: 4, addedAtNs: (1000n * HOUR).toString() });

    const stored = registry.get(first.hash.slice(0, 10));
    expect(stored.hash).toBe(first.hash);
    expect(Buffer.from(stored.foldBytes[1]).equals(readFileSync(path.join(SMALL, 'fold-1.onnx')))).toBe(true);

    const fromRegistry = await registry.load(first.hash);
    const fromDir = await QuantileModelSet.load(SMALL);
    const row = Float64Array.from([55, 0.3, 0.012, -1.5]);
    const a = new Float64Array(5);
    const b = new Float64Array(5);
    await fromRegistry.predictRow(1, row, a);
    await fromDir.predictRow(1, row, b);
    expect([...a]).toEqual([...b]);
    await fromRegistry.release();
    await fromDir.release();

    const out = path.join(tmp, 'materialized');
    registry.materialize(first.hash, out);
    expect(readModelDir(out).hash, 'a materialized model re-hashes to its version').toBe(first.hash);
    await registry.close();
  });

  it('stores a second version beside the first and never overwrites either', async () => {
    const dir = path.join(tmp, 'r2');
    const copy = path.join(tmp, 'renamed');
    cpSync(SMALL, copy, { recursive: true });
    const doc = JSON.parse(readFileSync(path.join(copy, 'model.json'), 'utf8'));
    doc.name = 'fixture-q5-renamed';
    writeFileSync(path.join(copy, 'model.json'), JSON.stringify(doc));
    const registry = ModelRegistry.open(dir);
    const a = await registry.add(SMALL, { timeNs: 1n });
    const b = await registry.add(copy, { timeNs: 2n });
    expect(b.hash).not.toBe(a.hash);
    expect(registry.list().map((e) => e.name)).toEqual(['fixture-q5-small', 'fixture-q5-renamed']);
    expect(registry.get(a.hash).metadata.name).toBe('fixture-q5-small');
    await registry.close();
  });

  it('journals promotions in a gapless log with the previous hash, and keeps it across reopen', async () => {
    const dir = path.join(tmp, 'r3');
    const copy = path.join(tmp, 'v2');
    cpSync(SMALL, copy, { recursive: true });
    const doc = JSON.parse(readFileSync(path.join(copy, 'model.json'), 'utf8'));
    doc.params.learning_rate = 0.05;
    writeFileSync(path.join(copy, 'model.json'), JSON.stringify(doc));
    let registry = ModelRegistry.open(dir);
    const v1 = (await registry.add(SMALL)).hash;
    const v2 = (await registry.add(copy)).hash;
    expect(registry.promotedFor('btc-q5')).toBeNull();
    const p1 = registry.promote(v1, 'btc-q5', { by: 'alice', reason: 'first walk-forward model', timeNs: 10n });
    expect(p1).toEqual({ seq: 1, timeNs: '10', hash: v1, strategy: 'btc-q5', previousHash: null, by: 'alice', reason: 'first walk-forward model' });
    registry.promote(v1, 'eth-q5', { by: 'bob', reason: 'same model for ETH', timeNs: 11n });
    await registry.close();

    registry = ModelRegistry.open(dir);
    const p3 = registry.promote(v2.slice(0, 8), 'btc-q5', { by: 'alice', reason: 'lower pinball', timeNs: 12n });
    expect(p3).toMatchObject({ seq: 3, hash: v2, previousHash: v1, strategy: 'btc-q5' });
    expect(registry.promotedFor('btc-q5')?.hash).toBe(v2);
    expect(registry.promotedFor('eth-q5')?.hash).toBe(v1);
    expect(() => registry.promote(v2, 'btc-q5', { by: 'alice', reason: 'again' })).toThrow(`model ${v2} is already the promoted model of strategy "btc-q5" (promotion 3); nothing written`);
    expect(registry.promotions().map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(registry.promotions('btc-q5').map((p) => p.hash)).toEqual([v1, v2]);
    await registry.close();
  });

  it('refuses unknown hashes, ambiguous or malformed prefixes and incomplete promotions by name', async () => {
    const registry = ModelRegistry.open(path.join(tmp, 'r4'));
    const { hash } = await registry.add(SMALL);
    const unknown = 'f'.repeat(64) === hash ? 'e'.repeat(64) : 'f'.repeat(64);
    expect(() => registry.get(unknown)).toThrow(ModelRegistryError);
    expect(() => registry.get(unknown)).toThrow(`model ${unknown} is not in the registry`);
    expect(() => registry.get('xyz')).toThrow('model hash must be 6 to 64 hex digits (a unique prefix of a version hash), was "xyz"');
    expect(() => registry.promote(hash, 'bad strategy', { by: 'a', reason: 'b' })).toThrow("`strategy` must be 1-100 letters, digits, '.', '_', ':' or '-', was \"bad strategy\"");
    expect(() => registry.promote(hash, 's', { by: ' ', reason: 'b' })).toThrow('`by` must name who promotes (non-empty), was " "');
    expect(() => registry.promote(hash, 's', { by: 'a', reason: '' })).toThrow('`reason` must say why (non-empty), was ""');
    expect(registry.promotions()).toEqual([]);
    await registry.close();
  });

  it('does not store a model whose ONNX graph is corrupt', async () => {
    const registry = ModelRegistry.open(path.join(tmp, 'r5'));
    await expect(registry.add(path.join(FIXTURES, 'corrupt'))).rejects.toThrow(/corrupt\/fold-0\.onnx: not a loadable ONNX model/);
    await expect(registry.add(path.join(FIXTURES, 'q3-columns'))).rejects.toThrow(/the graph takes 3 input columns/);
    expect(registry.list()).toEqual([]);
    await registry.close();
  });

  it('detects stored fold bytes that no longer match their hash', async () => {
    const dir = path.join(tmp, 'r6');
    let registry = ModelRegistry.open(dir);
    const { hash } = await registry.add(SMALL);
    await registry.close();
    const root = open({ path: dir });
    const folds = root.openDB<Uint8Array, [string, number]>({ name: 'model-folds', encoding: 'binary' });
    const bytes = Buffer.from(folds.get([hash, 0])!);
    bytes[100] ^= 0xff;
    await folds.put([hash, 0], bytes);
    await root.close();
    registry = ModelRegistry.open(dir);
    expect(() => registry.get(hash)).toThrow(/stored model failed verification: .*fold-0\.onnx: sha256 is [0-9a-f]{64}, model.json `folds\[0\]\.sha256` says/);
    await registry.close();
  });
});
