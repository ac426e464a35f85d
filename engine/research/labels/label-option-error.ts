// A bad option of the labelling API: the message names the option, the value and the rule;
// `option` is the option's name so a CLI can name its own flag instead.

export class LabelOptionError extends Error {
  override readonly name = 'LabelOptionError';
  constructor(message: string, readonly option: string) {
    super(message);
  }
}
