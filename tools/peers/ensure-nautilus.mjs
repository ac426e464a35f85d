#!/usr/bin/env node
// Ensures .cache/nautilus-venv, the Python venv of the NautilusTrader benchmark peer
// (tools/peers/nautilus_ema_cross_bench.py). It is separate from .cache/pyenv because
// nautilus_trader 1.221.0 needs pandas < 3 while .cache/pyenv follows its own pins.
// Idempotent: installs only when the requirement list below changes (stamp file), and prints
// the venv's python path on stdout (progress and pip output go to stderr).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is not compiled, so it always sits in tools/peers). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const nautilusVenv = join(root, '.cache', 'nautilus-venv');
export const nautilusPython = join(nautilusVenv, 'bin', 'python');
/** What the venv holds; changing this list re-installs. nautilus_trader pulls pandas < 3 itself. */
export const NAUTILUS_REQUIREMENTS = ['nautilus_trader==1.221.0'];
const stamp = join(nautilusVenv, '.requirements.sha256');

function run(command, args) {
  // pip's output goes to stderr so that stdout carries only the python path.
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    throw new Error(`ensure-nautilus: \`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
  }
}

/** Creates or updates the venv when needed; returns its python path. */
export function ensureNautilus() {
  const wanted = createHash('sha256').update(NAUTILUS_REQUIREMENTS.join('\n')).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(nautilusPython)) return nautilusPython;
  mkdirSync(join(root, '.cache'), { recursive: true });
  if (!existsSync(nautilusPython)) run('python3', ['-m', 'venv', nautilusVenv]);
  run(nautilusPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...NAUTILUS_REQUIREMENTS]);
  writeFileSync(stamp, wanted);
  return nautilusPython;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    console.log(ensureNautilus());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
