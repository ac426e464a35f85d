// The cores that wrote a journal, as its meta "writers" holds them: one entry per core build, in
// order, each with the first sequence it wrote. A journal replays to the same decisions only
// through the core that made them, so recovery and `replay --journal` compare the last entry
// with the running core (engine/live/journal-core.ts). This module only stores and checks the
// entries: what a core identity is (the sha256 of core.wasm) is the caller's.

/** One core build that wrote to the journal. */
export interface JournalWriter {
  /** sha256 (hex) of the compiled core (core.wasm) whose decisions the journal holds from `fromSequence` on. */
  readonly core: string;
  /** The journal format the writing code wrote (JOURNAL_FORMAT). */
  readonly journalFormat: number;
  /** The first journal sequence written under this core. */
  readonly fromSequence: number;
  /** True when this core took over a journal another core wrote (an operator's --accept-core-change). */
  readonly acceptedChange: boolean;
  /**
   * The core's state right after its pipeline was set up from the journal's configuration, before
   * any record: sha256 per memory region, by region name (engine/pipeline pipelineSetupIdentity).
   * Absent in entries written before it was recorded.
   */
  readonly setup?: Readonly<Record<string, string>>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The meta value as JournalWriter entries; a malformed one is named (index, field, value, rule) for the caller's error. */
export function parseJournalWriters(value: unknown): { writers: JournalWriter[] } | { problem: string } {
  if (!Array.isArray(value)) return { problem: `must be an array of writers, was ${JSON.stringify(value)}` };
  const writers: JournalWriter[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry = value[i] as Record<string, unknown> | null;
    const field = (name: string, rule: string): { problem: string } => ({ problem: `entry ${i} \`${name}\` ${rule}, was ${JSON.stringify(entry?.[name])}` });
    if (typeof entry !== 'object' || entry === null) return { problem: `entry ${i} must be an object, was ${JSON.stringify(entry)}` };
    if (typeof entry.core !== 'string' || !SHA256_HEX.test(entry.core)) return field('core', 'must be a sha256 in lowercase hex (64 digits)');
    if (typeof entry.journalFormat !== 'number' || !Number.isSafeInteger(entry.journalFormat) || entry.journalFormat < 1) return field('journalFormat', 'must be an integer >= 1');
    if (typeof entry.fromSequence !== 'number' || !Number.isSafeInteger(entry.fromSequence) || entry.fromSequence < 1) return field('fromSequence', 'must be a sequence >= 1');
    if (i > 0 && entry.fromSequence < writers[i - 1].fromSequence) return field('fromSequence', `must be >= the previous writer's ${writers[i - 1].fromSequence}`);
    if (typeof entry.acceptedChange !== 'boolean') return field('acceptedChange', 'must be true or false');
    const setup = entry.setup;
    if (setup !== undefined) {
      if (typeof setup !== 'object' || setup === null || Array.isArray(setup)) return field('setup', 'must be an object of region name -> sha256');
      const bad = Object.entries(setup as Record<string, unknown>).find(([, hash]) => typeof hash !== 'string' || !SHA256_HEX.test(hash));
      if (bad) return { problem: `entry ${i} \`setup.${bad[0]}\` must be a sha256 in lowercase hex (64 digits), was ${JSON.stringify(bad[1])}` };
    }
    writers.push({
      core: entry.core, journalFormat: entry.journalFormat, fromSequence: entry.fromSequence, acceptedChange: entry.acceptedChange,
      ...(setup !== undefined ? { setup: { ...(setup as Record<string, string>) } } : {}),
    });
  }
  return { writers };
}
