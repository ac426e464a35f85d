// The state server and the client library over real sockets on 127.0.0.1 (free ports):
// Snapshot then consecutive Deltas decoded into typed objects, coalescing and the hard limit for
// a client that stops reading (a raw socket doing the WebSocket handshake by hand) while a fast
// client gets every frame, malformed messages, signed control, reconnect with fill backfill,
// and /health and /metrics over HTTP.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_MESSAGE_TOO_BIG, ConnectionError, connect, decodeFrame, type ClientEvent, type ControlAction, type FillViewData, type QuantFlowClient, type StateView, type TopicUpdate } from '../engine/client/index.js';
import { PushStateSource, dashboardMounts, startStateServer, type ControlContext, type StateServer, type StateServerOptions } from '../engine/server/index.js';
import { DirectoryTokenLedger, signControlToken, type ControlTokenConfig } from '../engine/killswitch/index.js';
import { freePort } from './free-port.js';
import { fileURLToPath } from 'node:url';
import { until } from './wait-until.js';

const TOKENS: ControlTokenConfig = { algorithm: 'HS256', secret: 'x'.repeat(40), publicKey: null, audience: 'quantflow-control' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<StateServerOptions> & { source: PushStateSource }): Promise<StateServer> {
  const started = await startStateServer(options);
  cleanups.push(() => started.close());
  return started;
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<QuantFlowClient> {
  const connected = await connect(url, options);
  cleanups.push(() => connected.close());
  return connected;
}

function state(equity: number, positions = 1): StateView {
  return {
    mode: 'paper', equity, cash: equity / 2, equityHighWaterMark: equity, realizedPnl: 1.5, unrealizedPnl: -0.5,
    positions: Array.from({ length: positions }, (_, i) => ({
      instrumentId: i, symbol: `SYM${i}`, quantity: i % 2 === 0 ? 1.25 : -2, averagePrice: 100 + i, markPrice: 101 + i, unrealizedPnl: 1, realizedPnl: 2,
    })),
  };
}

function fill(n: number): FillViewData {
  return {
    orderId: BigInt(n), clientOrderId: String(n), venueOrderId: `v${n}`, tradeId: `t${n}`, instrumentId: 0, side: n % 2 ? 'buy' : 'sell', price: 100 + n,
    quantity: 1, fee: 0.01, feeCurrency: 'USDT', liquidity: 'taker', timeNs: BigInt(n) * 1_000_000n, rule: '',
  };
}

/** A raw WebSocket client on a net socket: handshake by hand, then it reads only when told to. */
async function rawClient(port: number, firstMessage: string): Promise<{ socket: net.Socket; received: () => number; frames: TopicUpdate[]; closed: Promise<{ code: number; reason: string }> }> {
  const frames: TopicUpdate[] = [];
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const key = randomBytes(16).toString('base64');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let onUpgraded!: () => void;
  const upgradedPromise = new Promise<void>((resolve) => { onUpgraded = resolve; });
  let bytes = 0;
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => { resolveClosed = resolve; });
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      expect(buffer.subarray(0, 12).toString(), 'the server upgrades the raw socket').toBe('HTTP/1.1 101');
      upgraded = true;
      buffer = buffer.subarray(end + 4);
      onUpgraded();
    }
    // Parse frames only to find the close frame (opcode 8); payload lengths up to 64 bits.
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0] & 0x0f;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) { if (buffer.length < 4) return; length = buffer.readUInt16BE(2); offset = 4; }
      else if (length === 127) { if (buffer.length < 10) return; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
      if (buffer.length < offset + length) return;
      if (opcode === 2) frames.push(decodeFrame(new Uint8Array(buffer.subarray(offset, offset + length))));
      if (opcode === 8) resolveClosed({ code: buffer.readUInt16BE(offset), reason: buffer.subarray(offset + 2, offset + length).toString('utf8') });
      buffer = buffer.subarray(offset + length);
    }
  });
  socket.on('close', () => resolveClosed({ code: -1, reason: 'socket closed without a close frame' }));
  await upgradedPromise;
  // A masked text frame (clients must mask), once upgraded.
  const payload = Buffer.from(firstMessage);
  const mask = randomBytes(4);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  socket.write(Buffer.concat([header, mask, masked]));
  const handshakeBytes = bytes;
  return { socket, received: () => bytes - handshakeBytes, frames, closed };
}

describe('state server: subscribe', () => {
  it('sends a Snapshot then Deltas with consecutive sequences, decoded into typed objects', async () => {
    const source = new PushStateSource();
    source.publish('state', state(1000));
    const srv = await server({ source });
    expect(srv.host, 'binds loopback by default').toBe('127.0.0.1');
    expect(srv.port, 'port 0 picks a free port').toBeGreaterThan(0);
    const c = await client(srv.url);
    const updates: TopicUpdate<'state'>[] = [];
    c.subscribe('state', (u) => updates.push(u));
    await until(() => updates.length === 1, 'the snapshot');
    for (let i = 1; i <= 20; i++) source.publish('state', state(1000 + i, 3));
    await until(() => updates.length === 21, '20 deltas');
    expect(updates[0].kind, 'the first frame is a Snapshot').toBe('snapshot');
    expect(updates[0].payload, 'decoded into the typed state').toEqual(state(1000));
    expect(updates.slice(1).every((u) => u.kind === 'delta'), 'then deltas').toBe(true);
    expect(updates.map((u) => u.sequence), 'consecutive sequences from the snapshot on').toEqual(updates.map((_, i) => updates[0].sequence + BigInt(i)));
    expect(updates[20].payload.positions[1], 'positions decode with their fields').toEqual(state(0, 3).positions[1]);
    expect(updates[20].payload.equity).toBe(1020);
  });

  it('sends the first delta as the Snapshot of a topic that had nothing yet', async () => {
    const source = new PushStateSource();
    const srv = await server({ source });
    const c = await client(srv.url);
    const updates: TopicUpdate<'risk'>[] = [];
    c.subscribe('risk', (u) => updates.push(u));
    await sleep(50);
    const risk = { killSwitchTripped: true, killSwitchReason: 'drawdown', drawdown: 0.2, maxDrawdown: 0.25, grossExposure: 1, netExposure: -1, maxGrossExposure: 2, uncertainOrders: 1, deniedOrders: 7n, pausedStrategies: ['ema-cross'] };
    source.publish('risk', risk);
    source.publish('risk', { ...risk, drawdown: 0.1 });
    await until(() => updates.length === 2, 'two frames');
    expect(updates.map((u) => [u.kind, u.sequence]), 'snapshot first, then the next sequence').toEqual([['snapshot', 1n], ['delta', 2n]]);
    expect(updates[0].payload).toEqual(risk);
  });
});

