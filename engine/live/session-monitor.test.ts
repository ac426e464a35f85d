// LiveSessionMonitor without a child process: a live session's inbound venue replies become the
// fills and orders the state server streams and the fill webhooks (the core's drain never reports
// them in live mode), and the kill-switch webhook fires once per transition after recovery, never
// for the state recovery restores. A webhook receiver on 127.0.0.1 (a free port) keeps every POST.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import { LatencyMonitor } from '../threads/index.js';
import { FeedCondition, encodeFeedHealth, type FeedConditionCode } from '../risk/index.js';
import { WebhookOutbox, derivedEventId } from '../server/index.js';
import { INBOUND_BEHIND_REASON, LiveSessionMonitor } from './session-monitor.js';
import { inboundVenueReply } from './inbound-venue-reply.js';
import { OrderState } from '../orders/index.js';
import { CommandLatency } from './command-latency.js';
import type { VenueAdapter } from './venue-adapter.js';

interface Post { event: string; data: Record<string, unknown> }

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function receiver(): Promise<{ url: string; posts: Post[] }> {
  const posts: Post[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      posts.push(JSON.parse(body) as Post);
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

/** An inbound live venue record as the adapters write it (price, size, a, b, id). */
function venueRecord(kind: number, orderId: bigint, price: number, size: number, a: number, b: number, direction = EventKind.DIRECTION_INBOUND): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, kind | EventKind.SOURCE_LIVE | direction, true);
  view.setInt32(EV_INSTRUMENT, 0, true);
  view.setBigInt64(EV_TS_EXCHANGE, 1_700_000_000_000_000_000n, true);
  view.setBigInt64(EV_TS_LOCAL, 1_700_000_000_001_000_000n, true);
  view.setFloat64(EV_PRICE, price, true);
  view.setFloat64(EV_SIZE, size, true);
  view.setFloat64(EV_A, a, true);
  view.setFloat64(EV_B, b, true);
  view.setBigUint64(EV_ID, orderId, true);
  return bytes;
}

const monitoring = (url: string) => ({ host: '127.0.0.1', port: 0, webhooks: [{ url, events: ['fill', 'killSwitch'] as ('fill' | 'killSwitch')[] }] });

describe('inboundVenueReply', () => {
  it('decodes the venue replies a live session receives and nothing else', () => {
    expect(inboundVenueReply(venueRecord(EventKind.FILL | EventKind.FLAG_MAKER, 7n, 50_100, -0.01, 0.5, 42, EventKind.DIRECTION_INBOUND))).toMatchObject({
      type: 'fill', clientId: 7n, instrument: 0, price: 50_100, qty: -0.01, fee: 0.5, fillId: 42, maker: true, venueNs: 1_700_000_000_000_000_000n,
    });
    expect(inboundVenueReply(venueRecord(EventKind.ACK, 7n, 50_000, 0.01, 0, 99))).toMatchObject({ type: 'ack', clientId: 7n, limitPrice: 50_000, qty: 0.01, replace: false });
    expect(inboundVenueReply(venueRecord(EventKind.REJECT, 7n, 0, 0.01, 4, 1))).toMatchObject({ type: 'reject', reason: 'full', of: 'cancel' });
    expect(inboundVenueReply(venueRecord(EventKind.REJECT, 7n, 0, 0.01, 900, 0)), "reconciliation's own code is named as it means").toMatchObject({ type: 'reject', reason: 'lost-before-venue', of: 'order' });
    expect(inboundVenueReply(venueRecord(EventKind.REJECT, 7n, 0, 0.01, 901, 0)), "the live session's own withheld code is named as it means").toMatchObject({ type: 'reject', reason: 'withheld-by-kill-switch', of: 'order' });
    expect(inboundVenueReply(venueRecord(EventKind.REJECT, 7n, 0, 0.01, 902, 0)), 'a code no one produces reads as its number, never a throw').toMatchObject({ type: 'reject', reason: 'code 902', of: 'order' });
    expect(inboundVenueReply(venueRecord(EventKind.CANCELED, 7n, 0, 0.01, 1, 0))).toMatchObject({ type: 'canceled', reason: 'unfilled', qty: 0.01 });
    expect(inboundVenueReply(venueRecord(EventKind.BAR, 0n, 50_000, 1, 0, 0)), 'market data is no reply').toBeNull();
    expect(inboundVenueReply(venueRecord(EventKind.ORDER, 7n, 0, 0.01, 0, 0, EventKind.DIRECTION_OUTBOUND)), 'a command is no reply').toBeNull();
  });
});

