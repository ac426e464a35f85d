// Publishes the account and the configured instruments' positions into the published-state block
// (state-layout.ts) under a seqlock (and, through signals-publish.ts, each instrument's decision
// and feed health into the published-signals block, under a seqlock of its own), so readers on
// other threads take a state that is whole: the engine thread writes the risk and portfolio
// regions while it processes, and a reader that loaded cash before a fill and market value after
// it would see an equity that never existed.
//
// Writer (the engine thread only; engine.ts calls statePublishIfChanged where processInbound
// returns, i.e. at every batch boundary, and engineStart publishes once):
//
//   seq = odd  (atomic exchange: on x86-64 a full barrier, no data store moves above it)
//   copy the account and every configured slot into the block (plain stores)
//   seq = even (atomic store: every data store above is visible before it)
//
// Reader (engine/snapshot/read-consistent-state.ts): load seq; retry while odd; copy the block;
// load seq again; retry if it changed. A reader never writes the block.
//
// Cost: the copy runs only when something the block shows may have changed since the last
// publication (statePublishIfChanged's test, below): the core did a unit of work (CONTROL_UNITS
// moved: every fill, mark, cash movement, clock step and consumed record happens inside a unit),
// or a call between batches moved the clock, cash, market value, high-water mark, kill switch or
// instrument set (riskResetKillSwitch at a park, a restore, configuration). An idle batch
// boundary costs that test: a dozen loads. A publication costs O(instruments in use).
import { CONTROL_EVENTS_PROCESSED, CONTROL_OFFSET, CONTROL_UNITS, STATE_OFFSET } from '../layout';
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import {
  RH_CASH, RH_CLOCK_NS, RH_HALTED, RH_HWM, RH_MARKET_VALUE, RH_SLOTS_IN_USE, RH_TRIP_COUNT, RISK_HEADER,
  RS_AVG_PRICE, RS_CONFIGURED, RS_COST_BASIS, RS_CURRENCY, RS_EXPOSURE, RS_HAS_MARK, RS_MARK, RS_POSITION, RS_VALUE, RS_VALUE_FACTOR, riskSlotAddress,
} from '../risk/risk-layout';
import { CU_RATE, PH_INTEREST_PAID, PH_MAGIC, PI_BORROW, PI_FEES, PI_FUNDING, PI_REALISED, PORTFOLIO_HEADER, PORTFOLIO_MAGIC, currencyAddress, portfolioSlotAddress } from '../portfolio/portfolio-layout';
import { openLotFees } from '../portfolio/lots';
import { OC_DENIED, OH_MAGIC, OI_UNCERTAIN, ORDERS_HEADER, ORDERS_MAGIC, orderIndexAddress, ordersCounterAddress } from '../orders/order-layout';
import {
  PE_AVG_PRICE, PE_INSTRUMENT, PE_MARK, PE_POSITION, PE_REALISED_PNL, PE_UNREALISED_PNL, PE_VALUE, PS_BLOCK_BYTES_MAX, PS_CASH, PS_CLOCK_NS,
  PS_COUNT, PS_DENIED_ORDERS, PS_DRAWDOWN, PS_ENTRIES, PS_ENTRY_BYTES, PS_EQUITY, PS_GROSS_EXPOSURE, PS_HALTED, PS_HWM, PS_INBOUND_SEQ,
  PS_MARKET_VALUE, PS_NET_EXPOSURE, PS_REALISED_PNL, PS_SEQ, PS_SLOTS_IN_USE, PS_TRIP_COUNT, PS_UNCERTAIN_ORDERS, PS_UNITS, PS_UNREALISED_PNL,
  PUB, PUBLISHED_STATE_BYTES, PUBLISHED_STATE_OFFSET, publishedEntryAddress,
} from './state-layout';
import { signalsPublish, signalsPublishIfChanged } from './signals-publish';
import {
  PUBLISHED_SIGNALS_BYTES, PUBLISHED_SIGNALS_OFFSET, SE_CHOPPY_SCALE, SE_COMP_CONF, SE_COMP_SCORE, SE_CONFIDENCE, SE_DIRECTION, SE_EXPOSURE,
  SE_FEED_ACTION, SE_FEED_CONDITION, SE_FEED_MASK, SE_FEED_SINCE_NS, SE_FLAGS, SE_INSTRUMENT, SE_ORDER_LIMIT, SE_ORDER_QTY, SE_ORDER_REASON,
  SE_PRICE, SE_QUANTITY, SE_REGIME_PROB, SE_SIGNAL, SE_STATUS, SE_TS, SE_WEIGHTS, SG_BLOCK_BYTES_MAX, SG_CLOCK_NS, SG_COUNT, SG_DECISION_STEPS,
  SG_ENTRIES, SG_ENTRY_BYTES, SG_INBOUND_SEQ, SG_SEQ, SG_SLOTS_IN_USE, SG_UNITS, signalsBlockFits,
} from './signals-layout';