describe('state server: slow clients', () => {
  it('coalesces to the latest frame per topic for a client that stops reading, while a fast client gets every frame', async () => {
    const source = new PushStateSource();
    source.publish('state', state(0));
    const srv = await server({ source, softLimitBytes: 256 * 1024, hardLimitBytes: 64 * 1024 * 1024, stallLimitMs: 60_000 });
    const fast = await client(srv.url);
    const fastSeen: bigint[] = [];
    fast.subscribe('state', (u) => fastSeen.push(u.sequence));
    await until(() => fastSeen.length === 1, 'the fast snapshot');
    const slow = await rawClient(srv.port, JSON.stringify({ op: 'subscribe', topic: 'state' }));
    await until(() => slow.received() > 0, 'the slow snapshot');
    slow.socket.pause();
    const coalesced = () => srv.metrics.framesCoalesced.get().then((m) => m.values.find((v) => v.labels.topic === 'state')?.value ?? 0);
    let published = 0;
    for (let i = 0; i < 4000 && (await coalesced()) < 50; i++) {
      source.publish('state', state(i + 1, 400));
      published += 1;
      if (i % 4 === 0) await sleep(1);
    }
    expect(await coalesced(), 'the slow client had frames coalesced').toBeGreaterThanOrEqual(50);
    await until(() => fastSeen.length === published + 1, `the fast client's ${published} deltas`, 30_000);
    expect(fastSeen, 'the fast client got every frame, in sequence').toEqual(fastSeen.map((_, i) => fastSeen[0] + BigInt(i)));
    expect(srv.clientCount(), 'the slow client is still connected below the hard limit').toBe(2);
    const last = fastSeen[fastSeen.length - 1];
    slow.socket.resume();
    await until(() => slow.frames.length > 0 && slow.frames[slow.frames.length - 1].sequence === last, 'the slow client catching up to the latest frame', 30_000);
    const slowSequences = slow.frames.map((f) => f.sequence);
    expect(slowSequences.length, `the slow client got fewer frames (${slowSequences.length}) than were published (${published + 1})`).toBeLessThan(published + 1);
    expect(slowSequences.every((s, i) => i === 0 || s > slowSequences[i - 1]), 'in increasing order, with gaps where frames were coalesced').toBe(true);
    expect((slow.frames[slow.frames.length - 1].payload as StateView).equity, 'the last frame holds the latest state').toBe(published);
  });

  it('disconnects a client past the hard limit with the reason', async () => {
    const source = new PushStateSource();
    source.publish('state', state(0));
    // Which limit drops it depends on how much of a frame the kernel took when the client stopped
    // reading: a frame left partly written above the hard limit drops it at once; one left between
    // the soft and the hard limit makes the session coalesce (nothing more is written), and the
    // stall limit drops it. Either way it is closed with 4008 and the limit that did it.
    const srv = await server({ source, softLimitBytes: 64 * 1024, hardLimitBytes: 256 * 1024, stallLimitMs: 1_000 });
    const slow = await rawClient(srv.port, JSON.stringify({ op: 'subscribe', topic: 'state' }));
    await until(() => slow.received() > 0, 'the slow snapshot');
    slow.socket.pause();
    let closed = false;
    void slow.closed.then(() => { closed = true; });
    for (let i = 0; i < 4000 && srv.clientCount() > 0; i++) {
      source.publish('state', state(i, 4000)); // ~300 KB frames
      await sleep(2);
    }
    expect(srv.clientCount(), 'the slow client was dropped').toBe(0);
    slow.socket.resume();
    await until(() => closed, 'the close frame');
    const reason = await slow.closed;
    expect(reason.code, 'close code 4008 (slow consumer)').toBe(4008);
    expect(reason.reason).toMatch(/slow consumer: (\d+ bytes buffered, above the hard limit of 262144|above the soft limit of 65536 bytes for \d+ ms \(limit 1000 ms\))/);
    const metrics = await srv.metrics.registry.metrics();
    expect(metrics).toMatch(/quantflow_server_slow_client_disconnects_total 1/);
  });
});

