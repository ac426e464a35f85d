// Outgoing webhooks (engine/server/webhooks.ts) against a local HTTP server on 127.0.0.1:
// delivery of the subscribed events only, the HMAC-SHA256 signature header (checked with
// node:crypto on the receiver's side), a retry after a 500 with backoff, the bounded queue
// (oldest dropped, counted) while the receiver is stalled, notify never waiting for the
// receiver, the outbox (events kept until delivered, resent by the next notifier with their ids),
// and configuration errors that name the entry, field and value.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DELIVERY_HEADER, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, WebhookNotifier, WebhookOutbox, checkWebhookConfigs } from '../engine/server/index.js';

interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function receiver(respond: (request: Received, index: number) => number | null): Promise<{ url: string; received: Received[]; stalled: ServerResponse[] }> {
  const received: Received[] = [];
  const stalled: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
      received.push(request);
      const status = respond(request, received.length - 1);
      if (status === null) stalled.push(res);
      else res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, stalled };
}

describe('webhooks', () => {
  it('POSTs the subscribed events as JSON, signed with HMAC-SHA256 when a secret is set', async () => {
    const hook = await receiver(() => 200);
    const secret = 'k'.repeat(32);
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['killSwitch', 'fill'], secret }]);
    notifier.notify('killSwitch', { tripped: true, reason: 'drawdown 16%' }, 5n);
    notifier.notify('modelAlert', { ignored: true });
    notifier.notify('fill', { orderId: 7n, price: 101.5 }, 6n);
    await notifier.idle();
    expect(hook.received.map((r) => JSON.parse(r.body))).toEqual([
      { id: expect.stringMatching(/^[0-9a-f-]{36}$/), event: 'killSwitch', timeNs: '5', data: { tripped: true, reason: 'drawdown 16%' } },
      { id: expect.stringMatching(/^[0-9a-f-]{36}$/), event: 'fill', timeNs: '6', data: { orderId: '7', price: 101.5 } },
    ]);
    for (const request of hook.received) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers[SIGNATURE_HEADER], 'the receiver recomputes the HMAC of the raw body').toBe(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
    }
    expect(notifier.counters).toMatchObject({ delivered: 2, failed: 0 });
  });

  it('sends no signature header without a secret', async () => {
    const hook = await receiver(() => 204);
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['feedHealth'] }]);
    notifier.notify('feedHealth', { feed: 'BTCUSDT', stale: true });
    await notifier.idle();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  it('retries after a 500 with backoff and delivers in order, each event with one delivery id across its attempts', async () => {
    const hook = await receiver((_, index) => (index < 2 ? 500 : 200));
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['riskDenial'] }], { backoffMs: 20, maxAttempts: 5 });
    notifier.notify('riskDenial', { n: 1 });
    notifier.notify('riskDenial', { n: 2 });
    await notifier.idle();
    expect(hook.received.map((r) => JSON.parse(r.body).data.n), 'the first event twice refused, then each delivered in order').toEqual([1, 1, 1, 2]);
    // A receiver tells a retry of an event it already processed (its answer lost or late) by the delivery id.
    const ids = hook.received.map((r) => r.headers[DELIVERY_HEADER]);
    expect(ids[0], 'each POST carries a delivery id').toMatch(/^[0-9a-f-]{36}$/);
    expect(ids.slice(0, 3), 'the same on every attempt of one event').toEqual([ids[0], ids[0], ids[0]]);
    expect(ids[3], 'another for the next event').not.toBe(ids[0]);
    expect(notifier.counters).toMatchObject({ delivered: 2, retried: 2, failed: 0 });
  });

  it('keeps undelivered events in the outbox: the next notifier on it sends them first with their ids, never a delivered one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-outbox-'));
    try {
      let refusing = true;
      const hook = await receiver((request) => (refusing && JSON.parse(request.body).data.n !== 1 ? 500 : 204));
      const gone = await receiver(() => 500);
      let store = WebhookOutbox.open(dir);
      const lines: string[] = [];
      const first = new WebhookNotifier([{ url: hook.url, events: ['fill'] }, { url: gone.url, events: ['fill'] }], { backoffMs: 5, maxAttempts: 2, outbox: { store, scope: 'session' }, log: (line) => lines.push(line) });
      for (let n = 1; n <= 3; n++) first.notify('fill', { n });
      await first.idle();
      first.close();
      store.close();
      expect(lines.join('\n')).toMatch(/gave up on a fill event after 2 attempts \(last: HTTP 500\); kept in the outbox/);
      const sent = new Map(hook.received.map((r) => [JSON.parse(r.body).data.n as number, JSON.parse(r.body).id as string]));
      const before = hook.received.length;

      refusing = false;
      store = WebhookOutbox.open(dir);
      // The second hook (which refused all three) is no longer configured: its entries are dropped, said; another scope's notifier takes none of them.
      const other = new WebhookNotifier([{ url: hook.url, events: ['killSwitch'] }], { outbox: { store, scope: 'killSwitch' } });
      const second = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { backoffMs: 5, outbox: { store, scope: 'session' }, log: (line) => lines.push(line) });
      await Promise.all([second.idle(), other.idle()]);
      const resent = hook.received.slice(before);
      expect(resent.map((r) => JSON.parse(r.body).data.n), 'the two given up, in order; the delivered one not again').toEqual([2, 3]);
      expect(resent.map((r) => r.headers[IDEMPOTENCY_HEADER]), 'with the ids they had').toEqual([sent.get(2), sent.get(3)]);
      expect(resent.map((r) => JSON.parse(r.body).id)).toEqual([sent.get(2), sent.get(3)]);
      expect(store.pending('session'), 'delivered or dropped: gone from the outbox').toEqual([]);
      expect(lines.join('\n')).toMatch(/3 undelivered events from a previous session dropped: the hook is no longer configured for them/);
      second.close();
      other.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A burst (risk denials after a kill-switch trip) cost one synchronous LMDB commit, with its
  // fsync, per event and hook, on the I/O thread. The events queued in one turn now go to the
  // outbox in one transaction, stored before any of them is posted.
  it('stores the events queued in one turn in the outbox in one commit, before posting any of them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-outbox-batch-'));
    try {
      const store = WebhookOutbox.open(dir);
      const storedAtPost: number[] = [];
      const hook = await receiver(() => { storedAtPost.push(store.pending('session').length); return 204; });
      const other = await receiver(() => 204);
      const notifier = new WebhookNotifier([{ url: hook.url, events: ['riskDenial'] }, { url: other.url, events: ['riskDenial'] }], { outbox: { store, scope: 'session' } });
      const before = store.commits;
      for (let n = 1; n <= 50; n++) notifier.notify('riskDenial', { n });
      expect(store.commits, 'nothing stored or posted while the turn runs').toBe(before);
      await Promise.resolve();
      expect(store.commits - before, 'one commit for 50 events to two hooks').toBe(1);
      expect(store.pending('session'), 'one entry per event and hook').toHaveLength(100);
      await notifier.idle();
      expect(storedAtPost[0], 'every event of the turn was stored before the first POST').toBe(100);
      expect(hook.received.map((r) => JSON.parse(r.body).data.n), 'all sent, in order').toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(other.received).toHaveLength(50);
      expect(store.pending('session'), 'delivered: gone from the outbox').toEqual([]);
      notifier.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the events of a turn closed before they were stored: stored at close, sent by the next notifier', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-outbox-close-'));
    try {
      const hook = await receiver(() => 204);
      let store = WebhookOutbox.open(dir);
      const first = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { outbox: { store, scope: 'session' } });
      first.notify('fill', { n: 1 });
      first.notify('fill', { n: 2 });
      first.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(hook.received, 'closed before the turn ended: nothing posted').toEqual([]);
      store.close();
      store = WebhookOutbox.open(dir);
      const second = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { outbox: { store, scope: 'session' } });
      await second.idle();
      expect(hook.received.map((r) => JSON.parse(r.body).data.n)).toEqual([1, 2]);
      second.close();
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up after maxAttempts, counted as failed', async () => {
    const hook = await receiver(() => 503);
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { backoffMs: 5, maxAttempts: 3 });
    notifier.notify('fill', {});
    await notifier.idle();
    expect(hook.received).toHaveLength(3);
    expect(notifier.counters).toMatchObject({ delivered: 0, retried: 2, failed: 1 });
  });

  it('keeps at most queueLimit events while the receiver stalls, dropping the oldest, and notify never waits', async () => {
    const hook = await receiver((_, index) => (index === 0 ? null : 200));
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { queueLimit: 3 });
    notifier.notify('fill', { n: 0 });
    while (hook.stalled.length === 0) await new Promise((r) => setTimeout(r, 5));
    for (let n = 1; n <= 10; n++) notifier.notify('fill', { n });
    expect(notifier.counters.droppedQueueFull, 'in flight n=0 (it counts: undelivered) then 10 more into a queue of 3').toBe(8);
    hook.stalled[0].writeHead(200).end();
    await notifier.idle();
    expect(hook.received.map((r) => JSON.parse(r.body).data.n), 'the event in flight is never dropped; the newest are kept').toEqual([0, 9, 10]);
    expect(notifier.counters.delivered + notifier.counters.droppedQueueFull, 'each of the 11 events delivered or dropped, never both').toBe(11);
  });

  it('never counts a redirect as delivered: a 302 would have become a GET without the event', async () => {
    const moved = await receiver(() => 200);
    const hook = await receiver(() => 200);
    const redirecting = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(302, { location: moved.url }).end());
    });
    servers.push(redirecting);
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`;
    const notifier = new WebhookNotifier([{ url, events: ['killSwitch'] }, { url: hook.url, events: ['killSwitch'] }], { backoffMs: 5, maxAttempts: 2 });
    notifier.notify('killSwitch', { tripped: true });
    await notifier.idle();
    expect(moved.received, 'the event is not sent on to where the redirect points (a 302 turns the POST into a GET without a body)').toHaveLength(0);
    expect(hook.received).toHaveLength(1);
    expect(notifier.counters, 'the redirecting hook failed; only the other one delivered').toMatchObject({ delivered: 1, retried: 1, failed: 1 });
  });

  it('waits at least the Retry-After a 429 asks for before trying again', async () => {
    const arrivals: number[] = [];
    const limited = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        arrivals.push(performance.now());
        if (arrivals.length === 1) res.writeHead(429, { 'retry-after': '1' }).end();
        else res.writeHead(200).end();
      });
    });
    servers.push(limited);
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/hook`;
    const notifier = new WebhookNotifier([{ url, events: ['fill'] }], { backoffMs: 5, maxAttempts: 3 });
    notifier.notify('fill', { n: 1 });
    await notifier.idle();
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1] - arrivals[0], 'the retry comes no sooner than Retry-After: 1 (s), not after the 5 ms backoff').toBeGreaterThanOrEqual(990);
    expect(notifier.counters).toMatchObject({ delivered: 1, retried: 1, failed: 0 });
  });

  it('says in the log which events were lost (given up, queue overflow, pending at close), naming the hook by origin only', async () => {
    const down = await receiver(() => 503);
    const lines: string[] = [];
    const secretPath = `${down.url}/T0001/B0002/s3cr3tpath?token=s3cr3tquery`;
    const origin = new URL(down.url).origin;
    const notifier = new WebhookNotifier([{ url: secretPath, events: ['killSwitch', 'fill'] }], { backoffMs: 5, maxAttempts: 2, queueLimit: 2, log: (line) => lines.push(line) });
    notifier.notify('killSwitch', { tripped: true });
    await notifier.idle();
    expect(lines, 'the give-up, with the last failure').toEqual([`webhook ${origin}/…: gave up on a killSwitch event after 2 attempts (last: HTTP 503)`]);
    for (let n = 0; n < 4; n++) notifier.notify('fill', { n });
    expect(lines.filter((l) => l.includes('dropping the oldest')), 'the overflow, said once').toHaveLength(1);
    notifier.close();
    expect(lines.at(-1)).toMatch(new RegExp(`^webhook ${origin.replace(/[.]/g, '\\.')}/…: \\d events? \\(fill\\) not delivered before the session stopped$`));
    expect(lines.join('\n'), 'the path and query of the hook (its secret) are never logged').not.toMatch(/s3cr3t/);
  });

  it('keeps a kill-switch trip queued when a flood of risk denials fills the queue while the receiver stalls', async () => {
    const hook = await receiver((_, index) => (index === 0 ? null : 200));
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['fill', 'killSwitch', 'riskDenial'] }], { queueLimit: 3 });
    notifier.notify('fill', { n: 0 });
    while (hook.stalled.length === 0) await new Promise((r) => setTimeout(r, 5));
    notifier.notify('killSwitch', { tripped: true });
    for (let n = 1; n <= 20; n++) notifier.notify('riskDenial', { n }); // every order after the trip is denied
    hook.stalled[0].writeHead(200).end();
    await notifier.idle();
    const events = hook.received.map((r) => JSON.parse(r.body) as { event: string; data: { n?: number } });
    expect(events.map((e) => (e.event === 'riskDenial' ? `riskDenial ${e.data.n}` : e.event)), 'the fill in flight, the trip, the newest denial').toEqual(['fill', 'killSwitch', 'riskDenial 20']);
    expect(notifier.counters).toMatchObject({ delivered: 3, droppedQueueFull: 19 });
  });

  it('close() abandons a POST a hung receiver never answers, instead of holding the process for the timeout', async () => {
    const hook = await receiver(() => null);
    const notifier = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { timeoutMs: 600_000 });
    notifier.notify('fill', { n: 1 });
    while (hook.stalled.length === 0) await new Promise((r) => setTimeout(r, 5));
    const aborted = new Promise<void>((resolve) => hook.stalled[0].on('close', () => resolve()));
    notifier.close();
    const outcome = await Promise.race([aborted.then(() => 'aborted'), new Promise((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
    hook.stalled[0].socket?.destroy(); // else the receiver's close() waits for it
    expect(outcome, 'the connection to the hung receiver is closed at once').toBe('aborted');
    await notifier.idle();
  });

  it('rejects a bad configuration naming the entry, field and value', () => {
    expect(() => checkWebhookConfigs([{ url: 'ftp://x', events: ['fill'] }])).toThrow('`monitoring.webhooks[0].url` must be an http(s) URL, was "ftp://x"');
    expect(() => checkWebhookConfigs([{ url: 'http://127.0.0.1/', events: ['fills'] }])).toThrow(/`monitoring.webhooks\[0\].events` entries must be one of killSwitch, fill, riskDenial, modelAlert, feedHealth, was "fills"/);
    expect(() => checkWebhookConfigs([{ url: 'http://127.0.0.1/', events: ['fill'], secret: 'short' }])).toThrow(/secret` must be a string of at least 16 characters, was 5 characters/);
    expect(() => checkWebhookConfigs([{ url: 'http://127.0.0.1/', events: ['fill'], retries: 3 }])).toThrow(/`monitoring.webhooks\[0\].retries` is not a webhook field/);
    // fetch refuses a URL with credentials: every POST of such a hook would fail. Refused up front, without echoing the password.
    let refused: Error | undefined;
    try {
      checkWebhookConfigs([{ url: 'https://alerts:hunter2pass@hooks.example/in', events: ['killSwitch'] }]);
    } catch (error) {
      refused = error as Error;
    }
    expect(refused?.message).toMatch(/^`monitoring.webhooks\[0\].url` must not hold credentials \(user:password@\)/);
    expect(refused?.message).not.toContain('hunter2pass');
  });
});
