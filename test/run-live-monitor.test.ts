// `quantflow run --mode live` watched and controlled while it runs, as a child process against the
// local Binance simulator (test/venues/binance-sim) on 127.0.0.1: the state server streams fills,
// orders and state (equity = cash + market value) to a quantflow/client subscriber; /health is
// ready once the session trades; a kill-switch trip and reset with a signed token are journaled
// with the token's subject and reason and take effect in the core (no new entry while tripped,
// entries again after the reset); a missing or invalid token is refused and counted; the journal
// and venue latency stages are measured; a webhook receiver gets each fill, the trip and the reset
// once; `quantflow replay --journal` reproduces the session's decisions byte for byte; and a trip
// survives kill -9 and a restart (the journal holds it, recovery applies it again, no webhook
// fires again but a resend, with its id, of one the kill kept from being recorded as delivered).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../engine/config/index.js';
import { signControlToken } from '../engine/killswitch/index.js';
import { connect, type FillViewData, type LatencyView, type OrderViewData, type RiskView, type SignalView, type StateView } from '../engine/client/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, quantflow, RunHarness, until, type Child } from './run-harness.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const CONTROL_SECRET = 'c'.repeat(40);
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET, QF_CONTROL_SECRET: CONTROL_SECRET };

interface Post { path: string; body: { id: string; event: string; data: Record<string, unknown> } }

/** A webhook receiver on 127.0.0.1 (a free port) keeping every POST. */
async function webhookReceiver(): Promise<{ url: string; posts: Post[] }> {
  const posts: Post[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body) as Post['body'] });
      res.writeHead(204).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

/** The state server's port, from the line `quantflow run` prints once it listens. */
async function serverPort(child: Child): Promise<number> {
  await until('the state server', () => /run: state server at http:\/\/127\.0\.0\.1:\d+\//.test(child.stderr), child);
  return Number(/run: state server at http:\/\/127\.0\.0\.1:(\d+)\//.exec(child.stderr)![1]);
}

async function health(port: number): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; reasons: string[] } };
}

/** Polls /health until ready (a request the child could not answer counts as not ready; a child that exited fails with its output). */
async function waitReady(port: number, child: Child): Promise<void> {
  let last = '';
  for (let i = 0; i < 1200; i++) {
    try {
      const answer = await health(port);
      if (answer.body.ready) return;
      last = `${answer.status} ${answer.body.reasons.join('; ')}`;
    } catch (error) {
      last = `request failed: ${(error as Error).message} (${String((error as { cause?: unknown }).cause ?? '')})`;
    }
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`/health never became ready (last: ${last})\nstderr:\n${child.stderr}`);
}

/** The last stdout line of `quantflow run`: its result as JSON. */
function runResult(child: Child): { decisionsHash: string; book: unknown } {
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { decisionsHash: string; book: unknown };
}

/** `quantflow replay --journal DIR --json`. */
async function replayJournal(dir: string): Promise<{ firstMismatch: string | null; commandsJournaled: number; commandsReplayed: number; decisionsHash: string; book: { halted: boolean } & Record<string, unknown> }> {
  const replay = await quantflow(['replay', '--journal', dir, '--json']);
  expect(replay.code, replay.stderr).toBe(0);
  return JSON.parse(replay.stdout.trim().split('\n').at(-1)!);
}

const buys = (sim: { book: { orders: { side: string }[] } }): number => sim.book.orders.filter((o) => o.side === 'BUY').length;

const token = (config: string, subject: string): Promise<string> => signControlToken(subject, loadConfig({ configFile: config, env: { QF_CONTROL_SECRET: CONTROL_SECRET } }).control, 300);

