// Control messages: kill-switch reset and trip, pause / resume a strategy, mode change, risk-limit
// change (its shape checked by the parser; its limit name and value range, engine/risk
// risk-limit-change.ts, by the gate: a `refused` reply naming the field, the value and the rule). Each needs a
// signed control token, checked with the same code as `quantflow killswitch`
// (engine/killswitch verifyControlToken): the message's own `token`, or the one the connection
// authenticated with (`auth`), verified again on every action so an expired token stops working.
// A token is good for one connection: its `jti` is bound to the first connection that presents
// it (claimed in the server's UsedTokenLedger, persisted beside the kill-switch state by the
// sessions, so a restart does not forget it), and the same token from any other connection, now
// or after a restart, is refused as a replay; that connection may use it for all its actions.
// A connection whose token was bound to it gets a resume ticket (engine/killswitch
// resume-ticket-store.ts): after a drop its new connection presents the ticket (`resume`) and
// the token's binding moves to it, with no new token; the connection it moved from, if the server
// still has it open, is closed by the server. A connection that resumed acts under the grant (the
// token's subject, jti and expiry), checked again on every action like a token.
// A connection without one is read-only. An accepted action goes to the host's handler (which
// journals and applies it) with the token's subject; the reply says accepted or why not: a
// handler that throws ControlRefusedError (an action this session cannot perform) gets code
// `refused` with its reason, any other error `failed`. Nothing is accepted silently.
import {
  ControlTokenError, MemoryTokenLedger, ResumeTicketStore, replayedTokenError, verifyControlToken, type ControlTokenConfig, type IssuedTicket, type ResumeGrant, type ResumeRefusalReason, type UsedTokenLedger,
} from '../killswitch/index.js';
import { RISK_LIMIT_NAMES, isRiskLimitName, riskLimitValueProblem } from '../risk/index.js';
import { CONTROL_ACTION_KINDS, type ControlAction, type EngineModeName, type ServerMessage } from '../client/index.js';
import { printableText } from './printable-text.js';

/** A client message that does not follow the protocol; `code` is the error frame's. */
export class MalformedMessageError extends Error {
  override readonly name: string = 'MalformedMessageError';
  readonly code: 'malformed' | 'unknown-topic' = 'malformed';
}

/** A subscribe or unsubscribe naming a topic the server does not have (error code `unknown-topic`, counted as malformed). */
export class UnknownTopicError extends MalformedMessageError {
  override readonly name = 'UnknownTopicError';
  override readonly code = 'unknown-topic';
}

/** Thrown by a control handler for an action its session cannot perform; the message says why. */
export class ControlRefusedError extends Error {
  override readonly name = 'ControlRefusedError';
}

export interface ControlContext {
  /** The token's subject: who acts (journaled by the host). */
  who: string;
  /** The connection that asked. */
  sessionId: number;
}

/** The host's handler: journals and applies the action; a rejection is reported to the client as failed. */
export type ControlHandler = (action: ControlAction, context: ControlContext) => void | Promise<void>;

/**
 * Told of each action the gate refused before the handler saw it: no or a bad token (`who`
 * null), or a limit change out of its range. So the host's control log holds every action it
 * was sent, not only those its handler judged.
 */
export type ControlRefusalListener = (action: ControlAction, who: string | null, sessionId: number, why: string) => void;

const MODES: readonly EngineModeName[] = ['backtest', 'paper', 'live'];

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new MalformedMessageError(`\`${field}\` must be a non-empty string, was ${JSON.stringify(value)}`);
  return value;
}

/** Checks a control message's `action`; throws MalformedMessageError naming the field. */
export function parseControlAction(value: unknown): ControlAction {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedMessageError(`\`action\` must be an object, was ${JSON.stringify(value)}`);
  const action = value as Record<string, unknown>;
  switch (action.kind) {
    case 'kill-switch-reset':
    case 'kill-switch-trip': return { kind: action.kind, reason: nonEmptyString(action.reason, 'action.reason') };
    case 'pause-strategy':
    case 'resume-strategy': {
      const strategy = nonEmptyString(action.strategy, 'action.strategy');
      return action.reason === undefined ? { kind: action.kind, strategy } : { kind: action.kind, strategy, reason: nonEmptyString(action.reason, 'action.reason') };
    }
    case 'mode-change':
      if (!MODES.includes(action.mode as EngineModeName)) throw new MalformedMessageError(`\`action.mode\` must be one of ${MODES.join(', ')}, was ${JSON.stringify(action.mode)}`);
      return { kind: 'mode-change', mode: action.mode as EngineModeName };
    case 'limit-change': {
      // The shape here; the limit's name and range in limitChangeProblem (a `refused` reply to the action's id).
      const limit = nonEmptyString(action.limit, 'action.limit');
      if (typeof action.value !== 'number') throw new MalformedMessageError(`\`action.value\` must be a number, was ${JSON.stringify(action.value)}`);
      return { kind: 'limit-change', limit, value: action.value, reason: nonEmptyString(action.reason, 'action.reason') };
    }
    default:
      throw new MalformedMessageError(`\`action.kind\` must be one of ${CONTROL_ACTION_KINDS.join(', ')}, was ${JSON.stringify(action.kind)}`);
  }
}

