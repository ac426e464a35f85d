// `quantflow run --mode paper` as a child process against the local Binance simulator
// (test/venues/binance-sim): the same pushed klines as the live test (a scripted price path),
// the same rule strategy, but the core's simulated venue fills the orders. Nothing reaches the
// simulator but market-data requests: no order, no user stream, no signed request, and no
// credentials are needed. Ctrl-C stops it, journaled, exit 0.
import { afterEach, describe, expect, test } from 'vitest';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

describe('quantflow run --mode paper against the Binance simulator', () => {
  test('trades the pushed klines in the core\'s simulated venue; no order, user stream or signed request reaches the simulator', async () => {
    const { sim, config, journal, startTime } = await harness.setup('paper');
    // No credentials in the environment: paper mode must not need them.
    const child = harness.start(['--mode', 'paper', '--config', config], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
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

    // Live on the paper session's journal is refused before anything reaches the venue: the
    // journal's pipeline fills in the core's simulated venue, so every order would fill twice.
    const requestsBefore = sim.requests.length;
    const live = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET });
    const refused = await live.exit;
    expect(refused.code, live.stderr).toBe(2);
    expect(live.stderr).toMatch(/--mode live: journal .* was started by a paper session.*give this live session a journal of its own with --journal DIR/);
    expect(live.stderr).not.toMatch(/\n\s+at /);
    expect(sim.requests.slice(requestsBefore).filter((r) => /\/api\/v3\/(order|account|myTrades|userDataStream)/.test(r.path))).toEqual([]);
  }, 120_000);
});
