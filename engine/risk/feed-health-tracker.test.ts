// FeedHealthTracker on synthetic streams: each condition is detected from what the stream
// delivers (or fails to), raised at once, and cleared only after its cause stayed away for the
// recovery hold, so a flapping feed gives one record, not one per flap. Also the FEED_HEALTH
// record codec and the policy's checks.
import { describe, expect, it } from 'vitest';
import { FeedHealthTracker } from './feed-health-tracker.js';
import {
  DEFAULT_FEED_HEALTH, FeedCondition, decodeFeedHealth, encodeFeedHealth, feedHealthEventRecord, feedHealthPolicyFromConfig, type FeedHealthRecord,
} from './feed-health.js';
import { EventKind } from '../layout/event-record.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const opts = { staleAfterNs: 5n * S, silentAfterNs: 10n * S, recoverAfterNs: 2n * S };
const summary = (records: FeedHealthRecord[]) => records.map((r) => [r.instrument, r.condition, r.mask, r.stream]);

function tracker(): FeedHealthTracker {
  const t = new FeedHealthTracker(opts);
  t.addStream({ stream: 10, instrument: 0 }, T0);
  t.addStream({ stream: 11, instrument: 0 }, T0);
  t.addStream({ stream: 20, instrument: 1 }, T0);
  return t;
}

