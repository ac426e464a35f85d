// The error of a feature file that cannot be read back (engine/research/features feature-file.ts):
// the message names the file, the field, the value and the rule, so the CLI prints one line.
export class FeatureFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureFileError';
  }
}
