// Encodes JournalEntry objects into JournalRecord FlatBuffers (schemas/journal.fbs, file
// identifier QFJR) and decodes them back with the generated code. One Builder is reused per
// encoder (cleared per record); inbound entries take the fixed-layout fast path of
// inbound-codec.ts, which the generated decoder reads identically, except one that carries a
// REJECT's message (rare), which the Builder writes (the fast reader reads both).
import * as flatbuffers from 'flatbuffers';
import { QuantFlow } from '../../schemas/generated/index.js';
import { INBOUND_JOURNAL_RECORD_BYTES, checkInboundFields, writeInboundRecord } from './inbound-codec.js';
import { MAX_REJECT_MESSAGE_CHARS, type EngineModeName, type JournalEntry, type JournalRecordView, type SideName } from './journal-entry.js';
import { JournalFormatError } from './journal-errors.js';

const J = QuantFlow.Journal;
const { EngineMode, Side } = QuantFlow;
type EngineMode = QuantFlow.EngineMode;
type Side = QuantFlow.Side;

const MODE_TO_FB: Record<EngineModeName, EngineMode> = { backtest: EngineMode.Backtest, paper: EngineMode.Paper, live: EngineMode.Live };
const MODE_FROM_FB: Record<number, EngineModeName> = { [EngineMode.Backtest]: 'backtest', [EngineMode.Paper]: 'paper', [EngineMode.Live]: 'live' };
const SIDE_TO_FB: Record<SideName, Side> = { buy: Side.Buy, sell: Side.Sell };
const MAX_U64 = (1n << 64n) - 1n;

function checkU64(value: bigint, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_U64) throw new RangeError(`\`${field}\` must be a bigint in [0, 2^64), was ${String(value)}`);
  return value;
}

function checkU32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`\`${field}\` must be an integer in [0, 2^32), was ${value}`);
  return value;
}

function checkI32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) throw new RangeError(`\`${field}\` must be a 32-bit integer, was ${value}`);
  return value;
}

function mode(value: EngineModeName, field: string): EngineMode {
  const fb = MODE_TO_FB[value];
  if (fb === undefined) throw new RangeError(`\`${field}\` must be one of backtest, paper, live, was ${JSON.stringify(value)}`);
  return fb;
}

/** Reusable encoder: `encode` returns a view into its builder, valid until the next call. */
export class JournalEncoder {
  private readonly builder = new flatbuffers.Builder(1024);
  private inbound = new Uint8Array(INBOUND_JOURNAL_RECORD_BYTES);
  private inboundView = new DataView(this.inbound.buffer);

  /** UTF-8 of the string being added, without allocating (TextEncoder.encodeInto). */
  private readonly utf8 = new Uint8Array(4096);
  private readonly textEncoder = new TextEncoder();

  encode(sequence: bigint, timeNs: bigint, entry: JournalEntry): Uint8Array {
    if (entry.type === 'inbound') {
      checkInboundFields(entry.inboundSeq, entry.record, entry.sourceSeq);
      if (entry.message === undefined) {
        writeInboundRecord(this.inbound, this.inboundView, 0, sequence, timeNs, entry.inboundSeq, entry.record, entry.sourceSeq);
        return this.inbound;
      }
    }
    const b = this.builder;
    b.clear();
    const [type, offset] = entry.type === 'inbound' ? this.inboundWithMessage(b, entry) : this.entry(b, entry);
    J.JournalRecord.startJournalRecord(b);
    J.JournalRecord.addSequence(b, sequence);
    J.JournalRecord.addTimeNs(b, timeNs);
    J.JournalRecord.addEntryType(b, type);
    J.JournalRecord.addEntry(b, offset);
    J.JournalRecord.finishJournalRecordBuffer(b, J.JournalRecord.endJournalRecord(b));
    return b.asUint8Array();
  }

  private string(b: flatbuffers.Builder, s: string): flatbuffers.Offset {
    const { read, written } = this.textEncoder.encodeInto(s, this.utf8);
    return read === s.length ? b.createString(this.utf8.subarray(0, written)) : b.createString(s);
  }

  /** An inbound entry that carries a REJECT's message: built by the Builder (the fast layout has no room for it). */
  private inboundWithMessage(b: flatbuffers.Builder, e: Extract<JournalEntry, { type: 'inbound' }>): [QuantFlow.Journal.JournalEntry, flatbuffers.Offset] {
    const text = e.message ?? '';
    if (typeof text !== 'string' || text.length > MAX_REJECT_MESSAGE_CHARS) {
      throw new RangeError(`inbound \`message\` must be a string of at most ${MAX_REJECT_MESSAGE_CHARS} characters, was ${typeof text === 'string' ? `${text.length} characters` : typeof text}`);
    }
    const message = this.string(b, text);
    const record = J.InboundRecord.createRecordVector(b, e.record);
    return [J.JournalEntry.InboundRecord, J.InboundRecord.createInboundRecord(b, e.inboundSeq, record, e.sourceSeq, message)];
  }

