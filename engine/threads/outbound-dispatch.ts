// The outbound drain: reads every record the engine published on the outbound ring, in order,
// and hands each to its reader: PROGRESS to the consumed count, the simulated venue's replies
// and the core's own records (commands, risk records, round trips, notices, EQUITY, FEATURES) decoded
// to the listeners and the tally, and every record but PROGRESS as its bytes (what a journal stores).
// It decides nothing; the ring slots are released once all of them are read. With a latency
// monitor, each record but PROGRESS is timed for the intent stage (latency-monitor.ts).
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { decodeOrderFlowRecord, type CancelCommandRecord, type OrderCommandRecord, type OrderNoticeRecord, type ReplaceCommandRecord } from '../orders/index.js';
import { readRoundTrip, type RoundTrip } from '../portfolio/index.js';
import { decodeVenueEvent, readVenueRecord, type VenueReply } from '../venue/index.js';
import type { RiskRecord } from '../risk/index.js';
import type { RingConsumer } from '../ring/index.js';
import type { OrderIdLease } from '../state/index.js';
import type { OrderFlowTallier } from './order-flow-tally.js';
import { readFeatureRecord, type FeatureRecord } from '../pipeline/index.js';
import type { LatencyMonitor } from './latency-monitor.js';

/** An EQUITY record: the account after one bar of a risk-checked instrument (PipelineSpec.equityRecords). */
export interface EquityRecord {
  readonly instrument: number;
  readonly barOpenNs: bigint;
  readonly barCloseNs: bigint;
  /** Cash + market value, account currency. */
  readonly equity: number;
  readonly cash: number;
  /** Regime label code of the instrument's most probable filtered state after the bar (0 trending, 1 mean_reverting, 2 choppy), -1 without a regime. */
  readonly regimeLabel: number;
  /** The instrument's signed position after the bar. */
  readonly position: number;
}

/** Decodes the EQUITY record at `offset`. */
export function readEquityRecord(view: DataView, offset: number): EquityRecord {
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    barOpenNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    barCloseNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    equity: view.getFloat64(offset + EV_PRICE, true),
    cash: view.getFloat64(offset + EV_SIZE, true),
    regimeLabel: view.getFloat64(offset + EV_A, true),
    position: view.getFloat64(offset + EV_B, true),
  };
}

export interface OutboundListeners {
  /** Each EQUITY record (one per bar of each risk-checked instrument, when the pipeline enables them). */
  onEquity?(record: EquityRecord): void;
  /**
   * Each EQUITY record in place: its 64 bytes at `offset` of `view`, valid during the call (a
   * listener that keeps columns reads the fields it needs: no object per bar; readEquityRecord
   * decodes it).
   */
  onEquityAt?(view: DataView, offset: number): void;
  /** Each new order, in order, as the outbound drain reads it (a live venue adapter's input). */
  onOrder?(order: OrderCommandRecord): void;
  /** Each cancel or replace request. */
  onOrderChange?(change: CancelCommandRecord | ReplaceCommandRecord): void;
  /** Each OrderDenied / OrderDeferred / FlattenRequired record. */
  onRiskRecord?(record: RiskRecord): void;
  /** Each reply of the simulated venue, as the core applied it. */
  onVenueReport?(report: VenueReply): void;
  /** Each round trip of the trade list. */
  onRoundTrip?(roundTrip: RoundTrip): void;
  /** Each order notice (an event the order table could not apply as is; an order turned UNCERTAIN). */
  onOrderNotice?(notice: OrderNoticeRecord): void;
  /**
   * Each FEATURES record: a chunk of the feature vector of a bar whose decision waits for the model
   * (PipelineInstrument.model); engine/pipeline FeatureAssembler collects a bar's chunks.
   */
  onFeatures?(record: FeatureRecord): void;
  /**
   * Each outbound record but PROGRESS, as the 64 bytes the core wrote (plus, for a ROUND_TRIP,
   * the 64 of its extension): what a journal stores, and what determinism tests compare.
   */
  onRecordBytes?(bytes: Uint8Array): void;
}

