// The kill switch through the engine loop, as a user runs it (compiled CLI, real processes):
// `replay --decide --persist-state` over bars with a 50% gap down trips the drawdown
// kill switch; the process is killed with SIGKILL right after the trip was reported; the
// halt is on disk (`killswitch status`); the next replay starts halted and sends no order;
// a reset with a signed control token lets the next replay trade (and trip) again; the
// control journal holds the trips and the reset with who and why.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { buildRegimeFeatures, trainRegimeModel, writeRegimeModelFile } from '../engine/regime/index.js';
import { KillSwitchStore, signControlToken } from '../engine/killswitch/index.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-replay-killswitch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'replay-test-secret-0123456789abcdef-012';
const ENV = { ...process.env, QF_CONTROL_SECRET: SECRET };
const GAP_ROW = 1300;

/** BTC 1h demo bars: 1,200 as recorded, 100 rising 0.4% a bar, a 50% gap down, then 99 more. */
function writeCrashFile(): string {
  const lines = readFileSync(defaultBarFiles()[0], 'utf8').trim().split('\n');
  let level = 1;
  const out = [lines[0]];
  for (let i = 0; i < 1400; i++) {
    if (i >= 1200 && i < GAP_ROW) level *= 1.004;
    if (i === GAP_ROW) level *= 0.5;
    const [time, ...prices] = lines[i + 1].split(',');
    out.push([time, ...prices.slice(0, 4).map((p) => (Number(p) * level).toFixed(2)), prices[4]].join(','));
  }
  const file = path.join(dir, 'crash_BTCUSDT_1h.csv');
  writeFileSync(file, `${out.join('\n')}\n`);
  return file;
}

const bars = writeCrashFile();
const configFile = path.join(dir, 'config.yaml');
writeFileSync(configFile, [
  `killSwitch: { statePath: ${JSON.stringify(path.join(dir, 'state'))} }`,
  'risk: { maxPositionPct: 1, maxAssetClassPct: 1, dailyLossPct: 0.5 }',
  'sizing: { targetAnnualVolatility: 1.0 }',
  '',
].join('\n'));

async function writeModel(): Promise<string> {
  const series = (await loadBarsCsv(bars)).series;
  const file = path.join(dir, 'model.json');
  writeRegimeModelFile(file, trainRegimeModel(buildRegimeFeatures(series), { restarts: 1, seed: 5, maxIterations: 40 }));
  return file;
}

function run(args: string[], env: NodeJS.ProcessEnv = ENV) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a paced replay and SIGKILLs it as soon as it reports the persisted trip. */
function replayUntilTrip(args: string[]): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: ENV });
    let stderr = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the replay did not trip within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (stderr.includes('kill switch: TRIPPED and persisted')) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      resolve({ signal, stderr });
    });
  });
}

describe('replay --decide and the persisted kill switch', () => {
  it('trips, survives SIGKILL, starts the next replay halted, and trades again after an authenticated reset', async () => {
    const model = await writeModel();
    const replay = ['replay', '--in', bars, '--regime-model', model, '--decide', '--persist-state', '--config', configFile, '--no-progress'];

    const tripped = await replayUntilTrip([...replay, '--rate', '1000']);
    expect(tripped.signal, `killed mid-replay right after the trip; stderr: ${tripped.stderr}`).toBe('SIGKILL');
    expect(tripped.stderr).toMatch(/kill switch: TRIPPED and persisted \(equity [\d.]+ fell [\d.]+% below the high-water mark [\d.]+\)/);

    const status = run(['killswitch', 'status', '--config', configFile]);
    expect(status.stdout, `the halt is on disk; stderr: ${status.stderr}`).toMatch(/^kill switch: HALTED since .*, tripped by risk\.drawdown: equity/);

    const halted = run([...replay, '--json']);
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stderr).toContain('kill switch: HALTED (tripped by risk.drawdown');
    const haltedRisk = JSON.parse(halted.stdout).pipeline.risk;
    expect(haltedRisk.orders.sent, 'a replay that starts halted sends no order').toBe(0);
    expect(haltedRisk.account.halted).toBe(true);
    expect(haltedRisk.account.equity, 'and its account never moves').toBe(100_000);

    const refused = run(['killswitch', 'reset', '--config', configFile, '--reason', 'try', '--token', 'not-a-token']);
    expect(refused.code, 'a bad token is refused').toBe(3);
    const token = await signControlToken('carol', { algorithm: 'HS256', secret: SECRET, publicKey: null, audience: 'quantflow-control' });
    const reset = run(['killswitch', 'reset', '--config', configFile, '--reason', 'gap reviewed', '--token', token]);
    expect(reset.code, reset.stderr).toBe(0);

    const again = run([...replay, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const againRisk = JSON.parse(again.stdout).pipeline.risk;
    expect(againRisk.orders.sent, 'after the reset the replay trades').toBeGreaterThan(10);
    expect(againRisk.orders.firstId, 'its order ids continue past the lease the SIGKILLed replay took (ids 1 .. 10000)').toBe('10001');
    expect(againRisk.account.tripCount, 'and the same gap trips it again').toBe(1);
    expect(againRisk.riskRecords.KILL_SWITCH_FLATTEN, 'flatten notice for the open position').toBe(1);
    expect(againRisk.instruments[0].position, 'the exit order flattened the position').toBe(0);

    const store = KillSwitchStore.open(path.join(dir, 'state'));
    try {
      expect(store.journal.read().map(({ kind, who }) => `${kind} ${who}`), 'the journal: trip, reset by carol, trip').toEqual([
        'KillSwitchTripped risk.drawdown', 'KillSwitchReset carol', 'KillSwitchTripped risk.drawdown',
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
