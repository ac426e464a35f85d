// FeedHealthTracker: watches market-data streams and reports each change of an instrument's
// feed health as a FEED_HEALTH record (feed-health.ts; the core's risk stage acts on them by
// policy). Pure and deterministic: it never reads a clock, every call passes the time, and the
// same calls give the same records. Adapters and sessions feed it; nothing here does I/O.
//
// Per stream: the exchange time of its newest message, when it last received anything, the
// last sequence number, the last bid / ask, and whether its connection says it is up.
// Conditions of a stream, at time t:
//   STALE    t - (exchange time of its newest message) > staleAfterNs (a stream that never
//            delivered counts from when it was added): the data we hold is old, whether nothing
//            arrives or what arrives lags
//   SILENT   connected, and t - (last receipt) > silentAfterNs: a zombie connection
//   GAP      a message whose sequence number skips ahead (value: messages missed); it stays
//            until resync(), or until in-sequence messages have flowed for recoverAfterNs
//   CROSSED  the last book has bid > ask (value: bid - ask)
//   LOCKED   the last book has bid == ask
// Hysteresis: a condition is raised at once, but clears only once its cause has been absent
// for recoverAfterNs without a break, so a flapping feed stays degraded instead of emitting a
// record on every flap. An instrument's conditions are the union over its streams; a record
// goes out only when that union changes:
//   - a condition newly raised: condition = its code, mask = the instrument's conditions now
//   - conditions cleared: RECOVERED with mask 0 when the instrument is all clear, otherwise the
//     lowest condition still active, restated with the smaller mask
// Carried-over conditions (restore): after a crash the core's recovered state may hold conditions
// no tracker of this process saw raised. restore(instrument, mask) puts them on every stream of
// the instrument, without a record (the core already holds them), as active until proven clear:
// their cause counts as present until the stream delivers a message that is in sequence (not a
// gap) and fresh (exchange time within staleAfterNs), and from then on as for any condition
// (absent for recoverAfterNs, then cleared; RECOVERED once the instrument is all clear). A stream
// that stays silent never proves anything, so the conditions are kept. The opposite case, a
// condition raised but never journaled before the process died, needs nothing here: the core
// never saw it, and a tracker started afresh raises it again if its cause is still there.
import { FEED_MASK_ALL, FeedCondition, type FeedConditionCode, type FeedHealthPolicy, type FeedHealthRecord } from './feed-health.js';

export interface FeedStreamSpec {
  /** Stream id (the record's `b`): unique per tracker. */
  readonly stream: number;
  readonly instrument: number;
}

export interface FeedMessage {
  /** Exchange time of the message (ns). */
  readonly exchangeNs: bigint;
  /** Sequence number, for sequenced streams (gap detection); absent: not checked. */
  readonly sequence?: bigint;
  /** Best bid and ask after the message, for book streams (crossed / locked); absent: not checked. */
  readonly bid?: number;
  readonly ask?: number;
}

export interface FeedHealthTrackerOptions {
  readonly staleAfterNs: bigint;
  readonly silentAfterNs: bigint;
  /** How long a condition's cause must stay absent before it clears (hysteresis). */
  readonly recoverAfterNs: bigint;
}

const CONDITIONS = [FeedCondition.STALE, FeedCondition.GAP, FeedCondition.CROSSED, FeedCondition.LOCKED, FeedCondition.SILENT] as const;

interface StreamState {
  readonly spec: FeedStreamSpec;
  readonly addedNs: bigint;
  connected: boolean;
  lastExchangeNs: bigint;
  lastReceivedNs: bigint;
  lastSequence: bigint | undefined;
  /** Time of the last gap until in-sequence messages follow it; null: no gap cause. */
  gapAtNs: bigint | null;
  bid: number;
  ask: number;
  /** Active conditions of this stream (1 << code). */
  mask: number;
  /** Carried-over conditions (restore) whose cause counts as present until a fresh, in-sequence message proves the stream. */
  unproven: number;
  /** Per condition code: since when its cause has been absent while it is active (null: present). */
  readonly absentSince: (bigint | null)[];
  readonly value: number[];
}

const NS_PER_SECOND = 1_000_000_000;

export class FeedHealthTracker {
  private readonly streams = new Map<number, StreamState>();
  private readonly instrumentMask = new Map<number, number>();
  private lastNowNs = 0n;

  constructor(readonly options: FeedHealthTrackerOptions) {
    for (const key of ['staleAfterNs', 'silentAfterNs', 'recoverAfterNs'] as const) {
      const value = options[key];
      if (typeof value !== 'bigint' || value <= 0n) throw new RangeError(`FeedHealthTracker \`${key}\` must be a bigint > 0 (ns), was ${String(value)}`);
    }
  }

