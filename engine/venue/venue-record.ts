// A venue record (a command, a market record or a reply) as its nine fields, the form both
// the WASM glue and the TS reference hold it in: the engine's EventRecord, with its reader,
// writer and the f64 <-> u64 bit casts of the \`id\` field (engine/layout/event-record.ts).
import type { EventRecord } from '../layout/event-record.js';

export type VenueRecord = EventRecord;
export { bitsF64, f64Bits, loadEventRecord as readVenueRecord, storeEventRecord as writeVenueRecord } from '../layout/event-record.js';