export class OutboundDispatch {
  /** Total records consumed by the core, as last reported on the outbound ring. */
  consumedReported = 0;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(
    memory: WebAssembly.Memory,
    private readonly outbound: RingConsumer,
    /** Bytes from an outbound slot to its extension slot (ring capacity * 64). */
    private readonly extensionStride: number,
    private readonly listeners: OutboundListeners,
    private readonly tally: OrderFlowTallier,
    /** Persisted order ids: each ORDER's id is covered by the lease before its listeners see it. */
    private readonly orderIds: OrderIdLease | undefined,
    /** Times each drained record but PROGRESS (the intent stage); none: not timed. */
    private readonly latency: LatencyMonitor | null = null,
  ) {
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
  }

  /** Reads every published outbound record (drained at monotonic `drainNs`, for the intent stage); returns how many. */
  drain(drainNs = 0): number {
    const outbound = this.outbound;
    const available = outbound.available();
    if (available === 0) return 0;
    const first = outbound.cursor;
    const { i32, u32 } = outbound.memory;
    for (let i = 0; i < available; i++) {
      const offset = outbound.slotOffset((first + i) >>> 0);
      const word = i32[(offset + EV_KIND) >> 2];
      const kind = word & KIND_MASK;
      if (kind === EventKind.PROGRESS) {
        const w = (offset + EV_ID) >> 2;
        this.consumedReported = u32[w] + u32[w + 1] * 4294967296;
        continue;
      }
      if (this.latency !== null) this.latency.recordIntent((first + i) >>> 0, drainNs);
      if (this.listeners.onRecordBytes) this.copyRecord(offset, kind);
      if ((word & EventKind.SOURCE_PAPER) !== 0) this.venueReply(offset, kind, word);
      else this.coreRecord(offset, kind);
    }
    outbound.release((first + available) >>> 0);
    return available;
  }

  private copyRecord(offset: number, kind: number): void {
    const record = new Uint8Array(kind === EventKind.ROUND_TRIP ? 128 : 64);
    record.set(this.bytes.subarray(offset, offset + 64));
    if (kind === EventKind.ROUND_TRIP) record.set(this.bytes.subarray(offset + this.extensionStride, offset + this.extensionStride + 64), 64);
    this.listeners.onRecordBytes!(record);
  }

  /** A reply of the simulated venue the core applied. */
  private venueReply(offset: number, kind: number, word: number): void {
    this.tally.venueReply(kind, (word & EventKind.FLAG_MAKER) !== 0, kind === EventKind.FILL ? this.view.getFloat64(offset + EV_A, true) : 0);
    if (this.listeners.onVenueReport) {
      // The core passes the reply on outbound; decoded as the venue sent it (inbound).
      const record = readVenueRecord(this.view, offset);
      const sent = { ...record, kind: (record.kind & ~EventKind.DIRECTION_OUTBOUND) | EventKind.DIRECTION_INBOUND };
      this.listeners.onVenueReport(decodeVenueEvent(sent, record.tsLocal) as VenueReply);
    }
  }

  /** A record the core wrote itself: a command, a risk record, a round trip or an order notice. */
  private coreRecord(offset: number, kind: number): void {
    const { listeners, view, tally } = this;
    if (kind === EventKind.ROUND_TRIP) {
      tally.roundTrip(view.getFloat64(offset + EV_B, true));
      listeners.onRoundTrip?.(readRoundTrip(view, offset, offset + this.extensionStride));
      return;
    }
    if (kind === EventKind.EQUITY) {
      listeners.onEquityAt?.(view, offset);
      listeners.onEquity?.(readEquityRecord(view, offset));
      return;
    }
    if (kind === EventKind.FEATURES) {
      listeners.onFeatures?.(readFeatureRecord(view, offset));
      return;
    }
    const record = decodeOrderFlowRecord(view, offset);
    switch (record.record) {
      case 'order':
        this.orderIds?.ensure(record.orderId);
        tally.order(record);
        listeners.onOrder?.(record);
        break;
      case 'cancel':
      case 'replace':
        tally.orderChange(record);
        listeners.onOrderChange?.(record);
        break;
      case 'risk':
        tally.risk(record);
        listeners.onRiskRecord?.(record);
        break;
      case 'notice':
        tally.notice(record);
        listeners.onOrderNotice?.(record);
        break;
      case 'other':
        break;
    }
  }
}
