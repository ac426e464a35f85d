// A completed OHLCV time bar as TS sees it, and its decoding from a BAR event record
// (price = close, size = volume, a = high, b = low, id = bits of the open,
// tsExchange = bar open time, tsLocal = time of the event or flush that closed it).

import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';

export interface Bar {
  readonly instrument: number;
  readonly openTimeNs: bigint;
  readonly closedAtNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

const openBits = new DataView(new ArrayBuffer(8)); // reinterprets the id field's u64 as the f64 open

/** Decodes the BAR record at byte `offset` of `view`; throws if the record is not a BAR. */
export function readBarRecord(view: DataView, offset: number): Bar {
  const kind = view.getInt32(offset + EV_KIND, true);
  if ((kind & KIND_MASK & EventKind.BAR) === 0) throw new Error(`record at offset ${offset}: \`kind\` must have the BAR bit (4), was ${kind}`);
  openBits.setBigUint64(0, view.getBigUint64(offset + EV_ID, true), true);
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    openTimeNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    closedAtNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    open: openBits.getFloat64(0, true),
    high: view.getFloat64(offset + EV_A, true),
    low: view.getFloat64(offset + EV_B, true),
    close: view.getFloat64(offset + EV_PRICE, true),
    volume: view.getFloat64(offset + EV_SIZE, true),
  };
}
