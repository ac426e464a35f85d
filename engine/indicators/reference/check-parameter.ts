// Parameter checks for reference indicator tokens: each failure names the token,
// the parameter, the value received and the rule.

/** Returns `raw` as an integer >= `min` (and <= `max`), or throws naming token, parameter, value and rule. */
export function checkIntegerParameter(token: string, name: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const rule = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new Error(`indicator token \`${token}\`: \`${name}\` must be ${rule}, was ${raw === undefined ? 'missing' : JSON.stringify(raw)}`);
  }
  return value;
}

/** Returns `raw` as a finite number >= `min`, or throws naming token, parameter, value and rule. */
export function checkNumberParameter(token: string, name: string, raw: string | undefined, min: number): number {
  const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`indicator token \`${token}\`: \`${name}\` must be a finite number >= ${min}, was ${raw === undefined ? 'missing' : JSON.stringify(raw)}`);
  }
  return value;
}

/** Throws unless exactly `expected` parameters (one of the allowed counts) were given. */
export function checkParameterCount(token: string, params: string[], allowed: number[], usage: string): void {
  if (!allowed.includes(params.length)) {
    throw new Error(`indicator token \`${token}\`: expected ${usage}, got ${params.length} parameter(s)`);
  }
}
