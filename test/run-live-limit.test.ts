// A pre-trade risk limit changed over the state server's WebSocket while `quantflow run --mode
// live` trades against the local Binance simulator (test/venues/binance-sim, 127.0.0.1): a signed
// limit-change (minNotional raised above any entry's notional) is journaled as LimitChanged with
// the token's subject, reason and the core's previous value, and applied in the core at that
// point: the strategy's next entry is denied by risk (its signal wants a long target, the core's
// order shaping, wasm/assembly/risk/implied-order.ts, sizes it to nothing: no order reaches the sim);
// an unknown limit, an out-of-range value and a disabled kill switch are refused naming the
// field, the value and the rule; after kill -9 the restarted session still denies entries (the
// limit comes back from the checkpoint and the journal); `quantflow replay --journal` decides
// every command again identically (without the change it would send the denied entries).
import { afterEach, describe, expect, test } from 'vitest';
import { connect, type SignalView } from '../engine/client/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { PaperControl } from '../engine/paper/paper-control.js';
import { LiveSessionControl } from '../engine/live/session-server-control.js';
import { ControlRefusedError } from '../engine/server/index.js';
import { buys, controlToken, journalEntries, PATH, quantflow, RunHarness, serverPort, until, waitReady, type Child } from './run-harness.js';

const harness = new RunHarness();
afterEach(async () => {
  await harness.cleanup();
});

const CONTROL_SECRET = 'd'.repeat(40);
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET, QF_CONTROL_SECRET: CONTROL_SECRET };

const token = (config: string, subject: string): Promise<string> => controlToken(config, subject, CONTROL_SECRET);