  private entry(b: flatbuffers.Builder, e: Exclude<JournalEntry, { type: 'inbound' }>): [QuantFlow.Journal.JournalEntry, flatbuffers.Offset] {
    const E = J.JournalEntry;
    switch (e.type) {
      case 'submit': {
        const id = this.string(b, e.clientOrderId);
        const record = b.createByteVector(e.record);
        J.SubmitOrder.startSubmitOrder(b);
        J.SubmitOrder.addOrderId(b, checkU64(e.orderId, 'submit.orderId'));
        J.SubmitOrder.addClientOrderId(b, id);
        J.SubmitOrder.addInstrumentId(b, checkI32(e.instrument, 'submit.instrument'));
        const side = SIDE_TO_FB[e.side];
        if (side === undefined) throw new RangeError(`\`submit.side\` must be buy or sell, was ${JSON.stringify(e.side)}`);
        J.SubmitOrder.addSide(b, side);
        J.SubmitOrder.addQuantity(b, e.quantity);
        if (e.limitPrice !== null) J.SubmitOrder.addLimitPrice(b, e.limitPrice);
        if (e.stopPrice !== null) J.SubmitOrder.addStopPrice(b, e.stopPrice);
        J.SubmitOrder.addReduceOnly(b, e.reduceOnly);
        J.SubmitOrder.addPostOnly(b, e.postOnly);
        J.SubmitOrder.addRecord(b, record);
        return [E.SubmitOrder, J.SubmitOrder.endSubmitOrder(b)];
      }
      case 'cancel': {
        const id = this.string(b, e.clientOrderId);
        const reason = this.string(b, e.reason);
        const record = b.createByteVector(e.record);
        J.CancelOrder.startCancelOrder(b);
        J.CancelOrder.addOrderId(b, checkU64(e.orderId, 'cancel.orderId'));
        J.CancelOrder.addClientOrderId(b, id);
        J.CancelOrder.addInstrumentId(b, checkI32(e.instrument, 'cancel.instrument'));
        J.CancelOrder.addReason(b, reason);
        J.CancelOrder.addRecord(b, record);
        return [E.CancelOrder, J.CancelOrder.endCancelOrder(b)];
      }
      case 'replace': {
        const id = this.string(b, e.clientOrderId);
        const record = b.createByteVector(e.record);
        J.ReplaceOrder.startReplaceOrder(b);
        J.ReplaceOrder.addOrderId(b, checkU64(e.orderId, 'replace.orderId'));
        J.ReplaceOrder.addClientOrderId(b, id);
        J.ReplaceOrder.addInstrumentId(b, checkI32(e.instrument, 'replace.instrument'));
        J.ReplaceOrder.addQuantity(b, e.quantity);
        if (e.limitPrice !== null) J.ReplaceOrder.addLimitPrice(b, e.limitPrice);
        if (e.stopPrice !== null) J.ReplaceOrder.addStopPrice(b, e.stopPrice);
        J.ReplaceOrder.addRecord(b, record);
        return [E.ReplaceOrder, J.ReplaceOrder.endReplaceOrder(b)];
      }
      case 'killSwitchTripped':
      case 'killSwitchReset': {
        const who = this.string(b, e.who);
        const why = this.string(b, e.why);
        if (e.type === 'killSwitchTripped') {
          J.KillSwitchTripped.startKillSwitchTripped(b);
          J.KillSwitchTripped.addWho(b, who);
          J.KillSwitchTripped.addWhy(b, why);
          return [E.KillSwitchTripped, J.KillSwitchTripped.endKillSwitchTripped(b)];
        }
        J.KillSwitchReset.startKillSwitchReset(b);
        J.KillSwitchReset.addWho(b, who);
        J.KillSwitchReset.addWhy(b, why);
        return [E.KillSwitchReset, J.KillSwitchReset.endKillSwitchReset(b)];
      }
      case 'modeChanged': {
        const who = this.string(b, e.who);
        const why = this.string(b, e.why);
        J.ModeChanged.startModeChanged(b);
        J.ModeChanged.addWho(b, who);
        J.ModeChanged.addWhy(b, why);
        J.ModeChanged.addPreviousMode(b, mode(e.previousMode, 'modeChanged.previousMode'));
        J.ModeChanged.addMode(b, mode(e.mode, 'modeChanged.mode'));
        return [E.ModeChanged, J.ModeChanged.endModeChanged(b)];
      }
      case 'limitChanged': {
        const who = this.string(b, e.who);
        const why = this.string(b, e.why);
        const limit = this.string(b, e.limit);
        J.LimitChanged.startLimitChanged(b);
        J.LimitChanged.addWho(b, who);
        J.LimitChanged.addWhy(b, why);
        J.LimitChanged.addLimit(b, limit);
        J.LimitChanged.addPreviousValue(b, e.previousValue);
        J.LimitChanged.addValue(b, e.value);
        return [E.LimitChanged, J.LimitChanged.endLimitChanged(b)];
      }
      case 'sessionStarted': {
        const id = this.string(b, e.sessionId);
        const pipeline = this.string(b, e.pipelineJson);
        J.SessionStarted.startSessionStarted(b);
        J.SessionStarted.addSessionId(b, id);
        J.SessionStarted.addMode(b, mode(e.mode, 'sessionStarted.mode'));
        J.SessionStarted.addPipelineJson(b, pipeline);
        J.SessionStarted.addRecoveredFromInboundSeq(b, checkU64(e.recoveredFromInboundSeq, 'sessionStarted.recoveredFromInboundSeq'));
        J.SessionStarted.addReplayedRecords(b, checkU64(e.replayedRecords, 'sessionStarted.replayedRecords'));
        return [E.SessionStarted, J.SessionStarted.endSessionStarted(b)];
      }
      case 'reconciliation': {
        const trigger = this.string(b, e.trigger);
        const report = this.string(b, e.report);
        const R = J.ReconciliationDone;
        R.startReconciliationDone(b);
        R.addTrigger(b, trigger);
        R.addMissedFills(b, checkU32(e.missedFills, 'reconciliation.missedFills'));
        R.addResolvedOrders(b, checkU32(e.resolvedOrders, 'reconciliation.resolvedOrders'));
        R.addRejectedOrders(b, checkU32(e.rejectedOrders, 'reconciliation.rejectedOrders'));
        R.addResubmittedOrders(b, checkU32(e.resubmittedOrders, 'reconciliation.resubmittedOrders'));
        R.addUncertainOrders(b, checkU32(e.uncertainOrders, 'reconciliation.uncertainOrders'));
        R.addForeignOrders(b, checkU32(e.foreignOrders, 'reconciliation.foreignOrders'));
        R.addPositionMismatches(b, checkU32(e.positionMismatches, 'reconciliation.positionMismatches'));
        R.addReport(b, report);
        return [E.ReconciliationDone, R.endReconciliationDone(b)];
      }
      case 'modelAlert': {
        if (e.kind !== 'feature-drift' && e.kind !== 'quantile-calibration') {
          throw new RangeError(`\`modelAlert.kind\` must be feature-drift or quantile-calibration, was ${JSON.stringify(e.kind)}`);
        }
        if (typeof e.instrument !== 'string' || e.instrument === '') throw new RangeError(`\`modelAlert.instrument\` must be a non-empty string, was ${JSON.stringify(e.instrument)}`);
        if (typeof e.atNs !== 'bigint') throw new RangeError(`\`modelAlert.atNs\` must be a bigint (ns since the epoch), was ${String(e.atNs)}`);
        const kind = this.string(b, e.kind);
        const instrument = this.string(b, e.instrument);
        const feature = this.string(b, e.feature ?? '');
        const A = J.ModelAlert;
        A.startModelAlert(b);
        A.addKind(b, kind);
        A.addInstrument(b, instrument);
        A.addFeature(b, feature);
        A.addValue(b, e.value);
        A.addThreshold(b, e.threshold);
        A.addTimeNs(b, e.atNs);
        return [E.ModelAlert, A.endModelAlert(b)];
      }
      case 'orderAdopted': {
        if (typeof e.clientOrderId !== 'string' || e.clientOrderId === '') throw new RangeError(`\`orderAdopted.clientOrderId\` must be a non-empty string, was ${JSON.stringify(e.clientOrderId)}`);
        const clientOrderId = this.string(b, e.clientOrderId);
        const A = J.OrderAdopted;
        A.startOrderAdopted(b);
        A.addOrderId(b, checkU64(e.orderId, 'orderAdopted.orderId'));
        A.addClientOrderId(b, clientOrderId);
        A.addVenueOrderId(b, checkU64(e.venueOrderId, 'orderAdopted.venueOrderId'));
        A.addInstrument(b, checkI32(e.instrument, 'orderAdopted.instrument'));
        return [E.OrderAdopted, A.endOrderAdopted(b)];
      }
      case 'strategyPaused': {
        if (typeof e.strategy !== 'string' || e.strategy === '') throw new RangeError(`\`strategyPaused.strategy\` must be a non-empty string, was ${JSON.stringify(e.strategy)}`);
        if (!Array.isArray(e.instruments) || e.instruments.length === 0) throw new RangeError(`\`strategyPaused.instruments\` must be a non-empty array of instrument ids, was ${JSON.stringify(e.instruments)}`);
        const who = this.string(b, e.who);
        const why = this.string(b, e.why);
        const strategy = this.string(b, e.strategy);
        const P = J.StrategyPaused;
        const instruments = P.createInstrumentsVector(b, e.instruments.map((id, k) => checkI32(id, `strategyPaused.instruments[${k}]`)));
        P.startStrategyPaused(b);
        P.addWho(b, who);
        P.addWhy(b, why);
        P.addStrategy(b, strategy);
        P.addInstruments(b, instruments);
        P.addPaused(b, e.paused === true);
        return [E.StrategyPaused, P.endStrategyPaused(b)];
      }
      default: {
        const unknown: never = e;
        throw new RangeError(`journal entry \`type\` must be one of inbound, submit, cancel, replace, killSwitchTripped, killSwitchReset, modeChanged, limitChanged, strategyPaused, sessionStarted, reconciliation, modelAlert, orderAdopted, was ${JSON.stringify((unknown as { type: unknown }).type)}`);
      }
    }
  }
}

