// Feed health in live sessions (issue 15): SessionFeedHealth on its own (messages, gaps, crossed
// books, connection state, per-timeframe thresholds), then `quantflow run --mode live` against the
// local Binance simulator (test/venues/binance-sim): a stream that goes silent, a kline-time gap
// (the core halts entries by policy until RECOVERED), a trade-id gap and a crossed ticker each put
// FEED_HEALTH records in the journal, and `quantflow replay --journal` re-runs the session to the
// same decisions hash.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadConfig } from '../engine/config/index.js';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type JournalEntry } from '../engine/journal/index.js';
import { EVENT_BYTES, EV_B, EV_INSTRUMENT, EV_A, EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { DEFAULT_FEED_HEALTH, FeedCondition, decodeFeedHealth, type FeedHealthRecord } from '../engine/risk/index.js';
import { SessionFeedHealth, describeFeedHealth, streamThresholds } from '../engine/live/index.js';
import { TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until, type Child } from './run-harness.js';
import { startIb, until as ibUntil } from './ib-harness.js';
import type { FeedSignal } from '../engine/live/index.js';

const S = 1_000_000_000n;

function marketRecord(kind: number, instrument: number, exchangeNs: bigint, localNs: bigint, a = 0, b = 0): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  const v = new DataView(bytes.buffer);
  v.setInt32(EV_KIND, kind | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
  v.setInt32(EV_INSTRUMENT, instrument, true);
  v.setBigInt64(EV_TS_EXCHANGE, exchangeNs, true);
  v.setBigInt64(EV_TS_LOCAL, localNs, true);
  v.setFloat64(EV_A, a, true);
  v.setFloat64(EV_B, b, true);
  return bytes;
}

const decode = (records: readonly Uint8Array[]): FeedHealthRecord[] => records.map((r) => decodeFeedHealth(new DataView(r.buffer, r.byteOffset, 64), 0));

describe('SessionFeedHealth', () => {
  test('a trade stream: silent, then messages again, recovers after the hysteresis; records are FEED_HEALTH | SOURCE_LIVE | INBOUND', () => {
    const h = new SessionFeedHealth([{ instrument: 0, channel: 'trades' }], 0n, DEFAULT_FEED_HEALTH, { staleAfterSeconds: 100, silentAfterSeconds: 2, recoverAfterSeconds: 1 });
    expect(h.onRecord(marketRecord(EventKind.TRADE, 0, 1n * S, 1n * S), 1n * S)).toEqual([]);
    expect(h.check(2n * S)).toEqual([]);
    const silent = h.check(4n * S);
    expect(decode(silent).map((r) => [r.condition, r.mask, r.instrument, r.stream])).toEqual([[FeedCondition.SILENT, 1 << FeedCondition.SILENT, 0, 0]]);
    expect(new DataView(silent[0].buffer).getInt32(EV_KIND, true)).toBe(EventKind.FEED_HEALTH | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND);
    expect(describeFeedHealth(silent[0])).toMatch(/^feed health: instrument 0 stream 0 SILENT 3\.000 s \(active: SILENT\)$/);
    expect(h.onRecord(marketRecord(EventKind.TRADE, 0, 4n * S, 4n * S), 4n * S)).toEqual([]); // the cause is gone; the condition holds for 1 s
    expect(h.check(4n * S + S / 2n)).toEqual([]);
    expect(decode(h.check(5n * S)).map((r) => [r.condition, r.mask])).toEqual([[FeedCondition.RECOVERED, 0]]);
    expect(h.emitted).toBe(2);
  });

  test('a gap the adapter reports raises GAP (messages missed) on the next message of the stream', () => {
    const h = new SessionFeedHealth([{ instrument: 0, channel: 'bars' }, { instrument: 1, channel: 'trades' }], 0n, DEFAULT_FEED_HEALTH, { recoverAfterSeconds: 1 });
    h.onRecord(marketRecord(EventKind.TRADE, 1, S, S), S);
    expect(h.onSignal({ kind: 'gap', instrument: 1, channel: 'trades', missed: 3 }, S)).toEqual([]);
    const gap = decode(h.onRecord(marketRecord(EventKind.TRADE, 1, S, S), S));
    expect(gap.map((r) => [r.instrument, r.stream, r.condition, r.value, r.sequence])).toEqual([[1, 1, FeedCondition.GAP, 3, 5n]]);
    expect(h.activeMask(1)).toBe(1 << FeedCondition.GAP);
    expect(h.activeMask(0)).toBe(0);
    h.onRecord(marketRecord(EventKind.TRADE, 1, 2n * S, 2n * S), 2n * S); // in sequence again
    expect(decode(h.check(3n * S)).map((r) => r.condition)).toEqual([FeedCondition.RECOVERED]);
  });

  test('a crossed book (adapter signal) raises CROSSED, a locked QUOTE raises LOCKED, the instrument mask is their union', () => {
    const h = new SessionFeedHealth([{ instrument: 2, channel: 'quotes' }], 0n, DEFAULT_FEED_HEALTH, { recoverAfterSeconds: 1 });
    const crossed = decode(h.onSignal({ kind: 'book', instrument: 2, bid: 101, ask: 100, exchangeNs: S }, S));
    expect(crossed.map((r) => [r.condition, r.value, r.mask])).toEqual([[FeedCondition.CROSSED, 1, 1 << FeedCondition.CROSSED]]);
    const locked = decode(h.onRecord(marketRecord(EventKind.QUOTE, 2, S, S, 100, 100), S));
    expect(locked.map((r) => [r.condition, r.mask])).toEqual([[FeedCondition.LOCKED, (1 << FeedCondition.CROSSED) | (1 << FeedCondition.LOCKED)]]);
    h.onRecord(marketRecord(EventKind.QUOTE, 2, 2n * S, 2n * S, 99, 100), 2n * S);
    expect(decode(h.check(3n * S)).map((r) => [r.condition, r.mask])).toEqual([[FeedCondition.RECOVERED, 0]]);
  });

  test('after a crash: a recovered condition is carried over (no record), held while silent, RECOVERED after fresh in-sequence bars and the hysteresis', () => {
    const h = new SessionFeedHealth([{ instrument: 0, channel: 'bars', timeframe: '1m' }, { instrument: 1, channel: 'trades' }], 0n, DEFAULT_FEED_HEALTH, { staleAfterSeconds: 3600, silentAfterSeconds: 3600, recoverAfterSeconds: 2 });
    expect(h.restore(0, 1 << FeedCondition.GAP, 0n)).toMatch(/^feed health: instrument 0 recovered with GAP active \(journaled before the restart\); kept until/);
    expect(h.restore(7, 1 << FeedCondition.GAP, 0n), 'an instrument no stream feeds keeps its state').toMatch(/instrument 7 recovered with GAP active, but no stream of this session feeds it: kept/);
    expect(h.activeMask(0)).toBe(1 << FeedCondition.GAP);
    expect(h.check(100n * S), 'silent: kept, no record').toEqual([]);
    expect(h.onRecord(marketRecord(EventKind.TRADE, 1, 100n * S, 100n * S), 100n * S), 'another instrument\'s traffic proves nothing for instrument 0').toEqual([]);
    expect(h.unprovenMask(0)).toBe(1 << FeedCondition.GAP);
    expect(h.onRecord(marketRecord(EventKind.BAR, 0, 40n * S, 100n * S), 101n * S), 'a fresh bar (close 100 s) proves the stream').toEqual([]);
    expect(h.unprovenMask(0)).toBe(0);
    expect(h.check(102n * S)).toEqual([]);
    const recovered = decode(h.check(103n * S));
    expect(recovered.map((r) => [r.instrument, r.condition, r.mask, r.stream])).toEqual([[0, FeedCondition.RECOVERED, 0, 0]]);
    expect(h.emitted, 'the carried-over GAP made no record of its own').toBe(1);
  });

  test('connection down: no SILENT while disconnected; STALE still counts; thresholds per bar timeframe', () => {
    const h = new SessionFeedHealth([{ instrument: 0, channel: 'trades' }], 0n, DEFAULT_FEED_HEALTH, { staleAfterSeconds: 5, silentAfterSeconds: 2 });
    h.onRecord(marketRecord(EventKind.TRADE, 0, S, S), S);
    expect(h.onSignal({ kind: 'connection', up: false, reason: 'farm down' }, S)).toEqual([]);
    expect(h.check(4n * S)).toEqual([]);
    expect(decode(h.check(7n * S)).map((r) => r.condition)).toEqual([FeedCondition.STALE]);
    expect(streamThresholds({ instrument: 0, channel: 'bars', timeframe: '1m' }, DEFAULT_FEED_HEALTH)).toEqual({ staleAfterSeconds: 150, silentAfterSeconds: 150 });
    expect(streamThresholds({ instrument: 0, channel: 'bars', timeframe: '1h' }, DEFAULT_FEED_HEALTH, { staleBars: 2 })).toEqual({ staleAfterSeconds: 7200, silentAfterSeconds: 7200 });
    expect(streamThresholds({ instrument: 0, channel: 'trades' }, DEFAULT_FEED_HEALTH)).toEqual({ staleAfterSeconds: 10, silentAfterSeconds: 30 });
    expect(() => new SessionFeedHealth([], 0n, DEFAULT_FEED_HEALTH, { silentAfterSeconds: -1 })).toThrow(/`live.feedHealth.silentAfterSeconds` must be a number in \(0, 1e9\], was -1/);
  });
});

describe('live.feedHealth and live.shadowPaper in the configuration', () => {
  const load = (live: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-fh-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      writeFileSync(file, `live:\n  adapter: ccxt\n  instruments: [{ symbol: BTC/USDT }]\n${live}`);
      return loadConfig({ configFile: file, env: {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  test('defaults: no explicit thresholds (the risk policy and the bar timeframe decide), no shadow', () => {
    const live = load('')!.live!;
    expect(live.feedHealth).toEqual({});
    expect(live.shadowPaper).toBe(false);
    expect(load('  feedHealth: { silentAfterSeconds: 5, staleBars: 3 }\n  shadowPaper: true\n')!.live).toMatchObject({ feedHealth: { silentAfterSeconds: 5, staleBars: 3 }, shadowPaper: true });
  });
  test('a bad value is refused naming the key and the value', () => {
    expect(() => load('  feedHealth: { silentAfterSeconds: -1 }\n')).toThrow(/live\.feedHealth\.silentAfterSeconds|feedHealth.*silentAfterSeconds/);
    expect(() => load('  feedHealth: { staleAfter: 5 }\n')).toThrow(/staleAfter/);
  });
});

// ---- quantflow run against the Binance simulator ---------------------------------------------

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };
const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');

interface Inbound { at: number; kind: number; record: Uint8Array }

function inbound(entries: JournalEntry[]): Inbound[] {
  const out: Inbound[] = [];
  entries.forEach((e, at) => {
    if (e.type === 'inbound') out.push({ at, kind: new DataView(e.record.buffer, e.record.byteOffset, 64).getInt32(EV_KIND, true) & KIND_MASK, record: e.record });
  });
  return out;
}

function healthRecords(entries: JournalEntry[]): (FeedHealthRecord & { at: number })[] {
  return inbound(entries).filter((e) => e.kind === EventKind.FEED_HEALTH).map((e) => ({ ...decodeFeedHealth(new DataView(e.record.buffer, e.record.byteOffset, 64), 0), at: e.at }));
}

/** Starts a live session, waits for it to subscribe; returns the child. */
async function startLive(config: string, sim: BinanceSim): Promise<Child> {
  const child = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--no-serve'], ENV);
  await until('the start reconciliation', () => /reconciliation \(start\)/.test(child.stderr), child, 60_000);
  await until('the market stream subscribed', () => ['kline_1m', 'trade', 'ticker'].some((c) => sim.subscribed(`btcusdt@${c}`)), child, 60_000);
  await new Promise((r) => setTimeout(r, 300));
  return child;
}

async function stop(child: Child): Promise<{ decisionsHash: string; feedHealthRecords: number }> {
  child.proc.kill('SIGINT');
  const { code } = await child.exit;
  expect(code, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

/** `quantflow replay --journal DIR --json`: the session's decisions again, from the journal alone. */
async function replayJournal(journal: string): Promise<{ decisionsHash: string; firstMismatch: unknown }> {
  const proc = spawn(process.execPath, [cli, 'replay', '--journal', journal, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  expect(code, err).toBe(0);
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('quantflow run --mode live: FEED_HEALTH records from the simulator\'s streams', () => {
  test('a bar stream that goes silent: SILENT journaled while paused, RECOVERED once bars flow again; replay --journal gives the same decisions', async () => {
    const { sim, config, journal, startTime } = await harness.setup('fh-silent', 'cancel', '', 3000, 'silentAfterSeconds: 3, recoverAfterSeconds: 0.5');
    const child = await startLive(config, sim);
    await sim.playPath('BTCUSDT', PATH.slice(0, 6), { startTime, intervalMs: 60 }).done;
    // A start-up silence (slow start) recovers 0.5 s after the first bar, long before the 3 s bound trips again.
    const pausedAtNs = BigInt(Date.now()) * 1_000_000n;
    const pausedAt = child.stderr.length;
    sim.faults.staleSymbols.add('BTCUSDT');
    await until('SILENT in the log after the pause', () => /SILENT/.test(child.stderr.slice(pausedAt)), child);
    sim.faults.staleSymbols.delete('BTCUSDT');
    const resumedAt = child.stderr.length;
    await sim.playPath('BTCUSDT', PATH.slice(6, 12), { startTime: startTime + 6 * 60_000, intervalMs: 60 }).done;
    await until('RECOVERED after the pause', () => /RECOVERED/.test(child.stderr.slice(resumedAt)), child);
    const result = await stop(child);
    const records = healthRecords(journalEntries(journal));
    const silent = records.find((r) => r.condition === FeedCondition.SILENT && r.detectedNs >= pausedAtNs);
    expect(silent, 'a SILENT record detected after the pause').toBeDefined();
    expect(silent!.value, 'SILENT carries the age of the last receipt (ns)').toBeGreaterThan(3e9);
    const recovered = records.find((r) => r.condition === FeedCondition.RECOVERED && r.at > silent!.at);
    expect(recovered, 'RECOVERED after it').toBeDefined();
    expect(recovered!.mask).toBe(0);
    expect(result.feedHealthRecords).toBe(records.length);
    const replay = await replayJournal(journal);
    expect(replay.firstMismatch).toBeNull();
    expect(replay.decisionsHash, 'replay --journal re-runs the FEED_HEALTH records to the same decisions').toBe(result.decisionsHash);
  }, 180_000);

  test('a kline-time gap: GAP journaled, entries refused while halted (risk.feedHealth.onGap: halt), an entry after RECOVERED', async () => {
    const { sim, config, journal, startTime } = await harness.setup('fh-gap', 'cancel', '', 3000, 'silentAfterSeconds: 3600, recoverAfterSeconds: 4', '  feedHealth: { onGap: halt }\n');
    const child = await startLive(config, sim);
    await sim.playPath('BTCUSDT', PATH.slice(0, 2), { startTime, intervalMs: 60 }).done;
    await new Promise((r) => setTimeout(r, 300));
    sim.faults.skipKlines = 1;
    await sim.playPath('BTCUSDT', PATH.slice(2, 12), { startTime: startTime + 2 * 60_000, intervalMs: 60 }).done;
    await until('GAP in the log', () => /stream 0 GAP 1 /.test(child.stderr), child);
    await until('RECOVERED', () => /RECOVERED/.test(child.stderr), child);
    await sim.playPath('BTCUSDT', PATH.slice(12), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
    await until('an entry filled after the recovery', () => sim.book.orders.some((o) => o.status === 'FILLED'), child);
    await stop(child);
    const entries = journalEntries(journal);
    const records = healthRecords(entries);
    const gap = records.find((r) => r.condition === FeedCondition.GAP)!;
    expect(gap, 'a GAP record').toBeDefined();
    expect(gap.value, 'one kline missed').toBe(1);
    const recovered = records.find((r) => r.condition === FeedCondition.RECOVERED && r.at > gap.at)!;
    expect(recovered).toBeDefined();
    const submits = entries.map((e, at) => ({ e, at })).filter(({ e }) => e.type === 'submit');
    const barsWhileHalted = inbound(entries).filter((i) => i.kind === EventKind.BAR && i.at > gap.at && i.at < recovered.at).length;
    expect(barsWhileHalted, 'the rising bars after the gap arrived while halted').toBeGreaterThanOrEqual(5);
    expect(submits.filter(({ at }) => at > gap.at && at < recovered.at), 'no order while the feed is halted').toEqual([]);
    expect(submits.filter(({ at }) => at > recovered.at).length, 'entries once it recovered').toBeGreaterThanOrEqual(1);
  }, 180_000);

  test('a trade-id gap on a trades stream: GAP with the ids missed (backfilled over REST), then RECOVERED', async () => {
    const { sim, config, journal, startTime } = await harness.setup('fh-trades', 'cancel', '', 3000, 'silentAfterSeconds: 3600, recoverAfterSeconds: 0.5', '', 'trades');
    const child = await startLive(config, sim);
    await sim.playPath('BTCUSDT', PATH.slice(0, 3), { startTime, intervalMs: 60 }).done;
    await new Promise((r) => setTimeout(r, 300));
    sim.faults.skipTrades = 2;
    await sim.playPath('BTCUSDT', PATH.slice(3, 10), { startTime: startTime + 3 * 60_000, intervalMs: 60 }).done;
    await until('GAP and RECOVERED in the log', () => /GAP 2 [\s\S]*RECOVERED/.test(child.stderr), child);
    await stop(child);
    const entries = journalEntries(journal);
    const records = healthRecords(entries);
    const gap = records.find((r) => r.condition === FeedCondition.GAP)!;
    expect(gap.value, 'two trade ids missed').toBe(2);
    expect(records.some((r) => r.condition === FeedCondition.RECOVERED && r.at > gap.at)).toBe(true);
    const trades = inbound(entries).filter((i) => i.kind === EventKind.TRADE).length;
    expect(trades, 'every print reached the journal (the two missed ones backfilled)').toBe(10);
  }, 180_000);

  test('a crossed ticker on a quotes stream: CROSSED (bid - ask) journaled, RECOVERED once quotes are sane', async () => {
    const { sim, config, journal } = await harness.setup('fh-crossed', 'cancel', '', 3000, 'silentAfterSeconds: 3600, recoverAfterSeconds: 0.5', '', 'quotes');
    const child = await startLive(config, sim);
    sim.quote('BTCUSDT', 49_990, 50_010);
    await new Promise((r) => setTimeout(r, 200));
    sim.quote('BTCUSDT', 50_020, 50_000);
    await until('CROSSED in the log', () => /CROSSED/.test(child.stderr), child);
    for (let i = 0; i < 20 && !/RECOVERED/.test(child.stderr); i++) {
      sim.quote('BTCUSDT', 49_990 + i, 50_010 + i);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until('RECOVERED in the log', () => /RECOVERED/.test(child.stderr), child);
    await stop(child);
    const records = healthRecords(journalEntries(journal));
    const crossed = records.find((r) => r.condition === FeedCondition.CROSSED)!;
    expect(crossed.value, 'bid - ask').toBe(20);
    expect(crossed.lastMessageNs).toBeGreaterThan(0n);
    expect(records.some((r) => r.condition === FeedCondition.RECOVERED && r.at > crossed.at)).toBe(true);
  }, 180_000);
});

describe('IbVenueAdapter farm status as feed connection state (TWS simulator)', () => {
  test('2103 / 10167 / 354 say down, 2104 up; the session tracker suppresses SILENT while down and counts it again after', async () => {
    const ib = await startIb();
    try {
      const signals: FeedSignal[] = [];
      ib.adapter.onFeedSignal((signal) => signals.push(signal));
      await ib.adapter.connect();
      ib.adapter.subscribeMarket(0, { quotes: true, bars: true });
      await ib.adapter.sync();
      await ibUntil(() => signals.some((s) => s.kind === 'connection' && s.up), 'the 2104 farm OK sent on connect');
      signals.length = 0;
      ib.sim.farmStatus(2103);
      await ibUntil(() => signals.length >= 1, '2103');
      ib.sim.marketDataError('AAPL', 10_167);
      ib.sim.marketDataError('AAPL', 354);
      await ibUntil(() => signals.length >= 5, '10167 and 354 on both AAPL requests');
      ib.sim.farmStatus(2104);
      await ibUntil(() => signals.length >= 6, '2104');
      const brief = signals.map((s) => (s.kind === 'connection' ? `${s.up ? 'up' : 'down'}:${s.instrument ?? 'all'}:${s.reason.slice(0, 9)}` : s.kind));
      expect(brief).toEqual(['down:all:TWS 2103:', 'down:0:TWS 10167', 'down:0:TWS 10167', 'down:0:TWS 354: ', 'down:0:TWS 354: ', 'up:all:TWS 2104:']);
      // The same signals through the session's tracker: no SILENT while down, SILENT once up and still quiet.
      const h = new SessionFeedHealth([{ instrument: 0, channel: 'quotes' }, { instrument: 1, channel: 'quotes' }], 0n, DEFAULT_FEED_HEALTH, { staleAfterSeconds: 1000, silentAfterSeconds: 2, recoverAfterSeconds: 1 });
      expect(h.onSignal(signals[0], 0n)).toEqual([]);
      expect(h.check(5n * S), 'down: silence is not SILENT').toEqual([]);
      expect(decode(h.onSignal(signals[5], 5n * S)), 'up again: the clock restarts').toEqual([]);
      expect(decode(h.check(8n * S)).map((r) => [r.instrument, r.condition])).toEqual([[0, FeedCondition.SILENT], [1, FeedCondition.SILENT]]);
    } finally {
      await ib.close();
    }
  }, 60_000);
});
