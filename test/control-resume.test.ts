// Control across reconnects, over real sockets on 127.0.0.1 (free ports): a connection whose
// control token was bound to it gets a resume ticket, and after a drop the client library (and a
// raw client) takes control back with it, with no new token, also across a server restart with a
// ticket store on disk; every action reaches the host with the token's subject. A ticket is single
// use: presented again it is refused as used, and a stolen ticket used first closes the
// legitimate connection (4009) or refuses its reconnect, loudly (ConnectionError unauthorized).
// A ticket expires after its lifetime and never outlives its token; one rotated before that stays
// good until either is used (a fake clock in the ticket store; no wall-clock waits).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_CONTROL_RESUMED_ELSEWHERE, connect, type ClientEvent, type ControlAction, type QuantFlowClient } from '../engine/client/index.js';
import { DirectoryTicketStore, DirectoryTokenLedger, ResumeTicketStore, signControlToken, type IssuedTicket, type ResumeGrant, type ResumeOutcome, type ControlTokenConfig } from '../engine/killswitch/index.js';
import { PaperControl } from '../engine/paper/index.js';
import { PushStateSource, startStateServer, type ControlResumeEvent, type StateServer, type StateServerOptions } from '../engine/server/index.js';
import { freePort } from './free-port.js';
import { until } from './wait-until.js';

const TOKENS: ControlTokenConfig = { algorithm: 'HS256', secret: 'x'.repeat(40), publicKey: null, audience: 'quantflow-control' };
const PAUSE: ControlAction = { kind: 'pause-strategy', strategy: 'ema-cross', reason: 'reviewed' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<StateServerOptions> = {}): Promise<{ srv: StateServer; actions: string[] }> {
  const actions: string[] = [];
  const srv = await startStateServer({ source: new PushStateSource(), tokens: TOKENS, onControl: (action, context) => { actions.push(`${context.who}:${action.kind}`); }, ...options });
  cleanups.push(() => srv.close());
  return { srv, actions };
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<QuantFlowClient> {
  const connected = await connect(url, options);
  cleanups.push(() => connected.close());
  return connected;
}

/** A ticket store that also tells the test every ticket it issued (as a thief who read them off the wire would know them). */
class SniffedTicketStore extends ResumeTicketStore {
  readonly issued: string[] = [];
  override issue(grant: ResumeGrant): IssuedTicket {
    const issued = super.issue(grant);
    this.issued.push(issued.ticket);
    return issued;
  }
  override rotate(jti: string): IssuedTicket | null {
    const issued = super.rotate(jti);
    if (issued) this.issued.push(issued.ticket);
    return issued;
  }
  override resume(ticket: string, attempt?: string): ResumeOutcome {
    const outcome = super.resume(ticket, attempt);
    if (outcome.ok) this.issued.push(outcome.next.ticket);
    return outcome;
  }
}

interface Reply { type: string; ok?: boolean; who?: string; code?: string; message?: string; resume?: string; resumed?: boolean; ticket?: string; expiresAt?: string; id?: number }

/** A raw WebSocket client of the current protocol (it declares the `ticket` capability on every message), keeping the server's JSON replies. */
async function raw(url: string): Promise<{ ws: WebSocket; replies: Reply[]; send: (message: object) => void; next: (type: string, after?: number) => Promise<Reply>; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.close());
  const replies: Reply[] = [];
  ws.on('message', (data, isBinary) => { if (!isBinary) replies.push(JSON.parse(data.toString()) as Reply); });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const next = async (type: string, after = 0): Promise<Reply> => {
    await until(() => replies.slice(after).some((r) => r.type === type), `a '${type}' reply`);
    return replies.slice(after).find((r) => r.type === type)!;
  };
  return { ws, replies, send: (message) => ws.send(JSON.stringify({ ...message, capabilities: ['ticket'] })), next, closed };
}

