// `quantflow models` end to end as a process (test/fixtures/models/models-cli-entry.ts: the
// command with the CLI's error reporting, run through tsx): add (idempotent), ls, show,
// promote, promotions, the default registry under the working directory, and one-line errors
// with exit code 2 for bad models, unknown hashes and missing flags.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AheadCache, readModelDir } from '../engine/models/index.js';
import { runModelsList } from '../engine/cli/commands/models.js';

const ROOT = path.resolve('.');
const ENTRY = path.join(ROOT, 'test/fixtures/models/models-cli-entry.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
const SMALL = path.join(ROOT, 'test/fixtures/models/q5-small');
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-models-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function quantflow(args: string[], cwd = tmp): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, ENTRY, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('quantflow models', () => {
  const hash = readModelDir(SMALL).hash;

  it('adds a model to the default registry .quantflow/models once, lists and shows it', () => {
    const add = quantflow(['models', 'add', SMALL]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toBe(`added ${hash} (fixture-q5-small) to ${path.join(tmp, '.quantflow/models')}\n`);
    expect(existsSync(path.join(tmp, '.quantflow/models'))).toBe(true);
    const again = quantflow(['models', 'add', SMALL]);
    expect(again.stdout).toContain(`${hash} (fixture-q5-small) is already in`);
    const ls = quantflow(['models', 'ls', '--json']);
    const entries = JSON.parse(ls.stdout) as { hash: string; folds: number }[];
    expect(entries.map((e) => [e.hash, e.folds])).toEqual([[hash, 2]]);
    const show = quantflow(['models', 'show', hash.slice(0, 8)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`model ${hash}`);
    expect(show.stdout).toContain('features    rsi:14, bb:20:2.pctb, rvol:20, roc:10');
    expect(show.stdout).toMatch(/fold 1 {2}train 2024-01-01T00:00:00Z \.\. 2024-02-07T11:00:00Z \(900 rows\)/);
    expect(show.stdout).toContain('serves bars closing after 2024-02-07T15:00:00Z; coverage80 0.760');
  });

  it('promotes with --strategy --by --reason and lists the promotion log', async () => {
    const registry = path.join(tmp, 'reg');
    expect(quantflow(['models', 'add', SMALL, '--registry', registry]).code).toBe(0);
    const p = quantflow(['models', 'promote', hash.slice(0, 12), '--strategy', 'btc-q5', '--by', 'alice', '--reason', 'walk-forward pinball', '--registry', registry, '--json']);
    expect(p.stderr).toBe('');
    expect(JSON.parse(p.stdout)).toMatchObject({ seq: 1, hash, strategy: 'btc-q5', previousHash: null, by: 'alice', reason: 'walk-forward pinball' });
    const log = quantflow(['models', 'promotions', '--registry', registry]);
    expect(log.stdout).toMatch(new RegExp(`^#1 \\S+ btc-q5: ${hash.slice(0, 12)} \\(first\\) by alice: walk-forward pinball\\n$`));
    expect(quantflow(['models', 'show', hash, '--registry', registry]).stdout).toContain('promoted    btc-q5');
    expect((await runModelsList({ registry })).map((e) => e.hash)).toEqual([hash]);
  });

  it.each([
    [['models', 'add', path.join(ROOT, 'test/fixtures/models/corrupt')], /^quantflow: \S+corrupt\/fold-0\.onnx: not a loadable ONNX model \(320 bytes; onnxruntime: .*\)\n$/],
    [['models', 'add', path.join(ROOT, 'test/fixtures/models/q3-columns')], /^quantflow: \S+q3-columns\/fold-0\.onnx: the graph takes 3 input columns, model.json `input.columns` says 4/],
    [['models', 'add', path.join(tmp, 'missing-model')], /^quantflow: model directory \S+missing-model does not exist\n$/],
    [['models', 'show', 'abcdef0'], /^quantflow: no model hash starts with abcdef0 in the registry \S+ \(see `quantflow models ls`\)\n$/],
    [['models', 'show', 'zz'], /^quantflow: model hash must be 6 to 64 hex digits \(a unique prefix of a version hash\), was "zz"\n$/],
    [['models', 'promote', 'abcdef0', '--strategy', 's', '--by', 'me'], /^quantflow: required option '--reason <text>' not specified \(see `quantflow models promote --help`\)\n$/],
    [['models', 'promote', 'abcdef0', '--by', 'me', '--reason', 'r'], /^quantflow: required option '--strategy <name>' not specified \(see `quantflow models promote --help`\)\n$/],
    [['models', 'promote', 'abcdef0', '--strategy', ' ', '--by', 'me', '--reason', 'r'], /^quantflow: `--strategy` must name the strategy \(1-100 letters, digits, '\.', '_', ':' or '-'\), was " "\n$/],
    [['models', 'show', 'abcdef0', '--registry', 'no-such-registry'], /^quantflow: no model registry at \S+no-such-registry \(add a model with `quantflow models add DIR`, or give --registry\)\n$/],
  ])('refuses %j in one line with exit code 2', (args, message) => {
    const r = quantflow(args as string[]);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('prints nothing stored for an empty or absent registry, without creating it', () => {
    const r = quantflow(['models', 'ls', '--registry', 'absent']);
    expect(r.stdout).toBe('no models in the registry\n');
    expect(existsSync(path.join(tmp, 'absent'))).toBe(false);
  });

  it('refuses a directory that is not a registry in one line for ls, show, promotions and promote, creating nothing in it', () => {
    const modelDir = path.join(tmp, 'model-given-as-registry');
    cpSync(SMALL, modelDir, { recursive: true });
    const before = readdirSync(modelDir).sort();
    for (const args of [['ls'], ['show', hash.slice(0, 8)], ['promotions'], ['promote', hash.slice(0, 8), '--strategy', 's', '--by', 'me', '--reason', 'r']]) {
      const r = quantflow(['models', ...args, '--registry', modelDir]);
      expect(r.stderr, args[0]).toBe(`quantflow: ${modelDir} is not a model registry (it holds no data.mdb); a registry is made by \`quantflow models add MODEL_DIR --registry DIR\`\n`);
      expect(r.code, args[0]).toBe(2);
      expect(r.stdout, args[0]).toBe('');
    }
    expect(readdirSync(modelDir).sort(), 'no data.mdb or lock.mdb was created').toEqual(before);
  });

  it('refuses an ahead cache given as the registry in one line', async () => {
    const cacheDir = path.join(tmp, 'cache-given-as-registry');
    await AheadCache.open(cacheDir).close();
    for (const args of [['ls'], ['add', SMALL]]) {
      const r = quantflow(['models', ...args, '--registry', cacheDir]);
      expect(r.stderr, args[0]).toBe(`quantflow: ${cacheDir} is an ahead cache (meta kind "ahead-cache"), not a model registry; give the registry's directory (default .quantflow/models)\n`);
      expect(r.code, args[0]).toBe(2);
    }
  });
});
