// Drives an EngineHost record by record in lockstep, as a venue adapter and a replay source
// would together: publish inbound records (bars, fills, venue rejects), wait until the core
// consumed them, and collect the order-flow records (ORDER and risk records) the engine
// wrote in reply. Lockstep keeps venue replies causal: a fill for an order is published
// only after the bar that produced the order, and before the instrument's next bar.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EngineHost } from '../engine/threads/index.js';
import type { OrderCommandRecord } from '../engine/orders/index.js';
import type { RiskRecord } from '../engine/risk/index.js';
import { publishRecords, type InboundRecord } from '../engine/replay/inbound-records.js';

export type { InboundRecord } from '../engine/replay/inbound-records.js';
export { f64Bits, publishRecords } from '../engine/replay/inbound-records.js';

export type OrderFlow = { order: OrderCommandRecord } | { risk: RiskRecord };

/** Publishes `records`, waits until the core consumed everything published, drains the outbound ring. */
export async function publishAndSettle(host: EngineHost, records: readonly InboundRecord[]): Promise<void> {
  await publishRecords(host, records);
  const target = host.inbound.cursor;
  for (let polls = 0; host.counters().eventsProcessed < target; polls++) {
    host.checkHealthy();
    if (polls > 5_000_000) throw new Error(`the core consumed ${host.counters().eventsProcessed} of ${target} records and stopped`);
    host.drainOutbound();
    if (polls % 64 === 63) await yieldToEventLoop();
  }
  host.drainOutbound();
}

/** Host options that collect every ORDER and risk record, in ring order, into `flow`. */
export function collectOrderFlow(flow: OrderFlow[]) {
  return {
    onOrder: (order: OrderCommandRecord) => void flow.push({ order }),
    onRiskRecord: (risk: RiskRecord) => void flow.push({ risk }),
  };
}
