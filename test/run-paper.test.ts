// `quantflow run --mode paper` as a child process against the local Binance simulator
// (test/venues/binance-sim): the same pushed klines as the live test (a scripted price path),
// the same rule strategy, but the core's simulated venue fills the orders. Nothing reaches the
// simulator but market-data requests: no order, no user stream, no signed request, and no
// credentials are needed. Ctrl-C stops it, journaled, exit 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { startBinanceSim, type BinanceSim } from './venues/binance-sim/index.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');


interface Child { proc: ChildProcess; stdout: string; stderr: string; exit: Promise<{ code: number | null }> }
const children: Child[] = [];
const sims: BinanceSim[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  for (const s of sims.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function start(args: string[]): Child {
  // No credentials in the environment: paper mode must not need them.
  const env = { ...process.env };
  delete env.TEST_BINANCE_KEY;
  delete env.TEST_BINANCE_SECRET;
  const proc = spawn(process.execPath, [cli, 'run', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { proc, stdout: '', stderr: '', exit: new Promise((resolve) => proc.on('exit', (code) => resolve({ code }))) };
  proc.stdout!.on('data', (b: Buffer) => { child.stdout += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { child.stderr += b.toString(); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 90_000);
  void child.exit.then(() => clearTimeout(killer));
  children.push(child);
  return child;
}

async function until(what: string, ok: () => boolean, child: Child, ms = 30_000): Promise<void> {
  for (let waited = 0; waited < ms; waited += 25) {
    if (ok()) return;
    if ((child.proc.exitCode !== null || child.proc.signalCode !== null) && waited > 200) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}\nstderr:\n${child.stderr}\nstdout:\n${child.stdout}`);
}

/** Up 12 bars, down 12, up 12: the fast cross enters, exits and enters again (as in test/run-live.test.ts). */
const PATH = [...Array.from({ length: 12 }, (_, i) => 50_000 + 100 * i), ...Array.from({ length: 12 }, (_, i) => 51_100 - 150 * i), ...Array.from({ length: 12 }, (_, i) => 49_450 + 150 * i)];

describe('quantflow run --mode paper against the Binance simulator', () => {
  test('trades the pushed klines in the core\'s simulated venue; no order, user stream or signed request reaches the simulator', async () => {
    const sim = await startBinanceSim({ balances: { USDT: 1_000_000, BTC: 0, ETH: 0 } });
    sims.push(sim);
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-run-paper-'));
    dirs.push(dir);
    const startTime = Math.floor(sim.now() / 60_000) * 60_000 - 120 * 60_000;
    sim.trade('BTCUSDT', 50_000, 1, startTime - 60_000);
    const config = path.join(dir, 'paper.yaml');
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
  onExit: { policy: cancel, boundMs: 3000 }
`);
    const child = start(['--mode', 'paper', '--config', config]);
    await until('the start (paper: nothing to reconcile)', () => /reconciliation \(start \(paper/.test(child.stderr), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 }).done;
    await new Promise((r) => setTimeout(r, 800));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(child.stderr).not.toMatch(/\n\s+at /);

    const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      mode: string; marketRecords: number; commandsSent: number; exit: { policy: string; who: string } | null;
      book: { roundTrips: number; positions: { instrument: number; position: number }[] };
    };
    expect(result.mode).toBe('paper');
    // 36 prints, one kline each: every kline but the last (still open) closes.
    expect(result.marketRecords).toBeGreaterThanOrEqual(PATH.length - 1);
    expect(result.commandsSent).toBe(0);
    // Entered on the up leg, out on the down leg, in again on the last up leg: filled by the core's simulated venue.
    expect(result.book.roundTrips, child.stdout).toBeGreaterThanOrEqual(1);
    expect(result.book.positions.find((p) => p.instrument === 0)?.position).toBeCloseTo(0.01, 8);
    expect(result.exit?.who).toMatch(/operator \(SIGINT/);

    // Nothing but market data at the simulator.
    expect(sim.book.orders).toEqual([]);
    expect(sim.userStreamCount).toBe(0);
    const asked = sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(asked.filter((r) => /\/api\/v3\/(order|openOrders|account|myTrades|userDataStream)/.test(r)), asked.join('\n')).toEqual([]);

    const entries: JournalEntry[] = [];
    const j = Journal.open(journal, { durability: { mode: 'async' } });
    try {
      for (const { entry } of j.read(1n)) entries.push(entry);
    } finally {
      j.close();
    }
    expect(entries.find((e) => e.type === 'sessionStarted')).toMatchObject({ mode: 'paper' });
    expect(entries.filter((e) => e.type === 'submit' || e.type === 'cancel' || e.type === 'replace'), 'no venue command journaled').toEqual([]);
    expect(entries.filter((e) => e.type === 'inbound').length).toBeGreaterThanOrEqual(PATH.length - 1);
    expect((entries.filter((e) => e.type === 'modeChanged') as { why: string }[]).map((e) => e.why).join('\n')).toMatch(/session stopped \(on exit cancel\)/);
  }, 120_000);
});
