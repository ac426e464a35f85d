// The error of a bad feature-export option or token: `option` names the option (features,
// horizon, ...) so a command can name its flag instead.
export class FeatureOptionError extends Error {
  constructor(message: string, readonly option: string) {
    super(message);
    this.name = 'FeatureOptionError';
  }
}