describe('FeedHealthTracker', () => {
  it('raises STALE when the newest message is older than the bound, with its age, and clears it after the recovery hold', () => {
    const t = tracker();
    for (const s of [10, 11, 20]) t.onMessage(s, T0 + S, { exchangeNs: T0 + S });
    expect(t.check(T0 + 6n * S), 'age 5 s is not past a 5 s bound').toEqual([]);
    t.onMessage(20, T0 + 6n * S, { exchangeNs: T0 + 6n * S });
    const stale = t.check(T0 + 6n * S + 1n);
    expect(summary(stale), 'streams 10 and 11 of instrument 0 go stale together: one record, instrument 1 is fresh').toEqual([[0, FeedCondition.STALE, 2, 10]]);
    expect(stale[0].value, 'the value is the age in ns').toBe(Number(5n * S + 1n));
    expect(stale[0].lastMessageNs).toBe(T0 + S);
    t.onMessage(10, T0 + 7n * S, { exchangeNs: T0 + 7n * S });
    t.onMessage(11, T0 + 7n * S, { exchangeNs: T0 + 7n * S });
    expect(t.check(T0 + 8n * S), 'fresh for 1 s of a 2 s hold: still stale').toEqual([]);
    expect(t.activeMask(0)).toBe(2);
    expect(t.onMessage(10, T0 + 9n * S, { exchangeNs: T0 + 9n * S }), 'stream 10 recovered, but stream 11 still counts').toEqual([]);
    expect(summary(t.onMessage(11, T0 + 9n * S, { exchangeNs: T0 + 9n * S })), 'fresh for the whole hold on both: recovered').toEqual([[0, FeedCondition.RECOVERED, 0, 11]]);
    expect(t.check(T0 + 9n * S), 'once').toEqual([]);
  });

  it('counts a stream that never delivered as stale from when it was added', () => {
    const t = tracker();
    const records = t.check(T0 + 5n * S + 1n);
    expect(summary(records)).toEqual([[0, FeedCondition.STALE, 2, 10], [1, FeedCondition.STALE, 2, 20]]);
    expect(records[0].lastMessageNs, 'no message yet').toBe(0n);
  });

  it('raises SILENT only while connected, and a reconnect restarts its clock', () => {
    const t = new FeedHealthTracker({ ...opts, staleAfterNs: 3600n * S });
    t.addStream({ stream: 1, instrument: 3 }, T0);
    t.onMessage(1, T0, { exchangeNs: T0 });
    expect(summary(t.check(T0 + 11n * S)), 'connected, nothing for 11 s').toEqual([[3, FeedCondition.SILENT, 1 << FeedCondition.SILENT, 1]]);
    const t2 = new FeedHealthTracker({ ...opts, staleAfterNs: 3600n * S });
    t2.addStream({ stream: 1, instrument: 3 }, T0);
    t2.setConnected(1, false, T0 + S);
    expect(t2.check(T0 + 20n * S), 'disconnected streams are not silent').toEqual([]);
    t2.setConnected(1, true, T0 + 20n * S);
    expect(t2.check(T0 + 29n * S), 'the silence counts from the reconnect').toEqual([]);
    expect(summary(t2.check(T0 + 31n * S))).toEqual([[3, FeedCondition.SILENT, 32, 1]]);
  });

  it('raises GAP with the messages missed, holds it until in-sequence traffic has flowed for the hold, and resync clears it at once', () => {
    const t = tracker();
    expect(t.onMessage(20, T0 + S, { exchangeNs: T0 + S, sequence: 100n })).toEqual([]);
    expect(t.onMessage(20, T0 + S, { exchangeNs: T0 + S, sequence: 101n })).toEqual([]);
    const gap = t.onMessage(20, T0 + 2n * S, { exchangeNs: T0 + 2n * S, sequence: 105n });
    expect(summary(gap)).toEqual([[1, FeedCondition.GAP, 4, 20]]);
    expect(gap[0].value, 'messages 102..104 missed').toBe(3);
    expect(gap[0].sequence).toBe(105n);
    expect(t.onMessage(20, T0 + 2n * S, { exchangeNs: T0 + 2n * S, sequence: 103n }), 'a late duplicate is no new gap').toEqual([]);
    t.onMessage(20, T0 + 3n * S, { exchangeNs: T0 + 3n * S, sequence: 106n });
    expect(t.onMessage(20, T0 + 4n * S, { exchangeNs: T0 + 4n * S, sequence: 107n }), '1 s in sequence of a 2 s hold').toEqual([]);
    expect(summary(t.onMessage(20, T0 + 5n * S, { exchangeNs: T0 + 5n * S, sequence: 108n }))).toEqual([[1, FeedCondition.RECOVERED, 0, 20]]);
    t.onMessage(20, T0 + 6n * S, { exchangeNs: T0 + 6n * S, sequence: 200n });
    expect(t.activeMask(1)).toBe(4);
    expect(summary(t.resync(20, T0 + 6n * S)), 'a snapshot rebuilt the stream').toEqual([[1, FeedCondition.RECOVERED, 0, 20]]);
    expect(t.onMessage(20, T0 + 6n * S, { exchangeNs: T0 + 6n * S, sequence: 900n }), 'the next sequence is taken as it comes after a resync').toEqual([]);
  });

  it('raises CROSSED and LOCKED from the book, with bid - ask, and restates what remains when one clears', () => {
    const t = tracker();
    const crossed = t.onMessage(10, T0 + S, { exchangeNs: T0 + S, bid: 101, ask: 100 });
    expect(summary(crossed)).toEqual([[0, FeedCondition.CROSSED, 8, 10]]);
    expect(crossed[0].value).toBe(1);
    const locked = t.onMessage(11, T0 + S, { exchangeNs: T0 + S, bid: 100, ask: 100 });
    expect(summary(locked), 'a second stream of the same instrument adds LOCKED').toEqual([[0, FeedCondition.LOCKED, 8 | 16, 11]]);
    t.onMessage(10, T0 + 2n * S, { exchangeNs: T0 + 2n * S, bid: 99, ask: 100 });
    t.onMessage(11, T0 + 2n * S, { exchangeNs: T0 + 2n * S, bid: 100, ask: 100 });
    expect(summary(t.onMessage(10, T0 + 4n * S, { exchangeNs: T0 + 4n * S, bid: 99, ask: 100 })), 'CROSSED clears; LOCKED is restated').toEqual([[0, FeedCondition.LOCKED, 16, 10]]);
  });

  it('gives one record for a flapping feed, not one per flap (hysteresis)', () => {
    const t = tracker();
    const records: FeedHealthRecord[] = [];
    for (let i = 0n; i < 20n; i++) {
      const now = T0 + i * S;
      records.push(...t.onMessage(10, now, { exchangeNs: now, bid: i % 2n === 0n ? 101 : 99, ask: 100 }));
    }
    expect(summary(records), 'crossed every other second for 20 s').toEqual([[0, FeedCondition.CROSSED, 8, 10]]);
    records.push(...t.onMessage(10, T0 + 21n * S, { exchangeNs: T0 + 21n * S, bid: 99, ask: 100 }));
    records.push(...t.onMessage(10, T0 + 23n * S, { exchangeNs: T0 + 23n * S, bid: 99, ask: 100 }));
    expect(summary(records).at(-1), 'then clean for the hold: recovered once').toEqual([0, FeedCondition.RECOVERED, 0, 10]);
  });

  it('gives the same records for the same calls (no clock of its own)', () => {
    const script = (t: FeedHealthTracker) => [
      ...t.onMessage(10, T0 + S, { exchangeNs: T0, sequence: 1n, bid: 1, ask: 2 }),
      ...t.onMessage(10, T0 + 2n * S, { exchangeNs: T0 + S, sequence: 3n, bid: 2, ask: 1 }),
      ...t.check(T0 + 30n * S),
      ...t.onMessage(20, T0 + 31n * S, { exchangeNs: T0 + 31n * S }),
    ];
    expect(script(tracker())).toEqual(script(tracker()));
  });

  describe('conditions carried over from a recovered state (restore, after a crash)', () => {
    const GAP = 1 << FeedCondition.GAP;
    const sequenced = (t: FeedHealthTracker, stream: number, at: bigint, sequence: bigint) => t.onMessage(stream, at, { exchangeNs: at, sequence });

    it('holds a restored GAP without a record until a fresh, in-sequence message, then clears it after the hold with RECOVERED', () => {
      const t = new FeedHealthTracker({ ...opts, staleAfterNs: 3600n * S, silentAfterNs: 7200n * S });
      t.addStream({ stream: 20, instrument: 1 }, T0);
      t.restore(1, GAP, T0);
      expect(t.activeMask(1), 'the restored condition is active').toBe(GAP);
      expect(t.check(T0 + 60n * S), 'no record for what the recovered state already holds, and nothing clears while nothing arrives').toEqual([]);
      expect(t.activeMask(1)).toBe(GAP);
      expect(t.unprovenMask(1)).toBe(GAP);
      const now = T0 + 61n * S;
      expect(sequenced(t, 20, now, 1n), 'the first fresh message proves the stream; the hold starts').toEqual([]);
      expect(t.unprovenMask(1)).toBe(0);
      expect(t.check(now + S), '1 s of a 2 s hold').toEqual([]);
      const recovered = t.check(now + 2n * S);
      expect(summary(recovered)).toEqual([[1, FeedCondition.RECOVERED, 0, 20]]);
      expect(recovered[0].detectedNs).toBe(now + 2n * S);
    });

    it('a message that is stale (old exchange time) or a gap proves nothing', () => {
      const t = new FeedHealthTracker({ ...opts, staleAfterNs: 3600n * S, silentAfterNs: 7200n * S });
      t.addStream({ stream: 1, instrument: 0 }, T0);
      t.restore(0, GAP, T0);
      expect(summary(t.onMessage(1, T0 + S, { exchangeNs: T0 - 3600n * S, sequence: 1n })), 'an hour-old message: STALE joins the carried GAP').toEqual([[0, FeedCondition.STALE, GAP | 2, 1]]);
      expect(t.unprovenMask(0), 'and proves nothing').toBe(GAP);
      expect(t.onMessage(1, T0 + 11n * S, { exchangeNs: T0 + 11n * S, sequence: 5n }), 'a gap (GAP already active: no new record); STALE\'s cause is gone').toEqual([]);
      expect(summary(t.check(T0 + 20n * S)), 'STALE clears after the hold and GAP is restated; the gap proved nothing').toEqual([[0, FeedCondition.GAP, GAP, 1]]);
      expect(t.unprovenMask(0)).toBe(GAP);
      expect(t.onMessage(1, T0 + 21n * S, { exchangeNs: T0 + 21n * S, sequence: 6n }), 'in sequence and fresh: proven').toEqual([]);
      expect(t.unprovenMask(0)).toBe(0);
      expect(t.check(T0 + 22n * S)).toEqual([]);
      expect(summary(t.check(T0 + 23n * S))).toEqual([[0, FeedCondition.RECOVERED, 0, 1]]);
    });

    it('every stream of the instrument must prove it; a condition raised meanwhile joins the mask', () => {
      const t = tracker();
      t.restore(0, GAP, T0);
      sequenced(t, 10, T0 + S, 1n);
      expect(t.check(T0 + 4n * S), 'stream 10 proven and clear, stream 11 silent so far: held').toEqual([]);
      expect(t.activeMask(0)).toBe(GAP);
      const stale = t.check(T0 + 6n * S);
      expect(summary(stale), 'stream 11 never delivered: STALE raised on top of the carried GAP').toEqual([[0, FeedCondition.STALE, GAP | 2, 11], [1, FeedCondition.STALE, 2, 20]]);
      sequenced(t, 10, T0 + 7n * S, 2n);
      sequenced(t, 11, T0 + 7n * S, 1n);
      expect(t.check(T0 + 8n * S)).toEqual([]);
      expect(summary(t.check(T0 + 9n * S)).filter((r) => r[0] === 0), 'both proven and fresh for the hold').toEqual([[0, FeedCondition.RECOVERED, 0, 11]]);
    });

    it('an unjournaled condition is not carried (the core never saw it): a tracker started afresh raises it again if its cause remains', () => {
      const before = tracker();
      expect(summary(before.check(T0 + 6n * S)).map((r) => r[1]), 'STALE raised, then the process dies before it is journaled').toEqual([FeedCondition.STALE, FeedCondition.STALE]);
      const after = tracker();
      expect(after.check(T0 + 5n * S), 'restarted: nothing invented').toEqual([]);
      expect(summary(after.check(T0 + 6n * S)), 'detected again from the stream itself').toEqual([[0, FeedCondition.STALE, 2, 10], [1, FeedCondition.STALE, 2, 20]]);
    });

    it('refuses a mask that is not condition bits, or an instrument without a stream', () => {
      const t = tracker();
      expect(() => t.restore(0, 1, T0)).toThrow(/restore: `mask` must be an integer of condition bits \(within 62\), was 1/);
      expect(() => t.restore(5, GAP, T0)).toThrow(/restore: instrument 5 has no tracked stream/);
    });
  });

  it('refuses unknown streams and bad options with the rule', () => {
    const t = tracker();
    expect(() => t.onMessage(99, T0, { exchangeNs: T0 })).toThrow(/feed stream 99 is not tracked/);
    expect(() => t.addStream({ stream: 10, instrument: 0 }, T0)).toThrow(/already tracked/);
    expect(() => new FeedHealthTracker({ ...opts, staleAfterNs: 0n })).toThrow(/`staleAfterNs` must be a bigint > 0/);
  });
});