describe('quantflow run: risk-limit changes of a live session (issue 11)', () => {
  // `checkpoint`: the harness checkpoints every 10 records, so the restart restores an image taken
  // after the change; `journal`: no checkpoint after the start, so recovery re-applies the
  // journaled LimitChanged at its point.
  test.each(['checkpoint', 'journal'] as const)('a signed minNotional change denies the next entry, is journaled with who and why, survives kill -9 (recovery from the %s), and replay decides the same; bad changes are refused with the rule', async (recovery) => {
    const env = recovery === 'journal' ? { ...ENV, QF_LIVE__CHECKPOINT__EVERY_RECORDS: '1000000' } : ENV;
    const { sim, config, journal, startTime } = await harness.setup(`limit-${recovery}`, 'keep', '', 3000, '', 'monitoring:\n  host: 127.0.0.1\n  port: 0\n');
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], env);
    const port = await serverPort(first);
    await waitReady(port, first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const client = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false, token: await token(config, 'operator:carol') });
    const anonymous = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false });
    const signals: SignalView[] = [];
    client.subscribe('signals', (update) => signals.push(...update.payload.signals));
    let buysAtChange = 0;
    try {
      await new Promise((r) => setTimeout(r, 300));
      // Up 12: the cross enters (0.01 BTC, about 500 USDT of notional).
      await sim.playPath('BTCUSDT', PATH.slice(0, 12), { startTime, intervalMs: 60 }).done;
      await until('the entry reached the venue', () => buys(sim) >= 1, first);

      const unknown = await client.control({ kind: 'limit-change', limit: 'maxFun', value: 1, reason: 'typo' });
      expect(unknown, 'an unknown limit is refused naming the field, the value and the choices').toMatchObject({ ok: false, code: 'refused' });
      expect((unknown as { message: string }).message).toMatch(/`action\.limit` must be one of maxPositionPct, .*minNotional, was "maxFun"/);
      const disabled = await client.control({ kind: 'limit-change', limit: 'maxDrawdownPct', value: 0, reason: 'turn the kill switch off' });
      expect(disabled, 'the kill switch cannot be configured away').toMatchObject({ ok: false, code: 'refused' });
      expect((disabled as { message: string }).message).toMatch(/`action\.value` for maxDrawdownPct must be a finite number with 0 < value <= 0\.5 .*cannot be disabled.*, was 0/);
      const tooLoose = await client.control({ kind: 'limit-change', limit: 'maxDrawdownPct', value: 0.9, reason: 'looser than the config allows' });
      expect((tooLoose as { message: string }).message, 'beyond the config schema range').toMatch(/0 < value <= 0\.5.*was 0\.9/);
      const huge = await client.control({ kind: 'limit-change', limit: 'minNotional', value: 2e9, reason: 'too big' });
      expect((huge as { message: string }).message).toMatch(/`action\.value` for minNotional must be a finite number with 0 <= value <= 1000000000 .*was 2000000000/);
      const readOnly = await anonymous.control({ kind: 'limit-change', limit: 'minNotional', value: 1e9, reason: 'no token' });
      expect(readOnly, 'a connection without a token cannot change limits').toMatchObject({ ok: false, code: 'unauthorized' });

      const change = await client.control({ kind: 'limit-change', limit: 'minNotional', value: 1e9, reason: 'no new entries during review' });
      expect(change, first.stderr).toMatchObject({ ok: true, who: 'operator:carol' });
      // The reply comes over the WebSocket and the log line over the child's stderr pipe: the
      // parent may read either first, so the line is waited for (bounded), not assumed read.
      const changeLine = /risk limit: minNotional 10 -> 1000000000 by operator:carol \(no new entries during review\), journaled at \d+/;
      await until('the change\'s log line', () => changeLine.test(first.stderr), first, 10_000);
      expect(first.stderr).toMatch(changeLine);
      const same = await client.control({ kind: 'limit-change', limit: 'minNotional', value: 1e9, reason: 'twice' });
      expect((same as { message: string }).message, 'a change to the current value is refused').toMatch(/minNotional is already 1000000000/);

      // Down 12 (the exit, a full close, is exempt from minNotional), then up 6: the cross wants a new entry, risk denies it.
      buysAtChange = buys(sim);
      await sim.playPath('BTCUSDT', PATH.slice(12, 30), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
      const lastCloseNs = BigInt(startTime + 29 * 60_000) * 1_000_000n;
      await until('the core decided on the last closed bar', () => signals.some((s) => s.timeNs >= lastCloseNs && s.price === PATH[28]), first, 60_000);
      const changedAtNs = BigInt(startTime + 12 * 60_000) * 1_000_000n;
      expect(signals.some((s) => s.timeNs > changedAtNs && s.targetQuantity > 0), 'the strategy wanted a new long entry after the change').toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.book.orders.some((o) => o.side === 'SELL'), 'the exit went').toBe(true);
      expect(buys(sim), 'no new entry reaches the venue under the raised minNotional').toBe(buysAtChange);
    } finally {
      await client.close();
      await anonymous.close();
    }
    first.proc.kill('SIGKILL');
    await first.exit;

    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], env);
    const port2 = await serverPort(second);
    await waitReady(port2, second);
    const watcher = await connect(`ws://127.0.0.1:${port2}/`, { reconnect: false });
    const signals2: SignalView[] = [];
    watcher.subscribe('signals', (update) => signals2.push(...update.payload.signals));
    try {
      await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
      await new Promise((r) => setTimeout(r, 300));
      // Further up: still long, still flat, every bar's entry denied.
      await sim.playPath('BTCUSDT', PATH.slice(30, 36), { startTime: startTime + 30 * 60_000, intervalMs: 60 }).done;
      const lastCloseNs = BigInt(startTime + 35 * 60_000) * 1_000_000n;
      await until('the restarted core decided on the last closed bar', () => signals2.some((s) => s.timeNs >= lastCloseNs && s.price === PATH[34]), second, 60_000);
      expect(signals2.some((s) => s.targetQuantity > 0), 'the restarted strategy still wants to be long').toBe(true);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await watcher.close();
    }
    expect(second.stderr, recovery === 'checkpoint' ? 'recovered from a checkpoint taken after the change' : 'recovered by replaying the journal, the change included').toMatch(
      recovery === 'checkpoint' ? /recovery: checkpoint at inbound [1-9]\d*, / : /risk limit: minNotional 10 -> 1000000000 by operator:carol \(no new entries during review\), journaled at \d+/);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    expect(buys(sim), 'after kill -9 and a restart the changed limit still holds: no new entry').toBe(buysAtChange);

    const changes = journalEntries(journal).filter((e) => e.type === 'limitChanged');
    expect(changes, 'journaled once, with who, why and the previous value').toEqual([
      { type: 'limitChanged', who: 'operator:carol', why: 'no new entries during review', limit: 'minNotional', previousValue: 10, value: 1e9 },
    ]);
    const replay = await quantflow(['replay', '--journal', journal, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const result = JSON.parse(replay.stdout.trim().split('\n').at(-1)!) as { firstMismatch: string | null; commandsJournaled: number; commandsReplayed: number; book: unknown; decisionsHash: string };
    expect(result.firstMismatch, 'every journaled command decided again, identical (the change applied where journaled)').toBeNull();
    expect(result.commandsReplayed).toBe(result.commandsJournaled);
    const run = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as { book: unknown; decisionsHash: string };
    expect(result.book, 'replay ends with the book the restarted session ended with').toEqual(run.book);
    // A session restored from a checkpoint hashes only what it decided after the image (here
    // nothing: every entry shaped away); one recovered from the journal re-decided it all.
    if (recovery === 'journal') expect(result.decisionsHash, 'replay reproduces the decisions byte for byte').toBe(run.decisionsHash);
  }, 240_000);
});

