// `quantflow killswitch status|reset` on a killSwitch.statePath where no engine ever persisted
// its kill switch (a typo, a relative path taken from another working directory): said so,
// naming the path, and nothing is created there; a reset is refused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KillSwitchStore } from '../engine/killswitch/index.js';
import { childEnv } from './child-env.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-ks-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'a-control-secret-of-at-least-32-characters';

function run(args: string[], statePath: string) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: dir, encoding: 'utf8', timeout: 60_000, env: childEnv({ QF_KILL_SWITCH__STATE_PATH: statePath, QF_CONTROL_SECRET: SECRET }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('killswitch status and reset on a path without kill-switch state', () => {
  it('says no state is persisted at the path, creates nothing there, and refuses a reset', () => {
    const typo = path.join(dir, 'stat', 'kill');
    const status = run(['killswitch', 'status'], typo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout, 'the path holds no state, and the output says so').toContain(`no kill-switch state at ${typo}`);
    expect(existsSync(path.join(dir, 'stat')), 'status creates no directory or store at the path').toBe(false);
    const json = run(['killswitch', 'status', '--json'], typo);
    expect(JSON.parse(json.stdout), 'the JSON says the state was not found').toMatchObject({ halted: false, persisted: false, statePath: typo });
    const token = run(['killswitch', 'token', '--subject', 'operator:test'], typo).stdout.trim();
    const reset = run(['killswitch', 'reset', '--reason', 'reviewed', '--token', token], typo);
    expect(reset.code, 'a reset where nothing was persisted is refused').toBe(3);
    expect(reset.stderr).toContain(`kill switch reset refused: no kill-switch state at ${typo}`);
    expect(existsSync(path.join(dir, 'stat')), 'reset creates nothing either').toBe(false);
  });

  it('finishes quietly when its reader closes the pipe before it prints (status | head)', async () => {
    const statePath = path.join(dir, 'state-pipe');
    const store = KillSwitchStore.open(statePath);
    store.trip('risk.drawdown', 'equity fell 20%');
    await store.close();
    const child = spawn(process.execPath, [cli, 'killswitch', 'status'], {
      cwd: dir, env: childEnv({ QF_KILL_SWITCH__STATE_PATH: statePath }), stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader goes away at once: the command loads for a while before its first line.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(stderr, 'no unhandled EPIPE and no stack trace').not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code, stderr).toBe(0);
  });

  it('still shows a persisted halt', async () => {
    const statePath = path.join(dir, 'state');
    const store = KillSwitchStore.open(statePath);
    store.trip('risk.drawdown', 'equity fell 20%');
    await store.close();
    const status = run(['killswitch', 'status'], statePath);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('kill switch: HALTED');
    expect(status.stdout).toContain('tripped by risk.drawdown: equity fell 20%');
  });
});
