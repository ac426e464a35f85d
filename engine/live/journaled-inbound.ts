// The inbound half of the write-ahead rule: every record a venue sends is appended to the
// journal, with the inbound sequence it will be published at, before it is published to the
// core. Tracks what recovery and reconciliation need: the next inbound sequence, the last
// market sequence and the last fill id the journal holds, overall and per instrument (venues such
// as Binance number trades per symbol: one symbol's ids say nothing of another's).
//
// A full inbound ring (the engine is behind, e.g. a burst of venue messages larger than the ring)
// never blocks the I/O thread: the records it cannot take yet wait here in order, already
// journaled, and are published as the core frees slots, asynchronously (the venue's sockets,
// heartbeats and the monitoring server run on). `onBackpressure` tells when waiting starts and
// ends (the session logs it and the health topic shows it); past MAX_WAITING_RECORDS the engine
// is taken as stalled and the session's next wait fails (what was accepted is in the journal).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EngineHost } from '../threads/index.js';
import type { Journal } from '../journal/index.js';
import { EV_B, EV_INSTRUMENT, EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import { crashPoint } from './crash-points.js';

/** Records that may wait for room on the inbound ring (64 bytes each: 64 MiB) before the engine is taken as stalled. */
export const MAX_WAITING_RECORDS = 1 << 20;

/** The ring filled (`waiting` > 0 records now wait) or the waiting records are all published again (`waiting` 0). */
export interface InboundBackpressure {
  readonly waiting: number;
  /** The most records that waited at once in this stretch. */
  readonly mostWaiting: number;
}

export class JournaledInbound {
  /** Inbound sequence the next record is published at (the core's consumed count once it has taken every record before it). */
  nextInboundSeq: bigint;
  lastMarketSeq = 0n;
  lastFillId = 0n;
  /** The largest fill id journaled per instrument (an instrument absent: none). */
  readonly lastFillIdByInstrument = new Map<number, bigint>();
  /**
   * Records accepted (journaled, with their inbound sequence) that wait for room on the inbound
   * ring, oldest first: the engine is behind. They are published in order as the core frees
   * slots (pump, idle), and every record accepted after them waits behind them, so the core takes
   * records in the order of their inbound sequences. Nothing blocks the I/O thread meanwhile.
   */
  private readonly waiting: { record: Uint8Array; sourceSeq: bigint }[] = [];
  private waitingHead = 0;
  private pumping = false;
  private closed = false;
  private failure: Error | undefined;
  /** Times the ring was found full (a stretch of waiting records began), and the most records that waited at once (the session's result reports them). */
  fullCount = 0;
  mostWaiting = 0;
  /**
   * Called with each record journalAndPublish takes and its inbound sequence: the venue's, the
   * feed-health, model and timer records, and those reconciliation makes (missed fills, order
   * status, lost-before-venue rejects), so a watcher sees every one of them once.
   */
  onJournaled: ((record: Uint8Array, inboundSeq: bigint) => void) | undefined;
  /** Called when records start waiting for room on the ring, and when the last of them is published. */
  onBackpressure: ((state: InboundBackpressure) => void) | undefined;
  private stretchMost = 0;
  private readonly view = new DataView(new ArrayBuffer(64));
  private readonly scratch = new Uint8Array(this.view.buffer);

  constructor(private readonly host: EngineHost, private readonly journal: Journal, firstInboundSeq: bigint) {
    this.nextInboundSeq = firstInboundSeq;
  }

  /** Notes what a record tells about the stream (market sequence, fill id). */
  note(record: Uint8Array, sourceSeq: bigint): void {
    this.scratch.set(record.subarray(0, 64));
    const kind = this.view.getInt32(EV_KIND, true) & KIND_MASK;
    if ((kind & (EventKind.BAR | EventKind.TRADE | EventKind.QUOTE)) !== 0 && sourceSeq > this.lastMarketSeq) this.lastMarketSeq = sourceSeq;
    if (kind === EventKind.FILL) {
      const fillId = BigInt(Math.trunc(this.view.getFloat64(EV_B, true)));
      if (fillId > this.lastFillId) this.lastFillId = fillId;
      const instrument = this.view.getInt32(EV_INSTRUMENT, true);
      if (fillId > (this.lastFillIdByInstrument.get(instrument) ?? 0n)) this.lastFillIdByInstrument.set(instrument, fillId);
    }
  }

  /** Journals `record` (not yet durable: the next commit covers it; `message`: a REJECT's words from the venue, journaled with it), then publishes it. */
  journalAndPublish(record: Uint8Array, sourceSeq: bigint, message?: string): void {
    crashPoint('inbound-received');
    // The journal copies the 64 bytes into its pending batch at once: no copy here.
    const bytes = record.length === 64 ? record : record.subarray(0, 64);
    this.journal.append(message === undefined ? { type: 'inbound', inboundSeq: this.nextInboundSeq, record: bytes, sourceSeq } : { type: 'inbound', inboundSeq: this.nextInboundSeq, record: bytes, sourceSeq, message });
    crashPoint('inbound-journaled');
    this.publish(record, sourceSeq);
    this.onJournaled?.(record, this.nextInboundSeq - 1n);
  }

  /** Records accepted that wait for room on the inbound ring (published in order as the core frees slots). */
  get waitingRecords(): number {
    return this.waiting.length - this.waitingHead;
  }

  /**
   * Publishes without journaling (recovery replays records the journal already holds). When the
   * ring is full, or records already wait, the record waits behind them (a copy) and goes out
   * once the core frees room; its inbound sequence is taken now either way.
   */
  publish(record: Uint8Array, sourceSeq: bigint): void {
    this.note(record, sourceSeq);
    this.nextInboundSeq++;
    if (this.waitingRecords === 0 && !this.closed && this.tryPublish(record)) return;
    if (this.waitingRecords === 0) {
      this.fullCount++;
      this.stretchMost = 0;
    }
    this.waiting.push({ record: record.slice(0, 64), sourceSeq });
    const waiting = this.waitingRecords;
    if (waiting > this.stretchMost) this.stretchMost = waiting;
    if (waiting > this.mostWaiting) this.mostWaiting = waiting;
    if (waiting === 1) this.onBackpressure?.({ waiting, mostWaiting: waiting });
    if (waiting > MAX_WAITING_RECORDS && !this.failure) {
      this.failure = new Error(`the inbound ring stayed full: ${waiting} records (journaled) wait for the engine thread, which has not taken them; it is stalled`);
    }
    void this.pump();
  }

  /** Resolves once every record accepted is on the ring (none waits), draining the outbound ring meanwhile. */
  async published(): Promise<void> {
    while (this.waitingRecords > 0) {
      this.checkFailure();
      if (this.publishWaiting() === 0 && this.host.drainOutbound() === 0) await this.host.waitForInboundRoom(5);
    }
  }

  /** Claims a slot and publishes `record`; false when the ring is full. */
  private tryPublish(record: Uint8Array): boolean {
    const producer = this.host.inbound;
    const first = producer.tryClaim(1);
    if (first === -1) return false;
    new Uint8Array(producer.memory.i32.buffer).set(record.subarray(0, 64), producer.slotOffset(first >>> 0));
    producer.publish((first + 1) >>> 0);
    return true;
  }

  /** Publishes waiting records, oldest first, while the ring has room; returns how many went out. */
  private publishWaiting(): number {
    let published = 0;
    if (this.closed) return 0;
    while (this.waitingHead < this.waiting.length && this.tryPublish(this.waiting[this.waitingHead].record)) {
      this.waitingHead++;
      published++;
    }
    if (published > 0 && this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
      this.onBackpressure?.({ waiting: 0, mostWaiting: this.stretchMost });
    } else if (this.waitingHead > 4096 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return published;
  }

  /** Publishes the waiting records as room appears, without blocking the event loop (one pump at a time). */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waitingRecords > 0 && !this.failure && !this.closed) {
        this.host.checkHealthy();
        if (this.publishWaiting() === 0 && this.host.drainOutbound() === 0) await this.host.waitForInboundRoom(5);
      }
    } catch (error) {
      // The engine thread failed: the session's next wait (idle, published) reports it.
      this.failure ??= error as Error;
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Stops publishing (the session ends: its engine is stopping). Records still waiting are in the
   * journal, which the next start replays; nothing is published after this.
   */
  close(): void {
    this.closed = true;
  }

  private checkFailure(): void {
    this.host.checkHealthy();
    if (this.failure) throw this.failure;
    if (this.closed && this.waitingRecords > 0) throw new Error(`the session ended with ${this.waitingRecords} inbound records (journaled) not yet published`);
  }

  /** Resolves once the core has consumed every record accepted (publishing those that wait, draining the outbound ring meanwhile). */
  async idle(): Promise<void> {
    const host = this.host;
    for (;;) {
      this.checkFailure();
      this.publishWaiting();
      host.drainOutbound();
      if (this.waitingRecords === 0 && BigInt(host.counters().eventsProcessed) >= this.nextInboundSeq && host.outbound.available() === 0) {
        host.drainOutbound();
        return;
      }
      if (this.waitingRecords > 0) await host.waitForInboundRoom(5);
      else await host.waitForOutbound(5);
      await yieldToEventLoop();
    }
  }
}
