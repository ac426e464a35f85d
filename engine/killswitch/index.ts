// Public surface of engine/killswitch: the persisted kill switch (LMDB state + control
// journal), its binding to the core's risk module, the monitor that persists the running
// engine's trips, signed control tokens, the ledger of used ones and the state server's resume tickets.
export { KillSwitch, KillSwitchResetRefused, DRAWDOWN_TRIPPER, drawdownTripReason } from './kill-switch.js';
export { KillSwitchMonitor } from './kill-switch-monitor.js';
export { KillSwitchStore, nowNs, type KillSwitchState } from './kill-switch-store.js';
export { ControlJournal, encodeControlEvent, decodeControlEvent, type ControlEvent, type ControlEventKind } from './control-journal.js';
export {
  verifyControlToken, signControlToken, claimControlToken, claimVerifiedToken, replayedTokenError, ControlTokenError, MAX_CONTROL_TOKEN_LIFETIME_SECONDS, type ControlTokenConfig, type VerifiedControlToken,
} from './control-token.js';
export { DirectoryTokenLedger, MemoryTokenLedger, usedTokenLedgerPath, type UsedTokenLedger } from './used-token-ledger.js';
export {
  DEFAULT_RESUME_TICKET_SECONDS, DirectoryTicketStore, MAX_RESUME_TICKET_CHARACTERS, RESUME_ATTEMPT_PATTERN, ResumeTicketStore, resumeTicketStorePath, type IssuedTicket, type ResumeGrant, type ResumeOutcome, type ResumeRefusalReason, type TicketStoreOptions,
} from './resume-ticket-store.js';
