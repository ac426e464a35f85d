// test/peers.ts: how a missing Python peer or missing shared data is found and described, the
// skip-or-fail decision with an injected environment, and, in a child vitest over
// test/fixtures/peers/needs-peers.fixture.ts with QF_PYENV_DIR and QF_SHARED_DATA_DIR pointed
// at temporary folders, that a missing prerequisite skips outside CI and fails the run under
// `CI=true`. The real .cache/pyenv and ../shared/data are never touched.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ciFailureMessage, missingPolicy, pythonPeer, sharedData } from './peers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'qf-peers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A venv whose bin/python is a shell script: `imports` decides whether every import succeeds. */
function fakeVenv(name: string, imports: boolean): string {
  const venv = path.join(scratch, name);
  mkdirSync(path.join(venv, 'bin'), { recursive: true });
  const body = imports ? 'exit 0' : `echo "ModuleNotFoundError: No module named 'mmh3'" >&2; exit 1`;
  writeFileSync(path.join(venv, 'bin', 'python'), `#!/bin/sh\n${body}\n`);
  chmodSync(path.join(venv, 'bin', 'python'), 0o755);
  return venv;
}

/** A shared-data root holding crypto_ohlcv/bars.csv. */
function fakeData(name: string): string {
  const root = path.join(scratch, name);
  mkdirSync(path.join(root, 'crypto_ohlcv'), { recursive: true });
  writeFileSync(path.join(root, 'crypto_ohlcv', 'bars.csv'), 'timestamp,open,high,low,close,volume\n');
  return root;
}

describe('finding a prerequisite', () => {
  it('reports a missing venv with the command that creates it, naming a venv inside the repository by its relative path', () => {
    const peer = pythonPeer(['mmh3'], path.join(repoRoot, '.cache', 'no-such-venv'));
    expect(peer.missing).toBe('the Python peer venv .cache/no-such-venv is missing (run `node tools/pyenv/ensure-python.mjs`)');
    expect(ciFailureMessage(peer), 'the CI failure leads with CI=true').toBe(
      '`CI=true` but the Python peer venv .cache/no-such-venv is missing (run `node tools/pyenv/ensure-python.mjs`)',
    );
  });

  it('reports a venv that cannot import the peer with the last line of Python’s error', () => {
    const venv = fakeVenv('no-mmh3', false);
    expect(pythonPeer(['mmh3'], venv).missing).toBe(
      `the Python peer venv ${venv} cannot import mmh3 (run \`node tools/pyenv/ensure-python.mjs\`): ModuleNotFoundError: No module named 'mmh3'`,
    );
  });

  it('finds a venv whose Python imports the peer', () => {
    expect(pythonPeer(['mmh3', 'talib'], fakeVenv('all-peers', true))).toEqual({ what: 'Python peer mmh3, talib', missing: '' });
  });

  it('reports a missing shared-data root, then each missing file, and finds files that are there', () => {
    const root = fakeData('data');
    expect(sharedData(['crypto_ohlcv/bars.csv'], path.join(scratch, 'no-data')).missing, 'the whole root is missing').toBe(
      `the shared market data ${path.join(scratch, 'no-data')} is missing (copy the shared data folder there, or point QF_SHARED_DATA_DIR at one)`,
    );
    expect(sharedData(['crypto_ohlcv/bars.csv', 'crypto_trades'], root).missing, 'one folder of two is missing').toBe(
      `the shared market data ${path.join(root, 'crypto_trades')} is missing (${path.join(root, 'README.md')} lists the files and their sources)`,
    );
    expect(sharedData(['crypto_ohlcv/bars.csv', 'crypto_ohlcv'], root)).toEqual({ what: 'shared market data crypto_ohlcv/bars.csv, crypto_ohlcv', missing: '' });
    expect(sharedData(['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv'], root), 'long lists are cut to the first three missing files').toEqual({
      what: 'shared market data a.csv and 4 more',
      missing: `the shared market data ${['a', 'b', 'c'].map((f) => path.join(root, `${f}.csv`)).join(', ')} and 2 more are missing (${path.join(root, 'README.md')} lists the files and their sources)`,
    });
  });
});

