// SpinThenYieldWait: spins, then "yields" until the sequence moves.
//
// Node has no sched_yield. "Yield" here is Atomics.wait on the watched word with
// a tiny timeout (`yieldMs`, default 1 µs): the thread parks in the kernel and
// wakes when the timeout expires, which in practice takes the kernel's timer
// slack (tens of µs on Linux), giving the core to another thread meanwhile.
// It never raises the waiting flag, so the other side never pays for a notify;
// the cost is that a wake-up is only noticed at the end of a yield.
import {
  DEFAULT_WAIT_TIMEOUT_MS,
  WAIT_TIMED_OUT,
  checkIntegerOption,
  checkPositiveOption,
  type WaitStrategy,
  type WaitStrategyOptions,
} from './wait-strategy.js';

export const DEFAULT_YIELD_SPINS = 4096;
export const DEFAULT_YIELD_MS = 0.001;

export class SpinThenYieldWait implements WaitStrategy {
  readonly name = 'spin-then-yield';
  readonly spins: number;
  readonly yieldMs: number;
  readonly timeoutMs: number;

  constructor(options: WaitStrategyOptions & { yieldMs?: number } = {}) {
    this.spins = checkIntegerOption('spins', options.spins ?? DEFAULT_YIELD_SPINS, 0);
    this.yieldMs = checkPositiveOption('yieldMs', options.yieldMs ?? DEFAULT_YIELD_MS);
    this.timeoutMs = checkPositiveOption('timeoutMs', options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  }

  waitFor(i32: Int32Array, sequenceIndex: number, _flagIndex: number, target: number): number {
    let sequence = Atomics.load(i32, sequenceIndex);
    for (let i = 0; i < this.spins; i++) {
      if (((sequence - target) | 0) >= 0) return sequence >>> 0;
      sequence = Atomics.load(i32, sequenceIndex);
    }
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      if (((sequence - target) | 0) >= 0) return sequence >>> 0;
      if (performance.now() >= deadline) return WAIT_TIMED_OUT;
      Atomics.wait(i32, sequenceIndex, sequence, this.yieldMs);
      sequence = Atomics.load(i32, sequenceIndex);
    }
  }
}
