// The crash harness (issue 11) against the protocol simulators of issue 15: `quantflow run --mode
// live` against the Binance simulator (test/venues/binance-sim, ccxt), the Coinbase simulator
// (test/venues/coinbase-sim, ccxt; string fill trade ids) and the TWS simulator (test/venues/tws-sim,
// IB), killed with SIGKILL at every crash point (QF_CRASH_AT:
// a venue record received / journaled before it is published, before and after a commit, a
// command sent, a checkpoint before and after its store) and restarted after each kill; then a
// random-kill variant (seed printed; QF_LIVE_CRASH_SEED repeats it). At the end: no client order
// id reached the venue twice (the simulators count submissions), every venue fill is journaled
// exactly once, and the venue's order history, fills and positions and the engine's cash,
// positions and trade list equal those of an uninterrupted run over the same tape.
//
// How a pushed feed is made comparable (the rule this harness plays by):
//   - Lockstep tape. The driver prints bar i only once the session has journaled the bar before
//     it, the decisions on it (a TIMER record journaled after the bar: the loop went round), every
//     journaled order has reached the simulator and every fill at the simulator is journaled. So
//     market orders fill at the same print in every run, and at most the last printed bar can be
//     missing from the journal when a process dies.
//   - The feed resumes where the session left it. While no session runs the tape stands still;
//     after a restart the driver reads the journal and has the simulator stream again what the
//     journal lacks: IB re-sends the last real-time bar; Binance re-streams the klines from the
//     first one the journal lacks (BinanceSim.replayKlines), the open one last; Coinbase's candles
//     are polled over REST, so before each start the simulator serves candles from the first one
//     the journal lacks on (CoinbaseSim.candlesFrom).
//   - Orders the venue never saw are resent on restart: live.reconcile.resubmitWithinMs covers
//     the simulators' clocks (their bars are hours to years older than the wall clock).
//   - Missed fills come back the venue's way: Binance through myTrades since the last journaled
//     fill id; Coinbase (trade ids are strings, fill ids the adapter's) through the fills endpoint
//     from the last journaled fill's time minus a margin, the fills matching a journaled one (time, price, size) skipped;
//     IB through reqExecutions since the last journaled execution (run.ts tells each adapter what
//     the journal holds: last fill id and time, filled quantity per order, so each is journaled once).
//     A kill at command-sent leaves a market order filled at the venue and its FILL unjournaled.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { Journal } from '../engine/journal/index.js';
import { EV_B, EV_KIND, EV_SIZE, EV_TS_EXCHANGE, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { CRASH_POINTS, ORDER_ID_RANGE_SIZE, orderIdOfClientOrderId } from '../engine/live/index.js';
import { mulberry32 } from '../engine/core/mulberry32.js';
import { TEST_API_KEY, TEST_SECRET, type BinanceSim, type VenueBook } from './venues/binance-sim/index.js';
import { OUT, type TwsSim } from './venues/tws-sim/index.js';
import type { CoinbaseSim } from './venues/coinbase-sim/index.js';
import { ibMinute, RunHarness, type Child } from './run-harness.js';

const harness = new RunHarness();
afterAll(() => harness.cleanup());

/** Six bars up, six down, twice: the fast cross enters and exits on every leg. */
const LEGS = 4;
const TAPE = Array.from({ length: LEGS * 6 }, (_, i) => {
  const leg = Math.floor(i / 6);
  const step = i % 6;
  return leg % 2 === 0 ? step : 6 - step;
});
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };
const IB_START_SEC = Date.UTC(2024, 0, 2, 14, 30, 0) / 1000;