describe('state server: malformed messages and control', () => {
  it('answers a malformed message with an error frame, counts it and keeps the connection', async () => {
    const source = new PushStateSource();
    source.publish('state', state(5));
    const srv = await server({ source });
    const raw = new WebSocket(srv.url);
    cleanups.push(() => raw.close());
    await new Promise((resolve) => raw.once('open', resolve));
    const replies: unknown[] = [];
    raw.on('message', (data, isBinary) => { if (!isBinary) replies.push(JSON.parse(data.toString())); });
    raw.send('{not json');
    raw.send(JSON.stringify({ op: 'subscribe', topic: 'weather' }));
    raw.send(Buffer.from([1, 2, 3]));
    raw.send(JSON.stringify({ op: 'control', id: 1, action: { kind: 'mode-change', mode: 'turbo' } }));
    await until(() => replies.length === 5, 'four error replies and the control reply');
    expect(replies.map((r) => (r as { type: string; code: string }).type + ':' + (r as { code: string }).code)).toEqual(['error:malformed', 'error:unknown-topic', 'error:malformed', 'error:malformed', 'control:refused']);
    expect((replies[1] as { message: string }).message).toMatch(/`topic` must be one of state, orders, .* was "weather"/);
    expect((replies[3] as { message: string }).message).toMatch(/`action.mode` must be one of backtest, paper, live, was "turbo"/);
    expect(replies[4], 'the malformed control message\'s id is answered, so a client waiting on it does not wait forever').toMatchObject({ id: 1, ok: false });
    raw.send(`{"op":"subscribe","topic":"${'x'.repeat(100_000)}"}`);
    await until(() => replies.length === 6, 'the reply to a 100 KB message');
    expect((replies[5] as { message: string }).message).toMatch(/a message must be at most 16384 characters, was 100029/);
    raw.send(JSON.stringify({ op: 'subscribe', topic: 'state' }));
    await until(() => replies.some((r) => (r as { type: string }).type === 'subscribed'), 'the connection still works');
    expect(raw.readyState, 'still open').toBe(WebSocket.OPEN);
    const metrics = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
    expect(metrics).toMatch(/quantflow_server_malformed_messages_total 5/);
  });

  it('closes a connection whose message is over 1 MiB with 1009 and the reason (not 1006), and counts it', async () => {
    const srv = await server({ source: new PushStateSource() });
    const raw = new WebSocket(srv.url);
    cleanups.push(() => raw.terminate());
    await new Promise((resolve) => raw.once('open', resolve));
    raw.on('error', () => {});
    const closed = new Promise<{ code: number; reason: string }>((resolve) => raw.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    raw.send(`{"op":"auth","token":"${'x'.repeat(2 << 20)}"}`);
    expect(await closed).toEqual({ code: CLOSE_MESSAGE_TOO_BIG, reason: `a message must be at most 1048576 bytes, was ${(2 << 20) + 24}` });
    const metrics = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
    expect(metrics).toMatch(/quantflow_server_malformed_messages_total 1/);
  });

  it('refuses control without a token or with a bad or expired one, and hands a signed action to the host with its subject', async () => {
    const source = new PushStateSource();
    const actions: [ControlAction, ControlContext][] = [];
    const srv = await server({ source, tokens: TOKENS, onControl: (action, context) => { actions.push([action, context]); } });
    const reset: ControlAction = { kind: 'kill-switch-reset', reason: 'drawdown reviewed' };
    const readOnly = await client(srv.url);
    const refused = await readOnly.control(reset);
    expect(refused, 'no token: read-only').toMatchObject({ ok: false, code: 'unauthorized' });
    expect(refused.ok ? '' : refused.message).toMatch(/read-only/);
    const empty = await readOnly.control(reset, '');
    expect(empty.ok ? '' : empty.message, 'an empty token: no CLI flags named over the WebSocket').toBe('a signed control token is required, was empty (an operator signs one with `quantflow killswitch token`)');
    const forged = await readOnly.control(reset, await signControlToken('mallory', { ...TOKENS, secret: 'y'.repeat(40) }));
    expect(forged, 'a token signed with another secret').toMatchObject({ ok: false, code: 'unauthorized' });
    const expiredToken = await signControlToken('alice', TOKENS, 1);
    await sleep(2100);
    const expired = await readOnly.control(reset, expiredToken);
    expect(expired.ok ? '' : expired.message, 'an expired token').toMatch(/expired/);
    expect(actions, 'nothing reached the host').toEqual([]);

    const token = await signControlToken('alice', TOKENS, 60);
    const operator = await client(srv.url, { token });
    const accepted = await operator.control(reset);
    expect(accepted).toEqual({ ok: true, who: 'alice', action: reset });
    expect((await operator.control({ kind: 'pause-strategy', strategy: 'ema-cross' })).ok).toBe(true);
    expect(await readOnly.control({ kind: 'mode-change', mode: 'paper' }, token), 'the operator connection\'s token from another connection: a replay').toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/used already/) });
    expect((await readOnly.control({ kind: 'mode-change', mode: 'paper' }, await signControlToken('alice', TOKENS, 60))).ok, 'a token of its own in the message works on any connection').toBe(true);
    expect(actions.map(([action, context]) => [action.kind, context.who])).toEqual([['kill-switch-reset', 'alice'], ['pause-strategy', 'alice'], ['mode-change', 'alice']]);
    const metrics = await srv.metrics.registry.metrics();
    expect(metrics).toMatch(/quantflow_server_control_actions_total\{action="kill-switch-reset",outcome="refused"\} 4/);
    expect(metrics).toMatch(/quantflow_server_control_actions_total\{action="kill-switch-reset",outcome="accepted"\} 1/);
  });

  it('handles an auth and the control sent right behind it in order, and a failed re-auth leaves the connection read-only', async () => {
    const source = new PushStateSource();
    const actions: ControlContext[] = [];
    const srv = await server({ source, tokens: TOKENS, onControl: (_action, context) => { actions.push(context); } });
    const raw = new WebSocket(srv.url);
    cleanups.push(() => raw.close());
    await new Promise((resolve) => raw.once('open', resolve));
    const replies: { type: string; ok?: boolean; id?: number; code?: string }[] = [];
    const tickets: string[] = [];
    raw.on('message', (data, isBinary) => {
      if (isBinary) return;
      const reply = JSON.parse(data.toString());
      // The resume ticket the accepted auth earns (test/control-resume.test.ts) is counted apart.
      if (reply.type === 'ticket') tickets.push(reply.ticket);
      else replies.push(reply);
    });
    const good = await signControlToken('alice', TOKENS, 60);
    const reset = { kind: 'kill-switch-reset', reason: 'reviewed' };
    // One write: auth, then control at once (the auth's token check is asynchronous).
    raw.send(JSON.stringify({ op: 'auth', token: good, capabilities: ['ticket'] }));
    raw.send(JSON.stringify({ op: 'control', id: 1, action: reset }));
    await until(() => replies.length === 2, 'the auth and the control replies');
    expect(replies.map((r) => [r.type, r.ok])).toEqual([['auth', true], ['control', true]]);
    raw.send(JSON.stringify({ op: 'auth', token: await signControlToken('mallory', { ...TOKENS, secret: 'y'.repeat(40) }) }));
    raw.send(JSON.stringify({ op: 'control', id: 2, action: reset }));
    await until(() => replies.length === 4, 'the failed auth and the control replies');
    expect(replies.slice(2).map((r) => [r.type, r.ok, r.code])).toEqual([['auth', false, 'unauthorized'], ['control', false, 'unauthorized']]);
    expect(tickets, 'one resume ticket, for the accepted auth').toHaveLength(1);
    expect(actions.map((a) => a.who)).toEqual(['alice']);
  });

  it('refuses a captured token replayed from another connection, also after the server restarted (its jti is remembered on disk)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/qf-used-tokens-`);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const actions: string[] = [];
    const start = () => server({ source: new PushStateSource(), tokens: TOKENS, onControl: (a, ctx) => { actions.push(`${ctx.who}:${a.kind}`); }, usedTokens: DirectoryTokenLedger.open(dir) });
    const token = await signControlToken('alice', TOKENS, 60);
    const first = await start();
    const alice = await client(first.url, { token, reconnect: false });
    const pause = { kind: 'pause-strategy', strategy: 's', reason: 'r' } as const;
    expect(await alice.control(pause), 'the connection that presented it first').toMatchObject({ ok: true });
    expect(await alice.control(pause), 'and again on that connection').toMatchObject({ ok: true });
    const mallory = await client(first.url, { reconnect: false });
    expect(await mallory.control(pause, token), 'the same token from another connection').toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/used already/) });
    await first.close();
    const second = await start();
    const replay = await client(second.url, { reconnect: false });
    expect(await replay.control(pause, token), 'replayed after a restart').toMatchObject({ ok: false, code: 'unauthorized', message: expect.stringMatching(/used already/) });
    const fresh = await client(second.url, { reconnect: false });
    expect(await fresh.control(pause, await signControlToken('alice', TOKENS, 60)), 'a new token').toMatchObject({ ok: true });
    expect(actions).toEqual(['alice:pause-strategy', 'alice:pause-strategy', 'alice:pause-strategy']);
  });

  it('a client that reconnects keeps control, with a token function or one fixed token (its resume ticket), and control() waits for the new connection\'s answer', async () => {
    const srv = await server({ source: new PushStateSource(), tokens: TOKENS, onControl: () => undefined });
    const events: ClientEvent[] = [];
    let atReopen: Promise<Awaited<ReturnType<QuantFlowClient['control']>>> | null = null;
    const holder: { client: QuantFlowClient | null } = { client: null };
    const signer = await client(srv.url, {
      token: () => signControlToken('alice', TOKENS, 60), reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
      onEvent: (e) => {
        events.push(e);
        // Sent the moment the new connection opens, before its auth is even sent.
        if (e.type === 'open' && e.reconnected) atReopen = holder.client!.control({ kind: 'pause-strategy', strategy: 's' });
      },
    });
    holder.client = signer;
    const fixedEvents: ClientEvent[] = [];
    const fixed = await client(srv.url, { token: await signControlToken('bob', TOKENS, 60), reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, onEvent: (e) => fixedEvents.push(e) });
    srv.disconnectAll('test: drop the clients');
    await until(() => atReopen !== null, 'the reconnect');
    expect(await atReopen, 'control() waits for the new connection\'s resume instead of sending the old connection\'s token').toMatchObject({ ok: true, who: 'alice' });
    await until(() => fixedEvents.some((e) => e.type === 'resume'), 'the fixed-token client resuming');
    expect(await fixed.control({ kind: 'pause-strategy', strategy: 's' }), 'one fixed token: the resume ticket keeps control').toMatchObject({ ok: true, who: 'bob' });
    expect(fixedEvents.filter((e) => e.type === 'failed')).toEqual([]);
  });

  it('reports a host failure of a control action as failed', async () => {
    const source = new PushStateSource();
    const srv = await server({ source, tokens: TOKENS, onControl: () => { throw new Error('no such strategy'); } });
    const c = await client(srv.url, { token: await signControlToken('bob', TOKENS, 60) });
    expect(await c.control({ kind: 'resume-strategy', strategy: 'nope' })).toEqual({ ok: false, code: 'failed', message: 'the host refused resume-strategy: no such strategy' });
  });

  it('answers the id of a control action whose refusal the host could not record (its control log failed) as failed, so the client is not left waiting', async () => {
    const srv = await server({
      source: new PushStateSource(), tokens: TOKENS, onControl: () => undefined,
      onControlRefused: () => { throw new Error("ENOTDIR: not a directory, mkdir '/state'"); },
    });
    const events: ClientEvent[] = [];
    const c = await client(srv.url, { reconnect: false, onEvent: (e) => events.push(e) });
    let result: Awaited<ReturnType<QuantFlowClient['control']>> | null = null;
    void c.control({ kind: 'kill-switch-reset', reason: 'no token' }).then((r) => { result = r; });
    // Without an answer to the id, only an internal error frame comes back.
    await until(() => result !== null || events.some((e) => e.type === 'server-error'), 'the answer to the control action');
    expect(result, 'the control action is answered').toMatchObject({ ok: false, code: 'failed' });
    expect((result as { message?: string } | null)?.message).toMatch(/kill-switch-reset could not be judged: ENOTDIR/);
  });
});

