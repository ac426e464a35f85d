// Public API of engine/journal: the write-ahead journal on LMDB (every inbound ring record,
// every outbound command, every control action, as JournalRecord FlatBuffers under gapless
// sequences), its durability policies, its codec, and the sparse snapshot store of core state.
export { Journal, JOURNAL_FORMAT, type JournalOptions, type FaultPhase } from './journal.js';
export { DEFAULT_DURABILITY, parseDurability, type DurabilityPolicy } from './durability.js';
export { encodeJournalRecord, decodeJournalRecord, JournalEncoder } from './journal-codec.js';
export { InboundReader, INBOUND_JOURNAL_RECORD_BYTES } from './inbound-codec.js';
export type { InboundRecordView } from './inbound-iterator.js';
export { INBOUND_RECORD_BYTES, MAX_REJECT_MESSAGE_CHARS, boundedRejectMessage, modelAlertEntry, type JournalEntry, type JournalEntryType, type JournalRecordView, type EngineModeName, type SideName } from './journal-entry.js';
export { JournalWriteError, JournalFormatError } from './journal-errors.js';
export type { JournalWriter } from './journal-writers.js';
export { SnapshotStore, SNAPSHOT_PAGE_BYTES, DEFAULT_SNAPSHOTS_KEPT, type CoreSnapshot, type SnapshotStoreOptions } from './snapshot-store.js';
export { nowNs } from './now-ns.js';
export { crc32 } from './crc32.js';