/** One venue under the harness: its simulator, the tape on it, what the journal must hold, and its truth. */
interface VenueDriver {
  readonly name: string;
  readonly config: string;
  readonly journal: string;
  readonly env: Record<string, string>;
  /** Prints bar i of the tape. */
  print(i: number): void;
  /** Bar index of a journaled BAR record. */
  barIndex(tsExchangeNs: bigint): number;
  /** The bar the journal must hold once bar i is printed (-1: none). */
  closedBy(i: number): number;
  /** The session subscribed its market stream (`since`: the value of subscriptionMark() before the start). */
  subscribed(since: number): boolean;
  subscriptionMark(): number;
  /** After a restart: streams again what the journal lacks (bars after `lastJournaled`, up to the last printed `printed`). */
  resume(lastJournaled: number, printed: number): void;
  /** Before each start (`lastJournaled`: the journal's last bar, -1 none): what a polled feed must serve from. */
  beforeStart?(lastJournaled: number): void;
  /** Calls `listener` once, the moment the venue next fills an order (before any message about it leaves the simulator). */
  onNextVenueFill?(listener: () => void): void;
  /** The venue's truth, without venue-assigned ids and clocks. */
  truth(): { orders: unknown[]; fills: unknown[]; positions: unknown; duplicates: string[]; orderRefs: string[]; fillCount: number };
}

/**
 * A client order id as its number in its journal's range (each live journal numbers its orders in
 * a random range of its own: engine/live OrderIdRange), so runs on different journals compare alike.
 */
function journalLocal(clientOrderId: string): string {
  const id = orderIdOfClientOrderId(clientOrderId);
  return id === null ? clientOrderId : `qf-${id % ORDER_ID_RANGE_SIZE}`;
}

/** The truth of a simulator built on the shared VenueBook (Binance, Coinbase): its orders, fills and balances by client order id. */
function bookTruth(sim: { readonly book: VenueBook; duplicateSubmissions(): string[] }): ReturnType<VenueDriver['truth']> {
  const orders = sim.book.orders;
  return {
    orders: orders.map((o) => ({ id: journalLocal(o.clientOrderId), side: o.side, type: o.type, qty: o.origQty, executed: o.executedQty, status: o.status, quote: o.cumQuote })),
    fills: orders.flatMap((o) => o.fills.map((f) => ({ id: journalLocal(o.clientOrderId), price: f.price, qty: f.qty, fee: f.commission }))),
    positions: [...sim.book.balances].map(([asset, b]) => [asset, b.free + b.locked]),
    duplicates: sim.duplicateSubmissions(), orderRefs: orders.map((o) => o.clientOrderId), fillCount: orders.reduce((n, o) => n + o.fills.length, 0),
  };
}

async function binanceDriver(name: string): Promise<VenueDriver & { sim: BinanceSim }> {
  const { sim, config, journal, startTime } = await harness.setup(name, 'keep');
  appendFileSync(config, '  reconcile: { foreignOrders: report, resubmitWithinMs: 864000000, positionTolerance: 1.0e-9 }\n');
  const openTime = (i: number) => startTime + i * 60_000;
  return {
    name, sim, config, journal, env: ENV,
    print: (i) => void sim.playPath('BTCUSDT', [50_000 + 100 * TAPE[i]], { startTime: openTime(i) }),
    barIndex: (ts) => Number(ts / 1_000_000n - BigInt(startTime)) / 60_000,
    closedBy: (i) => i - 1,
    subscriptionMark: () => 0,
    subscribed: () => sim.subscribedStreams().includes('btcusdt@kline_1m'),
    resume: (lastJournaled) => void sim.replayKlines('BTCUSDT', openTime(lastJournaled + 1)),
    truth: () => bookTruth(sim),
  };
}

