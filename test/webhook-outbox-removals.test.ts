// Removing delivered events from the webhook outbox (engine/server webhooks.ts, webhook-outbox.ts).
// Each 2xx cost one synchronous LMDB commit (with its fsync) on the I/O thread, per event and
// hook, and so did each entry of a hook no longer configured when a session started. Removals are
// now batched: the events delivered in one turn (several hooks answering together, a fast
// receiver) and the orphans found at start leave in one commit, and so does a backlog one hook
// answers one event at a time (each answer in its own turn cost its own commit: removals now wait
// while a POST is in flight, up to REMOVAL_BATCH). At least once still holds: a crash after the
// receiver's 2xx and before that commit leaves the events in the outbox, and the next session
// sends them again with the same Idempotency-Key. POSTs go to local receivers on 127.0.0.1, except where the test must decide
// when the answers arrive (fetch stubbed, answered together).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY_HEADER, REMOVAL_BATCH, WebhookNotifier, WebhookOutbox } from '../engine/server/index.js';
import { until } from './wait-until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function outboxDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-outbox-removals-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Received { body: { id: string; data: { n: number } }; key: string | undefined }

/** A receiver on 127.0.0.1 answering 204; `onRequest` runs before the answer is written. */
async function receiver(onRequest: (request: Received, res: ServerResponse) => void = () => undefined): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { body: JSON.parse(Buffer.concat(chunks).toString('utf8')), key: req.headers[IDEMPOTENCY_HEADER] as string | undefined };
      received.push(request);
      onRequest(request, res);
      res.writeHead(204).end();
    });
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('webhook outbox removals', () => {
  it('removes the events several hooks delivered in one turn in one commit', async () => {
    const store = WebhookOutbox.open(outboxDir());
    cleanups.push(() => store.close());
    // The answers are released together, in one turn (as a poll of the event loop reads them).
    const answers: (() => void)[] = [];
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => answers.push(() => resolve(new Response(null, { status: 204 })))));
    const hooks = [1, 2, 3, 4].map((n) => ({ url: `http://127.0.0.1:9/hook-${n}`, events: ['fill' as const] }));
    const notifier = new WebhookNotifier(hooks, { outbox: { store, scope: 'session' } });
    cleanups.push(() => notifier.close());
    notifier.notify('fill', { n: 1 });
    await until(() => answers.length === 4, 'the four POSTs in flight');
    const stored = store.commits;
    expect(store.pending('session'), 'stored: one entry per hook').toHaveLength(4);
    for (const answer of answers) answer();
    await notifier.idle();
    expect(notifier.counters.delivered).toBe(4);
    expect(store.pending('session'), 'delivered: gone from the outbox').toEqual([]);
    expect(store.commits - stored, 'four deliveries answered in one turn: one commit').toBe(1);
  });

  it('removes a fast receiver\'s deliveries of one turn together, and idle() waits for the removal', async () => {
    const store = WebhookOutbox.open(outboxDir());
    cleanups.push(() => store.close());
    vi.stubGlobal('fetch', () => Promise.resolve(new Response(null, { status: 204 })));
    const notifier = new WebhookNotifier([{ url: 'http://127.0.0.1:9/hook', events: ['riskDenial'] }], { outbox: { store, scope: 'session' } });
    cleanups.push(() => notifier.close());
    const before = store.commits;
    for (let n = 1; n <= 20; n++) notifier.notify('riskDenial', { n });
    await notifier.idle();
    expect(notifier.counters.delivered).toBe(20);
    expect(store.pending('session'), 'idle: the removals are committed').toEqual([]);
    expect(store.commits - before, 'one commit storing the 20, one removing them').toBe(2);
  });

  it('removes a backlog one hook answers one event at a time in one commit, REMOVAL_BATCH at most per commit', async () => {
    for (const count of [30, 2 * REMOVAL_BATCH + 22]) {
      const store = WebhookOutbox.open(outboxDir());
      cleanups.push(() => store.close());
      // A real receiver: each POST is answered in its own turn of the event loop, the next sent after it.
      const hook = await receiver();
      const notifier = new WebhookNotifier([{ url: hook.url, events: ['riskDenial'] }], { outbox: { store, scope: 'session' } });
      cleanups.push(() => notifier.close());
      const before = store.commits;
      for (let n = 1; n <= count; n++) notifier.notify('riskDenial', { n });
      await notifier.idle();
      expect(hook.received.map((r) => r.body.data.n), `${count}: delivered in order, once each`).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(store.pending('session'), `${count}: idle: the removals are committed`).toEqual([]);
      expect(store.commits - before, `${count} events answered one at a time: one commit storing them, ${Math.ceil(count / REMOVAL_BATCH)} removing them`).toBe(1 + Math.ceil(count / REMOVAL_BATCH));
    }
  });

  it('drops the entries of hooks no longer configured in one commit at start, said once', async () => {
    const dir = outboxDir();
    let store = WebhookOutbox.open(dir);
    store.addAll(Array.from({ length: 12 }, (_, i) => ({ scope: 'session', url: 'http://127.0.0.1:9/gone', id: `id-${i}`, event: 'fill', body: '{}' })));
    store.close();
    store = WebhookOutbox.open(dir);
    cleanups.push(() => store.close());
    const lines: string[] = [];
    const notifier = new WebhookNotifier([{ url: 'http://127.0.0.1:9/other', events: ['fill'] }], { outbox: { store, scope: 'session' }, log: (line) => lines.push(line) });
    cleanups.push(() => notifier.close());
    await notifier.idle();
    expect(store.pending('session')).toEqual([]);
    expect(store.commits, '12 orphans, one commit').toBe(1);
    expect(lines).toEqual(['webhook http://127.0.0.1:9/…: 12 undelivered events from a previous session dropped: the hook is no longer configured for them']);
  });

  it('sends the events again, with the same Idempotency-Keys, after a crash between their delivery and their removal', async () => {
    const dir = outboxDir();
    let store = WebhookOutbox.open(dir);
    let crashed = false;
    // The process dies while the receiver takes event 3: nothing it would write after that reaches the disk.
    const hook = await receiver((request) => {
      if (request.body.data.n !== 3 || crashed) return;
      crashed = true;
      store.close();
    });
    const lines: string[] = [];
    const first = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { outbox: { store, scope: 'session' }, log: (line) => lines.push(line) });
    for (let n = 1; n <= 3; n++) first.notify('fill', { n });
    await first.idle();
    expect(hook.received.map((r) => r.body.data.n), 'all three delivered (answered 2xx)').toEqual([1, 2, 3]);
    expect(lines.join('\n')).toMatch(/could not record .*as done .*the next start sends .*again/);
    first.close();

    store = WebhookOutbox.open(dir);
    cleanups.push(() => store.close());
    const second = new WebhookNotifier([{ url: hook.url, events: ['fill'] }], { outbox: { store, scope: 'session' } });
    cleanups.push(() => second.close());
    await second.idle();
    const resent = hook.received.slice(3);
    // 1 and 2 were answered one at a time while the next was in flight: their removal waited for event 3's answer, as one commit.
    expect(resent.map((r) => r.body.data.n), 'the events whose removal the crash lost, in order').toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      expect(resent[i].key, `event ${i + 1}: with the key it was first sent with`).toBe(hook.received[i].key);
      expect(resent[i].body.id).toBe(hook.received[i].body.id);
    }
    expect(store.pending('session'), 'delivered this time: gone').toEqual([]);
  });
});
