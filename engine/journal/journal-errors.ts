// Errors of the journal and the snapshot store: a failed durable write (JournalWriteError,
// sticky in the Journal) and bytes that are not a journal record we can read (JournalFormatError).

/** A commit failed (disk full, I/O error, map full, ...): the message names the path, the sequences and the LMDB error. */
export class JournalWriteError extends Error {
  override readonly name = 'JournalWriteError';
  constructor(
    message: string,
    readonly path: string,
    /** First and last sequence of the batch that failed (0n, 0n when not a journal batch). */
    readonly fromSequence: bigint,
    readonly toSequence: bigint,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bytes that are not a journal record this code reads: wrong identifier, unknown entry type, truncated. */
export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