describe('deciding what the dependent tests do', () => {
  const missing = { what: 'Python peer mmh3', missing: 'the Python peer venv .cache/pyenv is missing' };
  const present = { what: 'Python peer mmh3', missing: '' };

  it('runs them when the prerequisite is present, in CI or not', () => {
    expect([missingPolicy(present, {}), missingPolicy(present, { CI: 'true' })]).toEqual(['run', 'run']);
  });

  it('fails them when the prerequisite is missing and CI=true', () => {
    expect(missingPolicy(missing, { CI: 'true' })).toBe('fail');
  });

  it('skips them when the prerequisite is missing outside CI (CI unset or not "true")', () => {
    expect([missingPolicy(missing, {}), missingPolicy(missing, { CI: 'false' }), missingPolicy(missing, { CI: '' })]).toEqual(['skip', 'skip', 'skip']);
  });
});

interface ChildRun {
  status: number | null;
  stderr: string;
  tests: { title: string; status: string; failureMessages: string[] }[];
}

/** Runs the fixture suite in a child vitest with the given prerequisites and CI setting. */
function runFixture(name: string, env: { ci: boolean; venv: string; data: string }): ChildRun {
  const report = path.join(scratch, `${name}.json`);
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'CI' && !key.startsWith('VITEST')));
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/peers/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    { cwd: repoRoot, encoding: 'utf8', env: { ...childEnv, ...(env.ci ? { CI: 'true' } : {}), QF_PYENV_DIR: env.venv, QF_SHARED_DATA_DIR: env.data, NO_COLOR: '1' } },
  );
  const json = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { assertionResults: ChildRun['tests'] }[] };
  return { status: result.status, stderr: result.stderr + result.stdout, tests: json.testResults.flatMap((file) => file.assertionResults) };
}

const outcomes = (run: ChildRun) => run.tests.map((t) => `${t.status}: ${t.title}`);

describe('a gated suite in a child vitest', () => {
  it('skips the suites whose peer and data are missing outside CI, says why, and exits 0', () => {
    const venv = path.join(scratch, 'missing-venv');
    const run = runFixture('outside-ci', { ci: false, venv, data: path.join(scratch, 'missing-data') });
    expect(outcomes(run), 'both gated suites skipped, the ungated test passed').toEqual([
      'skipped: runs when the venv imports mmh3',
      'skipped: runs when the bars file is there',
      'passed: runs whatever is missing',
    ]);
    expect(run.stderr, 'the warning names the missing venv and the command').toContain(
      `skipped (outside CI): the Python peer venv ${venv} (QF_PYENV_DIR) is missing (run \`node tools/pyenv/ensure-python.mjs\`)`,
    );
    expect(run.status, `a skip outside CI passes the run:\n${run.stderr}`).toBe(0);
  });

  it('fails the run under CI=true with one failing test per missing prerequisite that names it', () => {
    const venv = path.join(scratch, 'missing-venv');
    const data = path.join(scratch, 'missing-data');
    const run = runFixture('ci', { ci: true, venv, data });
    expect(outcomes(run), 'a failing stand-in before each gated suite, whose tests do not run').toEqual([
      'failed: finds the Python peer mmh3 (required under CI=true)',
      'skipped: runs when the venv imports mmh3',
      'failed: finds the shared market data crypto_ohlcv/bars.csv (required under CI=true)',
      'skipped: runs when the bars file is there',
      'passed: runs whatever is missing',
    ]);
    expect(run.tests[0].failureMessages[0], 'the failure names the venv and the command').toContain(
      `\`CI=true\` but the Python peer venv ${venv} (QF_PYENV_DIR) is missing (run \`node tools/pyenv/ensure-python.mjs\`)`,
    );
    expect(run.tests[2].failureMessages[0], 'the failure names the data root').toContain(`\`CI=true\` but the shared market data ${data} is missing`);
    expect(run.status, 'the run fails').toBe(1);
  });

  it('runs every suite under CI=true when the peer and the data are there', () => {
    const run = runFixture('ci-present', { ci: true, venv: fakeVenv('present-venv', true), data: fakeData('present-data') });
    expect(outcomes(run)).toEqual(['passed: runs when the venv imports mmh3', 'passed: runs when the bars file is there', 'passed: runs whatever is missing']);
    expect(run.status, run.stderr).toBe(0);
  });
});
