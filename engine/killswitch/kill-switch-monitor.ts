// Persists the core's drawdown trips from the I/O thread while the engine runs: polls the
// risk account's trip counter in the shared memory (after each outbound drain) and, for a
// trip the store does not hold yet, writes the halted state and its KillSwitchTripped
// journal record in one LMDB transaction. The core has already halted and emitted its
// FlattenRequired records; this makes the halt survive a crash or restart, and the next
// engine start restores it (PipelineRisk.halted).
import { readRiskAccount } from '../pipeline/risk-account-snapshot.js';
import type { ControlEvent } from './control-journal.js';
import { drawdownTripReason, DRAWDOWN_TRIPPER } from './kill-switch.js';
import type { KillSwitchStore } from './kill-switch-store.js';

export class KillSwitchMonitor {
  private tripsSeen: number;

  constructor(
    private readonly store: KillSwitchStore,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.tripsSeen = readRiskAccount(memory).tripCount;
  }

  /** Persists a trip the core made since the last poll; returns its journal event, or null. */
  poll(): ControlEvent | null {
    const account = readRiskAccount(this.memory);
    if (account.tripCount === this.tripsSeen) return null;
    this.tripsSeen = account.tripCount;
    if (this.store.load().halted) return null;
    return this.store.trip(DRAWDOWN_TRIPPER, drawdownTripReason(account.highWaterMark, account.tripEquity));
  }
}
