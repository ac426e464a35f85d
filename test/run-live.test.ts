// `quantflow run --mode live` as a child process against the local Binance simulator
// (test/venues/binance-sim) on 127.0.0.1: a rule strategy trades the simulator's pushed klines
// (a scripted price path), orders reach the simulator through the journal, fills come back,
// Ctrl-C stops by the on-exit policy and is journaled, a kill -9 and restart recovers and
// reconciles with no client order id submitted twice, live mode refuses to start without
// --i-understand-live, and the secrets never reach the journal, stdout or stderr.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type JournalEntry } from '../engine/journal/index.js';
import { EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };
const start = (args: string[], env: Record<string, string> = {}): Child => harness.start(args, env);

/** Entry orders: market (fill at once), or limits resting 2% under the close (working orders for the on-exit policies; repriced only after a 10% move). */
const MARKET_ENTRY = '';
const RESTING_LIMIT_ENTRY = '  entryOrder: { type: limit, timeInForce: gtc, limitOffsetBps: 200, repriceBps: 1000 }\n';
const setup = (onExit = 'cancel', entry = MARKET_ENTRY, boundMs = 3000) => harness.setup('live', onExit, entry, boundMs);

/** Inbound FILL records in the journal. */
function journaledFills(entries: JournalEntry[]): JournalEntry[] {
  return entries.filter((e) => e.type === 'inbound' && (new DataView(e.record.buffer, e.record.byteOffset).getInt32(0, true) & KIND_MASK) === EventKind.FILL);
}

function journalBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(path.join(dir, f))));
}

interface ExitReport { policy: string; who: string; why: string; workingAtStop: string[]; workingAtExit: string[]; cancelsSent: number; timedOut: boolean }

function lastJson(child: Child): { commandsSent: number; exit: ExitReport | null; reconciliation: string[]; marketRecords: number } {
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

function expectNoSecrets(journal: string, ...children: Child[]): void {
  const bytes = journalBytes(journal);
  for (const secret of [TEST_SECRET, TEST_API_KEY]) {
    expect(bytes.includes(Buffer.from(secret)), 'secret in the journal files').toBe(false);
    for (const child of children) expect(child.stdout.includes(secret) || child.stderr.includes(secret), 'secret in stdout/stderr').toBe(false);
  }
}

/** A session whose entry is a limit resting at the simulator when Ctrl-C comes: the up leg enters, and the order stays working. */
async function sessionWithWorkingOrder(onExit: string, boundMs: number): Promise<{ sim: BinanceSim; child: Child; config: string; journal: string; working: string }> {
  const { sim, config, journal, startTime } = await setup(onExit, RESTING_LIMIT_ENTRY, boundMs);
  const child = start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
  await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child);
  await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
  await new Promise((r) => setTimeout(r, 300));
  await sim.playPath('BTCUSDT', PATH.slice(0, 8), { startTime, intervalMs: 60 }).done;
  await until('a limit order working at the simulator', () => sim.book.orders.some((o) => o.type === 'LIMIT' && o.status === 'NEW'), child);
  const order = sim.book.orders.find((o) => o.type === 'LIMIT' && o.status === 'NEW')!;
  expect(order.price, 'the limit rests under the market').toBeLessThan(sim.book.lastPrice.get('BTCUSDT')!);
  await new Promise((r) => setTimeout(r, 300));
  return { sim, child, config, journal, working: order.clientOrderId };
}

function stopEntries(journal: string): string {
  return (journalEntries(journal).filter((e) => e.type === 'modeChanged') as { why: string }[]).map((e) => e.why).join('\n');
}

