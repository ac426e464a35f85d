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
import { TwsSim } from './venues/tws-sim/index.js';
import { CB_TEST_API_KEY, startCoinbaseSim, type CoinbaseSim } from './venues/coinbase-sim/index.js';
import { generateKeyPairSync } from 'node:crypto';
import { childEnv } from './child-env.js';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { loadConfig } from '../engine/config/index.js';
import { signControlToken } from '../engine/killswitch/index.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');

export interface Child { proc: ChildProcess; stdout: string; stderr: string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

/** Up 12 bars, down 12, up 12: the fast cross enters, exits and enters again. */
export const PATH = [...Array.from({ length: 12 }, (_, i) => 50_000 + 100 * i), ...Array.from({ length: 12 }, (_, i) => 51_100 - 150 * i), ...Array.from({ length: 12 }, (_, i) => 49_450 + 150 * i)];

export interface RunSetup { sim: BinanceSim; dir: string; config: string; journal: string; startTime: number }

/** A Coinbase run: the simulator, its CDP key (name + EC PEM, passed as TEST_CB_KEY / TEST_CB_SECRET), the configuration and journal. */
export interface CoinbaseRunSetup { sim: CoinbaseSim; dir: string; config: string; journal: string; startTime: number; env: Record<string, string> }

/** An IB run: the TWS simulator, the configuration (adapter ib, AAPL 5-second real-time bars) and its journal. */
export interface IbRunSetup { sim: TwsSim; dir: string; config: string; journal: string }

/**
 * Plays `prices` on the TWS simulator as one AAPL print and one real-time bar each (bar i at venue
 * second `startSec + 60 i`, closing at the print), paced `intervalMs` apart: market orders fill at
 * the last print, the bars feed the session.
 */
export async function playIbPath(sim: TwsSim, prices: readonly number[], startSec: number, intervalMs = 60, symbol = 'AAPL'): Promise<void> {
  for (let i = 0; i < prices.length; i++) {
    const price = prices[i];
    sim.trade(symbol, price, 100);
    ibMinute(sim, symbol, startSec + 60 * i, price);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * One flat minute at `price` (volume 100) as TWS streams it: the twelve 5-second real-time bars of
 * [minuteSec, minuteSec + 60), which the IB adapter folds into the session's 1m bar.
 */
export function ibMinute(sim: TwsSim, symbol: string, minuteSec: number, price: number): void {
  for (let k = 0; k < 12; k++) sim.bar(symbol, { time: minuteSec + 5 * k, open: price, high: price, low: price, close: price, volume: k === 0 ? 100 : 0, wap: price, count: 1 });
}

/** The Binance path in AAPL dollars: 100 + (p - 50 000) / 100 (up 12 bars, down 12, up 12). */
export const IB_PATH = PATH.map((p) => Math.round((100 + (p - 50_000) / 100) * 100) / 100);

export class RunHarness {
  private readonly children: Child[] = [];
  private readonly sims: BinanceSim[] = [];
  private readonly twsSims: TwsSim[] = [];
  private readonly coinbaseSims: CoinbaseSim[] = [];
  private readonly dirs: string[] = [];

  /** `quantflow run ARGS` with `env` added to the environment (the state server on a free port by default) and `without` removed from it. */
  start(args: string[], env: Record<string, string> = {}, without: readonly string[] = []): Child {
    // The state server on a free port unless the test says otherwise: suites run side by side.
    const merged = childEnv({ QF_MONITORING__PORT: '0', ...env });
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
  async setup(name: string, onExit = 'cancel', entry = '', boundMs = 3000, feedHealth = '', riskExtra = '', channel = 'bars'): Promise<RunSetup> {
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
${riskExtra}live:
  adapter: ccxt
  exchange: binance
  baseUrl: ${sim.baseUrl}
  instruments:
    - { symbol: BTC/USDT, channel: ${channel}, timeframe: 1m }
  credentials: env:TEST_BINANCE_KEY/TEST_BINANCE_SECRET
  journal: ${journal}
  durability: { mode: fsync }
  checkpoint: { everyRecords: 10, everyMs: 0 }
  timerMs: 200
  onExit: { policy: ${onExit}, boundMs: ${boundMs} }
  feedHealth: { staleAfterSeconds: 86400${feedHealth ? `, ${feedHealth}` : ''} }   # the scripted klines are up to two hours old
`);
    return { sim, dir, config, journal, startTime };
  }

  /** A TWS simulator and a run configuration trading its AAPL real-time bars (10 shares; `entry`: extra `execution` lines). */
  async setupIb(name: string, onExit = 'cancel', entry = '', boundMs = 3000, extraLive = ''): Promise<IbRunSetup> {
    const sim = await TwsSim.start();
    this.twsSims.push(sim);
    const dir = mkdtempSync(path.join(tmpdir(), `qf-run-${name}-`));
    this.dirs.push(dir);
    const config = path.join(dir, `${name}.yaml`);
    const journal = path.join(dir, 'journal');
    writeFileSync(config, `strategies:
  - name: fast-cross
    type: rules
    long: { entry: "ema:2 >= ema:4", exit: "ema:2 < ema:4" }
    size: { quantity: 10 }
execution:
  noTradeBand: { equityPct: 0, positionPct: 0 }
  confirmBars: 1
${entry}risk:
  defaultStaleAfterMs: 86400000   # the simulator's bars are on its own clock (2024)
  maxPositionPct: 1.0
  maxAssetClassPct: 1.0
  replayDefaults: { assetClass: equity, lotSize: 1 }
live:
  adapter: ib
  ib: { host: 127.0.0.1, port: ${sim.port}, clientId: 17 }
  instruments:
    - { symbol: AAPL, channel: bars, timeframe: 1m }
  journal: ${journal}
  durability: { mode: fsync }
  checkpoint: { everyRecords: 10, everyMs: 0 }
  timerMs: 200
  onExit: { policy: ${onExit}, boundMs: ${boundMs} }
  feedHealth: { staleAfterSeconds: 1.0e+9 }   # the simulator's bars are on its own clock (2024)
${extraLive}`);
    return { sim, dir, config, journal };
  }

  /** A Coinbase simulator (CDP key, funded USD account) and the fast-cross configuration on BTC/USD 1m bars (polled over REST: ccxt pro has no Coinbase candle stream). */
  async setupCoinbase(name: string, onExit = 'cancel', boundMs = 3000): Promise<CoinbaseRunSetup> {
    const secret = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const sim = await startCoinbaseSim({ credentials: { apiKey: CB_TEST_API_KEY, secret }, balances: { USD: 1_000_000, BTC: 0, ETH: 0 } });
    this.coinbaseSims.push(sim);
    const dir = mkdtempSync(path.join(tmpdir(), `qf-run-${name}-`));
    this.dirs.push(dir);
    const startTime = Math.floor(Date.now() / 60_000) * 60_000 - 120 * 60_000;
    sim.trade('BTC-USD', 50_000, 1, startTime - 60_000);
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
risk:
  defaultStaleAfterMs: 86400000   # the scripted bars are up to two hours old on the venue clock
  maxPositionPct: 1.0
  maxAssetClassPct: 1.0
  replayDefaults: { assetClass: crypto, lotSize: 0.00000001 }
live:
  adapter: ccxt
  exchange: coinbase
  baseUrl: ${sim.baseUrl}
  instruments:
    - { symbol: BTC/USD, channel: bars, timeframe: 1m }
  credentials: env:TEST_CB_KEY/TEST_CB_SECRET
  journal: ${journal}
  durability: { mode: fsync }
  checkpoint: { everyRecords: 10, everyMs: 0 }
  timerMs: 200
  onExit: { policy: ${onExit}, boundMs: ${boundMs} }
  feedHealth: { staleAfterSeconds: 86400 }   # the scripted bars are up to two hours old
`);
    return { sim, dir, config, journal, startTime, env: { TEST_CB_KEY: CB_TEST_API_KEY, TEST_CB_SECRET: secret } };
  }

  /** Kills what is still running, closes the simulators, removes the directories. */
  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    for (const s of this.sims.splice(0)) await s.close();
    for (const s of this.twsSims.splice(0)) await s.close();
    for (const s of this.coinbaseSims.splice(0)) await s.close();
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Another `quantflow` command (e.g. `replay --journal DIR --json`) run to its end as a child process (killed, by its PID, after `ms`). */
export async function quantflow(args: string[], ms = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), ms);
  const code = await new Promise<number | null>((resolve) => proc.on('close', (exitCode) => resolve(exitCode)));
  clearTimeout(killer);
  return { code, stdout, stderr };
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

/** Every entry of the journal in `dir`, in order (opened read-side and closed again). */
export function journalEntries(dir: string): JournalEntry[] {
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  try {
    return [...journal.read(1n)].map((v) => v.entry);
  } finally {
    journal.close();
  }
}

/** The state server's port, from the child's `run: state server at ...` line (bounded wait). */
export async function serverPort(child: Child): Promise<number> {
  await until('the state server', () => /run: state server at http:\/\/127\.0\.0\.1:\d+\//.test(child.stderr), child, 60_000);
  return Number(/run: state server at http:\/\/127\.0\.0\.1:(\d+)\//.exec(child.stderr)![1]);
}

/** Polls /health until ready (bounded; a child that exited fails with its output). */
export async function waitReady(port: number, child: Child): Promise<void> {
  let last = '';
  for (let i = 0; i < 1200; i++) {
    try {
      const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { ready: boolean; reasons: string[] };
      if (body.ready) return;
      last = body.reasons.join('; ');
    } catch (error) {
      last = `request failed: ${(error as Error).message}`;
    }
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`/health never became ready (last: ${last})\nstderr:\n${child.stderr}`);
}

/** BUY orders the simulator received. */
export function buys(sim: { book: { orders: { side: string }[] } }): number {
  return sim.book.orders.filter((o) => o.side === 'BUY').length;
}

/** A control token for `subject`, signed with `secret` as the session configured by `config` (QF_CONTROL_SECRET) verifies it, valid 5 minutes. */
export function controlToken(config: string, subject: string, secret: string): Promise<string> {
  return signControlToken(subject, loadConfig({ configFile: config, env: { QF_CONTROL_SECRET: secret } }).control, 300);
}