const CONTROL: usize = <usize>CONTROL_OFFSET;

/** OK when the block fits its area (it sits in the gap below STATE_OFFSET, which the ring sizes fix); ERR_BAD_ARGUMENT otherwise. */
export function stateBlockFits(): i32 {
  return PS_BLOCK_BYTES_MAX <= PUBLISHED_STATE_BYTES && PUBLISHED_STATE_OFFSET + PUBLISHED_STATE_BYTES <= STATE_OFFSET && signalsBlockFits() ? OK : ERR_BAD_ARGUMENT;
}

/** True when a word the block shows (or was written from) differs from the live one. */
// @ts-ignore: decorator
@inline
function stateChanged(): bool {
  return load<i64>(CONTROL + <usize>CONTROL_UNITS) != load<i64>(PUB, PS_UNITS)
    || load<i64>(CONTROL + <usize>CONTROL_EVENTS_PROCESSED) != load<i64>(PUB, PS_INBOUND_SEQ)
    || load<i64>(RISK_HEADER, RH_CLOCK_NS) != load<i64>(PUB, PS_CLOCK_NS)
    || load<i64>(RISK_HEADER, RH_CASH) != load<i64>(PUB, PS_CASH)
    || load<i64>(RISK_HEADER, RH_MARKET_VALUE) != load<i64>(PUB, PS_MARKET_VALUE)
    || load<i64>(RISK_HEADER, RH_HWM) != load<i64>(PUB, PS_HWM)
    || load<i32>(RISK_HEADER, RH_HALTED) != load<i32>(PUB, PS_HALTED)
    || load<i32>(RISK_HEADER, RH_TRIP_COUNT) != load<i32>(PUB, PS_TRIP_COUNT)
    || load<i32>(RISK_HEADER, RH_SLOTS_IN_USE) != load<i32>(PUB, PS_SLOTS_IN_USE);
}

/** Publishes when the state may have changed since the last publication (the batch-boundary hook). Returns true if it published. */
export function statePublishIfChanged(): bool {
  signalsPublishIfChanged(); // the decisions and feed health: their own block and seqlock (signals-publish.ts)
  if (!stateChanged()) return false;
  writeBlock();
  return true;
}

/**
 * Publishes now, changed or not (engineStart, and a caller on the engine thread between batches,
 * e.g. after configuring). Never call it from another thread: the core is the block's one writer.
 * Returns OK, or ERR_BAD_ARGUMENT when the block does not fit its area.
 */
export function statePublish(): i32 {
  const fits = stateBlockFits();
  if (fits != OK) return fits;
  writeBlock();
  signalsPublish();
  return OK;
}

/** The seqlock's current value (even: a whole block; odd: being written). */
export function statePublishedSeq(): i64 {
  return atomic.load<i64>(PUB, PS_SEQ);
}

