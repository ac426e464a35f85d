// Inbound records as plain objects, for the edges that publish few of them next to the
// market data (venue replies in a replay, tests): the record, and a publisher that claims as
// the inbound ring allows (draining the outbound ring while it waits) and writes them in place.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EngineHost } from '../threads/index.js';
import { writeEventRecord, type RingMemory } from '../ring/index.js';
import type { EventRecord } from '../layout/event-record.js';

/** An inbound record (id: u64; a BAR's open travels as its bits, see f64Bits). */
export type InboundRecord = EventRecord;

const lo = (v: bigint): number => Number(BigInt.asUintN(64, v) & 0xffff_ffffn);
const hi = (v: bigint): number => Number(BigInt.asUintN(64, v) >> 32n);

/** Writes `r` into the record at `byteOffset` of `memory` (a ring slot or a scratch record). */
export function writeInboundRecord(memory: RingMemory, byteOffset: number, r: InboundRecord): void {
  writeEventRecord(memory, byteOffset, r.kind, r.instrument, lo(r.tsExchange), hi(r.tsExchange), lo(r.tsLocal), hi(r.tsLocal), r.price, r.size, r.a, r.b, lo(r.id), hi(r.id));
}

export { f64Bits } from '../layout/event-record.js';

/** Publishes `records` in order (claiming as the ring allows) without waiting for the core. */
export async function publishRecords(host: EngineHost, records: readonly InboundRecord[]): Promise<void> {
  const producer = host.inbound;
  for (let i = 0; i < records.length; ) {
    const count = Math.min(256, records.length - i);
    let first = producer.tryClaim(count);
    while (first === -1) {
      host.checkHealthy();
      host.drainOutbound();
      await yieldToEventLoop();
      first = producer.tryClaim(count);
    }
    for (let k = 0; k < count; k++, i++) writeInboundRecord(producer.memory, producer.slotOffset((first + k) >>> 0), records[i]);
    producer.publish((first + count) >>> 0);
  }
}
