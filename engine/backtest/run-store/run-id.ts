// Run ids of the run store: time-ordered, so the store's key order is the runs' time order.
//
//   20260416T101502123Z-3fa9c2d1
//   |      | |       | |
//   date   T time ms  Z  first 8 hex digits of SHA-256 of the run's report.json
//
// `checkRunId` is the one gate for ids that arrive from outside (URLs, flags): it names the
// value and the rule.
export const RUN_ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/** A RangeError: the state server answers it with 400. */
export class RunIdError extends RangeError {
  override readonly name = 'RunIdError';
}

/** The id of a run recorded at `timeMs` (epoch milliseconds) whose report.json hashes to `contentHash` (hex). */
export function runIdOf(timeMs: number, contentHash: string): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0) throw new RunIdError(`run time must be a non-negative integer of epoch milliseconds, was ${timeMs}`);
  if (!/^[0-9a-f]{8,}$/.test(contentHash)) throw new RunIdError(`run content hash must be at least 8 lowercase hex digits, was ${JSON.stringify(contentHash)}`);
  const iso = new Date(timeMs).toISOString(); // 2026-04-16T10:15:02.123Z
  const year = Number(iso.slice(0, 4));
  if (year > 9999 || iso.startsWith('+') || iso.startsWith('-')) throw new RunIdError(`run time must fall in years 0000..9999, was ${iso}`);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 23)}Z-${contentHash.slice(0, 8)}`;
}

/** The epoch milliseconds an id was recorded at (the id must be well-formed). */
export function runIdTime(id: string): number {
  checkRunId(id);
  const t = `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 15)}.${id.slice(15, 18)}Z`;
  return Date.parse(t);
}

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID_PATTERN.test(value) && !Number.isNaN(Date.parse(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}.${value.slice(15, 18)}Z`));
}

/** Throws a RunIdError naming the value and the rule unless `value` is a well-formed run id. */
export function checkRunId(value: unknown, field = 'run id'): string {
  if (isRunId(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  throw new RunIdError(`${field} must look like 20260416T101502123Z-3fa9c2d1 (UTC time to the millisecond, Z, 8 hex digits of the report's hash), was ${shown}`);
}
