// Layout of the PUBLISHED STATE block (PUBLISHED_STATE_OFFSET below; drawn in ../layout.ts's map): the account and
// every configured instrument's position, copied by the core at batch boundaries under a seqlock
// (state-publish.ts), so the I/O thread (or any worker holding the shared memory) reads a state
// taken whole, never one the core is half-way through writing. Mirrored by
// engine/snapshot/state-layout.ts; engine/snapshot/read-consistent-state.ts is the reader.
//
// Where: the spare bytes between the outbound extension and STATE_OFFSET (the 64 KiB alignment
// gap of the state region: 60,928 bytes with today's ring sizes). Outside every checkpointed span
// (engine/threads/core-checkpoint.ts copies [0, CORE_STATIC_LIMIT) and [STATE_OFFSET,
// SCRATCH_REGION_OFFSET)), so checkpoints and their images are unchanged; engineStart checks the
// block still fits (ERR_BAD_ARGUMENT otherwise) should the rings ever grow.
//
//   PUBLISHED_STATE_OFFSET
//   +0      +---------------------------------------------+
//           | seq i64 (own cache line): odd while the core |  written with atomic stores by the
//           | writes, even when the block is whole         |  engine thread only
//   +64     +---------------------------------------------+
//           | account (128 B, below)                      |
//   +192    +---------------------------------------------+
//           | reserved                                    |
//   +256    +---------------------------------------------+
//           | instrument entry 0 (56 B)                   |  one per configured risk slot, in
//           | ... entry count - 1                         |  instrument id order (dense list)
//   +256 + 56 * INSTRUMENT_CAPACITY (57,600 B at most)   |
//           +---------------------------------------------+
//
// Account (offsets from the block start):
//
//   64            72         80       88     96            104           112             120
//   | inboundSeq  | clockNs  | equity | cash | marketValue | realisedPnl | unrealisedPnl   |
//   120    128        136              144            152             160              164      168         172     176          184
//   | hwm  | drawdown | grossExposure  | netExposure  | deniedOrders  | uncertainOrders | halted | tripCount | count | slotsInUse | units i64 |
//
//   inboundSeq     inbound records consumed over the core's life when the block was written
//                  (CONTROL_EVENTS_PROCESSED): the block covers exactly those records
//   clockNs        the risk clock (risk-layout.ts RH_CLOCK_NS)
//   equity         cash + marketValue, computed once from the two values stored next to it
//   realisedPnl    sum of the instruments' realisedPnl, less the interest paid on negative cash
//   unrealisedPnl  sum of the instruments' unrealisedPnl
//                  equity - starting cash = realisedPnl + unrealisedPnl (every amount the account
//                  paid or earned is in one of the two; with quote currencies whose rate moved,
//                  the revaluation of cash held in them is in neither)
//   drawdown       max(0, (hwm - equity) / hwm), 0 while hwm <= 0
//   grossExposure  sum of the slots' worst-case exposures (working orders included: RS_EXPOSURE),
//                  summed at publish time, so exactly 0 for a flat book (the running sum the
//                  risk checks read, RH_GROSS_EXPOSURE, keeps f64 residue)
//   netExposure    sum of position * mark * valueFactor (signed, positions only)
//   deniedOrders   orders refused before they were created (orders counter OC_DENIED)
//   uncertainOrders live orders in UNCERTAIN now (sum of the instrument index counts)
//   count          instrument entries that follow
//   slotsInUse, units  what the block was written from (RH_SLOTS_IN_USE, CONTROL_UNITS): with
//                  clockNs, cash, marketValue, hwm, halted and tripCount, the change test of
//                  state-publish.ts (the core's "dirty" test)
//
// Instrument entry (56 B), account currency unless marked:
//
//   0            4     8          16     24         32              40            48      56
//   | instrument | pad | position | mark | avgPrice | unrealisedPnl | realisedPnl | value |
//
//   position, mark, avgPrice  the risk slot's (contracts, quote-currency prices; mark 0 before any)
//   unrealisedPnl  (position * mark - costBasis) * valueFactor - the open lots' entry fees * rate:
//                  what closing at the mark would realise before the exit fee (backtesting.py's
//                  open Trade.pl); 0 before the first mark
//   realisedPnl    the ledger's (gross realised P&L - fees of closed lots - funding - borrow)
//                  (quote currency) * the quote currency's rate now: the round trips' net P&L
//                  less carry. An entry fee moves from unrealisedPnl to realisedPnl when its lot
//                  closes, so realised + unrealised is the instrument's whole P&L
//   value          the slot's part of marketValue (risk-layout.ts RS_VALUE)
import { INSTRUMENT_CAPACITY, OUTBOUND_CAPACITY, OUTBOUND_EXT_OFFSET, SLOT_BYTES, STATE_OFFSET } from '../layout';

/** Right after the outbound extension (the box diagram of ../layout.ts shows the spot). */
export const PUBLISHED_STATE_OFFSET: i32 = OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY * SLOT_BYTES;
/** Up to STATE_OFFSET: 60,928 bytes with today's ring sizes. */
export const PUBLISHED_STATE_BYTES: i32 = STATE_OFFSET - PUBLISHED_STATE_OFFSET;

export const PUB: usize = <usize>PUBLISHED_STATE_OFFSET;

export const PS_SEQ: i32 = 0;
export const PS_INBOUND_SEQ: i32 = 64;
export const PS_CLOCK_NS: i32 = 72;
export const PS_EQUITY: i32 = 80;
export const PS_CASH: i32 = 88;
export const PS_MARKET_VALUE: i32 = 96;
export const PS_REALISED_PNL: i32 = 104;
export const PS_UNREALISED_PNL: i32 = 112;
export const PS_HWM: i32 = 120;
export const PS_DRAWDOWN: i32 = 128;
export const PS_GROSS_EXPOSURE: i32 = 136;
export const PS_NET_EXPOSURE: i32 = 144;
export const PS_DENIED_ORDERS: i32 = 152;
export const PS_UNCERTAIN_ORDERS: i32 = 160;
export const PS_HALTED: i32 = 164;
export const PS_TRIP_COUNT: i32 = 168;
export const PS_COUNT: i32 = 172;
export const PS_SLOTS_IN_USE: i32 = 176;
export const PS_UNITS: i32 = 184;

export const PS_ENTRIES: i32 = 256;
export const PS_ENTRY_BYTES: i32 = 56;
export const PE_INSTRUMENT: i32 = 0;
export const PE_POSITION: i32 = 8;
export const PE_MARK: i32 = 16;
export const PE_AVG_PRICE: i32 = 24;
export const PE_UNREALISED_PNL: i32 = 32;
export const PE_REALISED_PNL: i32 = 40;
export const PE_VALUE: i32 = 48;

/** Bytes the block needs at most (every instrument configured). */
export const PS_BLOCK_BYTES_MAX: i32 = PS_ENTRIES + PS_ENTRY_BYTES * INSTRUMENT_CAPACITY;

/** Address of entry `index` of the list. */
// @ts-ignore: decorator
@inline
export function publishedEntryAddress(index: i32): usize {
  return PUB + <usize>(PS_ENTRIES + index * PS_ENTRY_BYTES);
}
