// Parses numeric CLI flags, rejecting bad values with the flag, the value and the rule.
import { UserFacingError } from './cli-error.js';

export function parseIntegerOption(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UserFacingError(`\`${flag}\` must be an integer in [${min}, ${max}], was ${JSON.stringify(text)}`);
  }
  return value;
}
