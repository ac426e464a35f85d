// Control actions of a paper session, from the state server's control path (the server has
// already verified the signed token: `who` is its subject). Journaling is kept simple: each
// action is logged on stderr with its subject, connection and reason; nothing is persisted
// (a paper session starts with its kill switch armed). A kill-switch reset is applied through
// EngineHost.resetKillSwitch() at the next batch boundary, once the core has consumed every
// record published so far, while the engine runs; after the run there is nothing to reset and
// the action is refused. Pause, resume and mode changes are refused (not supported in paper).
import type { ControlAction } from '../client/index.js';
import type { ControlContext } from '../server/index.js';

interface PendingTask {
  run(): Promise<void>;
}

export class PaperControl {
  private readonly tasks: PendingTask[] = [];
  private running = false;
  private reset: (() => Promise<void>) | null = null;

  constructor(private readonly log: (line: string) => void) {}

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
    if (action.kind !== 'kill-switch-reset') {
      this.log(`paper: control ${action.kind} ${subject} refused: a paper session supports only kill-switch-reset`);
      return Promise.reject(new Error(`a paper session supports only kill-switch-reset, not ${action.kind}`));
    }
    this.log(`paper: control kill-switch-reset ${subject}: ${action.reason}`);
    if (!this.running || this.reset === null) return Promise.reject(new Error('the paper run has ended: no engine to reset'));
    const reset = this.reset;
    return new Promise<void>((resolve, reject) => {
      this.tasks.push({
        run: async () => {
          if (!this.running) return reject(new Error('the paper run ended before the reset was applied'));
          try {
            await reset();
            this.log(`paper: kill switch reset ${subject}`);
            resolve();
          } catch (error) {
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