describe('state server: reconnect', () => {
  it('reconnects after a server-side close, re-subscribes with since and misses no fill', async () => {
    const source = new PushStateSource();
    const srv = await server({ source, fillBacklog: 1000 });
    const events: ClientEvent[] = [];
    const c = await client(srv.url, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, onEvent: (e) => events.push(e) });
    const seen: string[] = [];
    c.subscribe('fills', (u) => { for (const f of u.payload.fills) seen.push(f.tradeId); });
    await until(() => c.lastSequence('fills') !== null, 'the fills snapshot');
    let n = 0;
    for (let i = 0; i < 10; i++) source.publish('fills', { fills: [fill(++n), fill(++n)] });
    await until(() => seen.length === 20, 'the first 20 fills');
    srv.disconnectAll('test: drop the clients');
    for (let i = 0; i < 15; i++) source.publish('fills', { fills: [fill(++n)] }); // while the client is away
    await until(() => events.some((e) => e.type === 'open' && e.reconnected), 'the reconnect');
    for (let i = 0; i < 5; i++) source.publish('fills', { fills: [fill(++n)] });
    await until(() => seen.length >= n, `all ${n} fills`);
    expect(seen, 'every fill exactly once, in order').toEqual(Array.from({ length: n }, (_, i) => `t${i + 1}`));
    expect(events.find((e) => e.type === 'subscribed' && e.backfill !== 'none'), 'the resubscribe was backfilled completely').toMatchObject({ backfill: 'complete' });
    expect(c.lastSequence('fills')).toBe(30n);
  });

  it('after the server restarted (its sequences counted again), gets the new server\'s every fill, not only those past the old sequence', async () => {
    const port = await freePort();
    const first = new PushStateSource();
    const before = await startStateServer({ source: first, port });
    cleanups.push(() => before.close());
    const events: ClientEvent[] = [];
    const c = await client(before.url, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, onEvent: (e) => events.push(e) });
    const seen: string[] = [];
    c.subscribe('fills', (u) => { for (const f of u.payload.fills) seen.push(f.tradeId); });
    await until(() => c.lastSequence('fills') !== null, 'the fills snapshot');
    for (let i = 1; i <= 3; i++) first.publish('fills', { fills: [fill(i)] });
    await until(() => seen.length === 3, 'the first server\'s 3 fills');
    await before.close();
    await until(() => events.some((e) => e.type === 'close'), 'the client sees the first server go');
    const second = new PushStateSource();
    const after = await server({ source: second, port });
    // Published before the client is back: sequences 1..5 of the new server, past the old one's 3.
    for (let i = 101; i <= 105; i++) second.publish('fills', { fills: [fill(i)] });
    await until(() => events.filter((e) => e.type === 'subscribed').length === 2 && c.lastSequence('fills') === 5n, 'the new server\'s fills Snapshot');
    expect(seen, 'every fill of both servers, none skipped').toEqual(['t1', 't2', 't3', 't101', 't102', 't103', 't104', 't105']);
    expect(after.epoch).not.toBe(before.epoch);
    expect(events.filter((e) => e.type === 'subscribed').map((e) => (e as { backfill: string }).backfill), 'the old sequence is not the new server\'s: partial').toEqual(['none', 'partial']);
  });

  it('backfills a gap from coalescing on fills by re-subscribing with since', async () => {
    // The gap path is the same as reconnect: simulated here by a client that missed frames.
    const source = new PushStateSource();
    const srv = await server({ source });
    for (let i = 1; i <= 3; i++) source.publish('fills', { fills: [fill(i)] });
    const raw = new WebSocket(srv.url);
    cleanups.push(() => raw.close());
    await new Promise((resolve) => raw.once('open', resolve));
    const replies: { type: string; backfill?: string }[] = [];
    raw.on('message', (data, isBinary) => { if (!isBinary) replies.push(JSON.parse(data.toString())); });
    raw.send(JSON.stringify({ op: 'subscribe', topic: 'fills', since: '1' }));
    raw.send(JSON.stringify({ op: 'subscribe', topic: 'fills', since: '99' }));
    await until(() => replies.length === 2, 'two subscribe replies');
    expect(replies.map((r) => r.backfill), 'since within the backlog: complete; beyond the server sequence: partial').toEqual(['complete', 'partial']);
  });
});

