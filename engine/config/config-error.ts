// The one error type of configuration loading: every message names the key path, the
// value received, the rule, and where the value came from (file and line, or env var).

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, readonly keyPath: string) {
    super(message);
  }
}
