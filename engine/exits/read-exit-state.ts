// Reads an instrument's exit state from the core's EXITS region (exit-layout.ts) with plain
// loads, no core call. The WASM glue uses it, and so can the I/O thread for snapshots.
import * as L from './exit-layout.js';

/** Every field of an instrument's exit state (meanings: wasm/assembly/exits/exit-layout.ts). */
export interface ExitState {
  /** Exit profile of the instrument's strategy (-1: no exits). */
  readonly profile: number;
  /** Side of the position the exits protect (+1, -1; 0: none armed). */
  readonly side: number;
  readonly entryNs: bigint;
  readonly entryPrice: number;
  /** |position| when the exits were armed. */
  readonly basePosition: number;
  /** Client order ids of the exit orders (0n: none). */
  readonly stopOrderId: bigint;
  readonly trailOrderId: bigint;
  readonly targetOrderIds: readonly bigint[];
  readonly maxHoldOrderId: bigint;
  /** Bit k: profit tier k took a fill. */
  readonly tiersDone: number;
  /** Side whose re-entry waits after an exit rule closed it (0: none). */
  readonly blockSign: number;
  /** When an exit decision was last deferred (0n: none pending). */
  readonly deferredNs: bigint;
  /** Price of the protective stop (0: none). */
  readonly stopPrice: number;
  /** RULE_STOP or RULE_ATR_STOP: the rule the stop was decided by (0: none). */
  readonly stopRule: number;
  /** 1 once the max-hold close was sent. */
  readonly closing: number;
  /** 1 when the trailing stop was hit and its release deferred. */
  readonly trailHit: number;
  /** The trailing stop's distance decided at arming (0: none). */
  readonly trailOffset: number;
}

/** The exit state at byte `offset` of `view` (exitsStateOffset). */
export function readExitState(view: DataView, offset: number): ExitState {
  const i32 = (field: number) => view.getInt32(offset + field, true);
  const u64 = (field: number) => view.getBigUint64(offset + field, true);
  return {
    profile: i32(L.ES_PROFILE),
    side: i32(L.ES_SIDE),
    entryNs: view.getBigInt64(offset + L.ES_ENTRY_NS, true),
    entryPrice: view.getFloat64(offset + L.ES_ENTRY_PX, true),
    basePosition: view.getFloat64(offset + L.ES_BASE_POS, true),
    stopOrderId: u64(L.ES_STOP_ID),
    trailOrderId: u64(L.ES_TRAIL_ID),
    targetOrderIds: Array.from({ length: L.EXIT_TARGETS }, (_, k) => u64(L.ES_TARGET_IDS + 8 * k)),
    maxHoldOrderId: u64(L.ES_MAX_HOLD_ID),
    tiersDone: i32(L.ES_TIERS_DONE),
    blockSign: i32(L.ES_BLOCK_SIGN),
    deferredNs: view.getBigInt64(offset + L.ES_DEFERRED_NS, true),
    stopPrice: view.getFloat64(offset + L.ES_STOP_PX, true),
    stopRule: view.getInt16(offset + L.ES_STOP_RULE, true),
    closing: i32(L.ES_CLOSING),
    trailHit: view.getInt16(offset + L.ES_TRAIL_HIT, true),
    trailOffset: view.getFloat64(offset + L.ES_TRAIL_OFFSET, true),
  };
}
