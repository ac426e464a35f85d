// Durability policies of the journal: when an appended record becomes committed, and whether
// the commit waits for the disk (fsync) or leaves flushing to the OS. Parsed from config at
// the edge (`parseDurability`); the journal itself only reads the validated object.
//
//   fsync  every commit() is fsynced before it returns; the caller commits per record.
//   group  pending records are committed (and fsynced) together, at most maxDelayMs after the
//          first pending one or once maxRecords are pending (the caller drives this with
//          commitIfDue / msUntilDue).
//   async  committed without fsync: a crash of the process loses nothing committed, a crash of
//          the machine may lose the tail (and, as with LMDB's noSync, may damage the file).

export type DurabilityPolicy =
  | { mode: 'fsync' }
  | { mode: 'group'; maxDelayMs: number; maxRecords: number }
  | { mode: 'async' };

export const DEFAULT_DURABILITY: DurabilityPolicy = { mode: 'group', maxDelayMs: 2, maxRecords: 4096 };

const MODES = ['fsync', 'group', 'async'] as const;

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Validates a durability policy from config: `{ mode: 'fsync' }`, `{ mode: 'async' }`, or
 * `{ mode: 'group', maxDelayMs, maxRecords }` (group fields default to DEFAULT_DURABILITY's).
 * Errors name the field, the value received and the rule.
 */
export function parseDurability(value: unknown, field: string): DurabilityPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RangeError(`\`${field}\` must be an object with \`mode\` one of ${MODES.join(', ')}, was ${describe(value)}`);
  }
  const object = value as Record<string, unknown>;
  const mode = object.mode;
  if (!MODES.includes(mode as (typeof MODES)[number])) {
    throw new RangeError(`\`${field}.mode\` must be one of ${MODES.join(', ')}, was ${describe(mode)}`);
  }
  const allowed = mode === 'group' ? ['mode', 'maxDelayMs', 'maxRecords'] : ['mode'];
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new RangeError(`\`${field}.${key}\` is not a setting of durability mode ${mode} (allowed: ${allowed.join(', ')}), was ${describe(object[key])}`);
    }
  }
  if (mode !== 'group') return { mode: mode as 'fsync' | 'async' };
  const defaults = DEFAULT_DURABILITY as { maxDelayMs: number; maxRecords: number };
  const maxDelayMs = object.maxDelayMs ?? defaults.maxDelayMs;
  if (typeof maxDelayMs !== 'number' || !Number.isFinite(maxDelayMs) || maxDelayMs < 0) {
    throw new RangeError(`\`${field}.maxDelayMs\` must be a finite number of milliseconds >= 0, was ${describe(maxDelayMs)}`);
  }
  const maxRecords = object.maxRecords ?? defaults.maxRecords;
  if (typeof maxRecords !== 'number' || !Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new RangeError(`\`${field}.maxRecords\` must be an integer >= 1, was ${describe(maxRecords)}`);
  }
  return { mode: 'group', maxDelayMs, maxRecords };
}
