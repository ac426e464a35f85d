// The error for a bad indicator SPEC or token: unknown indicator, bad parameter, unknown
// output, dependency cycle. Its message names the token, the parameter, the value and the rule.

export class IndicatorSpecError extends Error {
  constructor(message: string, readonly token?: string) {
    super(message);
    this.name = 'IndicatorSpecError';
  }
}
