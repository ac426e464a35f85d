// Control of a running live session through its own channel: the state server's control handler
// (engine/server ControlGate has already verified the signed token, so `who` is its subject)
// queues a kill-switch trip or reset, a risk-limit change or a strategy's pause or resume here, and the session loop takes it at a point where the
// core has consumed every record published so far. There the session journals it (who, why),
// commits, and applies it in the core through the parking protocol (engine/threads
// core-checkpoint.ts), with the venue's records held back meanwhile, so the core takes it exactly
// where the journal has it; recovery and `quantflow replay --journal` apply it there again.
//
//   WebSocket control -> handle() -> queue -> session loop: idle, hold venue records,
//                                             journal + commit, park (trip | reset), release
//
//   kill-switch trip   journaled as KillSwitchTripped (who: the token's subject); refused when
//                      the kill switch is already tripped
//   kill-switch reset  journaled as KillSwitchReset; refused when it is not tripped
//   limit change       journaled as LimitChanged (who, why, previousValue read from the core,
//                      value), applied by writing the limit while the core is parked
//                      (EngineHost.changeRiskLimit); refused when the value is already set
//   pause / resume     journaled as StrategyPaused (who, why, the strategy's name and instrument
//                      ids, paused or not), applied by writing PIPE_PAUSED of those instruments
//                      while the core is parked (EngineHost.setInstrumentsPaused): while paused
//                      their targets may only reduce positions; refused for a name the session's
//                      configuration does not have, or a strategy already in that state
//   mode change        refused: a session's mode (live or paper) is fixed by its journal's first
//                      start; stop it and start the other mode on another journal
// A second process cannot reset a running session (session-control.ts refuses while the journal
// is held): this channel is the way. Every action is answered (applied, or refused with why).
import type { ControlAction } from '../client/index.js';
import { ControlRefusedError, describeControlResume, printableText, type ControlContext, type ControlResumeEvent } from '../server/index.js';
import { DRAWDOWN_TRIPPER } from '../killswitch/index.js';
import type { JournalEntry } from '../journal/index.js';
import { isRiskLimitName, riskLimitValueProblem, type RiskLimitName } from '../risk/index.js';

/** A kill-switch action, limit change, or strategy pause or resume waiting for the session loop. */
export interface QueuedControl {
  readonly kind: 'trip' | 'reset' | 'limit' | 'pause' | 'resume';
  /** kind 'limit': the limit (validated by the server: engine/risk RiskLimitName) and its new value. */
  readonly limit?: RiskLimitName;
  readonly value?: number;
  /** kind 'pause' / 'resume': the strategy's configured name (the session checks it). */
  readonly strategy?: string;
  readonly who: string;
  readonly why: string;
  /** The session applied it (journaled, committed, in the core). */
  applied(sequence: bigint): void;
  /** The session refused it (ControlRefusedError: why) or failed to apply it. */
  refused(error: Error): void;
}

/** A refusal the client gets as a `refused` control reply, with why. */
export function controlRefused(why: string): Error {
  return new ControlRefusedError(why);
}

/** A KillSwitchTripped entry an operator made (not the core's own drawdown trip, which replay reproduces by itself). */
export function isOperatorTrip(entry: JournalEntry): entry is Extract<JournalEntry, { type: 'killSwitchTripped' }> {
  return entry.type === 'killSwitchTripped' && entry.who !== DRAWDOWN_TRIPPER;
}

const MODE_REFUSAL = "a running session cannot change mode: its mode (live or paper) is fixed by its journal's first start; stop it (Ctrl-C, by the on-exit policy) and start the other mode on another journal";

export class LiveSessionControl {
  private readonly queue: QueuedControl[] = [];
  private state: 'starting' | 'running' | 'stopped' = 'starting';
  private wakeup: (() => void) | null = null;

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** The state server's listener for actions refused before `handle` (no or a bad token, a limit out of range): logged. */
  readonly refusedByServer = (action: ControlAction, who: string | null, sessionId: number, why: string): void => {
    this.log(`control: ${action.kind} by ${who === null ? 'a connection without a valid token' : printableText(who)} (connection ${sessionId}) refused: ${printableText(why, 500)}`);
  };

  /** The state server's listener for resume tickets presented: logged (a ticket used already may mean it leaked). */
  readonly resumed = (event: ControlResumeEvent): void => {
    this.log(`control: ${describeControlResume(event)}`);
  };

  /** The state server's control handler (ControlHandler). */
  readonly handle = (action: ControlAction, context: ControlContext): Promise<void> => {
    const subject = `${printableText(context.who)} (connection ${context.sessionId})`;
    const refuse = (why: string): Promise<void> => {
      this.log(`control: ${action.kind} by ${subject} refused: ${why}`);
      return Promise.reject(new ControlRefusedError(why));
    };
    if (action.kind === 'mode-change') return refuse(MODE_REFUSAL);
    if (this.state === 'starting') return refuse('the session is still recovering and reconciling: try again once it trades (/health says ready)');
    if (this.state === 'stopped') return refuse('the session has stopped: reset a stopped session with `quantflow killswitch reset --journal DIR`');
    let limit: { limit: RiskLimitName; value: number } | null = null;
    if (action.kind === 'limit-change') {
      // The server's parser checked these; a handler called another way gets the same rules.
      if (!isRiskLimitName(action.limit)) return refuse(`unknown risk limit ${JSON.stringify(action.limit)}`);
      const problem = riskLimitValueProblem(action.limit, action.value, 'action.value');
      if (problem !== null) return refuse(problem);
      limit = { limit: action.limit, value: action.value };
    }
    const kind = action.kind === 'kill-switch-trip' ? 'trip' : action.kind === 'limit-change' ? 'limit' : action.kind === 'pause-strategy' ? 'pause' : action.kind === 'resume-strategy' ? 'resume' : 'reset';
    const strategy = action.kind === 'pause-strategy' || action.kind === 'resume-strategy' ? { strategy: action.strategy } : null;
    const why = action.reason ?? 'no reason given';
    const what = limit ? `limit change ${limit.limit} = ${limit.value}` : strategy ? `${kind} strategy ${printableText(strategy.strategy)}` : `kill-switch ${kind}`;
    this.log(`control: ${what} by ${subject}: ${printableText(why, 500)}; queued for the next batch boundary`);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        kind, who: context.who, why, ...(limit ?? {}), ...(strategy ?? {}),
        applied: (sequence) => {
          this.log(`control: ${what} by ${subject} journaled at ${sequence} and applied in the core`);
          resolve();
        },
        refused: (error) => {
          this.log(`control: ${what} by ${subject} ${error instanceof ControlRefusedError ? 'refused' : 'failed'}: ${error.message}`);
          reject(error);
        },
      });
      this.wakeup?.();
    });
  };

  /** The session trades: actions are taken from now on. */
  running(): void {
    if (this.state === 'starting') this.state = 'running';
  }

  /** The session stopped: queued and later actions are refused. */
  stopped(): void {
    this.state = 'stopped';
    for (const action of this.queue.splice(0)) action.refused(new ControlRefusedError('the session stopped before the action was applied'));
  }

  /** The next queued action (the session loop). */
  take(): QueuedControl | undefined {
    return this.queue.shift();
  }

  /** Calls `wake` whenever an action is queued (the session loop's wake-up). */
  onQueued(wake: () => void): void {
    this.wakeup = wake;
  }
}
