// The default wait strategy: spin briefly, then sleep (keeps a 2-core machine usable).
import { SpinThenSleepWait } from './spin-then-sleep-wait.js';
import type { WaitStrategy } from './wait-strategy.js';

/** A new default strategy (SpinThenSleepWait with its default spins and timeout). */
export function createDefaultWait(): WaitStrategy {
  return new SpinThenSleepWait();
}