describe('LiveSessionMonitor', () => {
  it('streams the inbound fills and order events of a live session and posts each fill once', async () => {
    const hook = await receiver();
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: monitoring(hook.url) });
    monitor.listeners.onOrder?.({ record: 'order', orderId: 7n, instrument: 0, qty: 0.01, orderType: 0, timeInForce: 0, limitPrice: 0, stopPrice: 0, flags: 0, tsNs: 1n } as never);
    monitor.phase('trading');
    monitor.inbound(venueRecord(EventKind.ACK, 7n, 0, 0.01, 0, 99));
    monitor.inbound(venueRecord(EventKind.FILL, 7n, 50_100, 0.01, 0.5, 42));
    monitor.inbound(venueRecord(EventKind.BAR, 0n, 50_100, 1, 0, 0));
    expect(monitor.snapshot('fills')!.fills).toEqual([expect.objectContaining({ orderId: 7n, tradeId: '42', side: 'buy', price: 50_100, quantity: 0.01, fee: 0.5 })]);
    expect(monitor.snapshot('orders')!.orders).toEqual([expect.objectContaining({ orderId: 7n, status: 'filled', filledQuantity: 0.01, averageFillPrice: 50_100 })]);
    await monitor.close();
    expect(hook.posts.map((p) => [p.event, p.data.fillId])).toEqual([['fill', 42]]);
  });

  it('live mode, a restart after a kill between a FILL\'s journal record and the outbox: recovery posts the replayed fills after the outbox\'s mark, with ids from their inbound sequence', async () => {
    const hook = await receiver();
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-monitor-window-'));
    try {
      const run = async (steps: (monitor: LiveSessionMonitor) => void): Promise<void> => {
        const outbox = WebhookOutbox.open(dir);
        const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: monitoring(hook.url), outbox });
        steps(monitor);
        await monitor.close();
        outbox.close();
      };
      const fill = (fillId: number) => venueRecord(EventKind.FILL, 7n, 50_100, 0.01, 0.5, fillId);
      // The first process: inbound 3 and 4 are fills, posted (stored with the mark: inbound 4); inbound 5 was journaled, then the kill (never seen here).
      await run((monitor) => {
        monitor.phase('reconciling');
        monitor.phase('trading');
        monitor.inbound(fill(41), 3n);
        monitor.inbound(fill(42), 4n);
      });
      const first = hook.posts.map((p) => [p.data.fillId, (p as Post & { id: string }).id]);
      expect(first.map(([fillId]) => fillId)).toEqual([41, 42]);
      // The restart replays inbound 3, 4 and 5: only 5 is posted.
      await run((monitor) => {
        monitor.replayed(fill(41), 3n);
        monitor.replayed(fill(42), 4n);
        monitor.replayed(fill(43), 5n);
        monitor.phase('trading');
      });
      expect(hook.posts.slice(2).map((p) => p.data.fillId), 'the fill the kill kept from the outbox, and nothing posted before').toEqual([43]);
      const id43 = (hook.posts[2] as Post & { id: string }).id;
      // Had the second process died before its 2xx was recorded, the next derives the same id again.
      const outbox = WebhookOutbox.open(dir);
      expect(derivedEventId(outbox.identity, 'session', 'fill:inbound:5')).toBe(id43);
      outbox.close();
      // A third start replays all three: nothing is posted again (the mark is at inbound 5 now).
      await run((monitor) => {
        for (const [fillId, seq] of [[41, 3n], [42, 4n], [43, 5n]] as const) monitor.replayed(fill(fillId), seq);
        monitor.phase('trading');
      });
      expect(hook.posts.length).toBe(3);
      expect(new Set(hook.posts.map((p) => (p as Post & { id: string }).id)).size).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restart after a kill between a FEED_HEALTH record\'s journal record and the outbox: recovery posts the replayed changes after the outbox\'s mark, once', async () => {
    const hook = await receiver();
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-monitor-feed-window-'));
    const hooks = { host: '127.0.0.1', port: 0, webhooks: [{ url: hook.url, events: ['feedHealth'] as 'feedHealth'[] }] };
    try {
      const run = async (steps: (monitor: LiveSessionMonitor) => void): Promise<void> => {
        const outbox = WebhookOutbox.open(dir);
        const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'paper', equity: 100_000, monitoring: hooks, outbox });
        steps(monitor);
        await monitor.close();
        outbox.close();
      };
      const change = (condition: FeedConditionCode, mask: number, sequence: bigint): Uint8Array => {
        const bytes = new Uint8Array(64);
        encodeFeedHealth(new DataView(bytes.buffer), 0, { instrument: 0, lastMessageNs: 1_700_000_000_000_000_000n, detectedNs: 1_700_000_000_000_000_000n + sequence, condition, value: 0, mask, stream: 1, sequence });
        return bytes;
      };
      const stale = change(FeedCondition.STALE, 1 << FeedCondition.STALE, 11n);
      const recovered = change(FeedCondition.RECOVERED, 0, 12n);
      // The first process: inbound 3 (stale) posted and stored with its mark; inbound 4 (recovered) journaled, then the kill.
      await run((monitor) => {
        monitor.phase('trading');
        monitor.inbound(stale, 3n);
      });
      expect(hook.posts.map((p) => p.data.condition)).toEqual(['STALE']);
      // The restart replays both: only the recovery, whose event was never stored, is posted.
      await run((monitor) => {
        monitor.replayed(stale, 3n);
        monitor.replayed(recovered, 4n);
        monitor.phase('trading');
      });
      expect(hook.posts.map((p) => p.data.condition), 'the change the kill kept from the outbox, and nothing posted before').toEqual(['STALE', 'RECOVERED']);
      const outbox = WebhookOutbox.open(dir);
      expect((hook.posts[1] as Post & { id: string }).id, 'its id derives from its journal position').toBe(derivedEventId(outbox.identity, 'session', 'feedHealth:4'));
      outbox.close();
      // A third start replays both: nothing is posted again.
      await run((monitor) => {
        monitor.replayed(stale, 3n);
        monitor.replayed(recovered, 4n);
        monitor.phase('trading');
      });
      expect(hook.posts.length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restart after a kill between a model alert\'s journal record and the outbox: recovery posts the replayed alerts after the outbox\'s mark, once', async () => {
    const hook = await receiver();
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-monitor-alert-window-'));
    const hooks = { host: '127.0.0.1', port: 0, webhooks: [{ url: hook.url, events: ['modelAlert'] as 'modelAlert'[] }] };
    try {
      const run = async (steps: (monitor: LiveSessionMonitor) => void): Promise<void> => {
        const outbox = WebhookOutbox.open(dir);
        const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: hooks, outbox });
        steps(monitor);
        await monitor.close();
        outbox.close();
      };
      const drift = { kind: 'feature-drift' as const, instrument: 'BTC/USDT', feature: 'ret_1', value: 0.31, threshold: 0.25, atNs: 1_700_000_060_000_000_000n };
      const calibration = { kind: 'quantile-calibration' as const, instrument: 'BTC/USDT', value: 0.55, threshold: 0.1, atNs: 1_700_000_120_000_000_000n };
      // The first process: the drift alert journaled at 7, posted and stored with its mark; the calibration alert journaled at 9, then the kill.
      await run((monitor) => {
        monitor.phase('trading');
        monitor.modelAlert(drift, 7n);
      });
      expect(hook.posts.map((p) => p.data.kind)).toEqual(['feature-drift']);
      // The restart replays both records: only the one whose event was never stored is posted.
      await run((monitor) => {
        monitor.modelAlert(drift, 7n, true);
        monitor.modelAlert(calibration, 9n, true);
        monitor.phase('trading');
      });
      expect(hook.posts.map((p) => p.data.kind), 'the alert the kill kept from the outbox, and nothing posted before').toEqual(['feature-drift', 'quantile-calibration']);
      const outbox = WebhookOutbox.open(dir);
      expect((hook.posts[1] as Post & { id: string }).id, 'its id derives from its journal position').toBe(derivedEventId(outbox.identity, 'session', 'modelAlert:9'));
      outbox.close();
      await run((monitor) => {
        monitor.modelAlert(drift, 7n, true);
        monitor.modelAlert(calibration, 9n, true);
        monitor.phase('trading');
      });
      expect(hook.posts.length, 'a third start posts nothing again').toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('at the end of a process: a fill the receiver first refused is posted again before it exits, and one never delivered is said in the log', async () => {
    // A receiver that answers its first POST 503, then 204 (status per path: /flaky, /down always 503).
    const posts: string[] = [];
    let flakyCalls = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts.push(req.url ?? '');
        if (req.url === '/flaky' && flakyCalls++ > 0) res.writeHead(204).end();
        else res.writeHead(503).end();
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-monitor-exit-'));
    const monitorModule = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist/engine/live/session-monitor.js');
    const script = path.join(dir, 'session.mjs');
    // The process ends by itself after close(): nothing but the monitor's own timers keeps it alive.
    writeFileSync(script, [
      `import { LiveSessionMonitor } from ${JSON.stringify(monitorModule)};`,
      `const [url, grace] = process.argv.slice(2);`,
      `const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100000, log: (line) => console.error(line),`,
      `  monitoring: { host: '127.0.0.1', port: 0, webhooks: [{ url, events: ['fill'] }] } });`,
      `monitor.listeners.onOrder?.({ record: 'order', orderId: 7n, instrument: 0, qty: 0.01, orderType: 0, timeInForce: 0, limitPrice: 0, stopPrice: 0, flags: 0, tsNs: 1n });`,
      `monitor.phase('trading');`,
      `monitor.inbound(Buffer.from(process.env.QF_TEST_FILL, 'base64'));`,
      `await monitor.close(Number(grace));`,
      '',
    ].join('\n'));
    const run = (url: string, grace: number): Promise<{ code: number | null; stderr: string }> => new Promise((resolve) => {
      const child = spawn(process.execPath, [script, url, String(grace)], { env: { ...process.env, QF_TEST_FILL: Buffer.from(venueRecord(EventKind.FILL, 7n, 50_100, 0.01, 0.5, 42)).toString('base64') }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
    });
    try {
      const flaky = await run(`${base}/flaky`, 5_000);
      expect(flaky.code, flaky.stderr).toBe(0);
      expect(posts.filter((p) => p === '/flaky'), 'refused once, then posted again before the process ended').toEqual(['/flaky', '/flaky']);
      const down = await run(`${base}/down`, 300);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stderr, 'the undelivered fill is said, by the hook\'s origin only').toContain(`webhook ${base}/…: 1 event (fill) not delivered before the session stopped`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows an order that reconciliation found closed at the venue (ORDER_STATUS) in its final state, with the reason reconciled', async () => {
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: { host: '127.0.0.1', port: 0, webhooks: [] } });
    for (const orderId of [7n, 8n, 9n]) {
      monitor.listeners.onOrder?.({ record: 'order', orderId, instrument: 0, qty: 0.01, orderType: 1, timeInForce: 0, limitPrice: 50_000, stopPrice: 0, flags: 0, tsNs: 1n } as never);
      monitor.inbound(venueRecord(EventKind.ACK, orderId, 50_000, 0.01, 0, 99));
    }
    monitor.phase('reconciling', 'reconnect');
    // ORDER_STATUS: price = average fill price, size = filled, a = the venue's state, b = order quantity (engine/live reconcile.ts).
    monitor.inbound(venueRecord(EventKind.ORDER_STATUS, 7n, 0, 0, OrderState.CANCELED, 0.01));
    monitor.inbound(venueRecord(EventKind.ORDER_STATUS, 8n, 49_990, 0.01, OrderState.FILLED, 0.01));
    monitor.inbound(venueRecord(EventKind.ORDER_STATUS, 9n, 49_995, 0.004, OrderState.PARTIALLY_FILLED, 0.01));
    const byId = new Map(monitor.snapshot('orders')!.orders.map((o) => [o.orderId, o]));
    expect(byId.get(7n), 'canceled at the venue while the session was away').toMatchObject({ status: 'canceled', statusReason: 'reconciled', filledQuantity: 0 });
    expect(byId.get(8n), 'filled at the venue').toMatchObject({ status: 'filled', statusReason: '', filledQuantity: 0.01, averageFillPrice: 49_990 });
    expect(byId.get(9n), 'partly filled and working at the venue').toMatchObject({ status: 'partially-filled', statusReason: '', filledQuantity: 0.004 });
    await monitor.close();
  });

  it('in paper mode leaves venue replies to the core (its simulated venue reports them on the drain)', async () => {
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'paper', equity: 100_000, monitoring: { host: '127.0.0.1', port: 0, webhooks: [] } });
    monitor.inbound(venueRecord(EventKind.FILL, 7n, 50_100, 0.01, 0.5, 42));
    expect(monitor.snapshot('fills')!.fills).toEqual([]);
    await monitor.close();
  });

  it('posts a kill-switch webhook per transition after recovery, none for the state recovery restores', async () => {
    const hook = await receiver();
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: monitoring(hook.url) });
    // A restart: the journal replays a trip, then the session reports the recovered state; neither is news.
    monitor.phase('recovering');
    monitor.killSwitch(true, 'operator:bob', 'halt before the crash');
    monitor.killSwitch(true, 'operator:bob', 'halt before the crash');
    monitor.phase('reconciling', 'start');
    monitor.phase('trading');
    expect(monitor.health().reasons.join('\n')).toMatch(/kill switch is tripped \(operator:bob: halt before the crash\)/);
    monitor.killSwitch(false, 'operator:alice', 'reviewed');
    monitor.killSwitch(true, 'kill switch (drawdown)', 'drawdown 12% >= 10%');
    await monitor.close();
    expect(hook.posts.map((p) => [p.event, p.data.tripped, p.data.reason])).toEqual([
      ['killSwitch', false, 'operator:alice: reviewed'],
      ['killSwitch', true, 'kill switch (drawdown): drawdown 12% >= 10%'],
    ]);
  });

  it('posts the trip recovery journals itself (the previous process died between the core\'s trip and its record), while recovering', async () => {
    const hook = await receiver();
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'paper', equity: 100_000, monitoring: monitoring(hook.url) });
    monitor.phase('recovering');
    // The replay's core trips on the drawdown the dead process never journaled; the session journals it now.
    monitor.killSwitch(true, 'risk.drawdown', 'drawdown 16% >= 15%', true);
    // The state the session then reports once recovered is not news again.
    monitor.killSwitch(true, 'risk.drawdown', 'drawdown 16% >= 15%');
    monitor.phase('reconciling', 'start');
    await monitor.close();
    expect(hook.posts.map((p) => [p.event, p.data.tripped, p.data.reason]), 'announced once: no process had').toEqual([['killSwitch', true, 'risk.drawdown: drawdown 16% >= 15%']]);
  });

  it('is not ready while recovering, reconciling or disconnected', async () => {
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: { host: '127.0.0.1', port: 0, webhooks: [] } });
    for (const phase of ['recovering', 'reconciling', 'disconnected'] as const) {
      monitor.phase(phase, 'test');
      expect(monitor.health().ready, phase).toBe(false);
      expect(monitor.health().reasons[0], phase).toMatch(new RegExp(`${phase}.*\\(test\\)`));
    }
    await monitor.close();
  });

  it('says while the engine is behind (venue records wait for room on the inbound ring)', async () => {
    const monitor = new LiveSessionMonitor({ instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], mode: 'live', equity: 100_000, monitoring: { host: '127.0.0.1', port: 0, webhooks: [] } });
    monitor.phase('trading');
    monitor.inboundWaiting(1);
    expect(monitor.health().reasons, 'records wait').toContain(INBOUND_BEHIND_REASON);
    expect(monitor.counters(), '/metrics: behind now, once so far').toMatchObject({ inbound_behind: 1, inbound_behind_stretches: 1 });
    monitor.inboundWaiting(0);
    expect(monitor.health().reasons, 'all published again').not.toContain(INBOUND_BEHIND_REASON);
    expect(monitor.counters(), '/metrics: caught up, the stretch still counted').toMatchObject({ inbound_behind: 0, inbound_behind_stretches: 1 });
    await monitor.close();
  });
});