  /** A tracker with the bounds of a `risk.feedHealth` policy; `recoverAfterSeconds` is the hysteresis. */
  static fromPolicy(policy: FeedHealthPolicy, recoverAfterSeconds = 2): FeedHealthTracker {
    const ns = (seconds: number) => BigInt(Math.round(seconds * NS_PER_SECOND));
    return new FeedHealthTracker({ staleAfterNs: ns(policy.staleAfterSeconds), silentAfterNs: ns(policy.silentAfterSeconds), recoverAfterNs: ns(recoverAfterSeconds) });
  }

  /** Starts watching a stream at `nowNs` (connected; its staleness counts from now). */
  addStream(spec: FeedStreamSpec, nowNs: bigint): void {
    if (!Number.isInteger(spec.stream) || spec.stream < 0 || spec.stream > 0x7fff_ffff) throw new RangeError(`feed stream \`stream\` must be an integer in 0..2^31-1, was ${spec.stream}`);
    if (!Number.isInteger(spec.instrument) || spec.instrument < 0) throw new RangeError(`feed stream ${spec.stream}: \`instrument\` must be an integer >= 0, was ${spec.instrument}`);
    if (this.streams.has(spec.stream)) throw new RangeError(`feed stream ${spec.stream} is already tracked`);
    const now = this.advance(nowNs);
    this.streams.set(spec.stream, {
      spec, addedNs: now, connected: true, lastExchangeNs: 0n, lastReceivedNs: now, lastSequence: undefined, gapAtNs: null,
      bid: Number.NaN, ask: Number.NaN, mask: 0, unproven: 0, absentSince: [null, null, null, null, null, null], value: [0, 0, 0, 0, 0, 0],
    });
    if (!this.instrumentMask.has(spec.instrument)) this.instrumentMask.set(spec.instrument, 0);
  }

  /** One message received on `stream` at local time `nowNs`; returns the records it caused. */
  onMessage(stream: number, nowNs: bigint, message: FeedMessage): FeedHealthRecord[] {
    const s = this.stream(stream);
    const now = this.advance(nowNs);
    s.lastReceivedNs = now;
    if (message.exchangeNs > s.lastExchangeNs) s.lastExchangeNs = message.exchangeNs;
    if (message.sequence !== undefined) {
      if (s.lastSequence !== undefined && message.sequence > s.lastSequence + 1n) {
        s.gapAtNs = now;
        s.value[FeedCondition.GAP] = Number(message.sequence - s.lastSequence - 1n);
      } else if (s.gapAtNs !== null && s.lastSequence !== undefined && message.sequence === s.lastSequence + 1n) {
        s.gapAtNs = null; // in sequence again: the gap's cause is absent from here
      }
      if (s.lastSequence === undefined || message.sequence > s.lastSequence) s.lastSequence = message.sequence;
    }
    if (message.bid !== undefined && message.ask !== undefined && Number.isFinite(message.bid) && Number.isFinite(message.ask)) {
      s.bid = message.bid;
      s.ask = message.ask;
    }
    if (s.unproven !== 0 && s.gapAtNs === null && now - message.exchangeNs <= this.options.staleAfterNs) s.unproven = 0;
    return this.evaluate(s, now);
  }

  /** The stream's connection went up or down at `nowNs` (SILENT applies only while connected; a reconnect restarts its clock). */
  setConnected(stream: number, connected: boolean, nowNs: bigint): FeedHealthRecord[] {
    const s = this.stream(stream);
    const now = this.advance(nowNs);
    if (connected && !s.connected) s.lastReceivedNs = now;
    s.connected = connected;
    return this.evaluate(s, now);
  }

  /** The stream was rebuilt from a snapshot at `nowNs`: its gap clears at once and the next sequence number is taken as it comes. */
  resync(stream: number, nowNs: bigint): FeedHealthRecord[] {
    const s = this.stream(stream);
    const now = this.advance(nowNs);
    s.gapAtNs = null;
    s.lastSequence = undefined;
    if ((s.mask & (1 << FeedCondition.GAP)) !== 0) s.absentSince[FeedCondition.GAP] = now - this.options.recoverAfterNs;
    return this.evaluate(s, now);
  }

  /** Re-evaluates every stream at `nowNs` (time-driven conditions: STALE, SILENT, and recoveries); returns the records, streams in the order they were added. */
  check(nowNs: bigint): FeedHealthRecord[] {
    const now = this.advance(nowNs);
    const records: FeedHealthRecord[] = [];
    for (const s of this.streams.values()) records.push(...this.evaluate(s, now));
    return records;
  }

