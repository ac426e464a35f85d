// Layout of the RISK region (RISK_REGION_OFFSET in ../layout.ts): limits, account, kill
// switch, the order-rate window and one slot per instrument, so a checkpoint is a byte copy
// of the region.
//
//   RISK_REGION_OFFSET
//   +0       +------------------------------------------+
//            | header (256 B): flags, clock, account,   |
//            | kill switch, limits (below)              |
//   +0x100   +------------------------------------------+
//            | order-rate window: RISK_RATE_CAPACITY    |  ring of i64 times of the last
//            | i64 times (8 KiB)                        |  maxOrders accepted orders
//   +0x2100  +------------------------------------------+
//            | exposure per asset class: f64 x 64      |  sum of the slots' exposure by class
//   +0x2300  +------------------------------------------+
//            | reserved                                 |
//   +0x4000  +------------------------------------------+
//            | instrument slot 0 (256 B)                |  slot index = instrument id
//            | ... slot INSTRUMENT_CAPACITY - 1         |
//   +0x44000 +------------------------------------------+
//            | reserved                                 |
//            +------------------------------------------+  RISK_REGION_OFFSET + RISK_REGION_BYTES
//
// Header (256 B):
//
//   0       4        8            12               16          20          24           28          32
//   | magic | halted | configured | flattenPending | tripCount | maxOrders | rateFilled | rateNext  |
//   32          40          48         56            64          72               80      88
//   | windowNs  | clockNs   | day i64  | tripTsNs    | cash f64  | marketValue f64 | hwm   | dayStartEquity |
//   96            104              108   112                  120             128
//   | tripEquity  | slotsInUse i32 | pad | grossExposure f64  | nextDayNs i64 | limits ...
//   128             136               144                152           160            168              176            184           192
//   | maxPositionPct | maxAssetClassPct | maxGrossExposure | maxLeverage | dailyLossPct | maxDrawdownPct | priceBandPct | minNotional |
//   192                196      200    204        208       212      216      220   224              232                240
//   | (recovered: 0) | onStale | onGap | onCrossed | onLocked | onSilent | marked | pad | settledEquity  | riskRecords i64 | reserved (to 256) |
//     feed-health policy: one action code (i32) per condition code (feed-health.ts); 0 or an
//     unknown code means that condition's default, so money safety never depends on the policy
//     having been written (engine/risk writeFeedHealthPolicy writes it, after riskConfigure)
//
//   magic          RISK_MAGIC once riskInit ran (checks and updates need it)
//   configured     1 once riskConfigure accepted the limits
//   halted         1 while the kill switch is tripped: new exposure is denied
//   flattenPending 1 when the flatten records of a trip did not fit in the outbound ring
//   clockNs        latest time seen by any call (the risk clock never goes back)
//   day            UTC day (clockNs / 86400e9) that dayStartEquity belongs to
//   nextDayNs      first ns of the UTC day after `day`: the clock compares against it instead
//                  of dividing on every advance
//   equity         cash + marketValue, both in the account currency: cash = sum over currencies of
//                  balance * rate (portfolio/portfolio-layout.ts), marketValue = sum of the slots'
//                  `value` (below), each kept incrementally
//   hwm            highest settled equity since riskInit or the last kill-switch reset
//   marked         1 once a market mark (TRADE, BAR close) moved the account at the clock's
//                  current time; the clock moving past that time settles the equity
//   settledEquity  equity as it stood when the clock last moved past a marked time: every
//                  instrument with a bar or trade at that time marked, as the equity series
//                  (EQUITY records, equity.csv) shows it. The high-water mark and the drawdown
//                  trip read it, never the transient equity between two instruments' marks of
//                  one time (risk-account.ts evaluateDrawdown)
//   riskRecords    risk records published since riskInit (risk-records.ts publishRiskRecord):
//                  restored with a checkpoint, it numbers each record the same in every process
//                  that replays it (the webhooks' journal position of a risk denial)
//   grossExposure  sum of the configured slots' exposure (below), kept incrementally like the
//                  class sums, so a check is O(1) in the number of instruments
//
// Instrument slot (256 B):
//
//   0            4            8         16       24         32         40           48            56     64       72        76    80         88       96
//   | configured | assetClass | staleNs | lotSize | position | avgPrice | pendingBuy | pendingSell | mark | markTs | hasMark | pad | exposure | invLot |
//   96           104        108          112           120      128         136
//   | multiplier | currency | settlement | valueFactor | value  | costBasis | feed ...
//   136          140          144           152             160          164   168         176           184
//   | feedMask   | feedAction | feedSinceNs | feedValue f64 | feedStream | cond | feedTsNs  | priceInHandNs | reserved |
//
//   feedMask     feed-health conditions active on the instrument (1 << condition code), as the
//                last FEED_HEALTH record left them (0: healthy)
//   feedAction   what the policy makes of them: FEED_OK, FEED_REDUCE_ONLY, FEED_HALT,
//                FEED_CANCEL_ALL (feed-health.ts); the pre-trade checks read it
//   feedSinceNs  when the instrument last went from healthy to degraded (0 while healthy)
//   feedValue, feedStream, cond, feedTsNs  the measured value, stream id, condition code and
//                risk-clock time of the last FEED_HEALTH record applied
//
//   position     signed quantity held (+ long, - short), in contracts
//   avgPrice     costBasis / position: the price of the open lots (0 when flat)
//   pendingBuy   leaves of working buy orders that may add exposure (>= 0); derived from the
//                order table (orders/order-table.ts), which never counts reduce-only exits here
//   pendingSell  the same for sells
//   mark, markTs last trade (TRADE, BAR close or FILL) price and its time
//   priceInHandNs time of the instrument's latest market record (TRADE, BAR close, with a valid
//                price) the engine has taken (engine.ts), whose mark is due once the simulated
//                venue's replies due at or before it have run: a price of that time is known,
//                so the staleness check counts from max(markTs, priceInHandNs) (risk-account.ts
//                markStale). The record's mark follows in the same unit of work, so it never
//                outlives markTs; it only covers those replies (a bar-mode fill is due at its
//                bar's close, and another instrument's record of that time moved the clock)
//   exposure     worst-case |position| * mark * valueFactor = max(|position + pendingBuy|,
//                |position - pendingSell|) * mark * valueFactor, as last added to grossExposure
//                and its class sum (refreshed on every change of position, pending quantity,
//                mark, rate or asset class)
//   invLot       1 / lotSize: lot counts multiply by it instead of dividing by lotSize
//   multiplier   contract multiplier: a contract at price p is worth p * multiplier quote units
//   currency     quote currency id (0 = the account currency; portfolio/portfolio-layout.ts)
//   settlement   SETTLE_SPOT: buying pays the notional from cash; SETTLE_MARGIN (perpetuals,
//                futures): cash moves only by realised P&L, fees and funding
//   valueFactor  multiplier * rate of the quote currency: account currency per contract per
//                unit of price
//   value        this slot's part of marketValue: position * mark * valueFactor (spot), or
//                (position * mark - costBasis) * valueFactor (margin: the unrealised P&L)
//   costBasis    sum over the open lots of signed quantity * entry price (quote units per
//                contract); avgPrice = costBasis / position