describe('quantflow run: state server, control and webhooks of a live session', () => {
  test('streams fills, orders and state; a signed trip stops entries and a reset resumes them, both journaled with the subject; bad tokens are refused and counted; webhooks get each event once; replay reproduces the decisions', async () => {
    const hook = await webhookReceiver();
    const monitoring = `monitoring:\n  host: 127.0.0.1\n  port: 0\n  webhooks:\n    - { url: "${hook.url}", events: [fill, killSwitch] }\n`;
    const { sim, config, journal, startTime } = await harness.setup('monitor', 'keep', '', 3000, '', monitoring);
    // No --port: the configuration's monitoring.port (0, a free one) applies.
    const child = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    const port = await serverPort(child);
    expect(port, 'monitoring.port 0 picked a free port, not the default 8787').not.toBe(8787);
    await waitReady(port, child);
    expect(child.stderr, 'ready only after the start reconciliation').toMatch(/reconciliation \(start\)/);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);

    const alice = await token(config, 'operator:alice');
    const client = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false, token: alice });
    const anonymous = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false });
    const fills: FillViewData[] = [];
    const orders = new Map<bigint, OrderViewData>();
    const states: StateView[] = [];
    const risks: RiskView[] = [];
    let latency: LatencyView | null = null;
    client.subscribe('fills', (update) => fills.push(...update.payload.fills));
    client.subscribe('orders', (update) => { for (const order of update.payload.orders) orders.set(order.orderId, order); });
    client.subscribe('state', (update) => states.push(update.payload));
    client.subscribe('risk', (update) => risks.push(update.payload));
    client.subscribe('latency', (update) => { latency = update.payload; });
    const signals: SignalView[] = [];
    client.subscribe('signals', (update) => signals.push(...update.payload.signals));
    const stage = (name: string): number => Number(latency?.stages.find((s) => s.stage === name)?.count ?? 0n);
    try {
      await new Promise((r) => setTimeout(r, 300));
      await sim.playPath('BTCUSDT', PATH.slice(0, 12), { startTime, intervalMs: 60 }).done;
      await until('a fill streamed to the client', () => fills.length >= 1, child);
      expect(fills[0], 'the entry fill as the venue reported it').toMatchObject({ side: 'buy', quantity: 0.01 });
      await until('the filled entry order on the orders topic', () => [...orders.values()].some((o) => o.side === 'buy' && o.status === 'filled' && o.filledQuantity === 0.01), child);
      await until('a state with the position', () => states.some((s) => s.positions.some((p) => p.quantity > 0)), child);
      const held = states.filter((s) => s.positions.some((p) => p.quantity > 0)).at(-1)!;
      expect(held.mode).toBe('live');
      const marketValue = held.positions.reduce((sum, p) => sum + p.quantity * p.markPrice, 0);
      expect(held.equity, `equity = cash + market value (${JSON.stringify(held)})`).toBeCloseTo(held.cash + marketValue, 6);
      await until('the journal and venue latency stages measured', () => stage('journal') >= 1 && stage('venue') >= 1, child);

      const forged = await client.control({ kind: 'kill-switch-trip', reason: 'forged' }, 'not-a-token');
      expect(forged, 'an invalid token is refused').toMatchObject({ ok: false, code: 'unauthorized' });
      const missing = await anonymous.control({ kind: 'kill-switch-trip', reason: 'no token' });
      expect(missing, 'a connection without a token is read-only').toMatchObject({ ok: false });
      expect((missing as { code: string }).code).not.toBe('refused');
      const mode = await client.control({ kind: 'mode-change', mode: 'paper' });
      expect(mode, 'a mode change is refused with why').toMatchObject({ ok: false, code: 'refused' });
      expect((mode as { message: string }).message).toMatch(/cannot change mode/);

      const trip = await client.control({ kind: 'kill-switch-trip', reason: 'manual halt for the test' });
      expect(trip, child.stderr).toMatchObject({ ok: true, who: 'operator:alice' });
      await until('the risk topic shows the trip with its subject', () => risks.some((r) => r.killSwitchTripped && /operator:alice: manual halt/.test(r.killSwitchReason)), child);
      const halted = await health(port);
      expect(halted.body.reasons.join('\n'), '/health says the kill switch is tripped').toMatch(/kill switch is tripped \(operator:alice/);
      const again = await client.control({ kind: 'kill-switch-trip', reason: 'twice' });
      expect(again, 'a second trip is refused').toMatchObject({ ok: false, code: 'refused' });

      // Down 12 (the exit may go: exits are allowed), then up 6: the cross wants a new entry, the kill switch denies it.
      const buysAtTrip = buys(sim);
      await sim.playPath('BTCUSDT', PATH.slice(12, 30), { startTime: startTime + 12 * 60_000, intervalMs: 60 }).done;
      // A pushed kline closes when the next one opens: bar 28 (closing at startTime + 29 min) is the last one decided.
      const lastCloseNs = BigInt(startTime + 29 * 60_000) * 1_000_000n;
      await until('the core decided on the last closed bar played while tripped', () => signals.some((s) => s.timeNs >= lastCloseNs && s.price === PATH[28]), child);
      expect(new Set(signals.map((s) => `${s.symbol} ${s.strategy} ${s.timeframeSeconds}s`)), 'a signal names the configured strategy and its bar timeframe').toEqual(new Set(['BTC/USDT fast-cross 60s']));
      await new Promise((r) => setTimeout(r, 500));
      expect(buys(sim), 'no new entry reaches the venue while the kill switch is tripped').toBe(buysAtTrip);

      const reset = await client.control({ kind: 'kill-switch-reset', reason: 'reviewed' });
      expect(reset, child.stderr).toMatchObject({ ok: true, who: 'operator:alice' });
      await until('the risk topic shows the reset', () => risks.length > 0 && !risks.at(-1)!.killSwitchTripped, child);
      await sim.playPath('BTCUSDT', PATH.slice(30, 36), { startTime: startTime + 30 * 60_000, intervalMs: 60 }).done;
      await until('a new entry after the reset', () => buys(sim) > buysAtTrip, child);
      await until('its fill streamed', () => fills.filter((f) => f.side === 'buy').length >= 2, child);

      await until('the webhook receiver got the fills, the trip and the reset', () => hook.posts.filter((p) => p.body.event === 'fill').length >= fills.length
        && hook.posts.some((p) => p.body.event === 'killSwitch' && p.body.data.tripped === false), child);
      const tripPosts = hook.posts.filter((p) => p.body.event === 'killSwitch');
      expect(tripPosts.map((p) => [p.body.data.tripped, p.body.data.reason]), 'one trip and one reset, with who and why').toEqual([[true, 'operator:alice: manual halt for the test'], [false, 'operator:alice: reviewed']]);
      const fillIds = hook.posts.filter((p) => p.body.event === 'fill').map((p) => String(p.body.data.fillId));
      expect(new Set(fillIds).size, 'each fill posted once').toBe(fillIds.length);
      expect(fillIds.sort()).toEqual(fills.map((f) => f.tradeId).sort());

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/quantflow_server_control_actions_total\{action="kill-switch-trip",outcome="accepted"\} 1/);
      expect(metrics, 'forged, missing and the second trip are counted').toMatch(/quantflow_server_control_actions_total\{action="kill-switch-trip",outcome="refused"\} 3/);
      expect(metrics).toMatch(/quantflow_latency_records\{stage="journal"\} [1-9]/);
      expect(metrics).toMatch(/quantflow_latency_records\{stage="venue"\} [1-9]/);
    } finally {
      await client.close();
      await anonymous.close();
    }
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
    const entries = journalEntries(journal);
    const tripAt = entries.findIndex((e) => e.type === 'killSwitchTripped');
    const resetAt = entries.findIndex((e) => e.type === 'killSwitchReset');
    expect(entries[tripAt], 'the trip is journaled with the subject and reason').toMatchObject({ who: 'operator:alice', why: 'manual halt for the test' });
    expect(entries[resetAt]).toMatchObject({ who: 'operator:alice', why: 'reviewed' });
    expect(resetAt).toBeGreaterThan(tripAt);
    const replay = await replayJournal(journal);
    expect(replay.firstMismatch, 'every journaled command decided again, identical').toBeNull();
    expect(replay.commandsReplayed).toBe(replay.commandsJournaled);
    expect(replay.decisionsHash, 'replay reproduces every decision byte for byte (the trip and reset where journaled)').toBe(runResult(child).decisionsHash);
  }, 180_000);

  test('a trip over the WebSocket survives kill -9: the restarted session is still tripped, the journal holds the trip with its subject, replay agrees, no webhook fires again', async () => {
    const hook = await webhookReceiver();
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${hook.url}", events: [fill, killSwitch] }\n`;
    const { sim, config, journal, startTime } = await harness.setup('monitor-crash', 'keep', '', 3000, '', monitoring);
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], ENV);
    const port = await serverPort(first);
    await waitReady(port, first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 6), { startTime, intervalMs: 60 }).done;
    await until('the entry filled', () => sim.book.orders.some((o) => o.side === 'BUY'), first);
    const client = await connect(`ws://127.0.0.1:${port}/`, { reconnect: false, token: await token(config, 'operator:bob') });
    const trip = await client.control({ kind: 'kill-switch-trip', reason: 'halt before the crash' });
    await client.close();
    expect(trip, first.stderr).toMatchObject({ ok: true, who: 'operator:bob' });
    await until('the first process posted the fill and the trip', () => hook.posts.some((p) => p.body.event === 'fill') && hook.posts.some((p) => p.body.event === 'killSwitch'), first);
    first.proc.kill('SIGKILL');
    await first.exit;
    const postsBefore = hook.posts.length;

    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--port', '0'], ENV);
    const port2 = await serverPort(second);
    await waitReady(port2, second);
    expect(second.stderr, 'recovery applies the journaled trip').toMatch(/kill switch: tripped by operator:bob \(halt before the crash\)|recovery: checkpoint at inbound/);
    const watcher = await connect(`ws://127.0.0.1:${port2}/`, { reconnect: false });
    const risks: RiskView[] = [];
    watcher.subscribe('risk', (update) => risks.push(update.payload));
    try {
      await until('the restarted session reports the kill switch tripped by bob', () => risks.some((r) => r.killSwitchTripped && /operator:bob: halt before the crash/.test(r.killSwitchReason)), second);
    } finally {
      await watcher.close();
    }
    const ordersBefore = sim.book.orders.length;
    // Down 12 (the exit may go), then up 6: no new entry while tripped.
    await sim.playPath('BTCUSDT', PATH.slice(6, 30), { startTime: startTime + 6 * 60_000, intervalMs: 60 }).done;
    await new Promise((r) => setTimeout(r, 1000));
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    const newEntries = sim.book.orders.slice(ordersBefore).filter((o) => o.side === 'BUY');
    expect(newEntries, 'no new entry while tripped').toEqual([]);
    const trips = journalEntries(journal).filter((e) => e.type === 'killSwitchTripped');
    expect(trips, 'the journal holds the trip with its subject, once').toEqual([{ type: 'killSwitchTripped', who: 'operator:bob', why: 'halt before the crash' }]);
    expect(journalEntries(journal).some((e) => e.type === 'killSwitchReset')).toBe(false);
    // Delivery is at least once: the kill can land between the receiver's 204 and the process recording it, and then the
    // restart sends that event again with its id (a receiver drops it). No new announcement of the recovered trip.
    const seen = new Set(hook.posts.slice(0, postsBefore).map((p) => p.body.id));
    expect(hook.posts.slice(postsBefore).filter((p) => p.body.event === 'killSwitch' && !seen.has(p.body.id)), 'the restart recovers the trip without announcing it again').toEqual([]);
    expect(new Set(hook.posts.filter((p) => p.body.event === 'killSwitch').map((p) => p.body.id)).size, 'one trip event').toBe(1);
    const fillEvents = new Map<string, Set<string>>();
    for (const p of hook.posts.filter((post) => post.body.event === 'fill')) fillEvents.set(String(p.body.data.fillId), (fillEvents.get(String(p.body.data.fillId)) ?? new Set()).add(p.body.id));
    expect([...fillEvents.values()].every((ids) => ids.size === 1), 'no fill posted twice across the restart as another event').toBe(true);

    const replay = await replayJournal(journal);
    expect(replay.firstMismatch, 'every journaled command of both processes decided again, identical').toBeNull();
    expect(replay.commandsReplayed).toBe(replay.commandsJournaled);
    expect(replay.book.halted, 'replay ends tripped, as the session did').toBe(true);
    expect(replay.book, 'replay ends with the book the restarted session ended with').toEqual(runResult(second).book);
  }, 180_000);
});