function writeBlock(): void {
  // Odd, whatever the word held (a reader's test may have left it odd); then the data.
  const odd = (load<i64>(PUB, PS_SEQ) + 1) | 1;
  // An atomic read-modify-write rather than a store + atomic.fence (Binaryen 0.28's validator
  // rejects the fence AssemblyScript emits): a locked xchg on x86-64, a full barrier there.
  atomic.xchg<i64>(PUB, odd, PS_SEQ);

  const h = RISK_HEADER;
  const portfolio = load<i32>(PORTFOLIO_HEADER, PH_MAGIC) == PORTFOLIO_MAGIC;
  const orders = load<i32>(ORDERS_HEADER, OH_MAGIC) == ORDERS_MAGIC;
  const inUse = load<i32>(h, RH_SLOTS_IN_USE);
  let count: i32 = 0;
  let realised: f64 = 0;
  let unrealised: f64 = 0;
  let net: f64 = 0;
  // The slots' own worst-case exposures, summed afresh: each is exactly 0 for a flat slot (no
  // position, no working order), so a flat book publishes 0. RH_GROSS_EXPOSURE, the running sum
  // the risk checks read, carries the f64 residue of every change added to it (-1.09e-10 after a
  // paper session's round trips), which readers must not see as an exposure.
  let gross: f64 = 0;
  let uncertain: i32 = 0;
  for (let instrument: i32 = 0; instrument < inUse; instrument++) {
    const s = riskSlotAddress(instrument);
    if (load<i32>(s, RS_CONFIGURED) != 1) continue;
    const position = load<f64>(s, RS_POSITION);
    const mark = load<f64>(s, RS_MARK);
    const valueFactor = load<f64>(s, RS_VALUE_FACTOR);
    // Equity change = realised + unrealised (state-layout.ts): an open lot's entry fee is in its
    // unrealised P&L until the lot closes, then in the round trip's net P&L, i.e. realised.
    const rate = load<f64>(currencyAddress(load<i32>(s, RS_CURRENCY)), CU_RATE);
    const p = portfolioSlotAddress(instrument);
    const openFees = portfolio ? openLotFees(p) : 0.0;
    const upnl = load<i32>(s, RS_HAS_MARK) == 1 ? (position * mark - load<f64>(s, RS_COST_BASIS)) * valueFactor - openFees * rate : 0.0;
    const rpnl = portfolio
      ? (load<f64>(p, PI_REALISED) - (load<f64>(p, PI_FEES) - openFees) - load<f64>(p, PI_FUNDING) - load<f64>(p, PI_BORROW)) * rate
      : 0.0;
    const e = publishedEntryAddress(count);
    store<i32>(e, instrument, PE_INSTRUMENT);
    store<i32>(e, 0, PE_INSTRUMENT + 4);
    store<f64>(e, position, PE_POSITION);
    store<f64>(e, mark, PE_MARK);
    store<f64>(e, load<f64>(s, RS_AVG_PRICE), PE_AVG_PRICE);
    store<f64>(e, upnl, PE_UNREALISED_PNL);
    store<f64>(e, rpnl, PE_REALISED_PNL);
    store<f64>(e, load<f64>(s, RS_VALUE), PE_VALUE);
    realised += rpnl;
    unrealised += upnl;
    net += position * mark * valueFactor;
    gross += load<f64>(s, RS_EXPOSURE);
    if (orders) uncertain += load<i32>(orderIndexAddress(instrument), OI_UNCERTAIN);
    count++;
  }

  // Interest on negative cash belongs to no instrument: the account's realised P&L pays it.
  if (portfolio) realised -= load<f64>(PORTFOLIO_HEADER, PH_INTEREST_PAID);
  const cash = load<f64>(h, RH_CASH);
  const marketValue = load<f64>(h, RH_MARKET_VALUE);
  const equity = cash + marketValue;
  const hwm = load<f64>(h, RH_HWM);
  store<i64>(PUB, load<i64>(CONTROL + <usize>CONTROL_EVENTS_PROCESSED), PS_INBOUND_SEQ);
  store<i64>(PUB, load<i64>(h, RH_CLOCK_NS), PS_CLOCK_NS);
  store<f64>(PUB, equity, PS_EQUITY);
  store<f64>(PUB, cash, PS_CASH);
  store<f64>(PUB, marketValue, PS_MARKET_VALUE);
  store<f64>(PUB, realised, PS_REALISED_PNL);
  store<f64>(PUB, unrealised, PS_UNREALISED_PNL);
  store<f64>(PUB, hwm, PS_HWM);
  store<f64>(PUB, hwm > 0.0 ? max<f64>(0.0, (hwm - equity) / hwm) : 0.0, PS_DRAWDOWN);
  store<f64>(PUB, gross, PS_GROSS_EXPOSURE);
  store<f64>(PUB, net, PS_NET_EXPOSURE);
  store<i64>(PUB, orders ? load<i64>(ordersCounterAddress(OC_DENIED)) : 0, PS_DENIED_ORDERS);
  store<i32>(PUB, uncertain, PS_UNCERTAIN_ORDERS);
  store<i32>(PUB, load<i32>(h, RH_HALTED), PS_HALTED);
  store<i32>(PUB, load<i32>(h, RH_TRIP_COUNT), PS_TRIP_COUNT);
  store<i32>(PUB, count, PS_COUNT);
  store<i32>(PUB, inUse, PS_SLOTS_IN_USE);
  store<i64>(PUB, load<i64>(CONTROL + <usize>CONTROL_UNITS), PS_UNITS);

  atomic.store<i64>(PUB, odd + 1, PS_SEQ);
}

