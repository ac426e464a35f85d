// A resume whose answer is lost with its connection, told apart from a stolen ticket, over real
// sockets on 127.0.0.1 (free ports). The server spent the ticket and bound control to the new
// connection, which then dropped before its answer arrived; the client presented the same ticket
// again and was refused as `used` ("another party holds its ticket"): the library stopped with
// `unauthorized` and the operator was told the ticket leaked. Each ticket is now presented with
// the client's `attempt` nonce for it: the same ticket and attempt again resume (`repeated`),
// while the ticket without that attempt, or after control was taken since, is still refused.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, type ClientEvent, type ControlAction } from '../engine/client/index.js';
import { signControlToken, type ControlTokenConfig } from '../engine/killswitch/index.js';
import { PushStateSource, startStateServer, type StateServer } from '../engine/server/index.js';
import { startLossyProxy } from './lossy-ws-proxy.js';
import { until } from './wait-until.js';

const TOKENS: ControlTokenConfig = { algorithm: 'HS256', secret: 'x'.repeat(40), publicKey: null, audience: 'quantflow-control' };
const PAUSE: ControlAction = { kind: 'pause-strategy', strategy: 'ema-cross', reason: 'reviewed' };
const ATTEMPT = 'aaaaaaaaaaaaaaaaaaaaaa';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<{ srv: StateServer; actions: string[] }> {
  const actions: string[] = [];
  const srv = await startStateServer({ source: new PushStateSource(), tokens: TOKENS, onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); } });
  cleanups.push(() => srv.close());
  return { srv, actions };
}

interface Reply { type: string; ok?: boolean; who?: string; resume?: string; resumed?: boolean; repeated?: boolean; ticket?: string; message?: string; id?: number }

async function raw(url: string) {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.close());
  const replies: Reply[] = [];
  ws.on('message', (data, isBinary) => { if (!isBinary) replies.push(JSON.parse(data.toString()) as Reply); });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = async (type: string): Promise<Reply> => {
    await until(() => replies.some((r) => r.type === type), `a '${type}' reply`);
    return replies.find((r) => r.type === type)!;
  };
  const close = () => new Promise<void>((resolve) => { ws.once('close', () => resolve()); ws.close(); });
  return { ws, replies, send: (message: object) => ws.send(JSON.stringify({ ...message, capabilities: ['ticket'] })), next, close };
}

describe('a resume whose answer was lost', () => {
  it('resumes again with the same ticket and attempt; without the attempt, or after control was taken since, the ticket is refused as used', async () => {
    const { srv, actions } = await server();
    const holder = await raw(srv.url);
    holder.send({ op: 'auth', token: await signControlToken('alice', TOKENS, 600) });
    const ticket = (await holder.next('ticket')).ticket!;
    await holder.close();

    const lostAnswer = await raw(srv.url);
    lostAnswer.send({ op: 'resume', ticket, attempt: ATTEMPT });
    await lostAnswer.next('auth'); // the answer this client never read: its connection dropped
    await lostAnswer.close();

    const thief = await raw(srv.url);
    thief.send({ op: 'resume', ticket });
    expect(await thief.next('auth'), 'the ticket without its attempt').toMatchObject({ ok: false, resume: 'used' });
    const guesser = await raw(srv.url);
    guesser.send({ op: 'resume', ticket, attempt: 'b'.repeat(22) });
    expect(await guesser.next('auth'), 'with another attempt').toMatchObject({ ok: false, resume: 'used' });

    const retry = await raw(srv.url);
    retry.send({ op: 'resume', ticket, attempt: ATTEMPT });
    expect(await retry.next('auth'), 'the same ticket and attempt: the client retrying').toEqual({ type: 'auth', ok: true, who: 'alice', resumed: true, repeated: true });
    const next = (await retry.next('ticket')).ticket!;
    retry.send({ op: 'control', id: 1, action: PAUSE });
    expect(await retry.next('control')).toMatchObject({ id: 1, ok: true, who: 'alice' });
    await retry.close();

    // Control taken since with the next ticket: the old ticket and attempt no longer resume.
    const later = await raw(srv.url);
    later.send({ op: 'resume', ticket: next, attempt: 'c'.repeat(22) });
    expect(await later.next('auth')).toMatchObject({ ok: true, resumed: true });
    const stale = await raw(srv.url);
    stale.send({ op: 'resume', ticket, attempt: ATTEMPT });
    expect(await stale.next('auth')).toMatchObject({ ok: false, resume: 'used', message: expect.stringMatching(/its answer was lost, but control was taken since/) });
    expect(actions).toEqual(['alice:pause-strategy']);
  });

  it('refuses a malformed attempt naming the field, the value and the rule', async () => {
    const { srv } = await server();
    const c = await raw(srv.url);
    c.send({ op: 'resume', ticket: 'qfr_x', attempt: 'short' });
    expect(await c.next('error')).toMatchObject({ code: 'malformed', message: expect.stringMatching(/`attempt` must be the client's nonce for this ticket \(16 to 128 characters .*\), was "short"/) });
  });

  it('the client library keeps control when the answer to its resume is lost with the connection, instead of failing as if the ticket leaked', async () => {
    const { srv, actions } = await server();
    const proxy = await startLossyProxy(srv.url);
    cleanups.push(() => proxy.close());
    const events: ClientEvent[] = [];
    const alice = await connect(proxy.wsUrl, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => events.push(e) });
    cleanups.push(() => alice.close());
    expect(await alice.control(PAUSE)).toMatchObject({ ok: true, who: 'alice' });
    proxy.loseNextResumeAnswer = true;
    proxy.dropClients();
    await until(() => events.some((e) => e.type === 'resume') || events.some((e) => e.type === 'failed'), 'the resume after the lost answer');
    expect(proxy.lost, 'the first resume\'s answer was lost').toBe(1);
    expect(events.filter((e) => e.type === 'resume'), 'presented again: resumed').toEqual([{ type: 'resume', ok: true, who: 'alice', repeated: true }]);
    expect(events.some((e) => e.type === 'failed'), 'no failure').toBe(false);
    expect(await alice.control({ kind: 'resume-strategy', strategy: 'ema-cross' })).toMatchObject({ ok: true, who: 'alice' });
    expect(actions).toEqual(['alice:pause-strategy', 'alice:resume-strategy']);
  });
});
