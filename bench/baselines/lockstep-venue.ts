// The venue end of a lockstep replay (the bench baseline of the path before the core traded):
// it hears every ORDER the engine sent and answers with FILL / REJECT records that the replay
// publishes before the instrument's next bar, so fills are causal (never before the order,
// never after the next bar). next-open-fill-venue.ts is the implementation.
import type { OrderCommandRecord } from '../../engine/orders/index.js';
import type { InboundRecord } from '../../engine/replay/inbound-records.js';

export interface ReplayVenue {
  /** An order the engine accepted (read from the outbound ring, in order). */
  onOrder(order: OrderCommandRecord): void;
  /**
   * Appends to `out` what the venue reports before `instrument`'s next bar, which opens at
   * `tsNs` with price `open` (FILL or REJECT records for its working orders).
   */
  repliesBefore(instrument: number, open: number, tsNs: bigint, out: InboundRecord[]): void;
}
