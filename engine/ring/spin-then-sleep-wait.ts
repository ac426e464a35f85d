// SpinThenSleepWait (the default): spins briefly, then sleeps in Atomics.wait on
// the watched sequence word until the other side notifies.
//
// Flag protocol (no lost wake-up, and no notify unless someone sleeps):
//   waiter:    store flag = 1; load sequence s; if s reached, clear flag and return;
//              else Atomics.wait(word, s, remaining)
//   other side: Atomics.store(word, new); if Atomics.load(flag) != 0 then Atomics.notify(word)
// Atomics are sequentially consistent, so either the waiter sees the new value
// or the other side sees the flag and notifies; a store that lands between the
// waiter's load and its wait makes Atomics.wait return "not-equal" at once.
// Sleeping is bounded by `timeoutMs` so nothing hangs forever.
//
// "Yield" in Node: there is no sched_yield; the sleep phase here is a real
// futex sleep that ends with the other side's notify (or the timeout).
import {
  DEFAULT_WAIT_TIMEOUT_MS,
  WAIT_TIMED_OUT,
  checkIntegerOption,
  checkPositiveOption,
  type WaitStrategy,
  type WaitStrategyOptions,
} from './wait-strategy.js';

/** Spin-phase loads before sleeping: about 30 µs on the 2-core development VM (7 ns per Atomics.load, measured under load). */
export const DEFAULT_SLEEP_SPINS = 4096;

export class SpinThenSleepWait implements WaitStrategy {
  readonly name = 'spin-then-sleep';
  readonly spins: number;
  readonly timeoutMs: number;
  /** Times this strategy went to sleep in Atomics.wait (diagnostics and tests). */
  sleeps = 0;
  /** Sleeps that ended by timeout rather than by a notify or a changed word (a lost wake-up, or a silent peer). */
  timedOutSleeps = 0;

  constructor(options: WaitStrategyOptions = {}) {
    this.spins = checkIntegerOption('spins', options.spins ?? DEFAULT_SLEEP_SPINS, 0);
    this.timeoutMs = checkPositiveOption('timeoutMs', options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  }

  waitFor(i32: Int32Array, sequenceIndex: number, flagIndex: number, target: number): number {
    let sequence = Atomics.load(i32, sequenceIndex);
    for (let i = 0; i < this.spins; i++) {
      if (((sequence - target) | 0) >= 0) return sequence >>> 0;
      sequence = Atomics.load(i32, sequenceIndex);
    }
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      Atomics.store(i32, flagIndex, 1);
      sequence = Atomics.load(i32, sequenceIndex);
      if (((sequence - target) | 0) >= 0) break;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        Atomics.store(i32, flagIndex, 0);
        return WAIT_TIMED_OUT;
      }
      this.sleeps++;
      if (Atomics.wait(i32, sequenceIndex, sequence, remaining) === 'timed-out') this.timedOutSleeps++;
      Atomics.store(i32, flagIndex, 0);
      sequence = Atomics.load(i32, sequenceIndex);
      if (((sequence - target) | 0) >= 0) return sequence >>> 0;
    }
    Atomics.store(i32, flagIndex, 0);
    return sequence >>> 0;
  }
}
