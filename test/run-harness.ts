// What the `quantflow run` suites share (test/run-live.test.ts, test/run-paper.test.ts): the
// command as a child process (bounded by a kill timer), a wait for a condition with the child's
// output in the failure, a local Binance simulator with a configuration that trades its pushed
// 1m klines (a fast EMA cross on BTC/USDT), the scripted price path, and the cleanup of every
// process, simulator and directory a test started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBinanceSim, type BinanceSim } from './venues/binance-sim/index.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');

export interface Child { proc: ChildProcess; stdout: string; stderr: string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

/** Up 12 bars, down 12, up 12: the fast cross enters, exits and enters again. */
export const PATH = [...Array.from({ length: 12 }, (_, i) => 50_000 + 100 * i), ...Array.from({ length: 12 }, (_, i) => 51_100 - 150 * i), ...Array.from({ length: 12 }, (_, i) => 49_450 + 150 * i)];

export interface RunSetup { sim: BinanceSim; dir: string; config: string; journal: string; startTime: number }

export class RunHarness {
  private readonly children: Child[] = [];
  private readonly sims: BinanceSim[] = [];
  private readonly dirs: string[] = [];

  /** `quantflow run ARGS` with `env` added to the environment and `without` removed from it. */
  start(args: string[], env: Record<string, string> = {}, without: readonly string[] = []): Child {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const name of without) delete merged[name];
    const proc = spawn(process.execPath, [cli, 'run', ...args], { cwd: root, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    const child: Child = { proc, stdout: '', stderr: '', exit: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))) };
    proc.stdout!.on('data', (b: Buffer) => { child.stdout += b.toString(); });
    proc.stderr!.on('data', (b: Buffer) => { child.stderr += b.toString(); });
    const killer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
    void child.exit.then(() => clearTimeout(killer));
    this.children.push(child);
    return child;
  }

  /** A simulator with a funded account and a run configuration (`onExit` policy, extra `execution` lines `entry`) in a fresh directory. */
  async setup(name: string, onExit = 'cancel', entry = '', boundMs = 3000): Promise<RunSetup> {
    const sim = await startBinanceSim({ balances: { USDT: 1_000_000, BTC: 0, ETH: 0 } });
    this.sims.push(sim);
    const dir = mkdtempSync(path.join(tmpdir(), `qf-run-${name}-`));
    this.dirs.push(dir);
    const startTime = Math.floor(sim.now() / 60_000) * 60_000 - 120 * 60_000;
    sim.trade('BTCUSDT', 50_000, 1, startTime - 60_000);
    const config = path.join(dir, `${name}.yaml`);
    const journal = path.join(dir, 'journal');
    writeFileSync(config, `strategies:
  - name: fast-cross
    type: rules
    long: { entry: "ema:2 >= ema:4", exit: "ema:2 < ema:4" }
    size: { quantity: 0.01 }
execution:
  noTradeBand: { equityPct: 0, positionPct: 0 }
  confirmBars: 1
${entry}risk:
  defaultStaleAfterMs: 86400000   # the scripted klines are up to two hours old on the venue clock
  maxPositionPct: 1.0
  maxAssetClassPct: 1.0
  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }
live:
  adapter: ccxt
  exchange: binance
  baseUrl: ${sim.baseUrl}
  instruments:
    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }
  credentials: env:TEST_BINANCE_KEY/TEST_BINANCE_SECRET
  journal: ${journal}
  durability: { mode: fsync }
  checkpoint: { everyRecords: 10, everyMs: 0 }
  timerMs: 200
  onExit: { policy: ${onExit}, boundMs: ${boundMs} }
`);
    return { sim, dir, config, journal, startTime };
  }

  /** Kills what is still running, closes the simulators, removes the directories. */
  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    for (const s of this.sims.splice(0)) await s.close();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Polls `ok` every 25 ms for up to `ms`; fails with the child's output (ends early once the child has exited). */
export async function until(what: string, ok: () => boolean, child?: Child, ms = 30_000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 25) {
    if (ok()) return;
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null) && waited > 200) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${child ? `\nstderr:\n${child.stderr}\nstdout:\n${child.stdout}` : ''}`);
}
