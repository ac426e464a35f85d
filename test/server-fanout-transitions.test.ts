// The state server's two fan-out paths over real sockets on 127.0.0.1 (free ports): clients in
// good standing are on uWS's native pub/sub (one publish per delta); a client that stops reading
// leaves it at the soft limit, gets coalesced frames on the JS path, and once it reads again gets
// the latest state (fills: the backfill Snapshot after its last sequence) and rejoins the native
// topic with no gap and no duplicate; a stalled client is closed with 4008 and a reason.
// The raw client does the WebSocket handshake by hand, so the test controls when it reads.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeFrame, type FillViewData, type StateView, type TopicUpdate } from '../engine/client/index.js';
import { PushStateSource, startStateServer, type StateServer, type StateServerOptions } from '../engine/server/index.js';
import { until } from './wait-until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<StateServerOptions> & { source: PushStateSource }): Promise<StateServer> {
  const started = await startStateServer(options);
  cleanups.push(() => started.close());
  return started;
}

const untilLong = (ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> => until(ready, what, timeoutMs);

function state(equity: number, positions = 1): StateView {
  return {
    mode: 'paper', equity, cash: equity / 2, equityHighWaterMark: equity, realizedPnl: 1.5, unrealizedPnl: -0.5,
    positions: Array.from({ length: positions }, (_, i) => ({
      instrumentId: i, symbol: `SYM${i}`, quantity: 1.25, averagePrice: 100 + i, markPrice: 101 + i, unrealizedPnl: 1, realizedPnl: 2,
    })),
  };
}

function fill(n: number): FillViewData {
  return {
    orderId: BigInt(n), clientOrderId: String(n), venueOrderId: `v${n}`, tradeId: `t${n}`, instrumentId: 0, side: n % 2 ? 'buy' : 'sell', price: 100 + n,
    quantity: 1, fee: 0.01, feeCurrency: 'USDT', liquidity: 'taker', timeNs: BigInt(n) * 1_000_000n, rule: '',
  };
}

interface RawClient {
  socket: net.Socket;
  /** Binary frames and JSON replies, in arrival order. */
  messages: ({ frame: TopicUpdate } | { text: { type: string; topic?: string; backfill?: string } })[];
  frames(topic: string): TopicUpdate[];
  closed: Promise<{ code: number; reason: string }>;
}

/** A raw WebSocket client: subscribes to `topics`, reads until paused. */
async function rawClient(port: number, topics: string[]): Promise<RawClient> {
  const messages: RawClient['messages'] = [];
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => { socket.destroy(); });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  let buffer: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let onUpgraded!: () => void;
  const upgradedPromise = new Promise<void>((resolve) => { onUpgraded = resolve; });
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => { resolveClosed = resolve; });
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      buffer = buffer.subarray(end + 4);
      onUpgraded();
    }
    for (;;) {
      if (buffer.length < 2) return;
      const opcode = buffer[0] & 0x0f;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) { if (buffer.length < 4) return; length = buffer.readUInt16BE(2); offset = 4; }
      else if (length === 127) { if (buffer.length < 10) return; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
      if (buffer.length < offset + length) return;
      const payload = buffer.subarray(offset, offset + length);
      if (opcode === 2) messages.push({ frame: decodeFrame(new Uint8Array(payload)) });
      if (opcode === 1) messages.push({ text: JSON.parse(payload.toString('utf8')) });
      if (opcode === 8) resolveClosed({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') });
      buffer = buffer.subarray(offset + length);
    }
  });
  socket.on('close', () => resolveClosed({ code: -1, reason: 'socket closed without a close frame' }));
  await upgradedPromise;
  for (const topic of topics) {
    const payload = Buffer.from(JSON.stringify({ op: 'subscribe', topic }));
    const mask = randomBytes(4);
    const header = Buffer.from([0x81, 0x80 | payload.length]);
    socket.write(Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
  }
  const frames = (topic: string) => messages.flatMap((m) => ('frame' in m && m.frame.topic === topic ? [m.frame] : []));
  return { socket, messages, frames, closed };
}

const counter = async (srv: StateServer, name: 'framesCoalesced' | 'framesSent', topic: string) =>
  (await srv.metrics[name].get()).values.find((v) => v.labels.topic === topic)?.value ?? 0;

