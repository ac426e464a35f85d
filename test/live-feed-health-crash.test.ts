// Feed health across a crash of a live session (issue 15, money safety): `quantflow run --mode live`
// against the local Binance simulator (test/venues/binance-sim) with `risk.feedHealth.onGap: halt`.
// A kline-time gap puts GAP in the journal and halts the instrument; the session is killed with
// SIGKILL (by its PID) while halted, before the hysteresis could clear it. Recovery restores the
// core's feed state (checkpoint + journal replay), so the restarted session's tracker must carry
// that GAP over (engine/live session-feed-health.ts, FeedHealthTracker.restore):
//   - feed healthy after the restart: RECOVERED is journaled only after the stream delivered fresh,
//     in-sequence bars for the hysteresis; bars meanwhile trade nothing; an entry follows it; and
//     `quantflow replay --journal` decides every journaled command again byte for byte;
//   - feed silent across the restart: the GAP is kept (no RECOVERED while nothing arrives), and
//     cleared, after the hysteresis, once bars flow again.
import { afterEach, describe, expect, test } from 'vitest';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { EV_KIND, EV_TS_EXCHANGE, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { FeedCondition, decodeFeedHealth, type FeedHealthRecord } from '../engine/risk/index.js';
import { TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';
import { journalEntries, PATH, quantflow, RunHarness, until, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };
/** The hysteresis (live.feedHealth.recoverAfterSeconds): long enough that the kill lands before it clears the GAP on a loaded machine. */
const RECOVER_AFTER_SECONDS = 8;
const RECOVER_AFTER_NS = BigInt(RECOVER_AFTER_SECONDS) * 1_000_000_000n;
const wallNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface At { at: number }
type Health = FeedHealthRecord & At;

const kindOf = (record: Uint8Array): number => new DataView(record.buffer, record.byteOffset, 64).getInt32(EV_KIND, true) & KIND_MASK;

function healthRecords(entries: JournalEntry[]): Health[] {
  const out: Health[] = [];
  entries.forEach((e, at) => {
    if (e.type === 'inbound' && kindOf(e.record) === EventKind.FEED_HEALTH) out.push({ ...decodeFeedHealth(new DataView(e.record.buffer, e.record.byteOffset, 64), 0), at });
  });
  return out;
}

/** Journal positions of the BAR records (with their open time, ns) in (from, to). */
function barsBetween(entries: JournalEntry[], from: number, to = entries.length): { at: number; openNs: bigint }[] {
  const out: { at: number; openNs: bigint }[] = [];
  entries.forEach((e, at) => {
    if (at > from && at < to && e.type === 'inbound' && kindOf(e.record) === EventKind.BAR) out.push({ at, openNs: new DataView(e.record.buffer, e.record.byteOffset, 64).getBigInt64(EV_TS_EXCHANGE, true) });
  });
  return out;
}

const positions = (entries: JournalEntry[], type: JournalEntry['type']): number[] => entries.flatMap((e, at) => (e.type === type ? [at] : []));

/** Polls the journal every 100 ms (at most `ms`) until `ok` holds on its entries; fails with the child's output. */
async function untilJournal(what: string, dir: string, ok: (entries: JournalEntry[]) => boolean, child: Child, ms = 60_000): Promise<JournalEntry[]> {
  for (let waited = 0; waited < ms; waited += 100) {
    const entries = journalEntries(dir);
    if (ok(entries)) return entries;
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    await pause(100);
  }
  throw new Error(`timed out waiting for ${what} in the journal\nstderr:\n${child.stderr.slice(-6000)}`);
}

/** Starts a live session and waits for its start reconciliation and its kline stream. */
async function startLive(config: string, sim: BinanceSim): Promise<Child> {
  const child = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--no-serve'], ENV);
  await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child, 60_000);
  await until('the kline stream subscribed', () => sim.subscribedStreams().includes('btcusdt@kline_1m'), child, 60_000);
  await pause(300);
  return child;
}

/**
 * A session halted by a kline gap (onGap: halt), killed with SIGKILL while halted: the GAP and the
 * rising bars after it are journaled, no order and no RECOVERED after it. Returns the simulator,
 * the journal, and the journal position of the GAP.
 */
async function haltedThenKilled(name: string): Promise<{ sim: BinanceSim; config: string; journal: string; startTime: number; gap: Health }> {
  const { sim, config, journal, startTime } = await harness.setup(name, 'cancel', '', 3000, `silentAfterSeconds: 3600, recoverAfterSeconds: ${RECOVER_AFTER_SECONDS}`, '  feedHealth: { onGap: halt }\n');
  const first = await startLive(config, sim);
  await sim.playPath('BTCUSDT', PATH.slice(0, 2), { startTime, intervalMs: 60 }).done;
  await pause(300);
  sim.faults.skipKlines = 1;
  await sim.playPath('BTCUSDT', PATH.slice(2, 12), { startTime: startTime + 2 * 60_000, intervalMs: 60 }).done;
  const entries = await untilJournal('GAP and five bars after it', journal, (e) => {
    const gap = healthRecords(e).find((r) => r.condition === FeedCondition.GAP);
    return gap !== undefined && barsBetween(e, gap.at).length >= 5;
  }, first);
  first.proc.kill('SIGKILL');
  const { signal } = await first.exit;
  expect(signal, 'the first session dies by SIGKILL').toBe('SIGKILL');
  const after = journalEntries(journal);
  expect(after.length).toBeGreaterThanOrEqual(entries.length);
  const records = healthRecords(after);
  const gap = records.find((r) => r.condition === FeedCondition.GAP)!;
  expect(gap.value, 'one kline missed').toBe(1);
  expect(gap.mask).toBe(1 << FeedCondition.GAP);
  expect(records.filter((r) => r.at > gap.at), `killed while halted: no record after the GAP (the ${RECOVER_AFTER_SECONDS} s hysteresis had not run out)`).toEqual([]);
  expect(positions(after, 'submit').filter((at) => at > gap.at), 'no order while halted').toEqual([]);
  expect(barsBetween(after, gap.at).length, 'the rising bars after the gap arrived while halted').toBeGreaterThanOrEqual(5);
  return { sim, config, journal, startTime, gap };
}

/** The journal position of the restarted session's sessionStarted entry (the second one). */
function restartAt(entries: JournalEntry[]): number {
  const starts = positions(entries, 'sessionStarted');
  expect(starts.length, 'two session starts: the killed one and the restart').toBe(2);
  return starts[1];
}

async function stop(child: Child): Promise<void> {
  child.proc.kill('SIGINT');
  const { code } = await child.exit;
  expect(code, child.stderr).toBe(0);
}

/** `quantflow replay --journal DIR --json`. */
async function replay(journal: string): Promise<{ firstMismatch: string | null; commandsJournaled: number; commandsReplayed: number; decisionsHash: string; sessions: number; book: { positions: { position: number }[] } }> {
  const { code, stdout, stderr } = await quantflow(['replay', '--journal', journal, '--json']);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('feed health survives a SIGKILL of a live session (GAP with onGap: halt)', () => {
  test('feed healthy after the restart: the carried GAP clears after the hysteresis (RECOVERED journaled), an entry follows, replay --journal decides the same commands byte for byte', async () => {
    const { sim, config, journal, startTime, gap } = await haltedThenKilled('fh-crash-healthy');
    const second = await startLive(config, sim);
    expect(second.stderr, 'the restart recovered from the checkpoint and the journal').toMatch(/recovery: checkpoint at inbound/);
    expect(second.stderr, 'the restart carries the recovered GAP over').toMatch(/feed health: instrument 0 recovered with GAP active/);
    const resumedAtNs = wallNs();
    // Down 12 bars, then 6 up: while the carried GAP holds, the up bars (the rule enters on them) trade nothing.
    await sim.playPath('BTCUSDT', PATH.slice(12, 30), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
    const upBars = (e: JournalEntry[]) => barsBetween(e, restartAt(e)).filter((b) => b.openNs >= BigInt(startTime + 25 * 60_000) * 1_000_000n);
    const recoveredEntries = await untilJournal('RECOVERED after the restart', journal, (e) => healthRecords(e).some((r) => r.condition === FeedCondition.RECOVERED && r.at > restartAt(e)), second);
    const restart = restartAt(recoveredEntries);
    const recovered = healthRecords(recoveredEntries).find((r) => r.condition === FeedCondition.RECOVERED && r.at > restart)!;
    expect(recovered.mask).toBe(0);
    expect(recovered.detectedNs, 'cleared no sooner than the hysteresis after bars flowed again').toBeGreaterThanOrEqual(resumedAtNs + RECOVER_AFTER_NS);
    expect(upBars(recoveredEntries).filter((b) => b.at < recovered.at).length, 'rising bars reached the core while the carried GAP held').toBeGreaterThanOrEqual(3);
    expect(positions(recoveredEntries, 'submit').filter((at) => at > gap.at && at < recovered.at), 'no order while halted, before or after the restart').toEqual([]);
    await sim.playPath('BTCUSDT', PATH.slice(30), { startTime: startTime + 30 * 60_000, intervalMs: 60 }).done;
    await until('an entry filled after RECOVERED', () => sim.book.orders.some((o) => o.status === 'FILLED'), second, 60_000);
    await untilJournal('the fill journaled', journal, (e) => e.some((x) => x.type === 'inbound' && kindOf(x.record) === EventKind.FILL), second);
    await stop(second);
    const entries = journalEntries(journal);
    const submits = positions(entries, 'submit');
    expect(submits.length, 'an entry after RECOVERED').toBeGreaterThanOrEqual(1);
    expect(submits.every((at) => at > recovered.at), 'every order came after RECOVERED').toBe(true);
    expect(healthRecords(entries).filter((r) => r.at > restart).map((r) => r.condition), 'the restart journaled RECOVERED and nothing else').toEqual([FeedCondition.RECOVERED]);
    expect(sim.duplicateSubmissions()).toEqual([]);
    const first = await replay(journal);
    expect(first.sessions).toBe(2);
    expect(first.firstMismatch, 'every journaled command decided again byte for byte').toBeNull();
    expect(first.commandsReplayed).toBe(first.commandsJournaled);
    expect(first.commandsJournaled).toBeGreaterThanOrEqual(1);
    const btc = sim.book.balances.get('BTC')!;
    expect(first.book.positions[0].position, 'the replay ends with the venue\'s position').toBeCloseTo(btc.free + btc.locked, 9);
    const again = await replay(journal);
    expect(again.decisionsHash, 'the replay is deterministic').toBe(first.decisionsHash);
  }, 300_000);

  test('feed silent across the restart: the carried GAP is kept (no RECOVERED while nothing arrives), then clears after the hysteresis once bars flow', async () => {
    const { sim, config, journal, startTime } = await haltedThenKilled('fh-crash-silent');
    sim.faults.staleSymbols.add('BTCUSDT');
    const second = await startLive(config, sim);
    expect(second.stderr).toMatch(/feed health: instrument 0 recovered with GAP active/);
    // Silent for well past the hysteresis, measured by the TIMER records the restarted session journals (their venue time).
    const timersSpanNs = (e: JournalEntry[]): bigint => {
      const times = e.slice(restartAt(e)).flatMap((x) => (x.type === 'inbound' && kindOf(x.record) === EventKind.TIMER ? [new DataView(x.record.buffer, x.record.byteOffset, 64).getBigInt64(EV_TS_EXCHANGE, true)] : []));
      return times.length < 2 ? 0n : times[times.length - 1] - times[0];
    };
    const silent = await untilJournal('TIMERs spanning twice the hysteresis after the restart', journal, (e) => timersSpanNs(e) >= 2n * RECOVER_AFTER_NS, second, 90_000);
    const restart = restartAt(silent);
    expect(healthRecords(silent).filter((r) => r.at > restart), 'no RECOVERED (nor any record) while the feed stays silent').toEqual([]);
    expect(barsBetween(silent, restart).length, 'nothing arrived').toBe(0);
    expect(second.stderr).not.toMatch(/RECOVERED/);
    sim.faults.staleSymbols.delete('BTCUSDT');
    const resumedAtNs = wallNs();
    await sim.playPath('BTCUSDT', PATH.slice(12, 20), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
    const entries = await untilJournal('RECOVERED once bars flow', journal, (e) => healthRecords(e).some((r) => r.condition === FeedCondition.RECOVERED && r.at > restart), second);
    const recovered = healthRecords(entries).find((r) => r.condition === FeedCondition.RECOVERED && r.at > restart)!;
    expect(recovered.detectedNs, 'cleared no sooner than the hysteresis after bars flowed again').toBeGreaterThanOrEqual(resumedAtNs + RECOVER_AFTER_NS);
    await stop(second);
    const result = await replay(journal);
    expect(result.firstMismatch).toBeNull();
  }, 300_000);
});
