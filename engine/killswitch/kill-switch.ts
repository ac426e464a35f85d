// The kill switch across restarts: binds the core's drawdown trip (engine/risk) to its
// persisted state (kill-switch-store.ts). At start a persisted halt puts the core in the
// halted state (and re-emits flatten records); after a risk update a new trip is persisted
// and journaled before anything else happens; a reset needs a valid signed control token
// whose `sub` is journaled as who reset it, with the operator's reason.
import type { PreTradeRisk, RiskRecord } from '../risk/index.js';
import type { ControlEvent } from './control-journal.js';
import { claimVerifiedToken, verifyControlToken, type ControlTokenConfig } from './control-token.js';
import type { UsedTokenLedger } from './used-token-ledger.js';
import type { KillSwitchState, KillSwitchStore } from './kill-switch-store.js';

/** Who the core's own drawdown trip is journaled as (control tokens may not use the `risk.` namespace: control-token.ts). */
export const DRAWDOWN_TRIPPER = 'risk.drawdown';

/** The journaled reason of a drawdown trip. */
export function drawdownTripReason(highWaterMark: number, tripEquity: number): string {
  const drawdown = highWaterMark > 0 ? (highWaterMark - tripEquity) / highWaterMark : 0;
  return `equity ${tripEquity.toFixed(2)} fell ${(drawdown * 100).toFixed(2)}% below the high-water mark ${highWaterMark.toFixed(2)}`;
}

export class KillSwitchResetRefused extends Error {
  override readonly name = 'KillSwitchResetRefused';
}

export class KillSwitch {
  private persistedHalted: boolean;

  constructor(
    private readonly store: KillSwitchStore,
    private readonly risk: PreTradeRisk | null = null,
  ) {
    this.persistedHalted = store.load().halted;
  }

  status(): KillSwitchState {
    return this.store.load();
  }

  /** At engine start: a persisted halt halts the core; returns the flatten records it re-emits. */
  restore(): RiskRecord[] {
    const state = this.store.load();
    this.persistedHalted = state.halted;
    if (!this.risk || !state.halted) return [];
    this.risk.restoreHalted(true);
    return this.risk.emitFlatten();
  }

  /**
   * Call after every risk update that can trip (marks, fills): persists and journals a trip the
   * core just made. Returns the journal event, or null when nothing changed.
   */
  observe(): ControlEvent | null {
    if (!this.risk || this.persistedHalted) return null;
    const account = this.risk.account();
    if (!account.halted) return null;
    const event = this.store.trip(DRAWDOWN_TRIPPER, drawdownTripReason(account.highWaterMark, account.tripEquity));
    this.persistedHalted = true;
    return event;
  }

  /** Operator trip (signed control message upstream): halts the core and persists. */
  trip(who: string, why: string): RiskRecord[] {
    this.store.trip(who, why);
    this.persistedHalted = true;
    if (!this.risk) return [];
    this.risk.restoreHalted(true);
    return this.risk.emitFlatten();
  }

  /**
   * Clears the kill switch: `token` must be a valid control token (its `sub` is who) not used
   * before (its jti is claimed in `usedTokens`), `reason` non-empty. Journals KillSwitchReset
   * (who, why), then lets the core trade again.
   */
  async reset(token: string, reason: string, tokens: ControlTokenConfig, usedTokens: UsedTokenLedger): Promise<ControlEvent> {
    if (reason.trim() === '') throw new KillSwitchResetRefused('kill switch reset refused: `--reason` must explain why trading may resume, was empty');
    const verified = await verifyControlToken(token, tokens);
    if (!this.store.load().halted) throw new KillSwitchResetRefused('kill switch reset refused: the kill switch is not tripped, nothing to reset');
    const { who } = claimVerifiedToken(verified, usedTokens);
    const event = this.store.reset(who, reason);
    this.persistedHalted = false;
    this.risk?.resetKillSwitch();
    return event;
  }
}
