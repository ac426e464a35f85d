// What the shadow paper core takes from a session's journal when the session starts again
// (shadow-paper.ts catch-up): the entries from the journal's first record up to where this
// process started, in journal order, handed to a sink in bounded steps:
//
//   InboundRecord (64 bytes)     -> sink.offer(record, journaled at)   (the sink drops live order events)
//   SubmitOrder                  -> sink.noteLiveOrder(order, journaled at)
//   operator KillSwitchTripped   -> sink.control({ kind: 'trip' })     (the core's own drawdown trip is not an
//   KillSwitchReset              -> sink.control({ kind: 'reset' })     operator's: the shadow trips on its own)
//   LimitChanged                 -> sink.control({ kind: 'limit', ... })
//   StrategyPaused               -> sink.control({ kind: 'pause', ... })
//   anything else                   skipped
//
// Times are the journal's (wall-clock ns at append) in ms, the clock ShadowPaper's live side uses.
import { InboundReader, type Journal } from '../journal/index.js';
import { decodeOrderFlowRecord, type OrderCommandRecord } from '../orders/index.js';
import { pausedInstrumentsProblem } from '../pipeline/index.js';
import { isRiskLimitName, type RiskLimitName } from '../risk/index.js';
import { isOperatorTrip } from './session-server-control.js';
import { EVENT_BYTES, EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';

/** An operator's action as the shadow core applies it (at the same point of the record stream as the live core). */
export type ShadowControl =
  | { readonly kind: 'trip' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'limit'; readonly limit: RiskLimitName; readonly value: number }
  | { readonly kind: 'pause'; readonly instruments: readonly number[]; readonly paused: boolean };

export interface ShadowJournalSink {
  offer(record: Uint8Array, atMs: number): void;
  noteLiveOrder(order: OrderCommandRecord, atMs: number): void;
  control(action: ShadowControl): void;
}

/** What one step read. */
export interface ShadowJournalStep {
  /** The next journal sequence to read (past `through`: done). */
  readonly next: bigint;
  readonly records: number;
  readonly controls: number;
  readonly liveOrders: number;
}

/**
 * Reads at most `maxEntries` journal entries from sequence `from` through `through` into `sink`.
 * Throws (naming the record) on an entry the live session could not have written.
 */
export function readJournalForShadow(journal: Journal, from: bigint, through: bigint, sink: ShadowJournalSink, maxEntries: number): ShadowJournalStep {
  const reader = new InboundReader();
  let next = from;
  let entries = 0;
  let records = 0;
  let controls = 0;
  let liveOrders = 0;
  for (const { key, value } of journal.scanRange(from)) {
    if (BigInt(key) > through || entries >= maxEntries) break;
    entries++;
    next = BigInt(key) + 1n;
    let inbound: boolean;
    try {
      inbound = reader.readInboundSeq(value) >= 0;
    } catch (error) {
      throw journal.damaged(key, error);
    }
    if (inbound) {
      // The record's journal time only matters for a live fill (a few); the rest skip the decode.
      const record = value.subarray(reader.recordOffset, reader.recordOffset + EVENT_BYTES);
      offerJournaled(sink, record, () => Number(journal.decodeAt(key, copyOf(value)).timeNs) / 1e6);
      records++;
      continue;
    }
    const { entry, timeNs } = journal.decodeAt(key, copyOf(value));
    if (entry.type === 'submit') {
      const order = decodeOrderFlowRecord(new DataView(entry.record.buffer, entry.record.byteOffset, entry.record.byteLength), 0);
      if (order.record === 'order') {
        sink.noteLiveOrder(order, Number(timeNs) / 1e6);
        liveOrders++;
      }
    } else if (entry.type === 'killSwitchReset' || isOperatorTrip(entry)) {
      sink.control({ kind: entry.type === 'killSwitchReset' ? 'reset' : 'trip' });
      controls++;
    } else if (entry.type === 'limitChanged') {
      if (!isRiskLimitName(entry.limit)) throw new Error(`journal ${journal.path}: record ${key} changes an unknown risk limit ${JSON.stringify(entry.limit)}`);
      sink.control({ kind: 'limit', limit: entry.limit, value: entry.value });
      controls++;
    } else if (entry.type === 'strategyPaused') {
      const problem = pausedInstrumentsProblem(entry.instruments);
      if (problem !== null) throw new Error(`journal ${journal.path}: record ${key} pauses ${problem}`);
      sink.control({ kind: 'pause', instruments: entry.instruments, paused: entry.paused });
      controls++;
    }
  }
  return { next: entries === 0 ? through + 1n : next, records, controls, liveOrders };
}

/** Hands a journaled inbound record to the sink, with its journal time read only for a live FILL. */
function offerJournaled(sink: ShadowJournalSink, record: Uint8Array, journaledAtMs: () => number): void {
  const kind = new DataView(record.buffer, record.byteOffset, EVENT_BYTES).getInt32(EV_KIND, true) & KIND_MASK;
  sink.offer(record, kind === EventKind.FILL ? journaledAtMs() : Number.NaN);
}

/** lmdb-js hands out its shared read buffer: decoded entries get a copy. */
function copyOf(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.length).slice();
}
