// Errors of engine/research/sweep: a bad sweep spec (names the key path, the value received and
// the rule, like engine/config's ConfigError), and a sweep that cannot go on (a resumed id whose
// spec changed, a run that failed on every attempt).

/** A sweep spec that does not validate; `keyPath` is the first offending key (`parameters.slow.step`). */
export class SweepSpecError extends Error {
  constructor(message: string, readonly keyPath: string) {
    super(message);
    this.name = 'SweepSpecError';
  }
}

/** A sweep that cannot start or finish (state mismatch, queue unreachable, ...). */
export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepError';
  }
}
