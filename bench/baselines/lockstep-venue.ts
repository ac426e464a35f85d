// The venue end of a replay (backtest): it hears every ORDER the engine accepted and answers
// with FILL / REJECT records that the replay publishes before the instrument's next bar, so
// fills are causal (never before the order, never after the next bar). adapters/paper has the
// implementations.
import type { OrderRecord } from '../../engine/threads/outbound-records.js';
import type { InboundRecord } from '../../engine/replay/inbound-records.js';

export interface ReplayVenue {
  /** An order the engine accepted (read from the outbound ring, in order). */
  onOrder(order: OrderRecord): void;
  /**
   * Appends to `out` what the venue reports before `instrument`'s next bar, which opens at
   * `tsNs` with price `open` (FILL or REJECT records for its working orders).
   */
  repliesBefore(instrument: number, open: number, tsNs: bigint, out: InboundRecord[]): void;
}