/**
 * Why a limit-change action cannot be taken (an unknown limit, a value outside the range the
 * config schema allows it: engine/risk risk-limit-change.ts), naming the field, the value and
 * the rule; null when it can.
 */
export function limitChangeProblem(action: ControlAction): string | null {
  if (action.kind !== 'limit-change') return null;
  if (!isRiskLimitName(action.limit)) return `\`action.limit\` must be one of ${RISK_LIMIT_NAMES.join(', ')}, was ${JSON.stringify(action.limit)}`;
  return riskLimitValueProblem(action.limit, action.value, 'action.value');
}

/** A control reply and how the action ended (for the metrics). */
export interface ControlOutcomeReply {
  readonly reply: ServerMessage;
  readonly outcome: 'accepted' | 'refused' | 'failed';
}

/**
 * Told of each resume ticket presented (the host's log): resumed (`tookOver`: the connection it
 * came from was still open here and is closed: a half-open socket, or a stolen ticket), refused
 * (`why`; a ticket used already may mean it was stolen) or failed (the store could not record it).
 */
export interface ControlResumeEvent {
  sessionId: number;
  outcome: 'resumed' | 'refused' | 'failed';
  /** The token's subject (null when refused or failed). */
  who: string | null;
  /** The connection that held the control before (resumed, when this server still had it open). */
  tookOver: number | null;
  why: string;
}

export type ControlResumeListener = (event: ControlResumeEvent) => void;

/** A resume ticket's outcome as a session's log line says it (a ticket used already may mean it leaked); client text escaped. */
export function describeControlResume(event: ControlResumeEvent): string {
  if (event.outcome === 'resumed') {
    const from = event.tookOver === null ? '' : `; connection ${event.tookOver}, which held it and was still open, is closed (if its client did not reconnect, its ticket leaked)`;
    return `control of ${printableText(event.who ?? '')} resumed on connection ${event.sessionId} with its resume ticket${from}`;
  }
  return `a resume ticket was ${event.outcome} on connection ${event.sessionId}: ${printableText(event.why, 500)}`;
}

/** A refusal of a token, a grant or a ticket. */
export interface ControlRefusal {
  ok: false;
  code: 'unauthorized' | 'disabled';
  message: string;
  /** A refused resume ticket: why (ResumeTicketStore). */
  resume?: ResumeRefusalReason;
}

/** What a connection may act under: a token bound to it. */
export interface ControlAuthorized {
  ok: true;
  who: string;
  grant: ResumeGrant;
  /** The token was bound to this connection just now (its first presentation). */
  fresh: boolean;
}

const DISABLED: ControlRefusal = { ok: false, code: 'disabled', message: 'control is disabled on this server: it has no token configuration or no control handler' };

export class ControlGate {
  /** The tokens this server took, by jti: the connection that holds each (first presented it, or resumed it), and its exp. */
  private readonly boundTo = new Map<string, { sessionId: number; expiresAtSeconds: number }>();

  constructor(
    private readonly tokens: ControlTokenConfig | null,
    private readonly handler: ControlHandler | null,
    private readonly onRefused: ControlRefusalListener | null = null,
    private readonly ledger: UsedTokenLedger = new MemoryTokenLedger(),
    readonly tickets: ResumeTicketStore = new ResumeTicketStore(),
  ) {}

  private get enabled(): boolean {
    return this.tokens !== null && this.handler !== null;
  }

  /** Verifies a token for connection `sessionId`: its subject and grant, or a refusal (a token another connection holds is a replay). */
  async authorize(token: string, sessionId: number): Promise<ControlAuthorized | ControlRefusal> {
    if (!this.enabled) return DISABLED;
    // (verifyControlToken's own wording names the CLI's --token and QF_CONTROL_TOKEN, which mean nothing here.)
    if (token.trim() === '') return { ok: false, code: 'unauthorized', message: 'a signed control token is required, was empty (an operator signs one with `quantflow killswitch token`)' };
    try {
      const verified = await verifyControlToken(token, this.tokens!);
      const bound = this.boundTo.get(verified.jti);
      let fresh = false;
      if (bound === undefined) {
        if (!this.ledger.claim(verified.jti, verified.expiresAtSeconds, verified.who)) throw replayedTokenError(verified);
        this.forgetExpired();
        this.boundTo.set(verified.jti, { sessionId, expiresAtSeconds: verified.expiresAtSeconds });
        fresh = true;
      } else if (bound.sessionId !== sessionId) {
        throw replayedTokenError(verified);
      }
      return { ok: true, who: verified.who, grant: { jti: verified.jti, who: verified.who, expiresAtSeconds: verified.expiresAtSeconds }, fresh };
    } catch (error) {
      if (error instanceof ControlTokenError) return { ok: false, code: 'unauthorized', message: error.message };
      throw error;
    }
  }

