// The `quantflow` CLI as a user runs it (compiled dist/, a real process): help,
// the default replay over the bundled data, bad input, and signal shutdown.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface SignalRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a paced replay, sends `signal` once it has started, and collects the outcome. */
function replayWithSignal(signal: NodeJS.Signals): Promise<SignalRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, 'replay', '--rate', '2000', '--json'], { cwd: root });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replay did not end within 60 s; stderr so far: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && stderr.includes('Ctrl-C drains and stops')) {
        sent = true;
        setTimeout(() => child.kill(signal), 300);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(cli))('quantflow CLI (needs `npm run build`)', () => {
  it('prints help for the program and for every command', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('replay');
    const replay = run(['replay', '--help']);
    expect(replay.code).toBe(0);
    for (const flag of ['--in', '--on-bad-row', '--timezone', '--batch', '--rate', '--wait', '--json']) {
      expect(replay.stdout, `replay --help documents ${flag}`).toContain(flag);
    }
  });

  it('replays the bundled demo data by default and reports events/s with a matching checksum', () => {
    const { code, stdout, stderr } = run(['replay', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.files).toBe(3);
    expect(result.eventsInTape).toBe(3 * 17_520);
    expect(result.eventsConsumed).toBe(result.eventsPublished);
    expect(result.barsConsumed).toBe(3 * 17_520);
    expect(result.checksumMatches).toBe(true);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
  });

  it('rejects a malformed CSV with file:line, field and rule, and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-cli-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,10,11,9,10,5\n2024-01-01T01:00:00Z,10,9,11,10,5\n');
    const { code, stderr } = run(['replay', '--in', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:3`);
    expect(stderr).toContain('`high`');
    expect(stderr).not.toMatch(/\n\s+at /);
    const skipped = run(['replay', '--in', file, '--on-bad-row', 'skip', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout).eventsConsumed).toBe(1);
    expect(skipped.stderr).toContain('skipped 1 of 2 rows');
  });

  it('rejects bad flag values naming the flag, the value and the rule', () => {
    const batch = run(['replay', '--batch', '0']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('`--batch` must be an integer in [1, 65536], was "0"');
    const wait = run(['replay', '--wait', 'nap']);
    expect(wait.code).not.toBe(0);
    expect(wait.stderr).toContain('nap');
    const missing = run(['replay', '--in', '/nonexistent/bars.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/bars.csv');
  });

  it('runs the per-bar pipeline with --ind and reports each instrument\'s final values', () => {
    const { code, stdout, stderr } = run(['replay', '--ind', 'ema:20,bb:20:2.pctb', '--json']);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.pipeline.counters.barsPiped).toBe(3 * 17_520);
    expect(result.pipeline.counters.stageErrors).toBe(0);
    expect(result.pipeline.instruments.map((i: { name: string }) => i.name)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    for (const instrument of result.pipeline.instruments) {
      expect(typeof instrument.indicators['ema:20'], `${instrument.name} ema:20`).toBe('number');
      expect(typeof instrument.indicators['bb:20:2.pctb']).toBe('number');
    }
  });

  it('rejects bad pipeline flags with the token, parameter and rule', () => {
    const bad = run(['replay', '--ind', 'ema:0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ema:0');
    expect(bad.stderr).toContain('period');
    const decide = run(['replay', '--decide']);
    expect(decide.code).toBe(2);
    expect(decide.stderr).toContain('--decide needs --regime-model');
    const missingModel = run(['replay', '--regime-model', '/nonexistent/model.json']);
    expect(missingModel.code).toBe(2);
    expect(missingModel.stderr).toContain('/nonexistent/model.json');
  });

  it('drains both rings and stops on SIGINT, with every published event consumed', async () => {
    const { code, stdout, stderr } = await replayWithSignal('SIGINT');
    expect(code, stderr).toBe(130);
    const result = JSON.parse(stdout);
    expect(result.interrupted).toBe(true);
    expect(result.eventsPublished).toBeGreaterThan(0);
    expect(result.eventsPublished).toBeLessThan(result.eventsInTape);
    expect(result.eventsConsumed, 'nothing published is lost').toBe(result.eventsPublished);
    expect(result.checksumMatches).toBe(true);
  });

  it('drains on SIGTERM too, exiting with 143', async () => {
    const { code, stdout } = await replayWithSignal('SIGTERM');
    expect(code).toBe(143);
    expect(JSON.parse(stdout).eventsConsumed).toBe(JSON.parse(stdout).eventsPublished);
  });
});
