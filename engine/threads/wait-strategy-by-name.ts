// Maps the user-facing wait strategy names (CLI flags, config) to ring wait strategies.
import { BusySpinWait, SpinThenSleepWait, SpinThenYieldWait, type WaitStrategy } from '../ring/index.js';

export const WAIT_STRATEGY_NAMES = ['spin-then-sleep', 'spin-then-yield', 'busy-spin'] as const;
export type WaitStrategyName = (typeof WAIT_STRATEGY_NAMES)[number];

export function checkWaitStrategyName(name: string, field = '--wait'): WaitStrategyName {
  if ((WAIT_STRATEGY_NAMES as readonly string[]).includes(name)) return name as WaitStrategyName;
  throw new RangeError(`\`${field}\` must be one of ${WAIT_STRATEGY_NAMES.join(', ')}, was ${JSON.stringify(name)}`);
}

/** The strategy `name`; `timeoutMs` bounds one wait (the engine thread re-checks its control words after each). */
export function createWaitStrategy(name: WaitStrategyName, timeoutMs?: number): WaitStrategy {
  const options = timeoutMs === undefined ? {} : { timeoutMs };
  switch (name) {
    case 'busy-spin':
      return new BusySpinWait(options);
    case 'spin-then-yield':
      return new SpinThenYieldWait(options);
    case 'spin-then-sleep':
      return new SpinThenSleepWait(options);
  }
}
