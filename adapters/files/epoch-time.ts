// Reads an epoch time written as digits and picks its unit from its magnitude. The digits
// go straight into a BigInt, so nanosecond values above 2^53 stay exact.
//
// Unit by the integer part's value (leading zeros ignored):
//
//   integer part        unit          first instant read in that unit
//   < 10^11             seconds       1970-01-01
//   10^11 .. < 10^14    milliseconds  1973-03-03T09:46:40Z
//   10^14 .. < 10^17    microseconds  1973-03-03T09:46:40Z
//   10^17 .. < 10^20    nanoseconds   1973-03-03T09:46:40Z
//
// Every unit ends at 2262-04-11T23:47:16.854775807Z, the int64 nanosecond limit: later
// values are refused, not reinterpreted. An epoch in ms, µs or ns earlier than 1973-03-03
// is read as the next coarser unit; such values do not occur in market data. Negative
// epochs (before 1970) are not accepted.
// A fraction is allowed down to 1 ns (9 digits for seconds, 6 for ms, 3 for µs, none for ns).

export const INT64_MAX = 9_223_372_036_854_775_807n;

const UNITS: readonly { maxIntegerDigits: number; nsPerUnit: bigint; fractionDigits: number; name: string }[] = [
  { maxIntegerDigits: 11, nsPerUnit: 1_000_000_000n, fractionDigits: 9, name: 'seconds' },
  { maxIntegerDigits: 14, nsPerUnit: 1_000_000n, fractionDigits: 6, name: 'milliseconds' },
  { maxIntegerDigits: 17, nsPerUnit: 1_000n, fractionDigits: 3, name: 'microseconds' },
  { maxIntegerDigits: 20, nsPerUnit: 1n, fractionDigits: 0, name: 'nanoseconds' },
];

const EPOCH_PATTERN = /^(\d+)(?:\.(\d+))?$/;

/** The unit an epoch integer part of `digits` significant digits is read in, or undefined past 20 digits. */
export function epochUnitName(significantDigits: number): string | undefined {
  return UNITS.find((u) => significantDigits <= u.maxIntegerDigits)?.name;
}

/**
 * Parses `text` as epoch digits. Returns ns since the epoch, a string saying why the
 * digits are not a valid epoch, or `null` when `text` is not epoch digits at all.
 */
export function parseEpochNs(text: string): bigint | string | null {
  const match = EPOCH_PATTERN.exec(text);
  if (match === null) return null;
  const integer = match[1]!;
  const fraction = match[2] ?? '';
  let start = 0;
  while (start < integer.length - 1 && integer.charCodeAt(start) === 48 /* 0 */) start += 1;
  const significant = integer.length - start;
  const unit = UNITS.find((u) => significant <= u.maxIntegerDigits);
  if (unit === undefined) return `epoch digits must be at most 20 digits (nanoseconds), had ${significant}`;
  if (fraction.length > unit.fractionDigits) {
    return `an epoch in ${unit.name} may have at most ${unit.fractionDigits} fraction digits (1 ns), had ${fraction.length}`;
  }
  const ns = BigInt(integer) * unit.nsPerUnit + (fraction === '' ? 0n : BigInt(fraction.padEnd(unit.fractionDigits, '0')));
  if (ns > INT64_MAX) return `epoch in ${unit.name} is past 2262-04-11T23:47:16.854775807Z, the int64 nanosecond limit`;
  return ns;
}
