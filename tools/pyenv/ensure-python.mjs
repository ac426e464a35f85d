#!/usr/bin/env node
// Ensures the project's Python environment (.cache/pyenv) has tools/pyenv/requirements.txt
// installed. Idempotent: re-installs only when the requirements file changes.
// Used by `npm test` before vitest, so peer checks (TA-Lib, hmmlearn) run on a fresh clone.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = join(root, '.cache', 'pyenv');
const requirements = join(root, 'tools', 'pyenv', 'requirements.txt');
const stamp = join(venv, '.requirements.sha256');
export const pythonBin = join(venv, 'bin', 'python');

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`ensure-python: \`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

export function ensurePython() {
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(pythonBin)) return pythonBin;
  mkdirSync(join(root, '.cache'), { recursive: true });
  if (!existsSync(pythonBin)) run('python3', ['-m', 'venv', venv]);
  run(pythonBin, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirements]);
  writeFileSync(stamp, wanted);
  return pythonBin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bin = ensurePython();
  console.log(`ensure-python: ${bin} ready`);
}