describe('client library: permanent failures and the reconnect bound', () => {
  /** connect() settled, or still retrying after `attempts` reconnects (the old behaviour: forever). */
  async function outcome(url: string, options: Parameters<typeof connect>[1] = {}, attempts = 4): Promise<{ error: unknown; events: ClientEvent[] }> {
    const events: ClientEvent[] = [];
    let settled: { error: unknown } | null = null;
    const pending = connect(url, { reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, ...options, onEvent: (e) => events.push(e) });
    pending.then((c) => { settled = { error: null }; cleanups.push(() => c.close()); }, (error: unknown) => { settled = { error }; });
    await until(() => settled !== null || events.filter((e) => e.type === 'reconnecting').length >= attempts, 'connect() to settle');
    expect(settled, `connect() still retrying after ${attempts} reconnects: ${JSON.stringify(events)}`).not.toBeNull();
    return { error: settled!.error, events };
  }

  it('rejects at once, without reconnecting, when the address answers the upgrade with HTTP 404 (a wrong path: not a state server there)', async () => {
    const srv = await server({ source: new PushStateSource() });
    const { error, events } = await outcome(`ws://127.0.0.1:${srv.port}/nope`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).failure).toBe('refused');
    expect((error as Error).message).toMatch(/answered the WebSocket upgrade with HTTP 404 .*not a QuantFlow state server/);
    expect(events.filter((e) => e.type === 'reconnecting'), 'a permanent failure is not retried').toEqual([]);
  });

  it('rejects with the server\'s reason when it refuses the connect token', async () => {
    const srv = await server({ source: new PushStateSource(), tokens: TOKENS, onControl: () => undefined });
    const wrongKey = await signControlToken('mallory', { ...TOKENS, secret: 'y'.repeat(40) });
    const { error } = await outcome(srv.url, { token: wrongKey });
    expect(error, 'connect() with a refused token').toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).failure).toBe('unauthorized');
    expect((error as Error).message).toMatch(/refused the token/);
  });

  it('rejects, and does not crash, when the WebSocket server at the address speaks another protocol', async () => {
    const { WebSocketServer } = await import('ws');
    const port = await freePort();
    const other = new WebSocketServer({ host: '127.0.0.1', port });
    cleanups.push(() => new Promise<void>((resolve) => { for (const c of other.clients) c.terminate(); other.close(() => resolve()); }));
    other.on('connection', (socket) => socket.send('hello, this is a chat server'));
    const c = await client(`ws://127.0.0.1:${port}/`, { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const ended = await Promise.race([c.ended, sleep(5_000).then(() => 'still running' as const)]);
    expect(ended).toBeInstanceOf(ConnectionError);
    expect((ended as ConnectionError).failure).toBe('protocol');
    expect((ended as Error).message).toMatch(/not a QuantFlow server reply: "hello, this is a chat server"/);
  });

  it('gives up after maxAttempts once connected, and tells the caller (a failed event, ended) instead of stopping silently', async () => {
    const port = await freePort();
    const srv = await startStateServer({ source: new PushStateSource(), port });
    const events: ClientEvent[] = [];
    const c = await client(srv.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 }, onEvent: (e) => events.push(e) });
    await srv.close(); // nothing listens there any more
    const ended = await c.ended;
    expect(ended).toBeInstanceOf(ConnectionError);
    expect((ended as ConnectionError).failure).toBe('gave-up');
    expect((ended as ConnectionError).permanent).toBe(false);
    expect(events.filter((e) => e.type === 'reconnecting').length).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'failed' });
  });

  it('gives up after giveUpAfterMs without a connection', async () => {
    const port = await freePort(); // nothing listens there
    const { error, events } = await outcome(`ws://127.0.0.1:${port}/`, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, giveUpAfterMs: 100 } }, 1_000);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/gave up on ws:\/\/127\.0\.0\.1:\d+\/ after \d+ ms without a connection \(giveUpAfterMs 100\)/);
    expect(events.some((e) => e.type === 'reconnecting'), 'it did retry first (a refused connection is transient)').toBe(true);
  });

  it('still reconnects across a server restart (transient), with close() resolving ended with null', async () => {
    const port = await freePort();
    const first = await startStateServer({ source: new PushStateSource(), port });
    const events: ClientEvent[] = [];
    const c = await connect(first.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, giveUpAfterMs: 20_000 }, onEvent: (e) => events.push(e) });
    await first.close();
    await until(() => events.some((e) => e.type === 'reconnecting'), 'the reconnect attempts');
    await server({ source: new PushStateSource(), port });
    await until(() => events.some((e) => e.type === 'open' && e.reconnected), 'the reconnect');
    await c.close();
    expect(await c.ended).toBeNull();
  });
});

