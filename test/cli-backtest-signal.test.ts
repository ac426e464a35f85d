// `quantflow backtest` stopped by SIGINT or SIGTERM (compiled dist/, a real process): the run
// stops at a batch boundary, and the outputs of what ran are written and the summary printed
// (saying it was interrupted) before the process exits with 130 or 143.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'qf-bt-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A trade file long enough that the run is still going when the signal arrives (1M ticks, ~70 hours). */
function tradeFile(): string {
  const file = join(dir, 'BTCUSDT-trades.csv');
  const rows: string[] = ['trade_time_ms,trade_id,price,qty,aggressor_side'];
  let t = 1_723_161_255_342;
  for (let i = 0; i < 1_000_000; i++) {
    t += 250;
    rows.push(`${t},${i + 1},${(60_000 + 400 * Math.sin(i / 700) + (i % 7)).toFixed(2)},0.01,${i % 2 === 0 ? 'buy' : 'sell'}`);
  }
  writeFileSync(file, `${rows.join('\n')}\n`);
  return file;
}

function configFile(): string {
  const file = join(dir, 'cross.yaml');
  writeFileSync(file, [
    'strategies:',
    '  - { name: cross, type: rules, long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }, size: { quantity: 0.01 } }',
    'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
    'risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: crypto, lotSize: 0.001 } }',
  ].join('\n'));
  return file;
}

interface SignalRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The backtest, sent `signal` as soon as it says what it plays (before its first record). */
function backtestWithSignal(signal: NodeJS.Signals, data: string, config: string, out: string): Promise<SignalRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, 'backtest', '--data', data, '--config', config, '--out', out, '--no-run-store', '--no-progress'], { cwd: root });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`backtest did not end within 90 s; stderr so far: ${stderr}`));
    }, 90_000);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!sent && stderr.includes('venue: BTCUSDT')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('exit', (code, exitSignal) => {
      clearTimeout(deadline);
      resolvePromise({ code, signal: exitSignal, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(cli))('quantflow backtest stopped by a signal (needs `npm run build`)', () => {
  const data = tradeFile();
  const config = configFile();

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('on %s writes the outputs of what ran and prints the summary, then exits with %i', async (signal, exitCode) => {
    const out = join(dir, `out-${signal}`);
    const run = await backtestWithSignal(signal, data, config, out);
    expect(run.stderr, 'the signal was taken as a stop').toContain(`${signal} received: draining rings and stopping`);
    expect(run.stdout, `the summary says the run was interrupted; stderr:\n${run.stderr}`).toMatch(/^INTERRUPTED after [\d,]+ events through the engine thread/m);
    for (const name of ['report.json', 'fills.csv', 'trades.csv', 'equity.csv', 'report.html']) expect(existsSync(join(out, name)), `${name} written`).toBe(true);
    const fillsHash = createHash('sha256').update(readFileSync(join(out, 'fills.csv'))).digest('hex');
    expect(run.stdout, 'the fills hash printed is the written file\'s').toContain(`fills sha256 ${fillsHash}`);
    expect([run.code, run.signal], 'exit code 128 + the signal').toEqual([exitCode, null]);
  });
});