describe('CommandLatency', () => {
  it('times the journal stage from flush to the first send and the venue stage from a send to its first reply', () => {
    const latency = new LatencyMonitor();
    const stamps = new CommandLatency(latency);
    const sent: bigint[] = [];
    const adapter = { name: 'recording', submit: (request: { orderId: bigint }) => { sent.push(request.orderId); }, cancel: (request: { orderId: bigint }) => { sent.push(request.orderId); } };
    const wrapped = stamps.adapter(adapter as unknown as VenueAdapter);
    stamps.flushing(2);
    wrapped.submit({ orderId: 7n } as never);
    wrapped.cancel({ orderId: 8n } as never);
    expect(sent, 'every send reaches the adapter').toEqual([7n, 8n]);
    expect(wrapped.name, 'everything else passes through').toBe('recording');
    const count = (stage: string): number => latency.rows().find((row) => row.stage === stage)!.count;
    expect(count('journal'), 'one flush of two commands').toBe(2);
    stamps.inbound(venueRecord(EventKind.BAR, 0n, 1, 1, 0, 0));
    stamps.inbound(venueRecord(EventKind.ACK, 7n, 0, 0.01, 0, 1));
    stamps.inbound(venueRecord(EventKind.FILL, 7n, 1, 0.01, 0, 1));
    expect(count('venue'), 'the first reply to order 7 only').toBe(1);
    stamps.inbound(venueRecord(EventKind.CANCELED, 8n, 0, 0.01, 0, 0));
    expect(count('venue')).toBe(2);
    expect(count('journal'), 'no flush, no journal record').toBe(2);
  });
});
