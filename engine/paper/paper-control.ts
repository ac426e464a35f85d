// Control actions of a paper session, from the state server's control path (the server has
// already verified the signed token: `who` is its subject). A paper session has no journal, so
// every action is written to its control log: an append-only JSON Lines file (one object per
// line: timeIso, who, connection, action, reason, outcome `accepted` / `applied` / `refused` /
// `failed`, why), opened per write so nothing is lost when the process dies; by default
// `<killSwitch.statePath>/paper-control.jsonl` (paper-session.ts). It is also said on the log.
//   - kill-switch reset: applied through EngineHost.resetKillSwitch() at the next batch boundary,
//     once the core has consumed every record published so far, while the engine runs. Refused
//     when the kill switch is not tripped (when sent, and again when applied: two resets sent
//     together clear one trip), as a live session does: the core's reset also moves the drawdown
//     high-water mark down to the equity, so a reset of an untripped switch would quietly widen
//     the drawdown limit. After the run there is nothing to reset and the action is refused.
//   - pause / resume a strategy (by its configured name): applied at the next batch boundary,
//     once the core has consumed every record published so far, through
//     EngineHost.setInstrumentsPaused on each of the strategy's instruments: while paused its
//     targets may only reduce positions (no new exposure; exits and stops still trade, and a
//     working entry order is withdrawn on its next bar). The paused names go to the state source
//     (topic `risk`). Refused, with why, for an unknown name, a strategy already in that state, or
//     after the run. A pause lasts for the session (a paper session keeps no state across runs).
//   - limit change (one of the pre-trade limits, within the config schema's range): applied at
//     the next batch boundary through EngineHost.changeRiskLimit; the control log records who,
//     why, and the previous and new values. Refused, with why, for an unknown limit, a value out
//     of range, a value the limit already has, or after the run. It lasts for the session.
//   - mode change: refused. A paper session's venue is the core's simulated venue and it has no
//     live venue adapter or journal to switch to; start a live session instead.
// Nothing is accepted silently: a refusal reaches the client as a `refused` control reply (ControlRefusedError).
// A dashboard that takes its control back after a reconnect (a resume ticket, engine/server
// control.ts) is said on the log, and so is a ticket refused (used already: it may have leaked).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ControlAction } from '../client/index.js';
import { ControlRefusedError, describeControlResume, printableText, type ControlContext, type ControlResumeEvent } from '../server/index.js';
import { isRiskLimitName, riskLimitValueProblem, type RiskLimitName } from '../risk/index.js';

interface PendingTask {
  run(): Promise<void>;
}

/** What the running engine lets the control path do (EngineHost's methods, at batch boundaries). */
export interface PaperEngineControls {
  resetKillSwitch(): Promise<void>;
  /** Whether the core's kill switch is tripped now (the flag only a reset clears). */
  killSwitchTripped(): boolean;
  setInstrumentsPaused(instruments: readonly number[], paused: boolean): Promise<void>;
  /** Sets a pre-trade risk limit at a batch boundary; resolves with its previous value. */
  changeRiskLimit(limit: RiskLimitName, value: number): Promise<number>;
  /** A pre-trade risk limit's value in the core now. */
  riskLimit(limit: RiskLimitName): number;
  /** Each configured strategy's name and its instruments. */
  readonly strategies: ReadonlyMap<string, readonly number[]>;
  /** The paused strategies' names, after each pause or resume the core applied. */
  onPausedChanged(names: readonly string[]): void;
}

export type ControlOutcome = 'accepted' | 'applied' | 'refused' | 'failed';

/** One line of the control log. */
export interface ControlLogEntry {
  timeIso: string;
  who: string;
  connection: number;
  action: ControlAction;
  reason: string;
  outcome: ControlOutcome;
  why: string;
}

/** Appends one JSON object per line to `path` (its directory is created on the first write). */
export class ControlLog {
  private ready = false;
  constructor(readonly path: string) {}

