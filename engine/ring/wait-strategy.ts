// The contract every ring wait strategy implements: block until a sequence word
// reaches a target, within a bounded time. Strategies: BusySpinWait,
// SpinThenYieldWait, SpinThenSleepWait (the default, see default-wait.ts).

/** Returned by waitFor when the target was not reached before the timeout. */
export const WAIT_TIMED_OUT = -1;

/** Timeout of one waitFor call unless a strategy is given another one. */
export const DEFAULT_WAIT_TIMEOUT_MS = 1000;

export interface WaitStrategyOptions {
  /** Iterations of the spin phase (one atomic load each). */
  spins?: number;
  /** Longest time one waitFor call may block before it returns WAIT_TIMED_OUT. */
  timeoutMs?: number;
}

export interface WaitStrategy {
  readonly name: string;
  readonly timeoutMs: number;
  /**
   * Waits until the u32 sequence at `i32[sequenceIndex]` reaches `target`
   * (wrap-aware: `((sequence - target) | 0) >= 0`). `flagIndex` is the
   * waiting flag this side raises before it sleeps (consumerWaiting when
   * watching `published`, producerWaiting when watching `released`), so the
   * other side calls Atomics.notify only when someone sleeps.
   * Returns the observed sequence as a u32, or WAIT_TIMED_OUT.
   */
  waitFor(i32: Int32Array, sequenceIndex: number, flagIndex: number, target: number): number;
}

/** Throws unless `value` is an integer >= `min` (names the option in the message). */
export function checkIntegerOption(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`\`${name}\` must be an integer >= ${min}, was ${value}`);
  return value;
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositiveOption(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`\`${name}\` must be a finite number > 0, was ${value}`);
  return value;
}