  /** Checks the grant a connection resumed, as a token is checked on every action: not expired, still held by this connection. */
  checkGrant(grant: ResumeGrant, sessionId: number): ControlAuthorized | ControlRefusal {
    if (!this.enabled) return DISABLED;
    if (grant.expiresAtSeconds <= Date.now() / 1000) return { ok: false, code: 'unauthorized', message: 'control token expired: sign a new one' };
    if (this.boundTo.get(grant.jti)?.sessionId !== sessionId) {
      return { ok: false, code: 'unauthorized', message: `control of this connection was resumed by another connection with its resume ticket (subject ${JSON.stringify(grant.who)}): sign a new token` };
    }
    return { ok: true, who: grant.who, grant, fresh: false };
  }

  /**
   * Spends a resume ticket for connection `sessionId`: the token's binding moves to it. Returns
   * the grant, the connection's next ticket and the connection that held the grant (null: none
   * this server still knows of), or a refusal naming why.
   */
  resume(ticket: string, sessionId: number, attempt?: string): { ok: true; grant: ResumeGrant; next: IssuedTicket; previousSessionId: number | null; repeated: boolean } | ControlRefusal {
    if (!this.enabled) return DISABLED;
    const outcome = this.tickets.resume(ticket, attempt);
    if (!outcome.ok) return { ok: false, code: 'unauthorized', message: outcome.message, resume: outcome.reason };
    const { grant } = outcome;
    const previous = this.boundTo.get(grant.jti);
    // A server that restarted holds the jti on disk already; one whose ledger forgot it claims it again.
    this.ledger.claim(grant.jti, grant.expiresAtSeconds, grant.who);
    this.forgetExpired();
    this.boundTo.set(grant.jti, { sessionId, expiresAtSeconds: grant.expiresAtSeconds });
    return { ok: true, grant, next: outcome.next, previousSessionId: previous === undefined || previous.sessionId === sessionId ? null : previous.sessionId, repeated: outcome.repeated === true };
  }

  /** Drops the bindings of expired tokens (verifyControlToken refuses them anyway): the map holds only live ones. */
  private forgetExpired(): void {
    if (this.boundTo.size < 256) return;
    const now = Date.now() / 1000;
    for (const [jti, bound] of this.boundTo) if (bound.expiresAtSeconds < now) this.boundTo.delete(jti);
  }

  /**
   * Checks the token and the action: a refusal, or `proceed`, which hands the action to the host
   * (the handler runs at once, so actions proceeded in order reach it in that order) and resolves
   * with the reply once the host is done.
   */
  async admit(
    id: number, action: ControlAction, credential: string | ResumeGrant | null, sessionId: number, onAuthorized?: (authorized: ControlAuthorized) => void,
  ): Promise<ControlOutcomeReply | { proceed: () => Promise<ControlOutcomeReply> }> {
    if (credential === null) {
      const message = 'this connection is read-only: a control action needs a signed control token (in the message or by `auth`)';
      this.onRefused?.(action, null, sessionId, message);
      return { reply: { type: 'control', id, ok: false, code: 'unauthorized', message }, outcome: 'refused' };
    }
    const authorized = typeof credential === 'string' ? await this.authorize(credential, sessionId) : this.checkGrant(credential, sessionId);
    if (!authorized.ok) {
      this.onRefused?.(action, null, sessionId, authorized.message);
      return { reply: { type: 'control', id, ok: false, code: authorized.code, message: authorized.message }, outcome: 'refused' };
    }
    onAuthorized?.(authorized);
    const problem = limitChangeProblem(action);
    if (problem !== null) {
      this.onRefused?.(action, authorized.who, sessionId, problem);
      return { reply: { type: 'control', id, ok: false, code: 'refused', message: `${action.kind} refused: ${problem}` }, outcome: 'refused' };
    }
    return {
      proceed: async (): Promise<ControlOutcomeReply> => {
        try {
          await this.handler!(action, { who: authorized.who, sessionId });
        } catch (error) {
          if (error instanceof ControlRefusedError) return { reply: { type: 'control', id, ok: false, code: 'refused', message: `${action.kind} refused: ${error.message}` }, outcome: 'refused' };
          return { reply: { type: 'control', id, ok: false, code: 'failed', message: `the host refused ${action.kind}: ${(error as Error).message}` }, outcome: 'failed' };
        }
        return { reply: { type: 'control', id, ok: true, who: authorized.who, action }, outcome: 'accepted' };
      },
    };
  }
}