describe('quantflow run --mode live against the Binance simulator', () => {
  test('refuses to start without --i-understand-live, exit 2, and says why', async () => {
    const { config } = await setup();
    const child = start(['--mode', 'live', '--config', config], ENV);
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(2);
    expect(child.stderr).toMatch(/refusing to start --mode live without --i-understand-live: live mode sends real orders/);
    expect(child.stderr).not.toMatch(/\n\s+at /);
  });

  test('trades the pushed klines through the journal; Ctrl-C cancels, journals who and why, exits 0; no secret in journal or output', async () => {
    const { sim, config, journal, startTime } = await setup('cancel');
    const child = start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    await new Promise((r) => setTimeout(r, 300));
    const play = sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 });
    await play.done;
    await until('two orders filled at the simulator', () => sim.book.orders.filter((o) => o.status === 'FILLED').length >= 2, child);
    await new Promise((r) => setTimeout(r, 500));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const result = lastJson(child);
    expect(result.exit?.policy).toBe('cancel');
    expect(result.exit?.who).toMatch(/operator \(SIGINT/);
    const entries = journalEntries(journal);
    const submitted = entries.filter((e) => e.type === 'submit').map((e) => (e as { clientOrderId: string }).clientOrderId);
    for (const order of sim.book.orders) expect(submitted, `the journal holds ${order.clientOrderId}, which reached the simulator`).toContain(order.clientOrderId);
    expect(result.commandsSent).toBe(sim.book.orders.length);
    const filled = sim.book.orders.filter((o) => o.status === 'FILLED').reduce((n, o) => n + o.fills.length, 0);
    expect(journaledFills(entries).length, 'every fill at the simulator journaled').toBe(filled);
    const stops = entries.filter((e) => e.type === 'modeChanged') as { who: string; why: string }[];
    expect(stops.map((e) => e.why).join('\n')).toMatch(/stop requested \(SIGINT received\); on exit cancel/);
    expect(stops.map((e) => e.why).join('\n')).toMatch(/session stopped \(on exit cancel\)/);
    expect(sim.duplicateSubmissions()).toEqual([]);
    expectNoSecrets(journal, child);
  }, 120_000);

  test('on exit cancel: the working order is cancelled at the simulator (journaled before it is sent), then exit 0', async () => {
    const { sim, child, config, journal, working } = await sessionWithWorkingOrder('cancel', 10_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('cancel');
    expect(exit.workingAtStop).toContain(working);
    expect(exit.cancelsSent).toBe(exit.workingAtStop.length);
    expect(exit.workingAtExit).toEqual([]);
    expect(exit.timedOut).toBe(false);
    expect(sim.book.orders.find((o) => o.clientOrderId === working)!.status).toBe('CANCELED');
    const entries = journalEntries(journal);
    const cancelAt = entries.findIndex((e) => e.type === 'cancel' && (e as { clientOrderId: string }).clientOrderId === working);
    expect(cancelAt, 'the on-exit cancel is journaled').toBeGreaterThan(-1);
    expect((entries[cancelAt] as { reason: string }).reason).toMatch(/^on exit cancel \(operator \(SIGINT/);
    const requestedAt = entries.findIndex((e) => e.type === 'modeChanged' && /stop requested/.test((e as { why: string }).why));
    expect(requestedAt, 'the stop request is journaled before the cancel').toBeLessThan(cancelAt);
    expect(stopEntries(journal)).toMatch(/session stopped \(on exit cancel\): 0 working orders left/);
    // A restart replays the journal, the on-exit cancel included (the core never decided it), without divergence.
    const again = start(['--mode', 'live', '--config', config, '--i-understand-live', '--on-exit', 'keep'], ENV);
    await until('the restart reconciliation', () => /reconciliation \(start\)/.test(again.stderr), again);
    expect(again.stderr).toMatch(/recovery: checkpoint at inbound \d+, \d+ journal records replayed/);
    expect(again.stderr).toMatch(/reconciliation \(start\): [^\n]*0 UNCERTAIN, 0 foreign, 0 position mismatches/);
    again.proc.kill('SIGINT');
    expect((await again.exit).code, again.stderr).toBe(0);
    expect(sim.duplicateSubmissions()).toEqual([]);
    expectNoSecrets(journal, child, again);
  }, 120_000);

  test('on exit keep: the working order stays at the simulator, exit 0 at once, both journaled', async () => {
    const { sim, child, journal, working } = await sessionWithWorkingOrder('keep', 10_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('keep');
    expect(exit.cancelsSent).toBe(0);
    expect(exit.workingAtExit).toContain(working);
    expect(exit.timedOut).toBe(false);
    expect(sim.book.orders.find((o) => o.clientOrderId === working)!.status).toBe('NEW');
    expect(journalEntries(journal).some((e) => e.type === 'cancel')).toBe(false);
    expect(stopEntries(journal)).toMatch(new RegExp(`session stopped \\(on exit keep\\): 1 working orders left \\(${working}\\)`));
    expectNoSecrets(journal, child);
  }, 120_000);

  test('on exit drain: keeps trading until the working order fills, then exit 0; nothing cancelled', async () => {
    const { sim, child, journal, working } = await sessionWithWorkingOrder('drain', 60_000);
    child.proc.kill('SIGINT');
    await until('the stop request', () => /stop: requested by operator \(SIGINT/.test(child.stderr), child);
    await new Promise((r) => setTimeout(r, 500));
    expect(child.proc.exitCode, 'drain waits while the order works').toBeNull();
    const order = sim.book.orders.find((o) => o.clientOrderId === working)!;
    sim.trade('BTCUSDT', order.price, Math.abs(order.origQty) * 2);
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(order.status).toBe('FILLED');
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('drain');
    expect(exit.workingAtStop).toContain(working);
    expect(exit.workingAtExit).toEqual([]);
    expect(exit.cancelsSent).toBe(0);
    expect(exit.timedOut).toBe(false);
    const entries = journalEntries(journal);
    expect(entries.some((e) => e.type === 'cancel')).toBe(false);
    expect(journaledFills(entries).length, 'the fills journaled').toBe(sim.book.orders.reduce((n, o) => n + o.fills.length, 0));
    expect(stopEntries(journal)).toMatch(/session stopped \(on exit drain\): 0 working orders left/);
    expectNoSecrets(journal, child);
  }, 120_000);

  test('a streamed fill report that would fill an order past its quantity is not counted: the venue\'s REST record decides, and no order goes out to undo it', async () => {
    const { sim, config, startTime } = await setup('cancel');
    const child = start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 8), { startTime, intervalMs: 60 }).done;
    await until('the entry filled', () => sim.book.orders.some((o) => o.status === 'FILLED'), child);
    await new Promise((r) => setTimeout(r, 800));
    const order = sim.book.orders[0];
    const fill = order.fills[0];
    // One more TRADE report for the filled order: a new trade id for 0.01 more, while its cumulative filled (z) stays 0.01, the order's quantity.
    sim.deliverUser({
      e: 'executionReport', E: Date.now(), s: 'BTCUSDT', c: order.clientOrderId, S: 'BUY', o: 'MARKET', f: 'GTC', q: '0.01000000', p: '0', P: '0', F: '0', g: -1, C: '', x: 'TRADE', X: 'FILLED', r: 'NONE',
      i: order.orderId, l: '0.01000000', z: '0.01000000', L: String(fill.price), n: '0', N: 'USDT', T: fill.time, t: fill.tradeId + 1000, v: 0, I: 1, w: false, m: false, M: false, O: order.time,
      Z: String(fill.price * 0.01), Y: String(fill.price * 0.01), Q: '0', W: order.time, V: 'EXPIRE_MAKER',
    });
    await until('the report held back', () => /would fill it past its quantity \(0\.01 of 0\.01 filled\): not counted/.test(child.stderr), child);
    // Still rising: the strategy's target stays long 0.01.
    await sim.playPath('BTCUSDT', PATH.slice(8, 11), { startTime: startTime + 8 * 60_000, intervalMs: 100 }).done;
    await new Promise((r) => setTimeout(r, 1000));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { book: { positions: { instrument: number; position: number }[] } };
    expect(result.book.positions.find((p) => p.instrument === 0)?.position, 'the engine holds what the venue holds').toBeCloseTo(0.01, 8);
    expect(sim.book.balances.get('BTC')!.free).toBeCloseTo(0.01, 8);
    expect(sim.book.orders.map((o) => o.side), 'no sell to undo a fill that never happened').toEqual(['BUY']);
  }, 120_000);

  test('kill -9 mid-session, restart: recovers from the journal, reconciles, no client order id submitted twice', async () => {
    const { sim, config, journal, startTime } = await setup('keep');
    const first = start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    const play = sim.playPath('BTCUSDT', PATH.slice(0, 20), { startTime, intervalMs: 60 });
    await until('an order at the simulator', () => sim.book.orders.length >= 1, first);
    first.proc.kill('SIGKILL');
    await first.exit;
    await play.done;
    const second = start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the restart reconciliation', () => /reconciliation \(start\)/.test(second.stderr), second);
    expect(second.stderr).toMatch(/recovery: checkpoint at inbound/);
    await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
    await new Promise((r) => setTimeout(r, 300));
    const rest = sim.playPath('BTCUSDT', PATH.slice(20), { startTime: startTime + 20 * 60_000, intervalMs: 60 });
    await rest.done;
    await new Promise((r) => setTimeout(r, 800));
    second.proc.kill('SIGINT');
    const { code } = await second.exit;
    expect(code, second.stderr).toBe(0);
    expect(lastJson(second).exit?.policy).toBe('keep');
    expect(sim.duplicateSubmissions(), 'client order ids submitted twice').toEqual([]);
    const submitted = journalEntries(journal).filter((e) => e.type === 'submit').map((e) => (e as { clientOrderId: string }).clientOrderId);
    expect(new Set(submitted).size, 'each client order id journaled once').toBe(submitted.length);
    for (const order of sim.book.orders) expect(submitted).toContain(order.clientOrderId);
    expect(second.stderr, 'the restart reconciles the order the first process left').toMatch(/reconciliation \(start\): [^\n]*0 position mismatches/);
    expectNoSecrets(journal, first, second);
  }, 120_000);
});
