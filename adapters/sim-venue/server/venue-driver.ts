// Runs the execution core's simulated venue (WasmVenue over its own WebAssembly memory) over
// the market tape, in lockstep: bar mode for every instrument, zero latency, and a clock that
// is the time of the last market record the venue saw (0 before the first). Advancing shows
// the venue the next record, after the events due by its time (DAY expiries) and takes out
// every event due by then; a command is acted on at once at the clock. Replies come back as
// the venue writes them with SOURCE_PAPER turned into SOURCE_LIVE; nothing else is changed
// here (fill and venue order ids are the session's). Deterministic: the same tape and the
// same calls give the same records.
import { compileCore, createSharedMemory, instantiateCore } from '../../../engine/core/wasm-core.js';
import { EventKind } from '../../../engine/layout/event-record.js';
import { encodeMarketRecord, marketRecordTime, WasmVenue, type VenueCommand, type VenueCoreExports, type VenueRecord } from '../../../engine/venue/index.js';
import type { MarketTape } from './market-tape.js';

export interface VenueCosts {
  /** Fractions of the notional in [-0.1, 0.1]. */
  readonly makerFee: number;
  readonly takerFee: number;
}

/** Kind bits of every record the server sends. */
export const LIVE_INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;

export function liveKind(kind: number): number {
  return (kind & ~(EventKind.SOURCE_PAPER | EventKind.SOURCE_REPLAY)) | LIVE_INBOUND;
}

export class VenueDriver {
  private readonly venue: WasmVenue;
  private seq = 0;
  private clockNs = 0n;

  constructor(
    readonly tape: MarketTape,
    costs: VenueCosts,
  ) {
    const memory = createSharedMemory();
    const core = instantiateCore(memory, compileCore('release')) as VenueCoreExports;
    this.venue = new WasmVenue(core, memory);
    this.venue.configure({
      latency: { model: 'constant' },
      instruments: tape.instrumentNames.map((_, instrument) => ({ instrument, mode: 'bars', makerFee: costs.makerFee, takerFee: costs.takerFee })),
    });
  }

  /** Sequence number of the last market record the venue saw (0: none). */
  get marketSeq(): number {
    return this.seq;
  }

  /** The venue's clock: the time of the last market record it saw. */
  get nowNs(): bigint {
    return this.clockNs;
  }

  get marketRecords(): number {
    return this.tape.bars.length;
  }

  get instruments(): number {
    return this.tape.instrumentNames.length;
  }

  /** Market record `seq` (1-based) as the client gets it. */
  marketRecord(seq: number): VenueRecord {
    const bar = this.tape.bars[seq - 1];
    if (bar === undefined) throw new RangeError(`market record ${seq} is outside the tape (1 .. ${this.tape.bars.length})`);
    const record = encodeMarketRecord(bar);
    return { ...record, kind: liveKind(record.kind) };
  }

  /** Shows the venue market record marketSeq + 1: the replies it caused, then the record. */
  advance(): { readonly replies: VenueRecord[]; readonly record: VenueRecord } {
    const seq = this.seq + 1;
    const bar = this.tape.bars[seq - 1];
    if (bar === undefined) throw new RangeError(`the tape ends at market record ${this.tape.bars.length}: cannot advance to ${seq}`);
    const at = marketRecordTime(bar);
    const replies = this.takeDue(at);
    this.venue.market(bar);
    replies.push(...this.takeDue(at));
    this.seq = seq;
    this.clockNs = at;
    return { replies, record: this.marketRecord(seq) };
  }

  /** The venue acts on `command` at its clock: the replies. */
  command(command: VenueCommand): VenueRecord[] {
    this.venue.submit(command, this.clockNs);
    return this.takeDue(this.clockNs);
  }

  /** Replies due by `untilNs`, in due order (commands reaching the venue and its timers are acted on, not returned). */
  private takeDue(untilNs: bigint): VenueRecord[] {
    const replies: VenueRecord[] = [];
    for (let due = this.venue.nextDueNs(); due !== null && due <= untilNs; due = this.venue.nextDueNs()) {
      const popped = this.venue.popRecord();
      if (popped === null) throw new Error(`venue reported an event due at ${due} but popped none`);
      if ((popped.record.kind & EventKind.DIRECTION_OUTBOUND) !== 0) continue;
      replies.push({ ...popped.record, kind: liveKind(popped.record.kind) });
    }
    return replies;
  }
}
