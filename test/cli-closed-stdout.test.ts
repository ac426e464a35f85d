// A CLI command whose reader goes away (`quantflow import ... | head -1`, a pager quit early) still
// does its work to the end and exits with its own code; the writes to the closed pipe are dropped.
// Before, the first write after the reader closed threw EPIPE as an unhandled 'error' event: a
// stack trace and exit 1 in the middle of an import.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantflow } from './run-harness.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'qf-closed-stdout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `quantflow args` with its stdout a pipe whose reading end is closed at once. */
async function withStdoutClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.destroy();
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => proc.on('close', (exitCode) => resolve(exitCode)));
  clearTimeout(killer);
  return { code, stderr };
}

describe('a CLI command whose stdout reader has gone away', () => {
  it('import finishes every file and exits 0, with no EPIPE stack', async () => {
    const lines = readFileSync(ETH, 'utf8').split('\n');
    const first = path.join(dir, 'ETHUSDT-a.csv');
    const second = path.join(dir, 'ETHUSDT-b.csv');
    writeFileSync(first, `${lines.slice(0, 301).join('\n')}\n`);
    writeFileSync(second, `${[lines[0], ...lines.slice(301, 601)].join('\n')}\n`);
    for (const file of [first, second]) writeFileSync(`${file}.meta.json`, readFileSync(`${ETH}.meta.json`));
    const store = path.join(dir, 'store');
    const run = await withStdoutClosed(['import', '--store', store, '--in', first, second, '--no-progress']);
    expect(run.stderr, 'no unhandled error').not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(run.code, `exit code; stderr: ${run.stderr}`).toBe(0);
    const listed = await quantflow(['data', 'ls', '--store', store, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const { series } = JSON.parse(listed.stdout) as { series: { rows: number; sources: unknown[] }[] };
    expect(series.map((s) => [s.rows, s.sources.length]), 'both files were imported').toEqual([[600, 2]]);
  });
});
