// BusySpinWait: spins on an atomic load until the sequence moves. Lowest latency,
// burns a whole core while waiting; use only when each thread has its own core.
// It never yields: Node has no sched_yield (see SpinThenYieldWait for the
// Atomics.wait-with-a-tiny-timeout stand-in), so the thread keeps its core until
// the kernel preempts it. It never raises a waiting flag, so the other side never
// pays for a notify. Checks its deadline every 1024 loads.
import { DEFAULT_WAIT_TIMEOUT_MS, WAIT_TIMED_OUT, checkPositiveOption, type WaitStrategy } from './wait-strategy.js';

/** Spins between clock reads; the deadline is checked once per this many loads. */
const LOADS_PER_CLOCK_READ = 1024;

export class BusySpinWait implements WaitStrategy {
  readonly name = 'busy-spin';
  readonly timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = checkPositiveOption('timeoutMs', options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  }

  waitFor(i32: Int32Array, sequenceIndex: number, _flagIndex: number, target: number): number {
    let sequence = Atomics.load(i32, sequenceIndex);
    if (((sequence - target) | 0) >= 0) return sequence >>> 0;
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      for (let i = 0; i < LOADS_PER_CLOCK_READ; i++) {
        sequence = Atomics.load(i32, sequenceIndex);
        if (((sequence - target) | 0) >= 0) return sequence >>> 0;
      }
      if (performance.now() >= deadline) return WAIT_TIMED_OUT;
    }
  }
}