describe('limit-change in a paper session and through a live session\'s control queue', () => {
  const context = { who: 'operator:dave', sessionId: 7 };
  test('a paper session applies it at a batch boundary and logs the previous value; bad or unchanged values are refused with the rule', async () => {
    const lines: string[] = [];
    const limits = new Map<string, number>([['minNotional', 10]]);
    const paper = new PaperControl((line) => lines.push(line));
    paper.engineStarted({
      resetKillSwitch: async () => undefined,
      killSwitchTripped: () => false,
      setInstrumentsPaused: async () => undefined,
      changeRiskLimit: async (limit, value) => {
        const previous = limits.get(limit) ?? 0;
        limits.set(limit, value);
        return previous;
      },
      riskLimit: (limit) => limits.get(limit) ?? 0,
      strategies: new Map(),
      onPausedChanged: () => undefined,
    });
    await expect(paper.handle({ kind: 'limit-change', limit: 'minNotional', value: 10, reason: 'same' }, context)).rejects.toThrow(/minNotional is already 10: nothing to change/);
    await expect(paper.handle({ kind: 'limit-change', limit: 'maxDrawdownPct', value: 0, reason: 'off' }, context)).rejects.toThrow(/`action\.value` for maxDrawdownPct must be a finite number with 0 < value <= 0\.5/);
    await expect(paper.handle({ kind: 'limit-change', limit: 'nope', value: 1, reason: 'r' }, context)).rejects.toThrow(/unknown risk limit "nope"/);
    const change = paper.handle({ kind: 'limit-change', limit: 'minNotional', value: 100, reason: 'review' }, context);
    expect(limits.get('minNotional'), 'not before the batch boundary').toBe(10);
    await paper.takeBoundaryTask()!();
    await expect(change).resolves.toBeUndefined();
    expect(limits.get('minNotional')).toBe(100);
    expect(lines.join('\n')).toMatch(/control limit-change minNotional = 100 by operator:dave \(connection 7\): review/);
    expect(lines.join('\n')).toMatch(/the core set minNotional 10 -> 100 by operator:dave/);
    paper.engineStopped();
    await expect(paper.handle({ kind: 'limit-change', limit: 'minNotional', value: 50, reason: 'late' }, context)).rejects.toThrow(/the paper run has ended/);
  });
  test('a live session control refuses an unknown limit or a bad value even when handed one directly, and anything before it trades', async () => {
    const live = new LiveSessionControl();
    await expect(live.handle({ kind: 'limit-change', limit: 'minNotional', value: 1, reason: 'r' }, context)).rejects.toThrow(/still recovering/);
    live.running();
    await expect(live.handle({ kind: 'limit-change', limit: 'nope', value: 1, reason: 'r' }, context)).rejects.toBeInstanceOf(ControlRefusedError);
    await expect(live.handle({ kind: 'limit-change', limit: 'maxLeverage', value: Number.NaN, reason: 'r' }, context)).rejects.toThrow(/`action\.value` for maxLeverage must be a finite number with 0 < value <= 100 .*was NaN/);
    const queued = live.handle({ kind: 'limit-change', limit: 'maxLeverage', value: 2, reason: 'calmer' }, context);
    const taken = live.take();
    expect(taken).toMatchObject({ kind: 'limit', limit: 'maxLeverage', value: 2, who: 'operator:dave', why: 'calmer' });
    taken!.applied(5n);
    await expect(queued).resolves.toBeUndefined();
  });
});
