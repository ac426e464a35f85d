// SessionFeedHealth: the feed health of a push-mode live session (issue 15). It owns one
// FeedHealthTracker per instrument (engine/risk: pure, given the time on every call) and turns
// what the session sees into tracker calls, and the tracker's changes into 64-byte FEED_HEALTH
// records the session journals and publishes like any inbound venue record (so replay and crash
// recovery reproduce them byte for byte; nothing here is recomputed on recovery):
//
//   market record (BAR / TRADE / QUOTE)  -> a message on the stream (instrument, channel):
//                                           its exchange time (a BAR: its close), a QUOTE's bid/ask
//   FeedSignal gap (adapter: sequence)   -> the stream's next message skips `missed` numbers (GAP)
//   FeedSignal book (adapter: a crossed book it could not turn into a QUOTE) -> a bid/ask message
//   FeedSignal connection / disconnect   -> the connection state of the instrument's streams
//   check (each TIMER)                   -> time-driven conditions: STALE, SILENT, recoveries
//
// Stream ids (the record's `b`) are the positions of the subscribed streams. Sequence numbers
// are the session's own count of messages per stream (a gap the adapter reports advances it),
// since venues' sequence spaces differ. Thresholds: `staleAfterSeconds` / `silentAfterSeconds`
// when given, else the risk policy's, raised for a bar stream to `staleBars` bars of its timeframe
// (a 1m bar stream speaks once a minute); `recoverAfterSeconds` is the hysteresis.
//
// After a crash: recovery restores the core's feed state (checkpoint + journal replay), so an
// instrument degraded when the process died is still degraded in the core, while this process's
// trackers start all clear. The session hands each recovered non-zero mask to restore() (read
// from the core's risk slot once the replay is done): the conditions go onto the instrument's
// streams as active until proven clear (FeedHealthTracker.restore: a fresh, in-sequence message,
// then the usual hysteresis), so RECOVERED is emitted (journaled and published as usual) once the
// feed is really healthy, and never while it stays silent. A condition raised but not journaled
// before the process died was never seen by the core: it is simply detected again, no record is
// invented for it.
import { EV_A, EV_B, EV_INSTRUMENT, EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, EVENT_BYTES, EventKind, KIND_MASK } from '../layout/event-record.js';
import { DEFAULT_FEED_HEALTH, FeedCondition, FeedHealthTracker, decodeFeedHealth, encodeFeedHealth, feedConditionName, feedMaskNames, type FeedHealthPolicy, type FeedHealthRecord } from '../risk/index.js';
import type { FeedSignal, PushMarketStream } from './venue-adapter.js';

/** The `live.feedHealth` settings (every key optional). */
export interface SessionFeedHealthSettings {
  readonly staleAfterSeconds?: number;
  readonly silentAfterSeconds?: number;
  /** Hysteresis: how long a condition's cause must stay absent before it clears (default 2 s). */
  readonly recoverAfterSeconds?: number;
  /** Without explicit thresholds, a bar stream is stale / silent after this many bars (default 2.5). */
  readonly staleBars?: number;
}

const TIMEFRAME_SECONDS: Record<string, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 };
const NS_PER_SECOND = 1_000_000_000;
const ns = (seconds: number): bigint => BigInt(Math.round(seconds * NS_PER_SECOND));

interface StreamSlot {
  readonly stream: number;
  readonly instrument: number;
  readonly channel: PushMarketStream['channel'];
  /** The session's message count on this stream (gaps advance it). */
  sequence: bigint;
}

const CHANNEL_OF_KIND = new Map<number, PushMarketStream['channel']>([[EventKind.TRADE, 'trades'], [EventKind.BAR, 'bars'], [EventKind.QUOTE, 'quotes']]);

