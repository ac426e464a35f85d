// Control actions of a paper session, from the state server's control path (the server has
// already verified the signed token: `who` is its subject). A paper session has no journal, so
// every action is written to its control log: an append-only JSON Lines file (one object per
// line: timeIso, who, connection, action, reason, outcome `accepted` / `applied` / `refused` /
// `failed`, why), opened per write so nothing is lost when the process dies; by default
// `<killSwitch.statePath>/paper-control.jsonl` (paper-session.ts). It is also said on the log.
//   - kill-switch reset: applied through EngineHost.resetKillSwitch() at the next batch boundary,
//     once the core has consumed every record published so far, while the engine runs; after the
//     run there is nothing to reset and the action is refused.
//   - pause / resume a strategy: refused. The core has no per-strategy halt: the only halt it
//     has is the account-wide kill switch (wasm/assembly/risk/risk-account.ts RH_HALTED), and the
//     strategy stages have no switch for one strategy's new entries.
//   - limit change: refused. Like an operator trip it needs a journal to record who changed
//     what (issue 11); a paper session has none: set risk.<limit> in the config and restart.
//   - mode change: refused. A paper session's venue is the core's simulated venue and it has no
//     live venue adapter or journal to switch to; start a live session instead.
// Nothing is accepted silently: a refusal reaches the client as a `refused` control reply (ControlRefusedError).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ControlAction } from '../client/index.js';
import { ControlRefusedError, type ControlContext } from '../server/index.js';

interface PendingTask {
  run(): Promise<void>;
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

const PAUSE_REFUSAL = "a paper session cannot pause or resume one strategy: the core has no per-strategy halt (its only halt is the account-wide kill switch)";
const TRIP_REFUSAL = 'a paper session has no journal to record an operator trip in, so it does not take one (a live or paper `quantflow run` session does)';
const LIMIT_REFUSAL = 'a paper session has no journal to record a limit change in (who, why, previous value), so it does not take one: set risk.<limit> in the config and restart, or run a live session';
const MODE_REFUSAL = 'a paper session cannot change mode: its venue is the simulated venue inside the core, with no live venue adapter or journal to switch to (start a live session instead)';

export class PaperControl {
  private readonly tasks: PendingTask[] = [];
  private running = false;
  private reset: (() => Promise<void>) | null = null;

  constructor(private readonly log: (line: string) => void, private readonly controlLog: ControlLog | null = null) {}

  /** The engine runs: resets go to `resetKillSwitch` at batch boundaries. */
  engineStarted(resetKillSwitch: () => Promise<void>): void {
    this.reset = resetKillSwitch;
    this.running = true;
  }

  /** The engine stopped: pending and later actions are refused. */
  engineStopped(): void {
    this.running = false;
    for (const task of this.tasks.splice(0)) void task.run();
  }

  /** The server's control handler. */
  readonly handle = (action: ControlAction, context: ControlContext): Promise<void> => {
    const subject = `by ${context.who} (connection ${context.sessionId})`;
    const reason = action.kind === 'kill-switch-reset' || action.kind === 'kill-switch-trip' || action.kind === 'limit-change' ? action.reason : '';
    const record = (outcome: ControlOutcome, why: string): void => {
      this.controlLog?.append({ timeIso: new Date().toISOString(), who: context.who, connection: context.sessionId, action, reason, outcome, why });
    };
    const refuse = (why: string): Promise<void> => {
      record('refused', why);
      this.log(`paper: control ${action.kind} ${subject} refused: ${why}`);
      return Promise.reject(new ControlRefusedError(why));
    };
    if (action.kind === 'pause-strategy' || action.kind === 'resume-strategy') return refuse(PAUSE_REFUSAL);
    if (action.kind === 'mode-change') return refuse(MODE_REFUSAL);
    if (action.kind === 'kill-switch-trip') return refuse(TRIP_REFUSAL);
    if (action.kind === 'limit-change') return refuse(LIMIT_REFUSAL);
    if (!this.running || this.reset === null) return refuse('the paper run has ended: no engine to reset');
    record('accepted', 'applied at the next batch boundary');
    this.log(`paper: control kill-switch-reset ${subject}: ${action.reason}`);
    const reset = this.reset;
    return new Promise<void>((resolve, reject) => {
      this.tasks.push({
        run: async () => {
          if (!this.running) {
            record('refused', 'the paper run ended before the reset was applied');
            return reject(new ControlRefusedError('the paper run ended before the reset was applied'));
          }
          try {
            await reset();
            record('applied', 'the core cleared its kill switch');
            this.log(`paper: kill switch reset ${subject}`);
            resolve();
          } catch (error) {
            record('failed', (error as Error).message);
            reject(error as Error);
          }
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
