// The inbound half of the write-ahead rule: every record a venue sends is appended to the
// journal, with the inbound sequence it will be published at, before it is published to the
// core. Tracks what recovery and reconciliation need: the next inbound sequence, the last
// market sequence and the last fill id the journal holds, overall and per instrument (venues such
// as Binance number trades per symbol: one symbol's ids say nothing of another's).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EngineHost } from '../threads/index.js';
import type { Journal } from '../journal/index.js';
import { EV_B, EV_INSTRUMENT, EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import { crashPoint } from './crash-points.js';

export class JournaledInbound {
  /** Inbound sequence the next record is published at (the core's consumed count once it has taken every record before it). */
  nextInboundSeq: bigint;
  lastMarketSeq = 0n;
  lastFillId = 0n;
  /** The largest fill id journaled per instrument (an instrument absent: none). */
  readonly lastFillIdByInstrument = new Map<number, bigint>();
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

  /** Journals `record` (not yet durable: the next commit covers it), then publishes it. */
  journalAndPublish(record: Uint8Array, sourceSeq: bigint): void {
    crashPoint('inbound-received');
    // The journal copies the 64 bytes into its pending batch at once: no copy here.
    this.journal.append({ type: 'inbound', inboundSeq: this.nextInboundSeq, record: record.length === 64 ? record : record.subarray(0, 64), sourceSeq });
    crashPoint('inbound-journaled');
    this.publish(record, sourceSeq);
  }

  /** Publishes without journaling (recovery replays records the journal already holds). */
  publish(record: Uint8Array, sourceSeq: bigint): void {
    this.note(record, sourceSeq);
    const producer = this.host.inbound;
    let first = producer.tryClaim(1);
    // In a session the ring is drained between venue messages; a full ring is a stalled engine.
    for (let spins = 0; first === -1; spins++) {
      this.host.checkHealthy();
      this.host.drainOutbound();
      if (spins > 1e7) throw new Error('the inbound ring stayed full: the engine thread is not consuming');
      first = producer.tryClaim(1);
    }
    new Uint8Array(producer.memory.i32.buffer).set(record.subarray(0, 64), producer.slotOffset(first >>> 0));
    producer.publish((first + 1) >>> 0);
    this.nextInboundSeq++;
  }

  /** Resolves once the core has consumed every published record (draining the outbound ring meanwhile). */
  async idle(): Promise<void> {
    const host = this.host;
    for (;;) {
      host.checkHealthy();
      host.drainOutbound();
      if (BigInt(host.counters().eventsProcessed) >= this.nextInboundSeq && host.outbound.available() === 0) {
        host.drainOutbound();
        return;
      }
      await host.waitForOutbound(5);
      await yieldToEventLoop();
    }
  }
}
