// Errors of engine/research/sweep: a bad sweep spec (names the key path, the value received and
// the rule, like engine/config's ConfigError), and a sweep that cannot go on (a resumed id whose
// spec changed, a run that failed on every attempt), and the one-line form of a run's error
// that the store, the report and the log keep.

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

/**
 * A run's error message (or an error's stack) on one line: its lines up to the stack frames
 * (`    at ...`), trimmed and joined by spaces. The first line alone lost what a multi-line message
 * says (a ConfigError's first line is only "invalid configuration:").
 */
export function oneLineError(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s+at /.test(line)) break;
    if (line.trim() !== '') lines.push(line.trim());
  }
  return lines.join(' ');
}