describe('control resume tickets', () => {
  it('a client that reconnects keeps control with one fixed token: the new connection resumes with its ticket, and its actions carry the subject', async () => {
    const { srv, actions } = await server();
    const events: ClientEvent[] = [];
    const alice = await client(srv.url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => events.push(e) });
    expect(await alice.control(PAUSE)).toMatchObject({ ok: true, who: 'alice' });
    for (let drop = 1; drop <= 2; drop++) {
      srv.disconnectAll('test: drop the clients');
      await until(() => events.filter((e) => e.type === 'resume').length === drop, `resume ${drop}`);
      expect(events.filter((e) => e.type === 'resume').at(-1), `reconnect ${drop}: the ticket the server rotated at the last resume serves the next one`).toEqual({ type: 'resume', ok: true, who: 'alice' });
      expect(await alice.control({ kind: 'resume-strategy', strategy: 'ema-cross' }), `control after reconnect ${drop}`).toMatchObject({ ok: true, who: 'alice' });
    }
    expect(actions).toEqual(['alice:pause-strategy', 'alice:resume-strategy', 'alice:resume-strategy']);
    expect(await srv.metrics.registry.metrics()).toMatch(/quantflow_server_control_resumes_total\{outcome="resumed"\} 2/);
  });

  it('the dashboard way (the token in each control message) works again after the resume; the token from any other connection is still a replay', async () => {
    const { srv, actions } = await server();
    const token = await signControlToken('alice', TOKENS, 600);
    const first = await raw(srv.url);
    first.send({ op: 'control', id: 1, action: PAUSE, token });
    const ticket = await first.next('ticket');
    expect(ticket, 'a ticket for the connection its token was bound to').toMatchObject({ who: 'alice', ticket: expect.stringMatching(/^qfr_/) });
    expect(await first.next('control')).toMatchObject({ id: 1, ok: true });
    first.ws.close();
    await first.closed;
    const second = await raw(srv.url);
    second.send({ op: 'resume', ticket: ticket.ticket });
    second.send({ op: 'control', id: 2, action: PAUSE, token });
    expect(await second.next('auth')).toMatchObject({ ok: true, who: 'alice', resumed: true });
    expect(await second.next('control')).toMatchObject({ id: 2, ok: true, who: 'alice' });
    const other = await raw(srv.url);
    other.send({ op: 'control', id: 3, action: PAUSE, token });
    expect(await other.next('control'), 'another connection with the same token').toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/used already/) });
    expect(actions).toEqual(['alice:pause-strategy', 'alice:pause-strategy']);
  });

  it('refuses a replayed ticket, and a thief who resumes first closes the legitimate connection (4009), whose client fails loudly', async () => {
    const tickets = new SniffedTicketStore();
    const resumes: ControlResumeEvent[] = [];
    const { srv, actions } = await server({ resumeTickets: tickets, onControlResumed: (event) => resumes.push(event) });
    const failures: ClientEvent[] = [];
    const alice = await client(srv.url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => { if (e.type === 'failed') failures.push(e); } });
    await until(() => tickets.issued.length === 1, 'alice\'s ticket');
    const stolen = tickets.issued[0];
    const mallory = await raw(srv.url);
    mallory.send({ op: 'resume', ticket: stolen });
    expect(await mallory.next('auth'), 'the thief presents it first').toMatchObject({ ok: true, who: 'alice', resumed: true });
    const error = await alice.ended;
    expect(error, 'the legitimate client stops, saying why').toMatchObject({ failure: 'unauthorized', message: expect.stringMatching(/\(4009\): control resumed by another connection with this connection's resume ticket/) });
    expect(failures, 'and tells its caller').toHaveLength(1);
    const replay = await raw(srv.url);
    replay.send({ op: 'resume', ticket: stolen });
    replay.send({ op: 'control', id: 1, action: PAUSE });
    expect(await replay.next('auth'), 'the same ticket again').toMatchObject({ ok: false, code: 'unauthorized', resume: 'used', message: expect.stringMatching(/used already, at .*another party holds its ticket/) });
    expect(await replay.next('control'), 'and the connection is read-only').toMatchObject({ ok: false, code: 'unauthorized' });
    expect(CLOSE_CONTROL_RESUMED_ELSEWHERE).toBe(4009);
    expect(resumes, 'the host is told of the takeover and of the replay').toEqual([
      { sessionId: expect.any(Number), outcome: 'resumed', who: 'alice', tookOver: expect.any(Number), why: expect.stringMatching(/still open here and now closed/) },
      { sessionId: expect.any(Number), outcome: 'refused', who: null, tookOver: null, why: expect.stringMatching(/used already/) },
    ]);
    const paperLog: string[] = [];
    const paper = new PaperControl((line) => paperLog.push(line));
    for (const event of resumes) paper.resumed(event);
    expect(paperLog, 'a paper session says both on its log').toEqual([
      `paper: control of alice resumed on connection ${resumes[0].sessionId} with its resume ticket; connection ${resumes[0].tookOver}, which held it and was still open, is closed (if its client did not reconnect, its ticket leaked)`,
      expect.stringMatching(new RegExp(`^paper: a resume ticket was refused on connection ${resumes[1].sessionId}: resume ticket refused: it was used already`)),
    ]);
    expect(actions).toEqual([]);
    expect(await srv.metrics.registry.metrics()).toMatch(/quantflow_server_control_resumes_total\{outcome="used"\} 1/);
  });

  it('a client whose ticket a thief used while it was away fails its reconnect loudly instead of carrying on read-only', async () => {
    const tickets = new SniffedTicketStore();
    const { srv } = await server({ resumeTickets: tickets });
    // The client reaches the server through a relay that, after the drop, holds the reconnect until the thief is done.
    let release!: () => void;
    let held: Promise<void> = Promise.resolve();
    const relay = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise<void>((resolve) => { for (const c of relay.clients) c.terminate(); relay.close(() => resolve()); }));
    await new Promise((resolve) => relay.once('listening', resolve));
    relay.on('connection', (downstream) => {
      const queued: WebSocket.RawData[] = [];
      let upstream: WebSocket | null = null;
      downstream.on('message', (data) => (upstream?.readyState === WebSocket.OPEN ? upstream.send(data.toString()) : queued.push(data)));
      downstream.on('close', () => upstream?.close());
      void held.then(() => {
        upstream = new WebSocket(srv.url);
        upstream.on('open', () => { for (const data of queued.splice(0)) upstream!.send(data.toString()); });
        upstream.on('message', (data, isBinary) => downstream.send(data, { binary: isBinary }));
        upstream.on('close', (code, reason) => downstream.close(code === 1005 ? 1000 : code, reason));
      });
    });
    const url = `ws://127.0.0.1:${(relay.address() as { port: number }).port}/`;
    const events: ClientEvent[] = [];
    const alice = await client(url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => events.push(e) });
    await until(() => tickets.issued.length === 1, 'alice\'s ticket');
    held = new Promise((resolve) => { release = resolve; });
    srv.disconnectAll('test: drop the clients');
    await until(() => events.some((e) => e.type === 'open' && e.reconnected), 'the client reconnecting to the relay');
    const mallory = await raw(srv.url);
    mallory.send({ op: 'resume', ticket: tickets.issued[0] });
    expect(await mallory.next('auth')).toMatchObject({ ok: true, resumed: true });
    release();
    expect(await alice.ended, 'the reconnect is refused and the client stops').toMatchObject({ failure: 'unauthorized', message: expect.stringMatching(/refused this client's resume ticket after a reconnect: resume ticket refused: it was used already/) });
    expect(events.find((e) => e.type === 'resume'), 'the resume event says why').toMatchObject({ ok: false, reason: 'used' });
  });

  it('honours expiry: a ticket past its lifetime or past its token\'s exp is refused; a rotated one replaces it before, the previous one good until either is used', async () => {
    let nowMs = Date.now();
    const tickets = new ResumeTicketStore({ ttlSeconds: 60, now: () => nowMs });
    const { srv } = await server({ resumeTickets: tickets });
    const holder = await raw(srv.url);
    holder.send({ op: 'auth', token: await signControlToken('alice', TOKENS, 600) });
    const first = await holder.next('ticket');
    expect(Date.parse(first.expiresAt!) - nowMs, 'a ticket lives ttlSeconds').toBeCloseTo(60_000, -2);
    nowMs += 61_000;
    const late = await raw(srv.url);
    late.send({ op: 'resume', ticket: first.ticket });
    expect(await late.next('auth'), 'past its lifetime').toMatchObject({ ok: false, resume: 'expired', message: expect.stringMatching(/it expired at .* \(a ticket lives 60 s/) });

    nowMs = Date.now(); // a token's exp is on the real clock
    const shortToken = await signControlToken('bob', TOKENS, 30);
    const bob = await raw(srv.url);
    bob.send({ op: 'auth', token: shortToken });
    const bobTicket = await bob.next('ticket');
    expect(Date.parse(bobTicket.expiresAt!) - nowMs, 'never past its token\'s exp').toBeLessThanOrEqual(30_000);
    nowMs += 31_000;
    const afterToken = await raw(srv.url);
    afterToken.send({ op: 'resume', ticket: bobTicket.ticket });
    expect(await afterToken.next('auth'), 'past the token\'s exp').toMatchObject({ ok: false, resume: 'expired', message: expect.stringMatching(/the control token it resumes \(subject "bob"\) expired/) });

    // Rotation: once half the lifetime has passed, the server sends the connection a new ticket.
    nowMs = Date.now();
    const carol = await raw(srv.url);
    carol.send({ op: 'auth', token: await signControlToken('carol', TOKENS, 600) });
    const before = await carol.next('ticket');
    const seen = carol.replies.length;
    nowMs += 31_000;
    const rotated = await carol.next('ticket', seen);
    expect(rotated.ticket).not.toBe(before.ticket);
    carol.ws.close();
    await carol.closed;
    const back = await raw(srv.url);
    back.send({ op: 'resume', ticket: before.ticket });
    expect(await back.next('auth'), 'the previous ticket (the rotation may have been lost with the connection)').toMatchObject({ ok: true, who: 'carol', resumed: true });
    const again = await raw(srv.url);
    again.send({ op: 'resume', ticket: rotated.ticket });
    expect(await again.next('auth'), 'the newer one is spent with it').toMatchObject({ ok: false, resume: 'superseded' });
  });

  it('keeps a ticket across a server restart with its store on disk, and a spent one stays spent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-resume-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const start = () => server({ port, usedTokens: DirectoryTokenLedger.open(join(dir, 'used')), resumeTickets: DirectoryTicketStore.open(join(dir, 'tickets')) });
    const first = await start();
    const events: ClientEvent[] = [];
    const alice = await client(first.srv.url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, onEvent: (e) => events.push(e) });
    const holder = await raw(first.srv.url);
    holder.send({ op: 'auth', token: await signControlToken('dave', TOKENS, 600) });
    const daveTicket = (await holder.next('ticket')).ticket!;
    holder.send({ op: 'resume', ticket: daveTicket });
    expect(await holder.next('auth', 2), 'spent by its own connection').toMatchObject({ ok: true, resumed: true });
    await first.srv.close();
    await until(() => events.some((e) => e.type === 'reconnecting'), 'the client reconnecting');
    const second = await start();
    await until(() => events.some((e) => e.type === 'resume'), 'the resume on the restarted server');
    expect(events.find((e) => e.type === 'resume')).toEqual({ type: 'resume', ok: true, who: 'alice' });
    expect(await alice.control(PAUSE)).toMatchObject({ ok: true, who: 'alice' });
    expect(second.actions).toEqual(['alice:pause-strategy']);
    const replay = await raw(second.srv.url);
    replay.send({ op: 'resume', ticket: daveTicket });
    expect(await replay.next('auth'), 'a ticket spent before the restart').toMatchObject({ ok: false, resume: 'used' });
  });

  it('a fixed-token client whose server restarted without a ticket store on disk (the ticket unknown) is judged by its token again', async () => {
    const port = await freePort();
    const first = await server({ port });
    const events: ClientEvent[] = [];
    const alice = await client(first.srv.url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, onEvent: (e) => events.push(e) });
    await first.srv.close();
    await until(() => events.some((e) => e.type === 'reconnecting'), 'the client reconnecting');
    const second = await server({ port });
    await until(() => events.filter((e) => e.type === 'auth').length === 2 || events.some((e) => e.type === 'failed'), 'the resume, then the auth');
    expect(events.find((e) => e.type === 'resume'), 'the restarted server forgot the ticket').toMatchObject({ ok: false, reason: 'unknown' });
    expect(events.filter((e) => e.type === 'auth').at(-1), 'and, its ledger in memory, takes the token').toEqual({ type: 'auth', ok: true, who: 'alice' });
    expect(await alice.control(PAUSE)).toMatchObject({ ok: true, who: 'alice' });
    expect(second.actions).toEqual(['alice:pause-strategy']);
  });

  it('keeps control, the process and the other connections when the ticket store cannot write (a full disk): the client is told it cannot resume', async () => {
    let nowMs = Date.now();
    let failing = true;
    class FullDiskStore extends ResumeTicketStore {
      constructor() { super({ ttlSeconds: 60, now: () => nowMs }); }
      override issue(grant: ResumeGrant): IssuedTicket {
        if (failing) throw new Error("ENOSPC: no space left on device, open 'control-resume-tickets/x.json'");
        return super.issue(grant);
      }
      override rotate(jti: string): IssuedTicket | null {
        if (failing) throw new Error('ENOSPC: no space left on device');
        return super.rotate(jti);
      }
    }
    const { srv, actions } = await server({ resumeTickets: new FullDiskStore() });
    const alice = await raw(srv.url);
    alice.send({ op: 'auth', token: await signControlToken('alice', TOKENS, 600) });
    alice.send({ op: 'control', id: 1, action: PAUSE });
    expect(await alice.next('auth')).toMatchObject({ ok: true, who: 'alice' });
    expect(await alice.next('error'), 'told it cannot resume').toMatchObject({ code: 'internal', message: expect.stringMatching(/^no resume ticket could be kept .*ENOSPC.*after a reconnect it needs a new control token/) });
    expect(await alice.next('control'), 'control itself stands').toMatchObject({ id: 1, ok: true, who: 'alice' });
    // A connection that got its ticket while the disk had room, whose rotation then fails.
    failing = false;
    const bob = await raw(srv.url);
    bob.send({ op: 'auth', token: await signControlToken('bob', TOKENS, 600) });
    await bob.next('ticket');
    failing = true;
    const seen = bob.replies.length;
    nowMs += 31_000;
    expect(await bob.next('error', seen), 'the failed rotation is said, once').toMatchObject({ code: 'internal', message: expect.stringMatching(/ENOSPC/) });
    bob.send({ op: 'control', id: 2, action: PAUSE });
    expect(await bob.next('control', seen)).toMatchObject({ id: 2, ok: true, who: 'bob' });
    expect(bob.replies.slice(seen).filter((r) => r.type === 'error'), 'not repeated every second').toHaveLength(1);
    expect(actions).toEqual(['alice:pause-strategy', 'bob:pause-strategy']);
  });

  it('answers a resume the ticket store could not record (a full disk) as failed, so the client is not left waiting, and keeps the process', async () => {
    let failing = false;
    class FullDiskStore extends ResumeTicketStore {
      override resume(ticket: string, attempt?: string): ResumeOutcome {
        if (failing) throw new Error('ENOSPC: no space left on device');
        return super.resume(ticket, attempt);
      }
    }
    const { srv } = await server({ resumeTickets: new FullDiskStore() });
    const events: ClientEvent[] = [];
    const alice = await client(srv.url, { token: await signControlToken('alice', TOKENS, 600), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => events.push(e) });
    failing = true;
    srv.disconnectAll('test: drop the clients');
    await until(() => events.some((e) => e.type === 'resume'), 'the answer to the resume');
    expect(events.find((e) => e.type === 'resume')).toMatchObject({ ok: false, message: expect.stringMatching(/^the resume could not be recorded \(ENOSPC/) });
    expect(await alice.control(PAUSE), 'read-only, answered at once').toMatchObject({ ok: false, code: 'unauthorized' });
  });

  it('refuses a malformed resume naming the field, and a resume on a server without control as disabled', async () => {
    const { srv } = await server();
    const c = await raw(srv.url);
    c.send({ op: 'resume', ticket: 42 });
    expect(await c.next('error')).toMatchObject({ code: 'malformed', message: expect.stringMatching(/^`ticket` must be a resume ticket from a `ticket` reply \(1 to 128 characters\), was 42/) });
    const plain = await startStateServer({ source: new PushStateSource() });
    cleanups.push(() => plain.close());
    const d = await raw(plain.url);
    d.send({ op: 'resume', ticket: 'qfr_x' });
    expect(await d.next('auth')).toMatchObject({ ok: false, code: 'disabled' });
  });
});