import { INSTRUMENT_CAPACITY, RISK_REGION_BYTES, RISK_REGION_OFFSET } from '../layout';

export { RISK_REGION_BYTES, RISK_REGION_OFFSET };
export const RISK_MAGIC: i32 = 0x4b534952; // "RISK" little-endian

export const RH_MAGIC: i32 = 0;
export const RH_HALTED: i32 = 4;
export const RH_CONFIGURED: i32 = 8;
export const RH_FLATTEN_PENDING: i32 = 12;
export const RH_TRIP_COUNT: i32 = 16;
export const RH_MAX_ORDERS: i32 = 20;
export const RH_RATE_FILLED: i32 = 24;
export const RH_RATE_NEXT: i32 = 28;
export const RH_WINDOW_NS: i32 = 32;
export const RH_CLOCK_NS: i32 = 40;
export const RH_DAY: i32 = 48;
export const RH_TRIP_TS_NS: i32 = 56;
export const RH_CASH: i32 = 64;
export const RH_MARKET_VALUE: i32 = 72;
export const RH_HWM: i32 = 80;
export const RH_DAY_START_EQUITY: i32 = 88;
export const RH_TRIP_EQUITY: i32 = 96;
export const RH_SLOTS_IN_USE: i32 = 104;
export const RH_GROSS_EXPOSURE: i32 = 112;
export const RH_NEXT_DAY_NS: i32 = 120;
export const RH_MAX_POSITION_PCT: i32 = 128;
export const RH_MAX_ASSET_CLASS_PCT: i32 = 136;
export const RH_MAX_GROSS_EXPOSURE: i32 = 144;
export const RH_MAX_LEVERAGE: i32 = 152;
export const RH_DAILY_LOSS_PCT: i32 = 160;
export const RH_MAX_DRAWDOWN_PCT: i32 = 168;
export const RH_PRICE_BAND_PCT: i32 = 176;
export const RH_MIN_NOTIONAL: i32 = 184;
/** Feed-health policy: the action (i32) of condition code c at RH_FEED_POLICY + 4 * c. */
export const RH_FEED_POLICY: i32 = 192;
export const RH_MARKED: i32 = 216;
export const RH_SETTLED_EQUITY: i32 = 224;
export const RH_RISK_RECORDS: i32 = 232;
export const RISK_HEADER_BYTES: i32 = 256;