/**
 * The block's layout constants by id, for the TS mirror's agreement check
 * (engine/snapshot/state-layout.ts STATE_LAYOUT_IDS); -1 past the table.
 */
export function stateLayoutValue(id: i32): i32 {
  switch (id) {
    case 0: return PUBLISHED_STATE_OFFSET;
    case 1: return PUBLISHED_STATE_BYTES;
    case 2: return PS_SEQ;
    case 3: return PS_INBOUND_SEQ;
    case 4: return PS_CLOCK_NS;
    case 5: return PS_EQUITY;
    case 6: return PS_CASH;
    case 7: return PS_MARKET_VALUE;
    case 8: return PS_REALISED_PNL;
    case 9: return PS_UNREALISED_PNL;
    case 10: return PS_HWM;
    case 11: return PS_DRAWDOWN;
    case 12: return PS_GROSS_EXPOSURE;
    case 13: return PS_NET_EXPOSURE;
    case 14: return PS_DENIED_ORDERS;
    case 15: return PS_UNCERTAIN_ORDERS;
    case 16: return PS_HALTED;
    case 17: return PS_TRIP_COUNT;
    case 18: return PS_COUNT;
    case 19: return PS_SLOTS_IN_USE;
    case 20: return PS_UNITS;
    case 21: return PS_ENTRIES;
    case 22: return PS_ENTRY_BYTES;
    case 23: return PE_INSTRUMENT;
    case 24: return PE_POSITION;
    case 25: return PE_MARK;
    case 26: return PE_AVG_PRICE;
    case 27: return PE_UNREALISED_PNL;
    case 28: return PE_REALISED_PNL;
    case 29: return PE_VALUE;
    case 30: return PS_BLOCK_BYTES_MAX;
    // The published-signals block (signals-layout.ts).
    case 31: return PUBLISHED_SIGNALS_OFFSET;
    case 32: return PUBLISHED_SIGNALS_BYTES;
    case 33: return SG_SEQ;
    case 34: return SG_INBOUND_SEQ;
    case 35: return SG_CLOCK_NS;
    case 36: return SG_DECISION_STEPS;
    case 37: return SG_COUNT;
    case 38: return SG_SLOTS_IN_USE;
    case 39: return SG_UNITS;
    case 40: return SG_ENTRIES;
    case 41: return SG_ENTRY_BYTES;
    case 42: return SG_BLOCK_BYTES_MAX;
    case 43: return SE_INSTRUMENT;
    case 44: return SE_FLAGS;
    case 45: return SE_TS;
    case 46: return SE_STATUS;
    case 47: return SE_ORDER_REASON;
    case 48: return SE_ORDER_LIMIT;
    case 49: return SE_FEED_MASK;
    case 50: return SE_FEED_ACTION;
    case 51: return SE_FEED_CONDITION;
    case 52: return SE_FEED_SINCE_NS;
    case 53: return SE_SIGNAL;
    case 54: return SE_CONFIDENCE;
    case 55: return SE_CHOPPY_SCALE;
    case 56: return SE_DIRECTION;
    case 57: return SE_EXPOSURE;
    case 58: return SE_QUANTITY;
    case 59: return SE_ORDER_QTY;
    case 60: return SE_PRICE;
    case 61: return SE_REGIME_PROB;
    case 62: return SE_WEIGHTS;
    case 63: return SE_COMP_SCORE;
    case 64: return SE_COMP_CONF;
    default: return -1;
  }
}
