// Market records the simulated venue matches against, as plain objects, and their records
// (engine/layout/event-record.ts):
//   QUOTE  price = mid, size = bid size, a = bid, b = ask, id = bits of the ask size
//   TRADE  price, size, a = aggressor side (+1 buyer, -1 seller, 0 unknown)
//   BAR    price = close, size = volume, a = high, b = low, id = bits of the open,
//          tsExchange = open time, tsLocal = close time
// The venue sees a record at its event time, max(tsExchange, tsLocal).
import { EventKind } from '../layout/event-record.js';
import { INSTRUMENT_CAPACITY } from '../layout/memory-map.js';
import { f64Bits, type VenueRecord } from './venue-record.js';

export interface VenueQuote {
  readonly type: 'quote';
  readonly instrument: number;
  readonly tsExchange: bigint;
  readonly tsLocal: bigint;
  readonly bid: number;
  readonly ask: number;
  /** A size that is not a positive finite number is unknown: it caps nothing. */
  readonly bidSize: number;
  readonly askSize: number;
}

export interface VenueTrade {
  readonly type: 'trade';
  readonly instrument: number;
  readonly tsExchange: bigint;
  readonly tsLocal: bigint;
  readonly price: number;
  readonly size: number;
  /** +1 a buyer lifted the ask, -1 a seller hit the bid, 0 unknown. */
  readonly aggressor: number;
}

export interface VenueBar {
  readonly type: 'bar';
  readonly instrument: number;
  readonly openNs: bigint;
  readonly closeNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export type VenueMarketRecord = VenueQuote | VenueTrade | VenueBar;

/** Event time of a market record: when the venue sees it. */
export function marketRecordTime(record: VenueMarketRecord): bigint {
  if (record.type === 'bar') return record.closeNs > record.openNs ? record.closeNs : record.openNs;
  return record.tsLocal > record.tsExchange ? record.tsLocal : record.tsExchange;
}

export function encodeMarketRecord(record: VenueMarketRecord): VenueRecord {
  if (!Number.isInteger(record.instrument) || record.instrument < 0 || record.instrument >= INSTRUMENT_CAPACITY) {
    throw new RangeError(`\`instrument\` of a ${record.type} record must be an integer in [0, ${INSTRUMENT_CAPACITY - 1}], was ${record.instrument}`);
  }
  switch (record.type) {
    case 'quote':
      return {
        kind: EventKind.QUOTE, instrument: record.instrument, tsExchange: record.tsExchange, tsLocal: record.tsLocal,
        price: (record.bid + record.ask) / 2, size: record.bidSize, a: record.bid, b: record.ask, id: f64Bits(record.askSize),
      };
    case 'trade':
      return {
        kind: EventKind.TRADE, instrument: record.instrument, tsExchange: record.tsExchange, tsLocal: record.tsLocal,
        price: record.price, size: record.size, a: record.aggressor, b: 0, id: 0n,
      };
    case 'bar':
      return {
        kind: EventKind.BAR, instrument: record.instrument, tsExchange: record.openNs, tsLocal: record.closeNs,
        price: record.close, size: record.volume, a: record.high, b: record.low, id: f64Bits(record.open),
      };
  }
}
