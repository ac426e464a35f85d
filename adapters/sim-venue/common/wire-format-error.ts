// The one error the pure wire functions throw: a frame, request, response or record that
// breaks a rule of the protocol, naming the field, the value received and the rule.

const MAX_VALUE_CHARS = 80;

/** A readable, clipped rendering of a received value for error messages. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'number') text = String(value);
  else if (value === undefined) text = 'undefined (missing)';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}...` : text;
}

export class WireFormatError extends Error {
  /** The value as the message shows it. */
  readonly value: string;

  constructor(
    readonly field: string,
    value: unknown,
    readonly rule: string,
  ) {
    const shown = describeValue(value);
    super(`\`${field}\` ${rule}, was ${shown}`);
    this.name = 'WireFormatError';
    this.value = shown;
  }
}
