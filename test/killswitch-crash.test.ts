// The kill switch survives a crash: a child engine process trips it (drawdown past 15%) and
// is killed with SIGKILL; a new process starts halted and denies new exposure; a reset with
// a bad token is refused; a reset with a good token clears it, and the control journal holds
// who tripped and who reset it, and why. Processes run from TS source through tsx; the CLI
// is engine/cli/main.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KillSwitchStore, signControlToken } from '../engine/killswitch/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const engineScript = path.join(repoRoot, 'test/fixtures/processes/killswitch-engine.ts');
const cliScript = path.join(repoRoot, 'engine/cli/main.ts');
const stateDir = mkdtempSync(path.join(tmpdir(), 'qf-killswitch-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const CONTROL = { algorithm: 'HS256', secret: SECRET, publicKey: null, audience: 'quantflow-control' } as const;
const ENV = {
  ...process.env,
  QF_KILL_SWITCH__STATE_PATH: stateDir,
  QF_RISK__INSTRUMENTS: '[{ id: 0, symbol: BTC-USD, assetClass: crypto, lotSize: 0.001 }]',
  QF_CONTROL_SECRET: SECRET,
};

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` under node + tsx; with `killOnLine`, SIGKILLs the child once it printed a line. */
function run(args: string[], options: { killOnLine?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, env: options.env ?? ENV });
    let stdout = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${args.join(' ')} did not finish within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (options.killOnLine && stdout.includes('\n')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function firstJsonLine(result: Run): Record<string, unknown> {
  const line = result.stdout.split('\n')[0];
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`child printed no JSON line; stdout: ${result.stdout} stderr: ${result.stderr}`);
  }
}

describe('kill switch across a crash', () => {
  it('trips, survives SIGKILL, refuses bad tokens, and resets with a good token into the journal', async () => {
    const tripped = await run([engineScript, 'trip'], { killOnLine: true });
    expect(tripped.signal, `the engine must be killed mid-run, not exit; stderr: ${tripped.stderr}`).toBe('SIGKILL');
    expect(firstJsonLine(tripped), 'a 16% drawdown trips the kill switch and flattens the 2 BTC position').toStrictEqual({
      tripped: true, who: 'risk.drawdown', flatten: [['KILL_SWITCH_FLATTEN', 0, -2]],
    });

    const restarted = firstJsonLine(await run([engineScript, 'start']));
    expect(restarted, 'a new process starts halted and denies new exposure with KILL_SWITCH').toStrictEqual({ halted: true, restoredFlatten: 0, decision: 'KILL_SWITCH' });

    const status = await run([cliScript, 'killswitch', 'status']);
    expect(status.stdout, `status shows the halt; stderr: ${status.stderr}`).toMatch(/^kill switch: HALTED since .*, tripped by risk\.drawdown: equity 84000\.00 fell 16\.00% below the high-water mark 100000\.00/);

    const garbage = await run([cliScript, 'killswitch', 'reset', '--reason', 'test', '--token', 'not-a-token']);
    expect(garbage.code, 'a malformed token is refused').toBe(3);
    expect(garbage.stderr).toContain('kill switch reset refused: control token rejected');
    const forged = await signControlToken('mallory', { ...CONTROL, secret: 'another-secret-0123456789abcdef-0123' });
    const wrongKey = await run([cliScript, 'killswitch', 'reset', '--reason', 'test', '--token', forged]);
    expect(wrongKey.code, 'a token signed with another secret is refused').toBe(3);
    expect(wrongKey.stderr).toContain('signature verification failed');
    const noToken = await run([cliScript, 'killswitch', 'reset', '--reason', 'test']);
    expect(noToken.code, 'a reset without a token is refused').toBe(3);
    expect(noToken.stderr).toContain('a signed control token is required');
    expect(firstJsonLine(await run([engineScript, 'start'])).halted, 'refused resets leave the engine halted').toBe(true);

    const token = await signControlToken('alice', CONTROL);
    const reset = await run([cliScript, 'killswitch', 'reset', '--reason', 'post-mortem done, limits reviewed'], { env: { ...ENV, QF_CONTROL_TOKEN: token } });
    expect(reset.code, `a valid token resets; stderr: ${reset.stderr}`).toBe(0);
    expect(reset.stdout).toContain('KillSwitchReset by alice: post-mortem done, limits reviewed');

    expect(firstJsonLine(await run([engineScript, 'start'])), 'after the reset a new process trades again').toStrictEqual({ halted: false, restoredFlatten: 0, decision: 'ACCEPTED' });

    const store = KillSwitchStore.open(stateDir);
    try {
      const journal = store.journal.read().map(({ sequence, kind, who, why }) => ({ sequence, kind, who, why }));
      expect(journal, 'the journal holds who tripped and who reset, and why, in sequence').toStrictEqual([
        { sequence: 1n, kind: 'KillSwitchTripped', who: 'risk.drawdown', why: 'equity 84000.00 fell 16.00% below the high-water mark 100000.00' },
        { sequence: 2n, kind: 'KillSwitchReset', who: 'alice', why: 'post-mortem done, limits reviewed' },
      ]);
      expect(store.load(), 'the persisted state is clear and records the reset').toMatchObject({ halted: false, who: 'alice', trips: 1 });
    } finally {
      await store.close();
    }
  });
});