describe('state server: HTTP', () => {
  it('refuses a browser page whose name was rebound to 127.0.0.1 (DNS rebinding: Origin and Host agree on a non-loopback name), takes localhost', async () => {
    const srv = await server({ source: new PushStateSource() });
    const status = (headers: Record<string, string>): Promise<number> => new Promise((resolve, reject) => {
      const ws = new WebSocket(srv.url, { headers });
      ws.once('open', () => { resolve(101); ws.close(); });
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.once('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error); });
    });
    expect(await status({ Host: `evil.example:${srv.port}`, Origin: `http://evil.example:${srv.port}` }), 'a rebound name').toBe(403);
    expect(await status({ Host: `localhost:${srv.port}`, Origin: `http://localhost:${srv.port}` }), 'the dashboard opened as localhost').toBe(101);
    expect(await status({ Host: `127.0.0.1:${srv.port}`, Origin: `http://127.0.0.1:${srv.port}` }), 'the dashboard opened as 127.0.0.1').toBe(101);
    expect(await status({ Host: `evil.example:${srv.port}` }), 'a client that is not a browser (no Origin)').toBe(101);
  });

  it('refuses HTTP requests whose Host is a name rebound to 127.0.0.1 (a same-origin GET has no Origin), and serves 127.0.0.1 and localhost', async () => {
    const srv = await server({ source: new PushStateSource() });
    const get = (path: string, host: string, method = 'GET'): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port: srv.port, path, method, headers: { Host: host } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });
    for (const path of ['/metrics', '/health', '/api/runs', '/nope']) {
      const refused = await get(path, `evil.example:${srv.port}`);
      expect(refused.status, path).toBe(403);
      expect(JSON.parse(refused.body).error).toMatch(/Host "evil\.example:\d+" is not a loopback name/);
    }
    expect((await get('/health', `evil.example:${srv.port}`, 'HEAD')).status).toBe(403);
    expect((await get('/metrics', `127.0.0.1:${srv.port}`)).status).toBe(200);
    expect((await get('/health', `localhost:${srv.port}`)).status).toBe(200);
  });

  it('refuses a WebSocket from another origin\'s page, takes its own dashboard\'s and origin-less clients, echoes no subprotocol; HEAD gets no body, other methods 405', async () => {
    const source = new PushStateSource();
    const srv = await server({ source });
    const opened = (headers: Record<string, string>, protocols?: string[]): Promise<{ status: number; protocol: string }> => new Promise((resolve, reject) => {
      const ws = new WebSocket(srv.url, protocols, { headers });
      ws.once('open', () => { resolve({ status: 101, protocol: ws.protocol }); ws.close(); });
      ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0, protocol: '' }); ws.terminate(); });
      ws.once('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error); });
    });
    expect(await opened({ Origin: 'http://evil.example' })).toEqual({ status: 403, protocol: '' });
    expect(await opened({ Origin: `http://127.0.0.1:${srv.port}` })).toEqual({ status: 101, protocol: '' });
    expect((await opened({})).status).toBe(101);
    expect((await srv.metrics.registry.metrics())).toMatch(/quantflow_server_refused_upgrades_total 1/);
    // A client offering a subprotocol the server does not speak gets none back (ws then refuses the
    // connection itself, as the RFC asks, when it insisted on one).
    const raw = net.connect(srv.port, '127.0.0.1');
    cleanups.push(() => void raw.destroy());
    const head = await new Promise<string>((resolve) => {
      let text = '';
      raw.on('data', (chunk) => { text += chunk.toString('latin1'); if (text.includes('\r\n\r\n')) resolve(text); });
      raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: evil, chat\r\n\r\n`);
    });
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(head.toLowerCase()).not.toContain('sec-websocket-protocol');
    const healthHead = await fetch(`http://127.0.0.1:${srv.port}/health`, { method: 'HEAD' });
    expect([healthHead.status, await healthHead.text()]).toEqual([200, '']);
    const unknownHead = await fetch(`http://127.0.0.1:${srv.port}/nothing`, { method: 'HEAD' });
    expect([unknownHead.status, await unknownHead.text()]).toEqual([404, '']);
    const post = await fetch(`http://127.0.0.1:${srv.port}/health`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('answers HEAD on the dashboard\'s files and /metrics with GET\'s status and headers, and no body', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const srv = await server({ source: new PushStateSource(), staticFiles: dashboardMounts(root) });
    for (const path of ['/', '/app.js']) {
      const got = await fetch(`http://127.0.0.1:${srv.port}${path}`);
      const body = await got.arrayBuffer();
      const head = await fetch(`http://127.0.0.1:${srv.port}${path}`, { method: 'HEAD' });
      expect([head.status, await head.text()], path).toEqual([200, '']);
      expect(head.headers.get('content-type'), path).toBe(got.headers.get('content-type'));
      expect(Number(head.headers.get('content-length')), `${path}: GET's length`).toBe(body.byteLength);
    }
    const metrics = await fetch(`http://127.0.0.1:${srv.port}/metrics`, { method: 'HEAD' });
    expect([metrics.status, await metrics.text()]).toEqual([200, '']);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const missing = await fetch(`http://127.0.0.1:${srv.port}/no-such-file.js`, { method: 'HEAD' });
    expect([missing.status, await missing.text()]).toEqual([404, '']);
  });

  it('serves /health (liveness, readiness with reasons) and /metrics', async () => {
    const source = new PushStateSource();
    source.setCounters({ events_processed: 1234 });
    const srv = await server({ source });
    const c = await client(srv.url);
    c.subscribe('state', () => {});
    source.publish('state', state(1));
    await until(() => c.lastSequence('state') !== null, 'a frame');
    let response = await fetch(`http://127.0.0.1:${srv.port}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ live: true, ready: true, reasons: [], clients: 1 });
    source.setHealth({ ready: false, reasons: ['engine thread failed: boom'] });
    response = await fetch(`http://127.0.0.1:${srv.port}/health`);
    expect(response.status, 'not ready: 503').toBe(503);
    expect(await response.json()).toMatchObject({ live: true, ready: false, reasons: ['engine thread failed: boom'] });
    response = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/quantflow_server_frames_sent_total\{topic="state"\} 1/);
    expect(text).toMatch(/quantflow_server_frames_coalesced_total\{topic="fills"\} 0/);
    expect(text).toMatch(/quantflow_server_clients 1/);
    expect(text).toMatch(/quantflow_engine_counter\{counter="events_processed"\} 1234/);
    expect((await fetch(`http://127.0.0.1:${srv.port}/nope`)).status).toBe(404);
  });
});