  append(entry: ControlLogEntry): void {
    if (!this.ready) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.ready = true;
    }
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

const TRIP_REFUSAL = 'a paper session has no journal to record an operator trip in, so it does not take one (a live or paper `quantflow run` session does)';
const NOT_TRIPPED_REFUSAL = 'the kill switch is not tripped: nothing to reset (a reset also moves the drawdown high-water mark down to the equity, so it is taken only for a trip)';
const MODE_REFUSAL = 'a paper session cannot change mode: its venue is the simulated venue inside the core, with no live venue adapter or journal to switch to (start a live session instead)';

export class PaperControl {
  private readonly tasks: PendingTask[] = [];
  private running = false;
  private engine: PaperEngineControls | null = null;
  /** Paused strategies as the accepted actions leave them (applied or queued), and as the core has them. */
  private readonly pausing = new Set<string>();
  /** Each limit's value once the changes accepted so far are applied (queued ones included). */
  private readonly limitAfterQueue = new Map<RiskLimitName, number>();
  private readonly paused = new Set<string>();

  constructor(private readonly log: (line: string) => void, private readonly controlLog: ControlLog | null = null) {}

  /** The engine runs: resets, pauses and resumes go to `engine` at batch boundaries. */
  engineStarted(engine: PaperEngineControls): void {
    this.engine = engine;
    this.running = true;
  }

  /** The engine stopped: pending and later actions are refused. */
  engineStopped(): void {
    this.running = false;
    for (const task of this.tasks.splice(0)) void task.run();
  }

  /** The server's listener for actions refused before `handle` (no or a bad token, a limit out of range): logged as refused. */
  readonly refusedByServer = (action: ControlAction, who: string | null, sessionId: number, why: string): void => {
    const reason = 'reason' in action && typeof action.reason === 'string' ? action.reason : '';
    this.controlLog?.append({ timeIso: new Date().toISOString(), who: who ?? '(no valid token)', connection: sessionId, action, reason, outcome: 'refused', why });
    this.log(`paper: control ${action.kind} by ${who === null ? 'a connection without a valid token' : printableText(who)} (connection ${sessionId}) refused: ${printableText(why, 500)}`);
  };

  /** The server's listener for resume tickets presented: said on the session's log (a ticket used already may mean it leaked). */
  readonly resumed = (event: ControlResumeEvent): void => {
    this.log(`paper: ${describeControlResume(event)}`);
  };

