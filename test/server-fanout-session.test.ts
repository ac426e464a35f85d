// ClientSession's JS path for event topics on a fake socket (deterministic buffered amounts): with
// TopicHub's backfill hook, fill deltas above the soft limit are not kept but counted; once drained
// the hook gets the last sequence sent (the backfill's `since`), and a delta the backfill already
// carried is never sent again. Whole-payload topics still keep their latest delta.
import { describe, expect, it } from 'vitest';
import { ClientSession, ServerMetrics, type SessionSocket } from '../engine/server/index.js';

class FakeSocket implements SessionSocket {
  buffered = 0;
  sent: (string | number)[] = [];
  send(message: Uint8Array | string): number {
    this.sent.push(typeof message === 'string' ? message : message[0]);
    return 1;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
  end(): void {}
}

describe('ClientSession: event topics off the native fan-out', () => {
  it('holds fill deltas back above the soft limit and backfills from the last sequence sent, without a duplicate', async () => {
    const socket = new FakeSocket();
    const metrics = new ServerMetrics(undefined);
    const session = new ClientSession(1, socket, { softLimitBytes: 100, hardLimitBytes: 1000, stallLimitMs: 10_000 }, metrics);
    const backfills: [string, bigint][] = [];
    session.resync = (topic, since) => {
      backfills.push([topic, since]);
      session.sendSnapshot(topic, Uint8Array.of(200), 9n); // the hub's Snapshot: through sequence 9
    };
    session.sendSnapshot('fills', Uint8Array.of(100), 3n);
    session.sendDelta('fills', Uint8Array.of(4), 4n);
    socket.buffered = 500;
    for (let s = 5; s <= 8; s++) session.sendDelta('fills', Uint8Array.of(s), BigInt(s));
    session.sendDelta('state', Uint8Array.of(50), 5n);
    session.sendDelta('state', Uint8Array.of(51), 6n);
    expect(socket.sent, 'nothing sent above the soft limit').toEqual([100, 4]);
    expect(session.pendingTopics).toEqual(['fills', 'state']);
    socket.buffered = 0;
    session.sendDelta('fills', Uint8Array.of(9), 9n);
    expect(backfills, 'the backfill starts after the last fill sent (4)').toEqual([['fills', 4n]]);
    expect(socket.sent, 'the backfill Snapshot and the latest state; delta 9 was in the backfill').toEqual([100, 4, 200, 51]);
    session.sendDelta('fills', Uint8Array.of(10), 10n);
    expect(socket.sent.at(-1), 'then deltas again').toBe(10);
    const coalesced = (await metrics.framesCoalesced.get()).values;
    expect(coalesced.find((v) => v.labels.topic === 'fills')?.value, 'four fill deltas held back').toBe(4);
    expect(coalesced.find((v) => v.labels.topic === 'state')?.value, 'one state delta replaced').toBe(1);
  });
});