describe('quantflow watch', () => {
  it('exits with status 1 and a clear line when the server stays away past --give-up-after', async () => {
    const { Command } = await import('commander');
    const { registerWatchCommand } = await import('../engine/cli/commands/watch.js');
    const { UserFacingError } = await import('../engine/cli/cli-error.js');
    const port = await freePort();
    const srv = await startStateServer({ source: new PushStateSource(), port });
    cleanups.push(() => srv.close());
    srv.disconnectAll('warm');
    const program = new Command().exitOverride();
    registerWatchCommand(program);
    const writeErr = process.stderr.write.bind(process.stderr);
    const write = process.stdout.write.bind(process.stdout);
    const err: string[] = [];
    process.stderr.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('quantflow watch:') ? err.push(chunk.trim()) : writeErr(chunk), true)) as typeof process.stderr.write;
    process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('state #') ? true : write(chunk))) as typeof process.stdout.write;
    let error: unknown = null;
    try {
      const running = program.parseAsync(['node', 'quantflow', 'watch', 'state', '--url', srv.url, '--give-up-after', '0.3']);
      running.catch((e: unknown) => { error = e; });
      await sleep(50);
      await srv.close();
      await until(() => error !== null || err.filter((line) => line.includes('reconnecting')).length >= 20, 'watch to give up', 20_000);
    } finally {
      process.stderr.write = writeErr;
      process.stdout.write = write;
    }
    expect(error, `watch still reconnecting: ${err.slice(-3).join(' | ')}`).toBeInstanceOf(UserFacingError);
    expect((error as { exitCode: number }).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/^watch stopped: gave up on ws:\/\/127\.0\.0\.1:\d+\/ after \d+ ms without a connection/);
  }, 30_000);

  it('exits with a clear error when no state server answers at the address', async () => {
    const { spawnSync } = await import('node:child_process');
    const cli = new URL('../dist/engine/cli/main.js', import.meta.url).pathname;
    const port = await freePort(); // a port nothing listens on
    const result = spawnSync(process.execPath, [cli, 'watch', 'state', '--url', `ws://127.0.0.1:${port}/`], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`cannot reach the state server at ws://127.0.0.1:${port}/`);
    expect(result.stderr).toContain('quantflow paper');
  });

  it('ends quietly with status 0 when its output is closed (watch state | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const cli = new URL('../dist/engine/cli/main.js', import.meta.url).pathname;
    const source = new PushStateSource();
    source.publish('state', state(42));
    const srv = await server({ source });
    const child = spawn(process.execPath, [cli, 'watch', 'state', '--url', srv.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until(() => stdout.includes('\n'), 'the snapshot line');
    child.stdout.destroy(); // the reader went away, as `head -1` does after its line
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    for (let equity = 43; exitCode === undefined && equity < 1043; equity++) {
      source.publish('state', state(equity)); // each delta is a write to the closed pipe
      await sleep(10);
    }
    expect(await exited, `exit status; stderr: ${stderr}`).toBe(0);
    expect(stderr, 'no stack trace of an unhandled EPIPE').not.toMatch(/EPIPE|Unhandled|at /);
  });

  it('names the instrument of each fill it prints (and the rule of an exit), which the fills topic carries only as an id', async () => {
    const { Command } = await import('commander');
    const { registerWatchCommand } = await import('../engine/cli/commands/watch.js');
    const source = new PushStateSource();
    source.publish('state', state(42, 2));
    const srv = await server({ source });
    source.publish('fills', { fills: [{ ...fill(1), instrumentId: 1, rule: 'STOP' }] });
    const program = new Command().exitOverride();
    registerWatchCommand(program);
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      if (typeof chunk === 'string' && chunk.startsWith('fills #')) lines.push(chunk.trim());
      else write(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      const running = program.parseAsync(['node', 'quantflow', 'watch', 'fills', '--url', srv.url]);
      await until(() => lines.length === 1, 'the snapshot line');
      source.publish('fills', { fills: [{ ...fill(2), instrumentId: 0, rule: 'STRATEGY' }] });
      await until(() => lines.length === 2, 'the delta line');
      process.emit('SIGINT');
      await running;
    } finally {
      process.stdout.write = write;
    }
    expect(lines[0]).toBe('fills #1 snapshot: order 1 SYM1 buy 1 @ 101 fee 0.01 (taker, trade t1, STOP)');
    expect(lines[1]).toBe('fills #2 delta: order 2 SYM0 sell 1 @ 102 fee 0.01 (taker, trade t2)');
  });

  it('says on stderr when the fills backfill after a reconnect is partial (the server restarted): fills may be missing', async () => {
    const { Command } = await import('commander');
    const { registerWatchCommand } = await import('../engine/cli/commands/watch.js');
    const port = await freePort();
    const first = await startStateServer({ source: new PushStateSource(), port });
    cleanups.push(() => first.close());
    const program = new Command().exitOverride();
    registerWatchCommand(program);
    const out: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('fills #') ? out.push(chunk.trim()) : write(chunk), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('quantflow watch:') ? err.push(chunk.trim()) : writeErr(chunk), true)) as typeof process.stderr.write;
    try {
      const running = program.parseAsync(['node', 'quantflow', 'watch', 'fills', '--url', first.url]);
      await until(() => out.length === 1, 'the first server\'s fills snapshot');
      await first.close();
      await until(() => err.some((line) => line.includes('reconnecting')), 'the reconnect attempts');
      const secondSource = new PushStateSource();
      await server({ source: secondSource, port });
      secondSource.publish('fills', { fills: [fill(7)] });
      await until(() => out.length === 2, 'the restarted server\'s fills', 20_000);
      process.emit('SIGINT');
      await running;
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    expect(err.filter((line) => /fills: the server's backlog does not cover the time away .* may be missing/.test(line)), err.join('\n')).toHaveLength(1);
  }, 30_000);

  it('says on stderr when the topic it watches has nothing published yet (a session without a model), instead of waiting in silence', async () => {
    const { Command } = await import('commander');
    const { registerWatchCommand } = await import('../engine/cli/commands/watch.js');
    const source = new PushStateSource();
    source.publish('state', state(42));
    const srv = await server({ source });
    const program = new Command().exitOverride();
    registerWatchCommand(program);
    const err: string[] = [];
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('quantflow watch:') ? err.push(chunk.trim()) : writeErr(chunk), true)) as typeof process.stderr.write;
    try {
      const running = program.parseAsync(['node', 'quantflow', 'watch', 'models', '--url', srv.url]);
      await until(() => err.length === 1, 'the line on stderr');
      process.emit('SIGINT');
      await running;
    } finally {
      process.stderr.write = writeErr;
    }
    expect(err).toEqual(['quantflow watch: models: nothing published on this topic yet (the session may have none: no `model:` for models, no regime model for regime); waiting for its first update']);
  });

  it('prints the live stream of a topic as JSON lines until interrupted', async () => {
    const { Command } = await import('commander');
    const { registerWatchCommand } = await import('../engine/cli/commands/watch.js');
    const source = new PushStateSource();
    source.publish('state', state(42));
    const srv = await server({ source });
    const program = new Command().exitOverride();
    registerWatchCommand(program);
    const lines: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      if (typeof chunk === 'string' && chunk.startsWith('{"topic"')) lines.push(chunk.trim());
      else write(chunk);
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (typeof chunk === 'string' && chunk.startsWith('quantflow watch:') ? err.push(chunk.trim()) : writeErr(chunk), true)) as typeof process.stderr.write;
    try {
      const running = program.parseAsync(['node', 'quantflow', 'watch', 'state', '--url', srv.url, '--json']);
      await until(() => lines.length === 1, 'the snapshot line');
      source.publish('state', state(43));
      await until(() => lines.length === 2, 'the delta line');
      process.emit('SIGINT');
      await running;
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    expect(err, 'interrupted: its own close is not reported as the connection closing').toEqual([]);
    const parsed = lines.map((line) => JSON.parse(line) as { kind: string; sequence: string; payload: { equity: number } });
    expect(parsed.map((u) => [u.kind, u.sequence, u.payload.equity])).toEqual([['snapshot', '0', 42], ['delta', '1', 43]]);
  });
});
