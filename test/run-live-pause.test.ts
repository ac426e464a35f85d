// Pausing and resuming a strategy over the state server's WebSocket while `quantflow run --mode
// live` trades against the local Binance simulator (test/venues/binance-sim, 127.0.0.1): a signed
// pause-strategy is journaled as StrategyPaused (the token's subject, the reason, the strategy's
// instrument ids) and applied in the core at that point. While paused the strategy still exits
// (a full close reaches the venue) but opens nothing (its signal wants a long target; the order
// stage holds it at flat, STRATEGY_PAUSED); an unknown name and a second pause are refused with
// why; the risk topic lists the paused strategy. After kill -9 the restarted session is still
// paused (from the checkpoint, or by replaying the journaled pause) until a signed resume, after
// which the next long target reaches the venue; `quantflow replay --journal` decides every
// command again identically.
import { afterEach, describe, expect, test } from 'vitest';
import { connect, type SignalView } from '../engine/client/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { LiveSessionControl } from '../engine/live/session-server-control.js';
import { buys, controlToken, journalEntries, PATH, quantflow, RunHarness, serverPort, until, waitReady, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(async () => {
  await harness.cleanup();
});

const CONTROL_SECRET = 'e'.repeat(40);
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET, QF_CONTROL_SECRET: CONTROL_SECRET };

const token = (config: string, subject: string): Promise<string> => controlToken(config, subject, CONTROL_SECRET);

describe('quantflow run: pausing a strategy of a live session (issue 16)', () => {
  // `checkpoint`: the harness checkpoints every 10 records, so the restart restores an image taken
  // after the pause; `journal`: no checkpoint after the start, so recovery applies the journaled
  // StrategyPaused again at its point.
  test.each(['checkpoint', 'journal'] as const)('a signed pause stops entries but not exits, is journaled with who and why, survives kill -9 (recovery from the %s) until a resume, and replay decides the same', async (recovery) => {
    const env = recovery === 'journal' ? { ...ENV, QF_LIVE__CHECKPOINT__EVERY_RECORDS: '1000000' } : ENV;
    const { sim, config, journal, startTime } = await harness.setup(`pause-${recovery}`, 'keep', '', 3000, '', '', 'bars');
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], env);
    const port = await serverPort(first);
    await waitReady(port, first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const client = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false, token: await token(config, 'operator:erin') });
    const signals: SignalView[] = [];
    const paused: string[][] = [];
    client.subscribe('signals', (update) => signals.push(...update.payload.signals));
    client.subscribe('risk', (update) => paused.push(update.payload.pausedStrategies));
    let buysAtPause = 0;
    try {
      await new Promise((r) => setTimeout(r, 300));
      // Up 12: the cross enters.
      await sim.playPath('BTCUSDT', PATH.slice(0, 12), { startTime, intervalMs: 60 }).done;
      await until('the entry reached the venue', () => buys(sim) >= 1, first);

      const unknown = await client.control({ kind: 'pause-strategy', strategy: 'slow-cross' });
      expect(unknown).toMatchObject({ ok: false, code: 'refused' });
      expect((unknown as { message: string }).message).toMatch(/no strategy named "slow-cross" in this session \(its strategies: fast-cross\)/);
      const pause = await client.control({ kind: 'pause-strategy', strategy: 'fast-cross', reason: 'exchange maintenance at 14:00' });
      expect(pause, first.stderr).toMatchObject({ ok: true, who: 'operator:erin' });
      const pauseLine = /strategy fast-cross: paused \(its targets may only reduce positions\) by operator:erin \(exchange maintenance at 14:00\), journaled at \d+/;
      await until('the pause\'s log line', () => pauseLine.test(first.stderr), first, 10_000);
      const twice = await client.control({ kind: 'pause-strategy', strategy: 'fast-cross' });
      expect((twice as { message: string }).message, 'a second pause is refused').toMatch(/strategy fast-cross is already paused: nothing to change/);
      await until('the risk topic lists the paused strategy', () => paused.at(-1)?.includes('fast-cross') === true, first, 10_000);

      // Down 12 (the exit closes the long), then up 6: the cross wants a new entry; the pause holds it at flat.
      buysAtPause = buys(sim);
      await sim.playPath('BTCUSDT', PATH.slice(12, 30), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
      const lastCloseNs = BigInt(startTime + 29 * 60_000) * 1_000_000n;
      await until('the core decided on the last closed bar', () => signals.some((s) => s.timeNs >= lastCloseNs && s.price === PATH[28]), first, 60_000);
      const pausedAtNs = BigInt(startTime + 12 * 60_000) * 1_000_000n;
      expect(signals.some((s) => s.timeNs > pausedAtNs && s.targetQuantity > 0 && s.orderReasonName === 'STRATEGY_PAUSED'), 'the strategy wanted a long entry and the pause held it').toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.book.orders.some((o) => o.side === 'SELL'), 'the exit went while paused').toBe(true);
      expect(buys(sim), 'no entry reaches the venue while paused').toBe(buysAtPause);
    } finally {
      await client.close();
    }
    first.proc.kill('SIGKILL');
    await first.exit;

    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], env);
    const port2 = await serverPort(second);
    await waitReady(port2, second);
    const operator = await connect(`ws://127.0.0.1:${port2}/`, { reconnect: false, token: await token(config, 'operator:frank') });
    const signals2: SignalView[] = [];
    const paused2: string[][] = [];
    operator.subscribe('signals', (update) => signals2.push(...update.payload.signals));
    operator.subscribe('risk', (update) => paused2.push(update.payload.pausedStrategies));
    try {
      await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
      await until('the restarted session reports the strategy paused', () => paused2.at(-1)?.includes('fast-cross') === true, second, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      // Further up, 3 bars: still paused, still flat.
      await sim.playPath('BTCUSDT', PATH.slice(30, 33), { startTime: startTime + 30 * 60_000, intervalMs: 60 }).done;
      const pausedCloseNs = BigInt(startTime + 32 * 60_000) * 1_000_000n;
      await until('the restarted core decided on the last closed bar', () => signals2.some((s) => s.timeNs >= pausedCloseNs && s.price === PATH[31]), second, 60_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(buys(sim), 'after kill -9 and a restart the pause still holds').toBe(buysAtPause);

      const resume = await operator.control({ kind: 'resume-strategy', strategy: 'fast-cross', reason: 'maintenance over' });
      expect(resume, second.stderr).toMatchObject({ ok: true, who: 'operator:frank' });
      await until('the risk topic lists none', () => paused2.at(-1)?.length === 0, second, 10_000);
      // Up 3 more: resumed, the long target trades.
      await sim.playPath('BTCUSDT', PATH.slice(33, 36), { startTime: startTime + 33 * 60_000, intervalMs: 60 }).done;
      await until('an entry after the resume', () => buys(sim) > buysAtPause, second, 60_000);
    } finally {
      await operator.close();
    }
    expect(second.stderr, recovery === 'checkpoint' ? 'recovered from a checkpoint taken after the pause' : 'recovered by replaying the journal, the pause included').toMatch(
      recovery === 'checkpoint' ? /recovery: checkpoint at inbound [1-9]\d*, / : /strategy fast-cross: paused by operator:erin \(exchange maintenance at 14:00\), journaled at \d+/);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);

    const pauses = journalEntries(journal).filter((e) => e.type === 'strategyPaused');
    expect(pauses, 'journaled once each, with who, why and the instruments').toEqual([
      { type: 'strategyPaused', who: 'operator:erin', why: 'exchange maintenance at 14:00', strategy: 'fast-cross', instruments: [0], paused: true },
      { type: 'strategyPaused', who: 'operator:frank', why: 'maintenance over', strategy: 'fast-cross', instruments: [0], paused: false },
    ]);
    const replay = await quantflow(['replay', '--journal', journal, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const result = JSON.parse(replay.stdout.trim().split('\n').at(-1)!) as { firstMismatch: string | null; commandsJournaled: number; commandsReplayed: number; book: unknown };
    expect(result.firstMismatch, 'every journaled command decided again, identical (pause and resume applied where journaled)').toBeNull();
    expect(result.commandsReplayed).toBe(result.commandsJournaled);
    const run = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as { book: unknown };
    expect(result.book, 'replay ends with the book the restarted session ended with').toEqual(run.book);
  }, 240_000);
});

