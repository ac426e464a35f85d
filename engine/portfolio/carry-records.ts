// Writes the inbound records that move the ledger without a fill (wasm/assembly/portfolio/
// accruals.ts reads them): FUNDING (instrument, time, price = the price the position is valued
// at or 0 for its mark, a = rate per interval; longs pay a positive rate) and RATE (instrument
// = currency id, time, price = account currency per unit).
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import type { FundingEvent, RateEvent } from './portfolio.js';

function writeRecord(view: DataView, at: number, kind: number, instrument: number, tsNs: bigint, price: number, a: number): void {
  view.setInt32(at + EV_KIND, kind | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(at + EV_INSTRUMENT, instrument, true);
  view.setBigInt64(at + EV_TS_EXCHANGE, tsNs, true);
  view.setBigInt64(at + EV_TS_LOCAL, tsNs, true);
  view.setFloat64(at + EV_PRICE, price, true);
  view.setFloat64(at + EV_SIZE, 0, true);
  view.setFloat64(at + EV_A, a, true);
  view.setFloat64(at + EV_B, 0, true);
  view.setBigUint64(at + EV_ID, 0n, true);
}

/** Writes `funding` as a FUNDING record at byte `at`. */
export function writeFundingRecord(view: DataView, at: number, funding: FundingEvent): void {
  writeRecord(view, at, EventKind.FUNDING, funding.instrument, funding.tsNs, funding.price, funding.rate);
}

/** Writes `rate` as a RATE record at byte `at`. */
export function writeRateRecord(view: DataView, at: number, rate: RateEvent): void {
  writeRecord(view, at, EventKind.RATE, rate.currency, rate.tsNs, rate.rate, 0);
}