/** The thresholds of a stream (seconds), before the instrument takes the most lenient of its streams'. */
export function streamThresholds(stream: PushMarketStream, policy: FeedHealthPolicy, settings: SessionFeedHealthSettings = {}): { staleAfterSeconds: number; silentAfterSeconds: number } {
  const bars = stream.channel === 'bars' ? (settings.staleBars ?? 2.5) * (TIMEFRAME_SECONDS[stream.timeframe ?? '1m'] ?? 60) : 0;
  return {
    staleAfterSeconds: settings.staleAfterSeconds ?? Math.max(policy.staleAfterSeconds, bars),
    silentAfterSeconds: settings.silentAfterSeconds ?? Math.max(policy.silentAfterSeconds, bars),
  };
}

export class SessionFeedHealth {
  private readonly trackers = new Map<number, FeedHealthTracker>();
  private readonly slots: StreamSlot[] = [];
  private readonly byKey = new Map<string, StreamSlot>();
  private readonly view = new DataView(new ArrayBuffer(EVENT_BYTES));
  /** FEED_HEALTH records emitted, and the last of each instrument (for the session's summary). */
  emitted = 0;
  readonly last = new Map<number, FeedHealthRecord>();

  constructor(streams: readonly PushMarketStream[], nowNs: bigint, policy: FeedHealthPolicy = DEFAULT_FEED_HEALTH, settings: SessionFeedHealthSettings = {}) {
    for (const key of ['staleAfterSeconds', 'silentAfterSeconds', 'recoverAfterSeconds', 'staleBars'] as const) {
      const value = settings[key];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1e9)) {
        throw new RangeError(`\`live.feedHealth.${key}\` must be a number in (0, 1e9], was ${JSON.stringify(value)}`);
      }
    }
    const perInstrument = new Map<number, { stale: number; silent: number }>();
    streams.forEach((s, stream) => {
      const slot: StreamSlot = { stream, instrument: s.instrument, channel: s.channel, sequence: 0n };
      this.slots.push(slot);
      this.byKey.set(`${s.instrument}:${s.channel}`, slot);
      const t = streamThresholds(s, policy, settings);
      const before = perInstrument.get(s.instrument);
      perInstrument.set(s.instrument, { stale: Math.max(before?.stale ?? 0, t.staleAfterSeconds), silent: Math.max(before?.silent ?? 0, t.silentAfterSeconds) });
    });
    for (const [instrument, t] of perInstrument) {
      this.trackers.set(instrument, new FeedHealthTracker({ staleAfterNs: ns(t.stale), silentAfterNs: ns(t.silent), recoverAfterNs: ns(settings.recoverAfterSeconds ?? 2) }));
    }
    for (const slot of this.slots) this.trackers.get(slot.instrument)!.addStream({ stream: slot.stream, instrument: slot.instrument }, nowNs);
  }

  /** A record the venue sent (anything not a market record is ignored); returns the FEED_HEALTH records it caused. */
  onRecord(record: Uint8Array, nowNs: bigint): Uint8Array[] {
    const v = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
    const channel = CHANNEL_OF_KIND.get(v.getInt32(EV_KIND, true) & KIND_MASK);
    if (channel === undefined) return [];
    const slot = this.byKey.get(`${v.getInt32(EV_INSTRUMENT, true)}:${channel}`);
    if (!slot) return [];
    const exchangeNs = channel === 'bars' ? v.getBigInt64(EV_TS_LOCAL, true) : v.getBigInt64(EV_TS_EXCHANGE, true);
    slot.sequence++;
    const message = channel === 'quotes'
      ? { exchangeNs, sequence: slot.sequence, bid: v.getFloat64(EV_A, true), ask: v.getFloat64(EV_B, true) }
      : { exchangeNs, sequence: slot.sequence };
    return this.encode(this.trackers.get(slot.instrument)!.onMessage(slot.stream, nowNs, message));
  }

  /** What the adapter said about its feed (gap, crossed book, connection state). */
  onSignal(signal: FeedSignal, nowNs: bigint): Uint8Array[] {
    if (signal.kind === 'connection') return this.setConnected(signal.up, nowNs, signal.instrument);
    const slot = this.byKey.get(`${signal.instrument}:${signal.kind === 'gap' ? signal.channel : 'quotes'}`)
      ?? this.slots.find((s) => s.instrument === signal.instrument);
    if (!slot) return [];
    const tracker = this.trackers.get(slot.instrument)!;
    if (signal.kind === 'gap') {
      // The next message on the stream skips the missed ones: the tracker raises GAP on it.
      if (Number.isInteger(signal.missed) && signal.missed > 0) slot.sequence += BigInt(signal.missed);
      return [];
    }
    slot.sequence++;
    return this.encode(tracker.onMessage(slot.stream, nowNs, { exchangeNs: signal.exchangeNs, sequence: slot.sequence, bid: signal.bid, ask: signal.ask }));
  }

  /** The connection of `instrument`'s streams (every stream when absent) went up or down. */
  setConnected(up: boolean, nowNs: bigint, instrument?: number): Uint8Array[] {
    const out: FeedHealthRecord[] = [];
    for (const slot of this.slots) if (instrument === undefined || slot.instrument === instrument) out.push(...this.trackers.get(slot.instrument)!.setConnected(slot.stream, up, nowNs));
    return this.encode(out);
  }

  /** Time-driven conditions (each TIMER): STALE, SILENT and recoveries. */
  check(nowNs: bigint): Uint8Array[] {
    const out: FeedHealthRecord[] = [];
    for (const tracker of this.trackers.values()) out.push(...tracker.check(nowNs));
    return this.encode(out);
  }

  /**
   * Conditions the core recovered on `instrument` (its risk slot's feed mask after the journal
   * replay), carried over as active until its streams prove them clear (see the header). Emits no
   * record: the core holds them already. Returns what the session logs; an instrument without a
   * subscribed stream keeps its conditions (nothing here can prove them clear), and says so.
   */
  restore(instrument: number, mask: number, nowNs: bigint): string {
    const names = feedMaskNames(mask).join(', ');
    const tracker = this.trackers.get(instrument);
    if (!tracker) return `feed health: instrument ${instrument} recovered with ${names} active, but no stream of this session feeds it: kept`;
    tracker.restore(instrument, mask, nowNs);
    return `feed health: instrument ${instrument} recovered with ${names} active (journaled before the restart); kept until its streams deliver fresh, in-sequence messages, then cleared after the hysteresis`;
  }

  /** Carried-over conditions of `instrument` its streams have not yet proven clear (restore). */
  unprovenMask(instrument: number): number {
    return this.trackers.get(instrument)?.unprovenMask(instrument) ?? 0;
  }

  /** Conditions active on `instrument` (1 << code). */
  activeMask(instrument: number): number {
    return this.trackers.get(instrument)?.activeMask(instrument) ?? 0;
  }

  private encode(records: readonly FeedHealthRecord[]): Uint8Array[] {
    return records.map((record) => {
      encodeFeedHealth(this.view, 0, record, EventKind.SOURCE_LIVE);
      this.emitted++;
      this.last.set(record.instrument, record);
      return new Uint8Array(this.view.buffer.slice(0));
    });
  }
}

/** A FEED_HEALTH record in words, for the session's log: `feed health: instrument 0 stream 0 GAP 2 (active GAP)`. */
export function describeFeedHealth(record: Uint8Array): string {
  const r = decodeFeedHealth(new DataView(record.buffer, record.byteOffset, EVENT_BYTES), 0);
  const value = r.condition === FeedCondition.STALE || r.condition === FeedCondition.SILENT ? `${(r.value / NS_PER_SECOND).toFixed(3)} s` : String(r.value);
  const active = feedMaskNames(r.mask);
  return `feed health: instrument ${r.instrument} stream ${r.stream} ${feedConditionName(r.condition)}${r.condition === FeedCondition.RECOVERED ? '' : ` ${value}`} (active: ${active.length > 0 ? active.join(', ') : 'none'})`;
}
