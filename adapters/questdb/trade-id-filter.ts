// Drops the TRADE records of a replay whose trade id repeats, by the CSV reader's rule
// (adapters/files tick-stream-guards.ts: an id equal to one of the last DUPLICATE_ID_WINDOW ids
// is a duplicate, dropped and counted under `duplicate trade id`), so a table and the file it was
// exported to play the same trades. A venue resending a trade after a reconnect repeats its id.
//
// trade_id 0 (and NULL, which the export decodes to 0) is no id: the recorder stores 0 for a
// trade the venue sent without one (IB's last-price ticks), so those rows are all kept (as a CSV
// file without a trade id column keeps them).
import { EV_ID, EV_TS_EXCHANGE } from '../../engine/layout/event-record.js';
import { RECORD_BYTES, type StreamIssue } from '../../engine/replay/index.js';
import { StreamIssueTally, TradeIdWindow } from '../files/index.js';
import { isoUs } from './questdb-csv.js';

export const DUPLICATE_TRADE_ID_RULE = 'duplicate trade id';

export class TradeIdFilter {
  private readonly ids = new TradeIdWindow();
  private readonly tally = new StreamIssueTally();

  constructor(private readonly table: string) {}

  /** Moves the records of `bytes[0, count)` whose id is new to the front; returns how many. */
  keepNew(bytes: Uint8Array, count: number): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let kept = 0;
    for (let r = 0; r < count; r++) {
      const at = r * RECORD_BYTES;
      const lo = view.getUint32(at + EV_ID, true);
      const hi = view.getUint32(at + EV_ID + 4, true);
      if ((lo !== 0 || hi !== 0) && this.ids.seen(hi, lo)) {
        this.tally.add(DUPLICATE_TRADE_ID_RULE, 'dropped', () => {
          const id = view.getBigUint64(at + EV_ID, true);
          const tsUs = Number(view.getBigInt64(at + EV_TS_EXCHANGE, true) / 1000n);
          return `${this.table}: the row at ts ${isoUs(tsUs)} trade id ${id}`;
        });
        continue;
      }
      if (kept !== r) bytes.copyWithin(kept * RECORD_BYTES, at, at + RECORD_BYTES);
      kept++;
    }
    return kept;
  }

  issues(): readonly StreamIssue[] {
    return this.tally.list();
  }

  reset(): void {
    this.ids.reset();
    this.tally.clear();
  }
}