async function coinbaseDriver(name: string): Promise<VenueDriver & { sim: CoinbaseSim }> {
  const { sim, config, journal, startTime, env } = await harness.setupCoinbase(name, 'keep');
  appendFileSync(config, '  reconcile: { foreignOrders: report, resubmitWithinMs: 864000000, positionTolerance: 1.0e-9 }\n');
  const openTime = (i: number) => startTime + i * 60_000;
  const candlePolls = () => sim.requests.filter((r) => r.path.endsWith('/candles')).length;
  return {
    name, sim, config, journal, env,
    print: (i) => void sim.playPath('BTC-USD', [50_000 + 100 * TAPE[i]], { startTime: openTime(i) }),
    barIndex: (ts) => Number(ts / 1_000_000n - BigInt(startTime)) / 60_000,
    closedBy: (i) => i - 1,
    subscriptionMark: candlePolls,
    subscribed: (since) => candlePolls() > since,
    beforeStart: (lastJournaled) => { sim.candlesFrom = openTime(lastJournaled + 1); },
    onNextVenueFill: (listener) => { sim.onFill = () => { sim.onFill = null; listener(); }; },
    resume: () => undefined,
    truth: () => bookTruth(sim),
  };
}

async function ibDriver(name: string): Promise<VenueDriver & { sim: TwsSim }> {
  const { sim, config, journal } = await harness.setupIb(name, 'keep', '', 3000, '  reconcile: { foreignOrders: report, resubmitWithinMs: 1000000000000, positionTolerance: 0 }\n');
  const bar = (i: number) => ibMinute(sim, 'AAPL', IB_START_SEC + 60 * i, 100 + TAPE[i]);
  const barRequests = () => sim.requests.filter((r) => r.msgId === OUT.REQ_REAL_TIME_BARS).length;
  return {
    name, sim, config, journal, env: {},
    print: (i) => { sim.trade('AAPL', 100 + TAPE[i], 100); bar(i); },
    barIndex: (ts) => Number(ts / 1_000_000_000n - BigInt(IB_START_SEC)) / 60,
    closedBy: (i) => i,
    subscriptionMark: barRequests,
    subscribed: (since) => barRequests() > since,
    resume: (lastJournaled, printed) => { for (let i = lastJournaled + 1; i <= printed; i++) bar(i); },
    truth: () => {
      const orders = sim.orders();
      const executions = sim.executions();
      return {
        orders: orders.map((o) => ({ id: journalLocal(o.orderRef), side: o.action, type: o.orderType, qty: o.totalQty, filled: o.filled, status: o.status, avg: o.avgPrice })),
        fills: executions.map((e) => ({ id: journalLocal(e.orderRef), side: e.side, shares: e.shares, price: e.price, fee: e.commission })),
        positions: sim.positions(), duplicates: orders.filter((o) => sim.submissions(o.orderRef) !== 1).map((o) => o.orderRef),
        orderRefs: orders.map((o) => o.orderRef), fillCount: executions.length,
      };
    },
  };
}

interface JournalState { lastBar: number; timerAfterLastBar: boolean; fills: number; fillIds: Set<number>; submits: Set<string> }

function readJournal(driver: VenueDriver): JournalState {
  const state: JournalState = { lastBar: -1, timerAfterLastBar: false, fills: 0, fillIds: new Set(), submits: new Set() };
  let journal: Journal;
  try {
    journal = Journal.open(driver.journal, { durability: { mode: 'async' } });
  } catch {
    return state;
  }
  try {
    for (const { entry } of journal.read(1n)) {
      if (entry.type === 'submit') state.submits.add(entry.clientOrderId);
      if (entry.type !== 'inbound') continue;
      const view = new DataView(entry.record.buffer, entry.record.byteOffset, 64);
      const kind = view.getInt32(EV_KIND, true) & KIND_MASK;
      if (kind === EventKind.BAR) {
        const index = driver.barIndex(view.getBigInt64(EV_TS_EXCHANGE, true));
        if (index > state.lastBar) state.lastBar = index, state.timerAfterLastBar = false;
      } else if (kind === EventKind.TIMER) state.timerAfterLastBar = true;
      else if (kind === EventKind.FILL && view.getFloat64(EV_SIZE, true) !== 0) {
        state.fills++;
        state.fillIds.add(view.getFloat64(EV_B, true));
      }
    }
  } finally {
    journal.close();
  }
  return state;
}

