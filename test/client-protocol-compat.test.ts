// Compatibility across protocol versions, over real sockets on 127.0.0.1 (free ports). The
// resume ticket (`{"type":"ticket"}`) is a server message that clients of the previous version
// do not know, and they stopped on it (a "protocol" failure). So the server sends tickets only
// to a connection that declared it understands them (`capabilities: ["ticket"]` on a message,
// or a `resume`, which presents one): a client speaking the old protocol keeps its control and
// never sees a ticket, at the first binding nor at a rotation. And the client library ignores
// (and counts) any server message kind it does not know, so the next new kind breaks no client.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { connect, type ClientEvent, type ControlAction, type QuantFlowClient } from '../engine/client/index.js';
import { ResumeTicketStore, signControlToken, type ControlTokenConfig } from '../engine/killswitch/index.js';
import { PushStateSource, startStateServer, type StateServer } from '../engine/server/index.js';
import { freePort } from './free-port.js';
import { until } from './wait-until.js';

const TOKENS: ControlTokenConfig = { algorithm: 'HS256', secret: 'x'.repeat(40), publicKey: null, audience: 'quantflow-control' };
const PAUSE: ControlAction = { kind: 'pause-strategy', strategy: 'ema-cross', reason: 'reviewed' };
/** The server message kinds a client of the previous protocol version knows (it stops on any other). */
const OLD_KINDS = new Set(['subscribed', 'unsubscribed', 'auth', 'control', 'error']);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Reply { type: string; ok?: boolean; who?: string; id?: number; ticket?: string; resumed?: boolean }

/** A raw client: its JSON replies, and whether one was a kind the old protocol does not have (the old library failed there). */
async function raw(url: string) {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.close());
  const replies: Reply[] = [];
  const unknownToOld: string[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const reply = JSON.parse(data.toString()) as Reply;
    replies.push(reply);
    if (!OLD_KINDS.has(reply.type)) unknownToOld.push(reply.type);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = async (type: string, after = 0): Promise<Reply> => {
    await until(() => replies.slice(after).some((r) => r.type === type), `a '${type}' reply`);
    return replies.slice(after).find((r) => r.type === type)!;
  };
  return { ws, replies, unknownToOld, send: (message: object) => ws.send(JSON.stringify(message)), next };
}

