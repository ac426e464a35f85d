// How a push-mode session ends on request (Ctrl-C): the request (who asked, why, and the on-exit
// policy for working orders) and the wake-up the session loop waits on. The session journals the
// request (a modeChanged entry: who, why, the policy and the working orders) before it acts on it.
//
//   drain   keep trading until every working order is done, at most `boundMs`, then stop
//   cancel  cancel every working order at the venue and wait (at most `boundMs`) for the answers;
//           each cancel is journaled (reason 'on exit cancel (who: why)') and committed before it
//           is sent, and recovery tells these from the core's own cancels by that reason
//   keep    leave working orders at the venue and stop at once
export type OnExitPolicy = 'drain' | 'cancel' | 'keep';
export const ON_EXIT_POLICIES: readonly OnExitPolicy[] = ['drain', 'cancel', 'keep'];

export interface StopRequest {
  readonly policy: OnExitPolicy;
  readonly who: string;
  readonly why: string;
  /** How long drain or cancel waits for working orders before it stops anyway. */
  readonly boundMs: number;
}

/** What the session did with its working orders when it stopped. */
export interface SessionExitReport {
  readonly policy: OnExitPolicy;
  readonly who: string;
  readonly why: string;
  /** Client order ids live when the stop was requested, and those still live at exit. */
  readonly workingAtStop: readonly string[];
  readonly workingAtExit: readonly string[];
  readonly cancelsSent: number;
  /** true when drain or cancel ran out of `boundMs`. */
  readonly timedOut: boolean;
}

export class SessionStop {
  private request: StopRequest | null = null;
  private wakeups: (() => void)[] = [];

  get requested(): StopRequest | null {
    return this.request;
  }

  /** Asks the session to stop (a second request is ignored: the first policy holds). */
  stop(request: StopRequest): void {
    if (this.request !== null) return;
    this.request = request;
    this.wake();
  }

  /** Wakes a waiting session loop. */
  wake(): void {
    for (const wakeup of this.wakeups.splice(0)) wakeup();
  }

  /** Resolves on the next wake() or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeups.push(done);
    });
  }
}