  /**
   * Carries conditions over from a recovered state (the core's risk slot after a crash; see the
   * header): `mask` (1 << code) goes onto every stream of `instrument` as active until proven
   * clear, at `nowNs`. Returns no record: whoever holds the recovered state already has them.
   * Throws for an instrument with no stream, or a mask that is not condition bits.
   */
  restore(instrument: number, mask: number, nowNs: bigint): void {
    if (!Number.isInteger(mask) || (mask & ~FEED_MASK_ALL) !== 0) throw new RangeError(`restore: \`mask\` must be an integer of condition bits (within ${FEED_MASK_ALL}), was ${mask}`);
    const streams = [...this.streams.values()].filter((s) => s.spec.instrument === instrument);
    if (streams.length === 0) throw new RangeError(`restore: instrument ${instrument} has no tracked stream (addStream first)`);
    this.advance(nowNs);
    for (const s of streams) {
      for (const code of CONDITIONS) if ((mask & (1 << code)) !== 0 && (s.mask & (1 << code)) === 0) s.absentSince[code] = null;
      s.mask |= mask;
      s.unproven |= mask;
    }
    this.instrumentMask.set(instrument, (this.instrumentMask.get(instrument) ?? 0) | mask);
  }

  /** Carried-over conditions of `instrument` not yet proven clear by any of its streams' messages (see restore). */
  unprovenMask(instrument: number): number {
    let mask = 0;
    for (const s of this.streams.values()) if (s.spec.instrument === instrument) mask |= s.unproven & s.mask;
    return mask;
  }

  /** Conditions active on `instrument` (1 << code; 0: healthy or not tracked). */
  activeMask(instrument: number): number {
    return this.instrumentMask.get(instrument) ?? 0;
  }

  private stream(stream: number): StreamState {
    const s = this.streams.get(stream);
    if (!s) throw new RangeError(`feed stream ${stream} is not tracked (addStream first)`);
    return s;
  }

  /** Times never go back: an earlier `nowNs` is taken as the latest seen. */
  private advance(nowNs: bigint): bigint {
    if (typeof nowNs !== 'bigint') throw new RangeError(`\`nowNs\` must be a bigint (ns), was ${String(nowNs)}`);
    if (nowNs > this.lastNowNs) this.lastNowNs = nowNs;
    return this.lastNowNs;
  }

  /** Whether condition `code`'s cause is present on `s` at `now` (and its value into s.value). */
  private cause(s: StreamState, code: number, now: bigint): boolean {
    const o = this.options;
    if ((s.unproven & (1 << code)) !== 0) return true;
    switch (code) {
      case FeedCondition.STALE: {
        const age = now - (s.lastExchangeNs === 0n ? s.addedNs : s.lastExchangeNs);
        if (age <= o.staleAfterNs) return false;
        s.value[code] = Number(age);
        return true;
      }
      case FeedCondition.SILENT: {
        const age = now - s.lastReceivedNs;
        if (!s.connected || age <= o.silentAfterNs) return false;
        s.value[code] = Number(age);
        return true;
      }
      case FeedCondition.GAP:
        return s.gapAtNs !== null;
      case FeedCondition.CROSSED:
      case FeedCondition.LOCKED: {
        if (!(s.bid > s.ask || s.bid === s.ask)) return false;
        if ((code === FeedCondition.CROSSED) !== (s.bid > s.ask)) return false;
        s.value[code] = s.bid - s.ask;
        return true;
      }
      default:
        return false;
    }
  }

  private evaluate(s: StreamState, now: bigint): FeedHealthRecord[] {
    const raised: number[] = [];
    for (const code of CONDITIONS) {
      const bit = 1 << code;
      const present = this.cause(s, code, now);
      if (present) {
        s.absentSince[code] = null;
        if ((s.mask & bit) === 0) {
          s.mask |= bit;
          raised.push(code);
        }
      } else if ((s.mask & bit) !== 0) {
        const since = s.absentSince[code] ?? now;
        s.absentSince[code] = since;
        if (now - since >= this.options.recoverAfterNs) {
          s.mask &= ~bit;
          s.absentSince[code] = null;
        }
      }
    }
    const instrument = s.spec.instrument;
    const before = this.instrumentMask.get(instrument) ?? 0;
    let after = 0;
    for (const other of this.streams.values()) if (other.spec.instrument === instrument) after |= other.mask;
    if (after === before) return [];
    this.instrumentMask.set(instrument, after);
    const record = (condition: FeedConditionCode, value: number): FeedHealthRecord => ({
      instrument, lastMessageNs: s.lastExchangeNs, detectedNs: now, condition, value, mask: after, stream: s.spec.stream, sequence: s.lastSequence ?? 0n,
    });
    const records = raised.filter((code) => (before & (1 << code)) === 0).map((code) => record(code as FeedConditionCode, s.value[code]));
    if (records.length === 0) {
      if (after === 0) records.push(record(FeedCondition.RECOVERED, 0));
      else {
        const lowest = CONDITIONS.find((code) => (after & (1 << code)) !== 0)!;
        records.push(record(lowest, (s.mask & (1 << lowest)) !== 0 ? s.value[lowest] : 0));
      }
    }
    return records;
  }
}
