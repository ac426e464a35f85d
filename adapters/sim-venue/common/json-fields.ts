// Checked reads of JSON message fields, for both ends of the wire: each read names the field
// (with its path), the value and the rule when it fails (WireFormatError). 64-bit integers
// travel as decimal strings, everything else as JSON numbers, strings and booleans.
import { WireFormatError } from './wire-format-error.js';

export type JsonObject = Readonly<Record<string, unknown>>;

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

export function checkObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireFormatError(field, value, 'must be a JSON object');
  return value as JsonObject;
}

export function checkArray(value: unknown, field: string, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value)) throw new WireFormatError(field, value, 'must be a JSON array');
  if (value.length > maxLength) throw new WireFormatError(field, `array of ${value.length}`, `must hold at most ${maxLength} items`);
  return value;
}

/** `o[name]`, which must be an integer in [min, max]. */
export function readInteger(o: JsonObject, name: string, min: number, max: number, at = ''): number {
  const value = o[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new WireFormatError(`${at}${name}`, value, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/** `o[name]`, which must be a finite number. */
export function readFinite(o: JsonObject, name: string, at = ''): number {
  const value = o[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new WireFormatError(`${at}${name}`, value, 'must be a finite number');
  return value;
}

/** `o[name]`, a decimal string of an integer in [min, max] (how 64-bit integers travel). */
export function readDecimal(o: JsonObject, name: string, min: bigint, max: bigint, at = ''): bigint {
  const value = o[name];
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new WireFormatError(`${at}${name}`, value, 'must be a decimal string of a non-negative integer (no sign, no leading zeros)');
  }
  const n = BigInt(value);
  if (n < min || n > max) throw new WireFormatError(`${at}${name}`, value, `must be in [${min}, ${max}]`);
  return n;
}

export function readString(o: JsonObject, name: string, maxLength: number, at = ''): string {
  const value = o[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new WireFormatError(`${at}${name}`, value, `must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

export function readBoolean(o: JsonObject, name: string, at = ''): boolean {
  const value = o[name];
  if (typeof value !== 'boolean') throw new WireFormatError(`${at}${name}`, value, 'must be true or false');
  return value;
}

/** Refuses fields beyond `allowed`: a misspelt field is an error, not silently ignored. */
export function checkOnlyFields(o: JsonObject, allowed: readonly string[], at = ''): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new WireFormatError(`${at}${key}`, o[key], `is not a field of this message (fields: ${allowed.join(', ')})`);
  }
}
