// The end of a backtest's data, settled: the risk clock tests a time's equity for the drawdown
// kill switch when it leaves that time (wasm/assembly/risk/risk-account.ts advanceClock ->
// settleEquity, then evaluateDrawdown), and nothing follows the data's last record, so its last
// time would never be tested: a drawdown past risk.maxDrawdownPct there would trip nothing. A
// live session's TIMER (every live.timerMs) tests it within a tick; the backtest plays one
// TIMER record 1 ns after the risk clock once every record was consumed, so the last time is
// settled and tested like every other (a trip there sends flatten orders that no later bar fills).
import { EVENT_BYTES, EV_INSTRUMENT, EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import type { EngineHost } from '../threads/index.js';
import { readRiskAccount } from '../pipeline/index.js';

/** Publishes the TIMER record after the data and waits until the core consumed it. Returns the records published (1). */
export async function settleDataEnd(host: EngineHost, shouldStop: () => boolean): Promise<number> {
  const consumedBefore = host.consumedReported;
  // The engine consumed every record and waits for more: the risk clock is still (a backtest's
  // published state block can lag behind it).
  const nowNs = readRiskAccount(host.memory).clockNs + 1n;
  const producer = host.inbound;
  while (producer.freeSlots() === 0) {
    host.checkHealthy();
    if (host.drainOutbound() === 0) await host.waitForInboundRoom(5);
  }
  const sequence = producer.tryClaim(1);
  if (sequence === -1) throw new Error('inbound ring: a slot was free but could not be claimed for the end-of-data TIMER record');
  const at = producer.slotOffset(sequence);
  new Uint8Array(host.memory.buffer, at, EVENT_BYTES).fill(0);
  const view = new DataView(host.memory.buffer, at, EVENT_BYTES);
  view.setInt32(EV_KIND, EventKind.TIMER | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(EV_INSTRUMENT, -1, true);
  view.setBigInt64(EV_TS_EXCHANGE, nowNs, true);
  view.setBigInt64(EV_TS_LOCAL, nowNs, true);
  producer.publish((sequence + 1) >>> 0);
  await host.waitUntilConsumed(consumedBefore + 1, shouldStop);
  return 1;
}