export const RISK_RATE_OFFSET: i32 = RISK_REGION_OFFSET + RISK_HEADER_BYTES;
export const RISK_RATE_CAPACITY: i32 = 1024;

export const RISK_CLASS_OFFSET: i32 = RISK_REGION_OFFSET + 0x2100;
/** Asset class codes are 0 .. RISK_ASSET_CLASSES - 1. */
export const RISK_ASSET_CLASSES: i32 = 64;

export const RISK_SLOTS_OFFSET: i32 = RISK_REGION_OFFSET + 0x4000;
export const RISK_SLOT_BYTES: i32 = 256;
export const RISK_INSTRUMENT_CAPACITY: i32 = INSTRUMENT_CAPACITY;

export const RS_CONFIGURED: i32 = 0;
export const RS_ASSET_CLASS: i32 = 4;
export const RS_STALE_NS: i32 = 8;
export const RS_LOT_SIZE: i32 = 16;
export const RS_POSITION: i32 = 24;
export const RS_AVG_PRICE: i32 = 32;
export const RS_PENDING_BUY: i32 = 40;
export const RS_PENDING_SELL: i32 = 48;
export const RS_MARK: i32 = 56;
export const RS_MARK_TS: i32 = 64;
export const RS_HAS_MARK: i32 = 72;
export const RS_EXPOSURE: i32 = 80;
export const RS_INV_LOT: i32 = 88;
export const RS_MULTIPLIER: i32 = 96;
export const RS_CURRENCY: i32 = 104;
export const RS_SETTLEMENT: i32 = 108;
export const RS_VALUE_FACTOR: i32 = 112;
export const RS_VALUE: i32 = 120;
export const RS_COST_BASIS: i32 = 128;
export const RS_FEED_MASK: i32 = 136;
export const RS_FEED_ACTION: i32 = 140;
export const RS_FEED_SINCE_NS: i32 = 144;
export const RS_FEED_VALUE: i32 = 152;
export const RS_FEED_STREAM: i32 = 160;
export const RS_FEED_CONDITION: i32 = 164;
export const RS_FEED_TS_NS: i32 = 168;
export const RS_PRICE_IN_HAND_NS: i32 = 176;

/** Settlement of an instrument (RS_SETTLEMENT). */
export const SETTLE_SPOT: i32 = 0;
export const SETTLE_MARGIN: i32 = 1;

export const RISK_DAY_NS: i64 = 86_400_000_000_000;

/** Address of the risk header. */
export const RISK_HEADER: usize = <usize>RISK_REGION_OFFSET;

/** Address of the exposure sum of asset class `assetClass` (not range-checked). */
// @ts-ignore: decorator
@inline
export function riskClassAddress(assetClass: i32): usize {
  return <usize>(RISK_CLASS_OFFSET + (assetClass << 3));
}

/** Address of the slot of `instrument` (not range-checked). */
// @ts-ignore: decorator
@inline
export function riskSlotAddress(instrument: i32): usize {
  return <usize>(RISK_SLOTS_OFFSET + instrument * RISK_SLOT_BYTES);
}