describe('protocol compatibility: resume tickets', () => {
  it('sends no ticket to a client of the previous version (no capability), by auth or by a token in a control message, nor at a rotation; it keeps control', async () => {
    let nowMs = Date.now();
    const actions: string[] = [];
    const srv: StateServer = await startStateServer({
      source: new PushStateSource(), tokens: TOKENS, resumeTickets: new ResumeTicketStore({ ttlSeconds: 60, now: () => nowMs }),
      onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); },
    });
    cleanups.push(() => srv.close());

    // The previous version's library: auth, then control under it.
    const oldLibrary = await raw(srv.url);
    oldLibrary.send({ op: 'auth', token: await signControlToken('alice', TOKENS, 600) });
    oldLibrary.send({ op: 'control', id: 1, action: PAUSE });
    // The previous version's dashboard: the token in the control message.
    const oldDashboard = await raw(srv.url);
    oldDashboard.send({ op: 'control', id: 1, action: PAUSE, token: await signControlToken('bob', TOKENS, 600) });
    oldDashboard.send({ op: 'control', id: 2, action: PAUSE });
    // A current client declares it understands tickets.
    const current = await raw(srv.url);
    current.send({ op: 'auth', token: await signControlToken('carol', TOKENS, 600), capabilities: ['ticket'] });

    expect(await oldLibrary.next('control')).toMatchObject({ id: 1, ok: true, who: 'alice' });
    await until(() => oldDashboard.replies.filter((r) => r.type === 'control').length === 2, 'both of the old dashboard\'s control replies');
    expect(oldDashboard.replies.filter((r) => r.type === 'control'), 'its token binds to it: the second action needs none').toMatchObject([{ id: 1, ok: true, who: 'bob' }, { id: 2, ok: true, who: 'bob' }]);
    const first = await current.next('ticket');
    expect(first, 'the capable client gets its ticket').toMatchObject({ who: 'carol', ticket: expect.stringMatching(/^qfr_/) });

    // Past half a ticket's life the server rotates the tickets of the connections holding control.
    const seen = current.replies.length;
    nowMs += 31_000;
    const rotated = await current.next('ticket', seen);
    expect(rotated.ticket, 'the capable client\'s ticket rotated').not.toBe(first.ticket);

    expect(oldLibrary.unknownToOld, 'the old library saw only messages it knows').toEqual([]);
    expect(oldDashboard.unknownToOld, 'the old dashboard saw only messages it knows').toEqual([]);
    oldLibrary.send({ op: 'control', id: 2, action: PAUSE });
    expect(await oldLibrary.next('control', oldLibrary.replies.length), 'still connected, still in control').toMatchObject({ id: 2, ok: true, who: 'alice' });
    expect(actions).toEqual(['alice:pause-strategy', 'bob:pause-strategy', 'bob:pause-strategy', 'alice:pause-strategy']);
    expect(oldLibrary.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a `resume` implies the capability: its answer carries the next ticket', async () => {
    const srv = await startStateServer({ source: new PushStateSource(), tokens: TOKENS, onControl: () => undefined });
    cleanups.push(() => srv.close());
    const holder = await raw(srv.url);
    holder.send({ op: 'control', id: 1, action: PAUSE, token: await signControlToken('dave', TOKENS, 600), capabilities: ['ticket'] });
    const ticket = await holder.next('ticket');
    holder.ws.close();
    const back = await raw(srv.url);
    back.send({ op: 'resume', ticket: ticket.ticket });
    expect(await back.next('auth')).toMatchObject({ ok: true, who: 'dave', resumed: true });
    expect(await back.next('ticket'), 'the next ticket').toMatchObject({ who: 'dave' });
  });

  it('refuses a malformed capability list, naming the field, the value and the rule, and keeps the connection', async () => {
    const srv = await startStateServer({ source: new PushStateSource(), tokens: TOKENS, onControl: () => undefined });
    cleanups.push(() => srv.close());
    const c = await raw(srv.url);
    c.send({ op: 'subscribe', topic: 'state', capabilities: 'ticket' });
    expect(await c.next('error')).toMatchObject({ code: 'malformed', message: expect.stringMatching(/`capabilities` must be an array of .*capability names.*was "ticket"/) });
    c.send({ op: 'subscribe', topic: 'state', capabilities: ['ticket', 'some-future-thing'] });
    expect(await c.next('subscribed'), 'a capability this server does not know is no error').toMatchObject({ topic: 'state' });
  });
});

describe('protocol compatibility: the client library', () => {
  it('ignores and counts a server message kind it does not know, keeps the connection, and declares its capabilities', async () => {
    const port = await freePort();
    const fake = new WebSocketServer({ host: '127.0.0.1', port });
    cleanups.push(() => new Promise<void>((resolve) => { for (const c of fake.clients) c.terminate(); fake.close(() => resolve()); }));
    const received: Record<string, unknown>[] = [];
    fake.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as Record<string, unknown>;
        received.push(message);
        if (message.op !== 'auth') return;
        // A kind from a future server version, then the answers this version knows.
        socket.send(JSON.stringify({ type: 'announcement', text: 'maintenance at 02:00' }));
        socket.send(JSON.stringify({ type: 'auth', ok: true, who: 'alice' }));
        socket.send(JSON.stringify({ type: 'error', code: 'internal', message: 'after the unknown one' }));
      });
    });
    const events: ClientEvent[] = [];
    const c: QuantFlowClient = await connect(`ws://127.0.0.1:${port}/`, { token: 'a-token', reconnect: false, onEvent: (e) => events.push(e) });
    cleanups.push(() => c.close());
    await until(() => events.some((e) => e.type === 'server-error'), 'the message after the unknown one');
    expect(c.connected, 'still connected').toBe(true);
    expect(c.unknownMessages, 'counted').toBe(1);
    expect(events.filter((e) => e.type === 'unknown-message')).toEqual([{ type: 'unknown-message', messageType: 'announcement' }]);
    expect(events.some((e) => e.type === 'failed')).toBe(false);
    expect(received.find((m) => m.op === 'auth'), 'it tells the server it understands tickets').toMatchObject({ op: 'auth', token: 'a-token', capabilities: ['ticket'] });
  });
});