describe('pause and resume through a live session\'s control queue', () => {
  const context = { who: 'operator:gus', sessionId: 9 };
  test('are refused before the session trades, then queued with the strategy and why (a default why when none is given)', async () => {
    const live = new LiveSessionControl();
    await expect(live.handle({ kind: 'pause-strategy', strategy: 'fast-cross' }, context)).rejects.toThrow(/still recovering/);
    live.running();
    const paused = live.handle({ kind: 'pause-strategy', strategy: 'fast-cross', reason: 'news' }, context);
    const pause = live.take();
    expect(pause).toMatchObject({ kind: 'pause', strategy: 'fast-cross', who: 'operator:gus', why: 'news' });
    pause!.applied(2n);
    await expect(paused).resolves.toBeUndefined();
    const resumed = live.handle({ kind: 'resume-strategy', strategy: 'fast-cross' }, context);
    const resume = live.take();
    expect(resume).toMatchObject({ kind: 'resume', strategy: 'fast-cross', why: 'no reason given' });
    resume!.applied(3n);
    await expect(resumed).resolves.toBeUndefined();
  });

  test('logs each resume ticket presented: control resumed (and a connection it took over) or the ticket refused', () => {
    const lines: string[] = [];
    const live = new LiveSessionControl((line) => lines.push(line));
    live.resumed({ sessionId: 4, outcome: 'resumed', who: 'operator:gus', tookOver: null, why: '' });
    live.resumed({ sessionId: 5, outcome: 'resumed', who: 'operator:gus', tookOver: 4, why: '' });
    live.resumed({ sessionId: 6, outcome: 'refused', who: null, tookOver: null, why: 'used: the ticket was used at 2026-12-07T22:00:00.000Z\u001b[2J' });
    expect(lines).toEqual([
      'control: control of operator:gus resumed on connection 4 with its resume ticket',
      'control: control of operator:gus resumed on connection 5 with its resume ticket; connection 4, which held it and was still open, is closed (if its client did not reconnect, its ticket leaked)',
      'control: a resume ticket was refused on connection 6: used: the ticket was used at 2026-12-07T22:00:00.000Z\\u001b[2J',
    ]);
  });
});
