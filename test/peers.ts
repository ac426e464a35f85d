// What the suites need from outside the repository, and the one rule for when it is missing.
//   - the Python peer venv .cache/pyenv (numpy, TA-Lib, hmmlearn, mmh3 from
//     tools/pyenv/requirements.txt), created by `node tools/pyenv/ensure-python.mjs`,
//     which `npm test` runs before vitest;
//   - the real market data in ../shared/data (described by its README.md).
// present                 -> the tests run;
// missing, outside CI     -> they skip, with a warning naming what is missing and how to get it;
// missing, with `CI=true` -> they skip too, and a failing test takes their place with the same
//                            message, so the file and the run fail. The dependent tests do not
//                            run: some build their list of cases from the missing files, so
//                            running them could leave nothing to fail.
// Use: describe.skipIf(skipWithout(pythonPeer(['mmh3'])))('...', () => { ... }).
// QF_PYENV_DIR and QF_SHARED_DATA_DIR move the venv and the data root (test/peers.test.ts
// points them at missing folders to check both paths); tools/hmm/hmmlearn-peer.ts runs
// .cache/pyenv whatever QF_PYENV_DIR says.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Python venv the peer tests run (QF_PYENV_DIR, else .cache/pyenv). */
export const pyenvDir = process.env.QF_PYENV_DIR ? path.resolve(process.env.QF_PYENV_DIR) : path.join(repoRoot, '.cache', 'pyenv');
export const pythonBin = path.join(pyenvDir, 'bin', 'python');
/** The shared market data root (QF_SHARED_DATA_DIR, else ../shared/data). */
export const sharedDataDir = process.env.QF_SHARED_DATA_DIR ? path.resolve(process.env.QF_SHARED_DATA_DIR) : path.resolve(repoRoot, '../shared/data');

/** A path under the shared market data root. */
export const sharedDataPath = (...segments: string[]): string => path.join(sharedDataDir, ...segments);

/** Something a suite needs from outside the repository. */
export interface Prerequisite {
  /** Short name for the stand-in test: "Python peer mmh3". */
  readonly what: string;
  /** Empty when present; else what is missing and how to get it. */
  readonly missing: string;
}

export type MissingPolicy = 'run' | 'skip' | 'fail';

/** Paths inside or beside the repository relative to it (`.cache/pyenv`, `../shared/data`), others absolute. */
function shown(file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith(`..${path.sep}..`) ? file : relative;
}

/** The venv at `venv` and its Python modules (`talib`, `hmmlearn`, `mmh3`). */
export function pythonPeer(modules: readonly string[], venv: string = pyenvDir): Prerequisite {
  const what = `Python peer ${modules.join(', ')}`;
  const name = `the Python peer venv ${shown(venv)}${venv === pyenvDir && process.env.QF_PYENV_DIR ? ' (QF_PYENV_DIR)' : ''}`;
  const fix = '(run `node tools/pyenv/ensure-python.mjs`)';
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) return { what, missing: `${name} is missing ${fix}` };
  const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status === 0) return { what, missing: '' };
  const reason = (probe.error?.message ?? probe.stderr.trim().split('\n').pop()) || `exit status ${probe.status}`;
  return { what, missing: `${name} cannot import ${modules.join(', ')} ${fix}: ${reason}` };
}

/** Files or folders under the shared market data root (relative to `root`, or absolute). */
export function sharedData(paths: readonly string[], root: string = sharedDataDir): Prerequisite {
  const named = paths.map((p) => path.relative(root, path.resolve(root, p)) || '.');
  const what = `shared market data ${named.length > 2 ? `${named[0]} and ${named.length - 1} more` : named.join(', ')}`;
  if (!existsSync(root)) return { what, missing: `the shared market data ${shown(root)} is missing (copy the shared data folder there, or point QF_SHARED_DATA_DIR at one)` };
  const absent = paths.map((p) => path.resolve(root, p)).filter((p) => !existsSync(p));
  if (absent.length === 0) return { what, missing: '' };
  const listed = absent.slice(0, 3).map(shown).join(', ') + (absent.length > 3 ? ` and ${absent.length - 3} more` : '');
  return { what, missing: `the shared market data ${listed} ${absent.length === 1 ? 'is' : 'are'} missing (${shown(path.join(root, 'README.md'))} lists the files and their sources)` };
}

/** What the tests that need `prerequisite` do: run when present; when missing, fail under `CI=true`, else skip. */
export function missingPolicy(prerequisite: Prerequisite, env: NodeJS.ProcessEnv = process.env): MissingPolicy {
  if (!prerequisite.missing) return 'run';
  return env.CI === 'true' ? 'fail' : 'skip';
}

/** The message a missing prerequisite fails with under `CI=true`. */
export const ciFailureMessage = (prerequisite: Prerequisite): string => `\`CI=true\` but ${prerequisite.missing}`;

const warned = new Set<string>();

/**
 * True when the tests that need all of `prerequisites` must not run (for `describe.skipIf`,
 * `it.skipIf`). Call it while tests are collected: for each missing one it warns outside CI,
 * and under `CI=true` it adds a failing test to the enclosing suite.
 */
export function skipWithout(...prerequisites: Prerequisite[]): boolean {
  let skip = false;
  for (const prerequisite of prerequisites) {
    const policy = missingPolicy(prerequisite);
    if (policy === 'run') continue;
    skip = true;
    if (policy === 'fail') {
      const message = ciFailureMessage(prerequisite);
      it(`finds the ${prerequisite.what} (required under CI=true)`, () => {
        throw new Error(message);
      });
    } else if (!warned.has(prerequisite.missing)) {
      warned.add(prerequisite.missing);
      console.warn(`skipped (outside CI): ${prerequisite.missing}`);
    }
  }
  return skip;
}