const sharedEncoder = new JournalEncoder();

/** Encodes one record into a new Uint8Array (the caller owns it). */
export function encodeJournalRecord(sequence: bigint, timeNs: bigint, entry: JournalEntry): Uint8Array {
  return sharedEncoder.encode(checkU64(sequence, 'sequence'), timeNs, entry).slice();
}

function copy(array: Uint8Array | null): Uint8Array {
  return array ? array.slice() : new Uint8Array(0);
}

function modeName(value: number, sequence: bigint, field: string): EngineModeName {
  const name = MODE_FROM_FB[value];
  if (!name) throw new JournalFormatError(`journal record ${sequence}: ${field} holds unknown engine mode ${value}`);
  return name;
}

/**
 * Decodes one record (generated accessors). Byte arrays in the result are copies, so `bytes`
 * may be a reused buffer. Throws JournalFormatError for a buffer without the QFJR identifier,
 * an entry type this journal does not write, or a truncated buffer.
 */
export function decodeJournalRecord(bytes: Uint8Array): JournalRecordView {
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (bytes.length < 8 || !J.JournalRecord.bufferHasIdentifier(bb)) {
    throw new JournalFormatError(`journal record of ${bytes.length} bytes does not carry the file identifier QFJR`);
  }
  let record: QuantFlow.Journal.JournalRecord;
  let sequence = 0n;
  try {
    record = J.JournalRecord.getRootAsJournalRecord(bb);
    sequence = record.sequence();
    return { sequence, timeNs: record.timeNs(), entry: decodeEntry(record, sequence) };
  } catch (error) {
    if (error instanceof JournalFormatError) throw error;
    throw new JournalFormatError(`journal record ${sequence} of ${bytes.length} bytes is malformed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function decodeEntry(record: QuantFlow.Journal.JournalRecord, sequence: bigint): JournalEntry {
  const E = J.JournalEntry;
  const type = record.entryType();
  switch (type) {
    case E.InboundRecord: {
      const e = record.entry(new J.InboundRecord()) as QuantFlow.Journal.InboundRecord;
      const message = e.message();
      return { type: 'inbound', inboundSeq: e.inboundSeq(), record: copy(e.recordArray()), sourceSeq: e.sourceSeq(), ...(message !== null ? { message } : {}) };
    }
    case E.SubmitOrder: {
      const e = record.entry(new J.SubmitOrder()) as QuantFlow.Journal.SubmitOrder;
      return {
        type: 'submit',
        orderId: e.orderId(),
        clientOrderId: e.clientOrderId(),
        instrument: e.instrumentId(),
        side: e.side() === Side.Sell ? 'sell' : 'buy',
        quantity: e.quantity(),
        limitPrice: e.limitPrice(),
        stopPrice: e.stopPrice(),
        reduceOnly: e.reduceOnly(),
        postOnly: e.postOnly(),
        record: copy(e.recordArray()),
      };
    }
    case E.CancelOrder: {
      const e = record.entry(new J.CancelOrder()) as QuantFlow.Journal.CancelOrder;
      return { type: 'cancel', orderId: e.orderId(), clientOrderId: e.clientOrderId(), instrument: e.instrumentId(), reason: e.reason() ?? '', record: copy(e.recordArray()) };
    }
    case E.ReplaceOrder: {
      const e = record.entry(new J.ReplaceOrder()) as QuantFlow.Journal.ReplaceOrder;
      return {
        type: 'replace',
        orderId: e.orderId(),
        clientOrderId: e.clientOrderId(),
        instrument: e.instrumentId(),
        quantity: e.quantity(),
        limitPrice: e.limitPrice(),
        stopPrice: e.stopPrice(),
        record: copy(e.recordArray()),
      };
    }
    case E.KillSwitchTripped: {
      const e = record.entry(new J.KillSwitchTripped()) as QuantFlow.Journal.KillSwitchTripped;
      return { type: 'killSwitchTripped', who: e.who(), why: e.why() };
    }
    case E.KillSwitchReset: {
      const e = record.entry(new J.KillSwitchReset()) as QuantFlow.Journal.KillSwitchReset;
      return { type: 'killSwitchReset', who: e.who(), why: e.why() };
    }
    case E.ModeChanged: {
      const e = record.entry(new J.ModeChanged()) as QuantFlow.Journal.ModeChanged;
      return { type: 'modeChanged', who: e.who(), why: e.why(), previousMode: modeName(e.previousMode(), sequence, 'previous_mode'), mode: modeName(e.mode(), sequence, 'mode') };
    }
    case E.LimitChanged: {
      const e = record.entry(new J.LimitChanged()) as QuantFlow.Journal.LimitChanged;
      return { type: 'limitChanged', who: e.who(), why: e.why(), limit: e.limit(), previousValue: e.previousValue(), value: e.value() };
    }
    case E.SessionStarted: {
      const e = record.entry(new J.SessionStarted()) as QuantFlow.Journal.SessionStarted;
      return {
        type: 'sessionStarted',
        sessionId: e.sessionId(),
        mode: modeName(e.mode(), sequence, 'mode'),
        pipelineJson: e.pipelineJson() ?? '',
        recoveredFromInboundSeq: e.recoveredFromInboundSeq(),
        replayedRecords: e.replayedRecords(),
      };
    }
    case E.ReconciliationDone: {
      const e = record.entry(new J.ReconciliationDone()) as QuantFlow.Journal.ReconciliationDone;
      return {
        type: 'reconciliation',
        trigger: e.trigger(),
        missedFills: e.missedFills(),
        resolvedOrders: e.resolvedOrders(),
        rejectedOrders: e.rejectedOrders(),
        resubmittedOrders: e.resubmittedOrders(),
        uncertainOrders: e.uncertainOrders(),
        foreignOrders: e.foreignOrders(),
        positionMismatches: e.positionMismatches(),
        report: e.report() ?? '',
      };
    }
    case E.ModelAlert: {
      const e = record.entry(new J.ModelAlert()) as QuantFlow.Journal.ModelAlert;
      const kind = e.kind();
      if (kind !== 'feature-drift' && kind !== 'quantile-calibration') throw new JournalFormatError(`journal record ${sequence}: ModelAlert.kind holds unknown kind ${JSON.stringify(kind)}`);
      return { type: 'modelAlert', kind, instrument: e.instrument(), feature: e.feature() ?? '', value: e.value(), threshold: e.threshold(), atNs: e.timeNs() };
    }
    case E.OrderAdopted: {
      const e = record.entry(new J.OrderAdopted()) as QuantFlow.Journal.OrderAdopted;
      return { type: 'orderAdopted', orderId: e.orderId(), clientOrderId: e.clientOrderId(), venueOrderId: e.venueOrderId(), instrument: e.instrument() };
    }
    case E.StrategyPaused: {
      const e = record.entry(new J.StrategyPaused()) as QuantFlow.Journal.StrategyPaused;
      return { type: 'strategyPaused', who: e.who(), why: e.why(), strategy: e.strategy(), instruments: Array.from(e.instrumentsArray() ?? []), paused: e.paused() };
    }
    default:
      throw new JournalFormatError(
        `journal record ${sequence} holds entry type ${E[type] ?? type}, which this journal does not read (it reads InboundRecord, SubmitOrder, CancelOrder, ReplaceOrder, KillSwitchTripped, KillSwitchReset, ModeChanged, LimitChanged, StrategyPaused, SessionStarted, ReconciliationDone, ModelAlert, OrderAdopted)`,
      );
  }
}
