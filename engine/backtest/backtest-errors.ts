// Errors of a backtest's setup, named for what the user got wrong: an option or key
// (BacktestOptionError) or the shape of the data given (BacktestSetupError).

/** A bad option or configuration value: names the flag or key, the value and the rule. */
export class BacktestOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestOptionError';
  }
}

/** Data that cannot run as given (no source, one symbol streaming both bars and ticks, ...). */
export class BacktestSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BacktestSetupError';
  }
}
