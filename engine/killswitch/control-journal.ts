// A minimal append-only journal of control events in LMDB: each record is a JournalRecord
// FlatBuffer (schemas/journal.fbs, file identifier QFJR) under its sequence number; sequences
// start at 1 and increase by one without gaps. Used for KillSwitchTripped / KillSwitchReset
// (who, why); the engine's full write-ahead journal can adopt the same database later.
import * as flatbuffers from 'flatbuffers';
import type { Database } from 'lmdb';
import { JournalEntry, JournalRecord, KillSwitchReset, KillSwitchTripped } from '../../schemas/generated/quant-flow/journal.js';

export type ControlEventKind = 'KillSwitchTripped' | 'KillSwitchReset';

export interface ControlEvent {
  readonly sequence: bigint;
  readonly timeNs: bigint;
  readonly kind: ControlEventKind;
  readonly who: string;
  readonly why: string;
}

/** Encodes one JournalRecord with a KillSwitchTripped or KillSwitchReset entry. */
export function encodeControlEvent(event: ControlEvent): Uint8Array {
  const builder = new flatbuffers.Builder(256);
  const who = builder.createString(event.who);
  const why = builder.createString(event.why);
  let entry: flatbuffers.Offset;
  if (event.kind === 'KillSwitchTripped') {
    KillSwitchTripped.startKillSwitchTripped(builder);
    KillSwitchTripped.addWho(builder, who);
    KillSwitchTripped.addWhy(builder, why);
    entry = KillSwitchTripped.endKillSwitchTripped(builder);
  } else {
    KillSwitchReset.startKillSwitchReset(builder);
    KillSwitchReset.addWho(builder, who);
    KillSwitchReset.addWhy(builder, why);
    entry = KillSwitchReset.endKillSwitchReset(builder);
  }
  JournalRecord.startJournalRecord(builder);
  JournalRecord.addSequence(builder, event.sequence);
  JournalRecord.addTimeNs(builder, event.timeNs);
  JournalRecord.addEntryType(builder, event.kind === 'KillSwitchTripped' ? JournalEntry.KillSwitchTripped : JournalEntry.KillSwitchReset);
  JournalRecord.addEntry(builder, entry);
  JournalRecord.finishJournalRecordBuffer(builder, JournalRecord.endJournalRecord(builder));
  return builder.asUint8Array();
}

/** Decodes a control event; throws for a buffer that is not a QFJR record of one. */
export function decodeControlEvent(bytes: Uint8Array): ControlEvent {
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (!JournalRecord.bufferHasIdentifier(bb)) throw new Error('journal record must start with file identifier QFJR');
  const record = JournalRecord.getRootAsJournalRecord(bb);
  const type = record.entryType();
  if (type === JournalEntry.KillSwitchTripped) {
    const entry = record.entry(new KillSwitchTripped()) as KillSwitchTripped;
    return { sequence: record.sequence(), timeNs: record.timeNs(), kind: 'KillSwitchTripped', who: entry.who(), why: entry.why() };
  }
  if (type === JournalEntry.KillSwitchReset) {
    const entry = record.entry(new KillSwitchReset()) as KillSwitchReset;
    return { sequence: record.sequence(), timeNs: record.timeNs(), kind: 'KillSwitchReset', who: entry.who(), why: entry.why() };
  }
  throw new Error(`journal record ${record.sequence()} holds entry type ${JournalEntry[type] ?? type}, not a kill-switch event`);
}

export class ControlJournal {
  constructor(private readonly db: Database<Uint8Array, number>) {}

  /** Last sequence written, or 0. */
  lastSequence(): number {
    for (const key of this.db.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  /** Appends an event as the next sequence (call inside a write transaction); returns it. */
  append(kind: ControlEventKind, who: string, why: string, timeNs: bigint): ControlEvent {
    const sequence = this.lastSequence() + 1;
    const event: ControlEvent = { sequence: BigInt(sequence), timeNs, kind, who, why };
    this.db.putSync(sequence, encodeControlEvent(event));
    return event;
  }

  /** Every event, oldest first. */
  read(): ControlEvent[] {
    const events: ControlEvent[] = [];
    for (const { key, value } of this.db.getRange()) {
      const event = decodeControlEvent(value);
      if (event.sequence !== BigInt(key)) throw new Error(`journal key ${key} holds record sequence ${event.sequence}: the journal is corrupt`);
      events.push(event);
    }
    return events;
  }
}