const running = (child: Child) => child.proc.exitCode === null && child.proc.signalCode === null;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls every 50 ms (at most `ms`) until `ok` or the child has exited; true when `ok`. */
async function whileRunning(child: Child, ok: () => boolean, ms = 60_000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (ok()) return true;
    if (!running(child)) return false;
    await pause(50);
  }
  throw new Error(`the session made no progress for ${ms} ms\nstderr:\n${child.stderr.slice(-4000)}`);
}

interface HarnessRun {
  book: unknown; kills: Map<string, number>; journal: JournalState; restarts: number;
  /** Fills the start reconciliations recovered from the venue (summed over the processes). */
  recoveredFills: number;
}

const recoveredFillsOf = (child: Child) => [...child.stderr.matchAll(/reconciliation \(start\): (\d+) missed fills/g)].reduce((n, m) => n + Number(m[1]), 0);

/**
 * Plays the whole tape against one session, restarted after every death. `plan(k)` gives the
 * QF_CRASH_AT of process k (undefined: none); `killAfterMs(k)` a random kill time. Ends with
 * Ctrl-C (on exit keep) once the tape is played and settled; returns the final book.
 */
/** Kill process k once it was given `bars` more bars of the tape, `delayMs` after the last of them. */
interface KillAfterBars {
  readonly bars: number;
  readonly delayMs: number;
}