describe('FEED_HEALTH record and policy', () => {
  const record: FeedHealthRecord = { instrument: 7, lastMessageNs: T0, detectedNs: T0 + S, condition: FeedCondition.GAP, value: 3, mask: 4 | 2, stream: 42, sequence: 105n };

  it('encodes and decodes a record field for field, and matches the event-record form', () => {
    const view = new DataView(new ArrayBuffer(128));
    encodeFeedHealth(view, 64, record, EventKind.SOURCE_REPLAY);
    expect(decodeFeedHealth(view, 64)).toEqual(record);
    const fields = feedHealthEventRecord(record, EventKind.SOURCE_REPLAY);
    expect(view.getInt32(64, true)).toBe(fields.kind);
    expect(fields.kind).toBe(EventKind.FEED_HEALTH | EventKind.DIRECTION_INBOUND | EventKind.SOURCE_REPLAY);
  });

  it('refuses records that break the rules, naming the field and value', () => {
    const view = new DataView(new ArrayBuffer(64));
    expect(() => encodeFeedHealth(view, 0, { ...record, mask: 2 })).toThrow(/`mask` must include the record's condition bit 4, was 2/);
    expect(() => encodeFeedHealth(view, 0, { ...record, condition: FeedCondition.RECOVERED })).toThrow(/`mask` must be 0 on a RECOVERED record/);
    expect(() => encodeFeedHealth(view, 0, { ...record, condition: 9 as never })).toThrow(/`condition` must be a condition code 0..5, was 9/);
    expect(() => encodeFeedHealth(view, 0, { ...record, value: Number.NaN })).toThrow(/`value` must be finite/);
    view.setInt32(0, EventKind.TRADE, true);
    expect(() => decodeFeedHealth(view, 0)).toThrow(/`kind` must be FEED_HEALTH/);
  });

  it('fills the policy from defaults and names the key of a bad value', () => {
    expect(feedHealthPolicyFromConfig(undefined)).toEqual(DEFAULT_FEED_HEALTH);
    expect(DEFAULT_FEED_HEALTH).toMatchObject({ onStale: 'reduceOnly', onGap: 'reduceOnly', onSilent: 'reduceOnly', onCrossed: 'halt' });
    expect(feedHealthPolicyFromConfig({ onGap: 'cancelAll' }).onGap).toBe('cancelAll');
    expect(() => feedHealthPolicyFromConfig({ onStale: 'ignore' as never })).toThrow(/`risk.feedHealth.onStale` must be one of reduceOnly, halt, cancelAll, was "ignore"/);
    expect(() => feedHealthPolicyFromConfig({ enabled: false } as never)).toThrow(/`risk.feedHealth.enabled` is not a known key.*no switch to disable/);
    expect(() => feedHealthPolicyFromConfig({ staleAfterSeconds: -1 })).toThrow(/`risk.feedHealth.staleAfterSeconds` must be a number of seconds in \(0, 86400\], was -1/);
  });
});
