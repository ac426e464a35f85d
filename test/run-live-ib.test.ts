// `quantflow run` against the TWS simulator (test/venues/tws-sim, TWS API server version 176) on
// 127.0.0.1, end to end through the CLI (a child process), configured by a `live:` section with
// adapter ib (like config/examples/live-ib.yaml): the simulator's AAPL real-time bars feed a rule
// strategy, its MKT / LMT orders reach the simulator through the journal and fill there; paper
// mode sends nothing but market-data requests; Ctrl-C stops by each on-exit policy (drain,
// cancel, keep); a second Ctrl-C during the drain exits 130 at once and the next start recovers
// from the journal; a restarted session cancels the order the previous one left working (on exit
// keep); kill -9 and restart recovers the executions the dead process never heard of
// exactly once (reqExecutions since the last journaled one) with no order id twice at the simulator.
import { afterEach, describe, expect, test } from 'vitest';
import { type JournalEntry } from '../engine/journal/index.js';
import { EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { OUT, type TwsSim } from './venues/tws-sim/index.js';
import { IB_PATH, journalEntries, playIbPath, RunHarness, until, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

/** Venue seconds of the first bar: 2024-01-02T14:30:00Z, the simulator's clock. */
const START_SEC = Date.UTC(2024, 0, 2, 14, 30, 0) / 1000;
const RESTING_LIMIT_ENTRY = '  entryOrder: { type: limit, timeInForce: gtc, limitOffsetBps: 200, repriceBps: 1000 }\n';
/** --port 0: the session's state server on a free port (tests run side by side). */
const LIVE = ['--mode', 'live', '--i-understand-live', '--port', '0'];

const kindOf = (e: JournalEntry): number => (e.type === 'inbound' ? new DataView(e.record.buffer, e.record.byteOffset).getInt32(0, true) & KIND_MASK : -1);
const fillsOf = (entries: JournalEntry[]) => entries.filter((e) => kindOf(e) === EventKind.FILL) as Extract<JournalEntry, { type: 'inbound' }>[];
const fillIdOf = (e: Extract<JournalEntry, { type: 'inbound' }>): number => new DataView(e.record.buffer, e.record.byteOffset).getFloat64(48, true);
const submitsOf = (entries: JournalEntry[]) => entries.filter((e) => e.type === 'submit').map((e) => (e as { clientOrderId: string }).clientOrderId);
const stopText = (entries: JournalEntry[]) => (entries.filter((e) => e.type === 'modeChanged') as { why: string }[]).map((e) => e.why).join('\n');

interface ExitReport { policy: string; who: string; workingAtStop: string[]; workingAtExit: string[]; cancelsSent: number; timedOut: boolean }
function lastJson(child: Child): { mode: string; commandsSent: number; marketRecords: number; exit: ExitReport | null; book: { roundTrips: number; positions: { instrument: number; position: number }[] } } {
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

/** Every order at the simulator is ours, journaled (submit) before it was sent, and reached it once. */
function expectJournaledOnce(sim: TwsSim, entries: JournalEntry[]): void {
  const submitted = submitsOf(entries);
  expect(new Set(submitted).size, 'each client order id journaled once').toBe(submitted.length);
  for (const order of sim.orders()) {
    expect(submitted, `the journal holds ${order.orderRef}, which reached the simulator`).toContain(order.orderRef);
    expect(sim.submissions(order.orderRef), `${order.orderRef} submissions at the simulator`).toBe(1);
  }
}

/** Every execution at the simulator is journaled as exactly one FILL; fill ids unique. */
function expectFillsOnce(sim: TwsSim, entries: JournalEntry[]): void {
  const fills = fillsOf(entries);
  const executions = sim.executions();
  expect(fills.length, `one journaled FILL per simulator execution (${executions.map((e) => `${e.orderRef}:${e.shares}`).join(' ')})`).toBe(executions.length);
  expect(new Set(fills.map(fillIdOf)).size, 'fill ids unique in the journal').toBe(fills.length);
  const journaledQty = fills.reduce((n, f) => n + Math.abs(new DataView(f.record.buffer, f.record.byteOffset).getFloat64(32, true)), 0);
  expect(journaledQty).toBe(executions.reduce((n, e) => n + e.shares, 0));
}

async function startSession(child: Child, sim: TwsSim): Promise<void> {
  await until('the start reconciliation', () => /reconciliation \(start/.test(child.stderr), child);
  await until('real-time bars subscribed', () => sim.requests.some((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS), child);
  await new Promise((r) => setTimeout(r, 200));
}

/** A live session whose entry is a limit resting at the simulator: the up leg enters, the order stays working. */
async function sessionWithWorkingOrder(onExit: string, boundMs: number) {
  const setup = await harness.setupIb('ib-working', onExit, RESTING_LIMIT_ENTRY, boundMs);
  const child = harness.start([...LIVE, '--config', setup.config]);
  await startSession(child, setup.sim);
  await playIbPath(setup.sim, IB_PATH.slice(0, 8), START_SEC);
  await until('a limit order working at the simulator', () => setup.sim.orders().some((o) => o.orderType === 'LMT' && o.status === 'Submitted'), child);
  const order = setup.sim.orders().find((o) => o.orderType === 'LMT' && o.status === 'Submitted')!;
  expect(order.lmtPrice!, 'the limit rests under the market').toBeLessThan(IB_PATH[7]);
  await new Promise((r) => setTimeout(r, 300));
  return { ...setup, child, working: order.orderRef };
}

describe('quantflow run --mode live|paper against the TWS simulator (adapter ib)', () => {
  test('live: bars -> decisions -> MKT orders -> fills at the simulator, each journaled before it was sent; Ctrl-C cancels, exit 0', async () => {
    const { sim, config, journal } = await harness.setupIb('ib-live', 'cancel');
    const child = harness.start([...LIVE, '--config', config]);
    await startSession(child, sim);
    await playIbPath(sim, IB_PATH, START_SEC);
    await until('three orders filled at the simulator', () => sim.orders().filter((o) => o.status === 'Filled').length >= 3, child);
    await new Promise((r) => setTimeout(r, 500));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(child.stderr).not.toMatch(/\n\s+at /);
    const result = lastJson(child);
    expect(result.mode).toBe('live');
    expect(result.marketRecords).toBe(IB_PATH.length);
    expect(result.commandsSent).toBe(sim.orders().length);
    expect(result.exit?.policy).toBe('cancel');
    expect(sim.orders().every((o) => o.orderType === 'MKT')).toBe(true);
    const entries = journalEntries(journal);
    expectJournaledOnce(sim, entries);
    expectFillsOnce(sim, entries);
    // Up, down, up: long 10 shares at the end, as at the simulator.
    expect(sim.positions().AAPL).toBe(10);
    expect(result.book.positions.find((p) => p.instrument === 0)?.position).toBe(10);
    expect(result.book.roundTrips).toBeGreaterThanOrEqual(1);
    expect(stopText(entries)).toMatch(/session stopped \(on exit cancel\)/);
    expect(sim.protocolErrors).toEqual([]);
  }, 120_000);

  test('paper: the same bars fill in the core\'s simulated venue; no order or execution request reaches the simulator', async () => {
    const { sim, config, journal } = await harness.setupIb('ib-paper', 'cancel');
    const child = harness.start(['--mode', 'paper', '--port', '0', '--config', config]);
    await startSession(child, sim);
    await playIbPath(sim, IB_PATH, START_SEC);
    await new Promise((r) => setTimeout(r, 800));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const result = lastJson(child);
    expect(result.mode).toBe('paper');
    expect(result.commandsSent).toBe(0);
    expect(result.book.roundTrips, child.stdout).toBeGreaterThanOrEqual(1);
    expect(result.book.positions.find((p) => p.instrument === 0)?.position).toBe(10);
    expect(sim.orders()).toEqual([]);
    expect(sim.requests.filter((r) => r.msgId === OUT.PLACE_ORDER || r.msgId === OUT.CANCEL_ORDER)).toEqual([]);
    const entries = journalEntries(journal);
    expect(entries.filter((e) => e.type === 'submit' || e.type === 'cancel' || e.type === 'replace'), 'no venue command journaled').toEqual([]);
    expect(entries.find((e) => e.type === 'sessionStarted')).toMatchObject({ mode: 'paper' });
  }, 120_000);

  test('on exit cancel: the working LMT order is cancelled at the simulator (journaled first), exit 0', async () => {
    const { sim, child, journal, working } = await sessionWithWorkingOrder('cancel', 10_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('cancel');
    expect(exit.workingAtStop).toContain(working);
    expect(exit.cancelsSent).toBe(exit.workingAtStop.length);
    expect(exit.workingAtExit).toEqual([]);
    expect(sim.orders().find((o) => o.orderRef === working)!.status).toBe('Cancelled');
    const entries = journalEntries(journal);
    const cancelAt = entries.findIndex((e) => e.type === 'cancel' && (e as { clientOrderId: string }).clientOrderId === working);
    expect(cancelAt, 'the on-exit cancel is journaled').toBeGreaterThan(-1);
    expect((entries[cancelAt] as { reason: string }).reason).toMatch(/^on exit cancel \(operator \(SIGINT/);
    expect(stopText(entries)).toMatch(/session stopped \(on exit cancel\): 0 working orders left/);
    expectJournaledOnce(sim, entries);
  }, 120_000);

  test('on exit keep: the working LMT order stays at the simulator, exit 0 at once', async () => {
    const { sim, child, journal, working } = await sessionWithWorkingOrder('keep', 10_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('keep');
    expect(exit.cancelsSent).toBe(0);
    expect(exit.workingAtExit).toContain(working);
    expect(sim.orders().find((o) => o.orderRef === working)!.status).toBe('Submitted');
    expect(sim.requests.filter((r) => r.msgId === OUT.CANCEL_ORDER)).toEqual([]);
    expect(stopText(journalEntries(journal))).toMatch(new RegExp(`session stopped \\(on exit keep\\): 1 working orders left \\(${working}\\)`));
  }, 120_000);

  test('on exit drain: trades on until the working LMT order fills at the simulator, then exit 0; nothing cancelled', async () => {
    const { sim, child, journal, working } = await sessionWithWorkingOrder('drain', 60_000);
    child.proc.kill('SIGINT');
    await until('the stop request', () => /stop: requested by operator \(SIGINT/.test(child.stderr), child);
    await new Promise((r) => setTimeout(r, 500));
    expect(child.proc.exitCode, 'drain waits while the order works').toBeNull();
    const order = sim.orders().find((o) => o.orderRef === working)!;
    sim.trade('AAPL', order.lmtPrice!, 100);
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(sim.orders().find((o) => o.orderRef === working)!.status).toBe('Filled');
    const exit = lastJson(child).exit!;
    expect(exit.policy).toBe('drain');
    expect(exit.workingAtExit).toEqual([]);
    expect(exit.cancelsSent).toBe(0);
    const entries = journalEntries(journal);
    expect(entries.some((e) => e.type === 'cancel')).toBe(false);
    expectFillsOnce(sim, entries);
    expect(stopText(entries)).toMatch(/session stopped \(on exit drain\): 0 working orders left/);
  }, 120_000);

  test('restart, then on exit cancel: the LMT order the previous process left working is cancelled at the simulator (one CANCEL_ORDER), CANCELED journaled, exit 0', async () => {
    const { sim, child, config, journal, working } = await sessionWithWorkingOrder('keep', 10_000);
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
    expect(sim.orders().find((o) => o.orderRef === working)!.status, 'kept working').toBe('Submitted');
    const again = harness.start([...LIVE, '--config', config, '--on-exit', 'cancel']);
    await startSession(again, sim);
    expect(again.stderr).toMatch(new RegExp(`order ${working} \\(IB order \\d+: BUY \\d+ LMT, 0 filled by the journal\\) was placed by an earlier process: tracked again`));
    again.proc.kill('SIGINT');
    expect((await again.exit).code, again.stderr).toBe(0);
    const exit = lastJson(again).exit!;
    expect(exit.workingAtStop).toEqual([working]);
    expect(exit.cancelsSent).toBe(1);
    expect(exit.workingAtExit, 'the venue confirmed the cancel').toEqual([]);
    expect(exit.timedOut).toBe(false);
    expect(sim.requests.filter((r) => r.msgId === OUT.CANCEL_ORDER), 'exactly one CANCEL_ORDER reached the simulator').toHaveLength(1);
    expect(sim.orders().find((o) => o.orderRef === working)!.status).toBe('Cancelled');
    const entries = journalEntries(journal);
    expect(entries.some((e) => kindOf(e) === EventKind.CANCELED), 'the venue\'s CANCELED is journaled').toBe(true);
    expectJournaledOnce(sim, entries);
  }, 120_000);

  test('a second Ctrl-C during the drain exits 130 at once; the next start recovers from the journal, no order submitted twice', async () => {
    const { sim, child, config, journal, working } = await sessionWithWorkingOrder('drain', 60_000);
    child.proc.kill('SIGINT');
    await until('the stop request', () => /stop: requested by operator \(SIGINT/.test(child.stderr), child);
    await new Promise((r) => setTimeout(r, 300));
    expect(child.proc.exitCode, 'drain waits while the order works').toBeNull();
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(130);
    expect(child.stderr).toMatch(/second SIGINT: exiting now; the journal keeps what was committed/);
    expect(child.stdout, 'no summary: it exits at once').not.toMatch(/session stopped/);
    expect(stopText(journalEntries(journal)), 'the drain never finished').not.toMatch(/session stopped/);
    // The order the first process left works on at the simulator and fills while nobody listens.
    sim.trade('AAPL', sim.orders().find((o) => o.orderRef === working)!.lmtPrice!, 100);
    const again = harness.start([...LIVE, '--config', config, '--on-exit', 'keep']);
    await until('the restart reconciliation', () => /reconciliation \(start\)/.test(again.stderr), again);
    expect(again.stderr).toMatch(/recovery: checkpoint at inbound \d+, \d+ journal records replayed/);
    expect(again.stderr).toMatch(/reconciliation \(start\): [^\n]*0 UNCERTAIN, 0 foreign, 0 position mismatches/);
    await new Promise((r) => setTimeout(r, 500));
    again.proc.kill('SIGINT');
    expect((await again.exit).code, again.stderr).toBe(0);
    const entries = journalEntries(journal);
    expectJournaledOnce(sim, entries);
    expectFillsOnce(sim, entries);
    expect(lastJson(again).book.positions.find((p) => p.instrument === 0)?.position).toBe(sim.positions().AAPL);
  }, 120_000);

  test('kill -9 with executions the process never heard of; restart recovers each exactly once and no order id twice', async () => {
    const { sim, config, journal } = await harness.setupIb('ib-kill', 'keep');
    const first = harness.start([...LIVE, '--config', config]);
    await startSession(first, sim);
    // The up leg enters (MKT, filled and journaled), the down leg exits: its execution is held at the simulator.
    await playIbPath(sim, IB_PATH.slice(0, 12), START_SEC);
    await until('the entry filled and journaled', () => sim.orders().some((o) => o.status === 'Filled'), first);
    await new Promise((r) => setTimeout(r, 500));
    sim.faults.holdOrderMessages = true;
    await playIbPath(sim, IB_PATH.slice(12, 20), START_SEC + 12 * 60);
    await until('the exit order filled at the simulator', () => sim.orders().filter((o) => o.status === 'Filled').length >= 2, first);
    first.proc.kill('SIGKILL');
    await first.exit;
    sim.releaseHeld(); // to nobody: the client is gone
    const before = fillsOf(journalEntries(journal)).length;
    expect(before, 'the first process journaled the entry fill only').toBe(sim.executions().length - 1);

    const second = harness.start([...LIVE, '--config', config]);
    await startSession(second, sim);
    expect(second.stderr).toMatch(/recovery: checkpoint at inbound/);
    await playIbPath(sim, IB_PATH.slice(20), START_SEC + 20 * 60);
    await new Promise((r) => setTimeout(r, 800));
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    const entries = journalEntries(journal);
    expectJournaledOnce(sim, entries);
    expectFillsOnce(sim, entries);
    const executionRequests = sim.requests.filter((r) => r.msgId === OUT.REQ_EXECUTIONS);
    expect(executionRequests.length, 'the restart asked for executions').toBeGreaterThanOrEqual(2);
    expect(lastJson(second).book.positions.find((p) => p.instrument === 0)?.position).toBe(sim.positions().AAPL);
    expect(second.stderr).toMatch(/reconciliation \(start\): [^\n]*0 position mismatches/);
  }, 120_000);
});