async function playTape(
  driver: VenueDriver, plan: (k: number) => string | undefined,
  /** Process k (given `printed`, the last bar printed before it starts) is killed after some bars of its own (random kills: tape progress, not wall time, so a faster start cannot outrun them). */
  killAfterBars: (k: number, printed: number) => KillAfterBars | undefined = () => undefined,
  onKill: (point: string) => void = () => undefined,
  /** Process k is killed the moment the venue fills an order of it (driver.onNextVenueFill). */
  killAtVenueFill: (k: number) => boolean = () => false,
): Promise<HarnessRun> {
  const kills = new Map<string, number>();
  let recoveredFills = 0;
  const killedAtFill = new Set<Child>();
  let printed = -1;
  let k = 0;
  let child: Child | null = null;
  let killPlan: KillAfterBars | undefined;
  let printedAtStart = -1;
  const settled = (): boolean => {
    const j = readJournal(driver);
    const truth = driver.truth();
    const expected = driver.closedBy(printed);
    return (expected < 0 || (j.lastBar >= expected && j.timerAfterLastBar))
      && [...j.submits].every((id) => truth.orderRefs.includes(id)) && j.fills === truth.fillCount;
  };
  const start = async (): Promise<Child> => {
    const crashAt = plan(k);
    killPlan = killAfterBars(k, printed);
    printedAtStart = printed;
    k++;
    driver.beforeStart?.(readJournal(driver).lastBar);
    const mark = driver.subscriptionMark();
    const next = harness.start(['--mode', 'live', '--config', driver.config, '--i-understand-live', '--port', '0'], { ...driver.env, ...(crashAt ? { QF_CRASH_AT: crashAt } : {}) }, crashAt ? [] : ['QF_CRASH_AT']);
    if (killAtVenueFill(k - 1)) driver.onNextVenueFill!(() => { if (running(next)) { killedAtFill.add(next); next.proc.kill('SIGKILL'); } });
    if (await whileRunning(next, () => /reconciliation \(start/.test(next.stderr) && driver.subscribed(mark))) {
      await pause(100);
      driver.resume(readJournal(driver).lastBar, printed);
    }
    return next;
  };
  const noteDeath = async (dead: Child): Promise<void> => {
    const { code, signal } = await dead.exit;
    recoveredFills += recoveredFillsOf(dead);
    expect(signal, `${driver.name}: a session dies only by SIGKILL (exit ${code})\nstderr:\n${dead.stderr.slice(-4000)}`).toBe('SIGKILL');
    const point = /crash point: ([a-z-]+):/.exec(dead.stderr)?.[1] ?? (killedAtFill.delete(dead) ? 'venue-fill' : 'random');
    kills.set(point, (kills.get(point) ?? 0) + 1);
    onKill(point);
  };
  for (let restarts = 0; ; restarts++) {
    if (restarts > 200) throw new Error(`${driver.name}: more than 200 restarts`);
    child = await start();
    while (running(child)) {
      if (!(await whileRunning(child, settled))) break;
      if (printed + 1 >= TAPE.length) break;
      printed++;
      driver.print(printed);
      if (killPlan !== undefined && printed - printedAtStart >= killPlan.bars) {
        const victim = child;
        setTimeout(() => { if (running(victim)) victim.proc.kill('SIGKILL'); }, killPlan.delayMs);
        killPlan = undefined;
      }
    }
    if (running(child)) {
      await pause(300);
      child.proc.kill('SIGINT');
      const { code, signal } = await child.exit;
      if (signal === 'SIGKILL') { await noteDeath(child); continue; }
      expect(code, `${driver.name}: the last session stops cleanly\nstderr:\n${child.stderr.slice(-4000)}`).toBe(0);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { book: unknown };
      return { book: result.book, kills, journal: readJournal(driver), restarts, recoveredFills: recoveredFills + recoveredFillsOf(child) };
    }
    await noteDeath(child);
  }
}

function expectSameAsUninterrupted(driver: VenueDriver, run: HarnessRun, reference: { run: HarnessRun; truth: ReturnType<VenueDriver['truth']> }, label: string): void {
  const truth = driver.truth();
  expect(truth.duplicates, `${label}: no client order id reached the venue twice`).toEqual([]);
  expect(run.journal.fills, `${label}: every venue fill journaled exactly once`).toBe(truth.fillCount);
  expect(run.journal.fillIds.size, `${label}: fill ids unique in the journal`).toBe(run.journal.fills);
  expect(truth.fills, `${label}: the venue's fills (none lost, none extra)`).toEqual(reference.truth.fills);
  expect(truth.orders, `${label}: the order history at the venue`).toEqual(reference.truth.orders);
  expect(truth.positions, `${label}: the venue's positions`).toEqual(reference.truth.positions);
  expect(run.book, `${label}: the engine's cash, positions and trade list`).toEqual(reference.run.book);
}

/** n of QF_CRASH_AT=<point>:<n>: late enough that a process makes progress first. */
const VISIT: Record<(typeof CRASH_POINTS)[number], number> = {
  'inbound-received': 6, 'inbound-journaled': 4, 'commit-before': 1, 'commit-after': 1, 'command-sent': 1, 'snapshot-before-store': 1, 'snapshot-after-store': 1,
};

describe.each([
  ['Binance (ccxt)', binanceDriver],
  ['Coinbase (ccxt)', coinbaseDriver],
  ['IB (TWS)', ibDriver],
] as const)('crash harness against the %s simulator', (venue, makeDriver) => {
  let reference: { run: HarnessRun; truth: ReturnType<VenueDriver['truth']> };

  test('an uninterrupted run trades on every leg of the tape', async () => {
    const driver = await makeDriver(`crash-ref-${venue.split(' ')[0]}`);
    const run = await playTape(driver, () => undefined);
    reference = { run, truth: driver.truth() };
    expect(run.restarts).toBe(0);
    expect(reference.truth.orderRefs.length, 'orders at the venue').toBeGreaterThanOrEqual(LEGS - 1);
    expect(reference.truth.duplicates).toEqual([]);
    expect(run.journal.fills).toBe(reference.truth.fillCount);
  }, 120_000);

  test('SIGKILL at every crash point, restart after each: ends as the uninterrupted run', async () => {
    expect(reference, 'the uninterrupted run').toBeDefined();
    const driver = await makeDriver(`crash-scripted-${venue.split(' ')[0]}`);
    // Each point in turn until it has killed once; a point a process never reached is tried again by the next.
    const pending: (typeof CRASH_POINTS)[number][] = [...CRASH_POINTS];
    const run = await playTape(driver, () => (pending.length > 0 ? `${pending[0]}:${VISIT[pending[0]]}` : undefined), undefined, (point) => {
      if (point === pending[0]) pending.shift();
    });
    const kills = [...run.kills].map(([point, n]) => `${point} ${n}`).join(', ');
    process.stderr.write(`crash harness (${venue}): ${run.restarts} restarts; kills: ${kills}\n`);
    expectSameAsUninterrupted(driver, run, reference, `${venue}, kills ${kills}`);
    expect(pending, `${venue}: crash points never reached (kills: ${kills})`).toEqual([]);
  }, 240_000);

  // Venues whose driver can tell the moment an order fills (Coinbase): a fill at the venue that no journal holds yet.
  test.runIf(venue.startsWith('Coinbase'))('SIGKILL the moment the venue fills an order (before the fill is journaled), three times: each fill recovered once; ends as the uninterrupted run', async () => {
    expect(reference, 'the uninterrupted run').toBeDefined();
    const driver = await makeDriver(`crash-at-fill-${venue.split(' ')[0]}`);
    const run = await playTape(driver, () => undefined, undefined, undefined, (k) => k < 3);
    const kills = [...run.kills].map(([point, n]) => `${point} ${n}`).join(', ');
    process.stderr.write(`crash harness at venue fills (${venue}): ${run.restarts} restarts; kills: ${kills}; ${run.recoveredFills} fills recovered at start\n`);
    expect(run.kills.get('venue-fill'), `${venue}: kills at a venue fill (kills: ${kills})`).toBe(3);
    expect(run.recoveredFills, `${venue}: each fill the killed process never journaled is recovered by the next start`).toBe(3);
    expectSameAsUninterrupted(driver, run, reference, `${venue}, kills ${kills}`);
  }, 240_000);

  test('SIGKILL at random times (seed printed), restart after each: ends as the uninterrupted run', async () => {
    expect(reference, 'the uninterrupted run').toBeDefined();
    const seed = Number(process.env.QF_LIVE_CRASH_SEED ?? Date.now() % 1_000_000);
    process.stderr.write(`random crash harness (${venue}): seed ${seed} (QF_LIVE_CRASH_SEED=${seed} repeats the plan)\n`);
    const random = mulberry32(seed);
    const driver = await makeDriver(`crash-random-${venue.split(' ')[0]}`);
    // Two processes killed at random points of the tape (after 1 to a third of the bars left, then
    // 0 to 400 ms later: mid-bar, mid-order, mid-journal write), the third runs to the end.
    const run = await playTape(driver, () => undefined, (k, printed) => (k < 2 ? { bars: 1 + Math.floor(random() * Math.max(1, (TAPE.length - 1 - printed) / 3)), delayMs: Math.floor(random() * 400) } : undefined));
    const kills = [...run.kills].map(([point, n]) => `${point} ${n}`).join(', ');
    process.stderr.write(`random crash harness (${venue}, seed ${seed}): ${run.restarts} restarts\n`);
    expect(run.restarts, `seed ${seed}`).toBe(2);
    expectSameAsUninterrupted(driver, run, reference, `${venue}, seed ${seed}, kills ${kills}`);
  }, 240_000);
});

describe('crash harness: a resting limit order of a killed process fills after the restart (Binance, ccxt)', () => {
  test('SIGKILL while the entry rests at the venue; it fills in two parts while the next process runs: each FILL journaled once, at once (no reconnect), the position right', async () => {
    const driver = await binanceDriver('crash-resting-Binance');
    // Limit entries 1% below the close: the entry rests until the venue trades down to it.
    writeFileSync(driver.config, readFileSync(driver.config, 'utf8').replace('  confirmBars: 1\n', '  confirmBars: 1\n  entryOrder: { type: limit, timeInForce: gtc, limitOffsetBps: 100, repriceBps: 0 }\n'));
    const start = () => harness.start(['--mode', 'live', '--config', driver.config, '--i-understand-live', '--port', '0'], driver.env, ['QF_CRASH_AT']);
    const first = start();
    expect(await whileRunning(first, () => /reconciliation \(start/.test(first.stderr) && driver.subscribed(0)), first.stderr).toBe(true);
    await pause(100);
    const resting = () => driver.sim.book.orders.find((o) => o.side === 'BUY' && o.type === 'LIMIT' && o.status === 'NEW');
    for (let i = 0; i < TAPE.length && resting() === undefined; i++) {
      driver.print(i);
      // Bar i - 1 journaled and decided on (a TIMER after it), or the entry at the venue.
      expect(await whileRunning(first, () => resting() !== undefined || (readJournal(driver).lastBar >= i - 1 && readJournal(driver).timerAfterLastBar)), first.stderr).toBe(true);
    }
    const order = resting();
    expect(order, `a limit entry rests at the venue\n${first.stderr.slice(-3000)}`).toBeDefined();
    expect(await whileRunning(first, () => readJournal(driver).submits.has(order!.clientOrderId)), first.stderr).toBe(true);
    await pause(500);
    first.proc.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    expect(readJournal(driver).fills, 'nothing filled before the kill').toBe(0);

    const second = start();
    expect(await whileRunning(second, () => /reconciliation \(start/.test(second.stderr)), second.stderr).toBe(true);
    await pause(300);
    expect(driver.sim.book.orders.find((o) => o.clientOrderId === order!.clientOrderId)?.status, 'still resting after the restart').toBe('NEW');
    // The venue trades down through the limit: a partial fill, then the rest.
    driver.sim.trade('BTCUSDT', order!.price - 10, order!.origQty / 4);
    expect(await whileRunning(second, () => readJournal(driver).fills === 1), `the partial fill journaled while the session runs\n${second.stderr.slice(-3000)}`).toBe(true);
    driver.sim.trade('BTCUSDT', order!.price - 20, 1);
    expect(await whileRunning(second, () => readJournal(driver).fills === 2), `the last fill journaled\n${second.stderr.slice(-3000)}`).toBe(true);
    await pause(500);
    second.proc.kill('SIGINT');
    const { code } = await second.exit;
    expect(code, second.stderr).toBe(0);
    const truth = driver.truth();
    const venueOrder = driver.sim.book.orders.find((o) => o.clientOrderId === order!.clientOrderId)!;
    expect(venueOrder.status).toBe('FILLED');
    const journal = readJournal(driver);
    expect(journal.fills, 'each venue fill journaled exactly once').toBe(truth.fillCount);
    expect([...journal.fillIds].sort((a, b) => a - b), 'by its venue trade id').toEqual(venueOrder.fills.map((f) => f.tradeId));
    expect(second.stderr, 'no reconnect was needed to see the fills').not.toMatch(/reconciliation \(reconnect/);
    expect(second.stderr).toMatch(new RegExp(`order ${order!.clientOrderId}, sent before this process started, tracked again`));
    const { book } = JSON.parse(second.stdout.trim().split('\n').pop()!) as { book: { positions: { instrument: number; position: number; averagePrice: number }[] } };
    const position = book.positions.find((p) => p.instrument === 0);
    expect(position?.position, `the engine's position is the venue's filled quantity\n${JSON.stringify(book)}`).toBeCloseTo(venueOrder.executedQty, 12);
    expect(position!.averagePrice, 'at the venue\'s average price').toBeCloseTo(venueOrder.cumQuote / venueOrder.executedQty, 6);
    expect(truth.duplicates).toEqual([]);
  }, 180_000);
});
