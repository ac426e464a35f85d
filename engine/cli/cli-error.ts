// Turns an error that reaches the top of a CLI command into one clear line on stderr
// and a non-zero exit code: no bare stack traces for expected failures.

/** Errors users can act on (bad input, bad flags, missing files); printed without a stack. */
export class UserFacingError extends Error {
  constructor(message: string, readonly exitCode: number = 2) {
    super(message);
    this.name = 'UserFacingError';
  }
}

export function reportCliError(error: unknown): never {
  if (error instanceof UserFacingError) {
    process.stderr.write(`quantflow: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  const err = error as NodeJS.ErrnoException;
  if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) {
    process.stderr.write(`quantflow: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`quantflow: internal error: ${err?.stack ?? String(error)}\n`);
  process.exit(1);
}