/** Fill trade ids a client saw, from Snapshots and Deltas, in order. */
const isFills = (f: TopicUpdate): f is TopicUpdate<'fills'> => f.topic === 'fills';
const tradeIds = (frames: TopicUpdate[]) => frames.flatMap((f) => (isFills(f) ? f.payload.fills.map((x) => x.tradeId) : []));

describe('state server fan-out: native pub/sub and the JS path', () => {
  it('gives clients in good standing every delta once, in order, through the native topic', async () => {
    const source = new PushStateSource();
    source.publish('state', state(0));
    const srv = await server({ source });
    const clients = await Promise.all([0, 1, 2].map(() => rawClient(srv.port, ['state', 'fills'])));
    await untilLong(() => clients.every((c) => c.frames('state').length === 1 && c.frames('fills').length === 1), 'the snapshots');
    await untilLong(() => srv.nativeClientCount('state') === 3 && srv.nativeClientCount('fills') === 3, 'every client on the native topics');
    let n = 0;
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 50; i++) {
        source.publish('state', state(burst * 50 + i + 1));
        if (i % 10 === 0) source.publish('fills', { fills: [fill(++n)] });
      }
      await sleep(1);
    }
    for (const c of clients) {
      await untilLong(() => c.frames('state').length === 1001 && tradeIds(c.frames('fills')).length === n, 'every frame');
      const sequences = c.frames('state').map((f) => f.sequence);
      expect(sequences, 'state: the seeded Snapshot (0), then deltas 1..1000 exactly once, in order').toEqual(Array.from({ length: 1001 }, (_, i) => BigInt(i)));
      expect(c.frames('state').slice(1).every((f) => f.kind === 'delta')).toBe(true);
      expect(tradeIds(c.frames('fills')), 'every fill once, in order').toEqual(Array.from({ length: n }, (_, i) => `t${i + 1}`));
    }
    expect(await counter(srv, 'framesCoalesced', 'state')).toBe(0);
    expect(await counter(srv, 'framesSent', 'state'), 'native frames are counted: 3 snapshots + 3 x 1000 deltas').toBe(3003);
    expect(srv.nativeClientCount('state'), 'still all native').toBe(3);
  });

  it('moves a client that stops reading to the JS path (coalesced), then back to the native topic with no gap and no duplicate', async () => {
    const source = new PushStateSource();
    source.publish('state', state(0));
    const srv = await server({ source, softLimitBytes: 256 * 1024, hardLimitBytes: 256 * 1024 * 1024, stallLimitMs: 120_000, fillBacklog: 100_000 });
    const fast = await rawClient(srv.port, ['state', 'fills']);
    const slow = await rawClient(srv.port, ['state', 'fills']);
    await untilLong(() => srv.nativeClientCount('state') === 2 && srv.nativeClientCount('fills') === 2, 'both clients on the native topics');
    slow.socket.pause();
    let published = 0;
    let n = 0;
    for (let i = 0; i < 20_000 && (srv.nativeClientCount('state') === 2 || (await counter(srv, 'framesCoalesced', 'state')) < 20); i++) {
      source.publish('state', state(++published, 400));
      source.publish('fills', { fills: [fill(++n), fill(++n)] });
      if (i % 4 === 0) await sleep(1);
    }
    expect(srv.nativeClientCount('state'), 'the slow client left the native topic').toBe(1);
    expect(srv.nativeClientCount('fills')).toBe(1);
    expect(await counter(srv, 'framesCoalesced', 'state'), 'the slow client had state frames coalesced').toBeGreaterThanOrEqual(20);
    expect(await counter(srv, 'framesCoalesced', 'fills'), 'and fill deltas held back for a backfill').toBeGreaterThan(0);
    expect(srv.clientCount(), 'below the hard limit, still connected').toBe(2);
    slow.socket.resume();
    await untilLong(() => srv.nativeClientCount('state') === 2 && srv.nativeClientCount('fills') === 2, 'the slow client back on the native topics', 60_000);
    // Back on the native path: every further delta, consecutively.
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 20; i++) {
        source.publish('state', state(++published));
        source.publish('fills', { fills: [fill(++n)] });
      }
      await sleep(1);
    }
    const lastState = BigInt(published);
    for (const [name, c] of [['fast', fast], ['slow', slow]] as const) {
      await untilLong(() => c.frames('state').at(-1)?.sequence === lastState && tradeIds(c.frames('fills')).length >= n, `${name}: the last frames`, 60_000).catch((error: Error) => {
        throw new Error(`${error.message}: state up to ${c.frames('state').at(-1)?.sequence} of ${lastState}, ${tradeIds(c.frames('fills')).length} of ${n} fills; fills frames ${c.frames('fills').slice(-5).map((f) => `${f.kind}:${f.sequence}`).join(' ')}`);
      });
      expect(tradeIds(c.frames('fills')), `${name}: every fill exactly once, in order`).toEqual(Array.from({ length: n }, (_, i) => `t${i + 1}`));
      const fills = c.frames('fills');
      expect(fills.every((f, i) => i === 0 || f.sequence > fills[i - 1].sequence), `${name}: fills sequences increase`).toBe(true);
      const seq = c.frames('state').map((f) => f.sequence);
      expect(seq.every((s, i) => i === 0 || s > seq[i - 1]), `${name}: state sequences increase (no duplicate)`).toBe(true);
      expect(seq.slice(-200), `${name}: the last 200 state deltas consecutive (native again, nothing coalesced)`).toEqual(Array.from({ length: 200 }, (_, i) => lastState - 199n + BigInt(i)));
      expect((c.frames('state').at(-1)!.payload as StateView).equity).toBe(published);
    }
    expect(fast.frames('state').length, 'the fast client got every state frame').toBe(published + 1);
    expect(fast.frames('fills').every((f) => f.kind === 'delta' || f.sequence === 0n), 'the fast client never needed a backfill').toBe(true);
    const slowFills = slow.frames('fills');
    for (let i = 1; i < slowFills.length; i++) {
      if (slowFills[i].kind === 'delta' && slowFills[i - 1].kind === 'delta') expect(slowFills[i].sequence, 'consecutive fill deltas').toBe(slowFills[i - 1].sequence + 1n);
    }
    const backfills = slowFills.filter((f, i) => i > 0 && f.kind === 'snapshot');
    expect(backfills.length, 'the slow client got its missed fills as a backfill Snapshot').toBeGreaterThanOrEqual(1);
    const replies = slow.messages.flatMap((m) => ('text' in m && m.text.type === 'subscribed' && m.text.topic === 'fills' ? [m.text.backfill] : []));
    expect(replies.slice(1), 'announced like a re-subscribe with since, complete').toEqual(backfills.map(() => 'complete'));
    expect(slow.frames('state').length, 'the slow client got fewer state frames than were published').toBeLessThan(published + 1);
  }, 120_000);

  it('closes a client stalled above the soft limit past the stall limit with 4008 and the reason', async () => {
    const source = new PushStateSource();
    source.publish('state', state(0));
    const srv = await server({ source, softLimitBytes: 64 * 1024, hardLimitBytes: 256 * 1024 * 1024, stallLimitMs: 300 });
    const stalled = await rawClient(srv.port, ['state']);
    await untilLong(() => srv.nativeClientCount('state') === 1, 'the client on the native topic');
    stalled.socket.pause();
    let closed = false;
    void stalled.closed.then(() => { closed = true; });
    for (let i = 0; i < 20_000 && srv.clientCount() > 0; i++) {
      source.publish('state', state(i, 400));
      if (i % 4 === 0) await sleep(1);
    }
    expect(srv.clientCount(), 'the stalled client was dropped').toBe(0);
    expect(await counter(srv, 'framesCoalesced', 'state'), 'coalesced before it was dropped').toBeGreaterThan(0);
    stalled.socket.resume();
    await untilLong(() => closed, 'the close frame');
    const reason = await stalled.closed;
    expect(reason.code, 'close code 4008 (slow consumer)').toBe(4008);
    expect(reason.reason).toMatch(/^slow consumer: above the soft limit of 65536 bytes for \d+ ms \(limit 300 ms\)$/);
    expect(await srv.metrics.registry.metrics()).toMatch(/quantflow_server_slow_client_disconnects_total 1/);
  }, 120_000);
});
