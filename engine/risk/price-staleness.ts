// When an instrument's price is stale for the pre-trade checks (STALE_PRICE, DEFERRED_STALE_PRICE)
// and the exits' timer: the TS twin of wasm/assembly/risk/risk-account.ts markStale, shared by the
// TS references (reference-risk-engine.ts, engine/exits/reference).
import type { RiskInstrumentState } from './risk-engine.js';

/**
 * True when the instrument has no price fresh at `clockNs`: no mark yet, or its freshest price
 * (the mark, or the market record the engine holds and marks next: priceInHandNs) is more than
 * `staleNs` older than the clock.
 */
export function priceStale(state: Pick<RiskInstrumentState, 'hasMark' | 'markTsNs' | 'priceInHandNs'>, staleNs: bigint, clockNs: bigint): boolean {
  if (!state.hasMark) return true;
  const freshest = state.priceInHandNs > state.markTsNs ? state.priceInHandNs : state.markTsNs;
  return clockNs - freshest > staleNs;
}
