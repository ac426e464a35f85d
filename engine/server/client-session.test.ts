// ClientSession coalescing and limits on a fake socket (deterministic buffered amounts):
// latest delta per topic above the soft limit, sent on drain; snapshots never coalesced;
// disconnect past the hard limit and after the stall limit, with pending frames counted as dropped.
import { describe, expect, it } from 'vitest';
import { ClientSession, type SessionSocket } from './client-session.js';
import { ServerMetrics } from './server-metrics.js';

class FakeSocket implements SessionSocket {
  buffered = 0;
  sent: (string | number)[] = [];
  ended: [number, string] | null = null;
  send(message: Uint8Array | string): number {
    this.sent.push(typeof message === 'string' ? message : message[0]);
    return 1;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
  end(code: number, reason: string): void {
    this.ended = [code, reason];
  }
}

const value = async (metrics: ServerMetrics, name: 'framesCoalesced' | 'framesDropped' | 'framesSent', topic: string) =>
  (await metrics[name].get()).values.find((v) => v.labels.topic === topic)?.value ?? 0;

describe('ClientSession', () => {
  it('keeps only the latest delta per topic above the soft limit and sends them on drain', async () => {
    const socket = new FakeSocket();
    const metrics = new ServerMetrics(undefined);
    const session = new ClientSession(1, socket, { softLimitBytes: 100, hardLimitBytes: 1000, stallLimitMs: 10_000 }, metrics);
    session.sendDelta('state', Uint8Array.of(1), 1n);
    socket.buffered = 500;
    for (let i = 2; i <= 5; i++) session.sendDelta('state', Uint8Array.of(i), BigInt(i));
    session.sendDelta('risk', Uint8Array.of(50), 1n);
    session.sendSnapshot('fills', Uint8Array.of(99), 7n);
    expect(socket.sent, 'only the first delta and the snapshot went out').toEqual([1, 99]);
    expect(session.pendingTopics).toEqual(['state', 'risk']);
    socket.buffered = 0;
    session.drain();
    expect(socket.sent, 'on drain: the latest state delta and the risk delta').toEqual([1, 99, 5, 50]);
    expect(await value(metrics, 'framesCoalesced', 'state'), 'three state deltas replaced').toBe(3);
    expect(socket.ended).toBeNull();
  });

  it('closes past the hard limit with the reason, counting pending frames as dropped', async () => {
    const socket = new FakeSocket();
    const metrics = new ServerMetrics(undefined);
    const session = new ClientSession(1, socket, { softLimitBytes: 100, hardLimitBytes: 1000, stallLimitMs: 10_000 }, metrics);
    socket.buffered = 500;
    session.sendDelta('state', Uint8Array.of(1), 1n);
    socket.buffered = 1500;
    session.sendSnapshot('orders', Uint8Array.of(2), 1n);
    expect(socket.ended).toEqual([4008, 'slow consumer: 1500 bytes buffered, above the hard limit of 1000']);
    expect(session.closed).toBe(true);
    expect(await value(metrics, 'framesDropped', 'state')).toBe(1);
  });

  it('closes a client stuck above the soft limit for longer than the stall limit', () => {
    const socket = new FakeSocket();
    let now = 0;
    const session = new ClientSession(1, socket, { softLimitBytes: 100, hardLimitBytes: 1000, stallLimitMs: 500 }, new ServerMetrics(undefined), () => now);
    socket.buffered = 200;
    session.sendDelta('state', Uint8Array.of(1), 1n);
    now = 400;
    session.sendDelta('state', Uint8Array.of(2), 2n);
    expect(socket.ended).toBeNull();
    now = 600;
    session.sendDelta('state', Uint8Array.of(3), 3n);
    expect(socket.ended?.[1]).toBe('slow consumer: above the soft limit of 100 bytes for 600 ms (limit 500 ms)');
  });
});