  /** The server's control handler. */
  readonly handle = (action: ControlAction, context: ControlContext): Promise<void> => {
    // Client-given text goes to the log escaped (printableText); the control log keeps it as JSON.
    const subject = `by ${printableText(context.who)} (connection ${context.sessionId})`;
    const reason = 'reason' in action && typeof action.reason === 'string' ? action.reason : '';
    const record = (outcome: ControlOutcome, why: string): void => {
      this.controlLog?.append({ timeIso: new Date().toISOString(), who: context.who, connection: context.sessionId, action, reason, outcome, why });
    };
    // The outcome of an action already accepted (logged as such): the client is answered even when
    // the control log cannot take the line any more (a full disk), and the session log says so.
    const recordOutcome = (outcome: ControlOutcome, why: string): void => {
      try {
        record(outcome, why);
      } catch (error) {
        this.log(`paper: control ${action.kind} ${subject} ${outcome} (${printableText(why, 500)}), but the control log could not record it: ${(error as Error).message}`);
      }
    };
    const refuse = (why: string): Promise<void> => {
      record('refused', why);
      this.log(`paper: control ${action.kind} ${subject} refused: ${why}`);
      return Promise.reject(new ControlRefusedError(why));
    };
    if (action.kind === 'mode-change') return refuse(MODE_REFUSAL);
    if (action.kind === 'kill-switch-trip') return refuse(TRIP_REFUSAL);
    const engine = this.engine;
    if (!this.running || engine === null) return refuse(`the paper run has ended: no engine to ${action.kind === 'kill-switch-reset' ? 'reset' : action.kind === 'limit-change' ? 'change' : action.kind === 'pause-strategy' ? 'pause' : 'resume'}`);
    let apply: () => Promise<string>;
    if (action.kind === 'limit-change') {
      // The server's parser checked these; a handler called another way gets the same rules.
      const { limit, value } = action;
      if (!isRiskLimitName(limit)) return refuse(`unknown risk limit ${JSON.stringify(limit)}`);
      const problem = riskLimitValueProblem(limit, value, 'action.value');
      if (problem !== null) return refuse(problem);
      // Against the value the queued changes leave, not only the core's now.
      const queued = this.limitAfterQueue.get(limit);
      if ((queued ?? engine.riskLimit(limit)) === value) return refuse(`${limit} is already ${value}${queued !== undefined ? ' once the changes queued before this one are applied' : ''}: nothing to change`);
      this.limitAfterQueue.set(limit, value);
      apply = async () => {
        const previous = await engine.changeRiskLimit(limit, value);
        if (this.limitAfterQueue.get(limit) === value) this.limitAfterQueue.delete(limit);
        return `the core set ${limit} ${previous} -> ${value}`;
      };
    } else if (action.kind === 'kill-switch-reset') {
      if (!engine.killSwitchTripped()) return refuse(NOT_TRIPPED_REFUSAL);
      apply = async () => {
        // Only a reset clears the flag, so tripped now is tripped at the boundary the reset lands on.
        if (!engine.killSwitchTripped()) throw new ControlRefusedError(NOT_TRIPPED_REFUSAL);
        await engine.resetKillSwitch();
        return 'the core cleared its kill switch';
      };
    } else {
      const pause = action.kind === 'pause-strategy';
      const instruments = engine.strategies.get(action.strategy);
      if (instruments === undefined) {
        const names = [...engine.strategies.keys()];
        return refuse(`no strategy named ${JSON.stringify(action.strategy)} in this session (${names.length > 0 ? `its strategies: ${names.join(', ')}` : 'it has no named strategy'})`);
      }
      if (this.pausing.has(action.strategy) === pause) return refuse(`strategy ${action.strategy} is ${pause ? 'already paused' : 'not paused'}: nothing to change`);
      if (pause) this.pausing.add(action.strategy);
      else this.pausing.delete(action.strategy);
      apply = async () => {
        await engine.setInstrumentsPaused(instruments, pause);
        if (pause) this.paused.add(action.strategy);
        else this.paused.delete(action.strategy);
        engine.onPausedChanged([...this.paused]);
        return pause ? `the core paused ${action.strategy}: its targets may only reduce positions` : `the core resumed ${action.strategy}`;
      };
    }
    record('accepted', 'applied at the next batch boundary');
    const what = action.kind === 'limit-change' ? ` ${action.limit} = ${action.value}` : action.kind === 'kill-switch-reset' ? '' : ` ${action.strategy}`;
    this.log(`paper: control ${action.kind}${what} ${subject}${reason ? `: ${printableText(reason, 500)}` : ''}`);
    return new Promise<void>((resolve, reject) => {
      this.tasks.push({
        run: async () => {
          if (!this.running) {
            if (action.kind === 'pause-strategy') this.pausing.delete(action.strategy);
            if (action.kind === 'resume-strategy') this.pausing.add(action.strategy);
            if (action.kind === 'limit-change') this.limitAfterQueue.delete(action.limit as RiskLimitName);
            const why = `the paper run ended before the ${action.kind} was applied`;
            recordOutcome('refused', why);
            return reject(new ControlRefusedError(why));
          }
          let done: string;
          try {
            done = await apply();
          } catch (error) {
            if (action.kind === 'limit-change' && this.limitAfterQueue.get(action.limit as RiskLimitName) === action.value) this.limitAfterQueue.delete(action.limit as RiskLimitName);
            recordOutcome(error instanceof ControlRefusedError ? 'refused' : 'failed', (error as Error).message);
            return reject(error as Error);
          }
          recordOutcome('applied', done);
          this.log(`paper: ${done} ${subject}`);
          resolve();
        },
      });
    });
  };

  /** The next action to apply at a batch boundary (for playPaced's takeBoundaryTask). */
  readonly takeBoundaryTask = (): (() => Promise<void>) | undefined => {
    const task = this.tasks.shift();
    return task ? () => task.run() : undefined;
  };
}
