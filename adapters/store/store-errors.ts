// Errors of the market-data store. Each names the store directory, the series when there is
// one, and the rule that was broken, so the CLI can print the message as it is.

/** The rules a store refuses on; `rule` of a StoreError. */
export type StoreRule =
  | 'not a store'
  | 'unreadable'
  | 'format'
  | 'overlap'
  | 'duplicate source'
  | 'time order'
  | 'record kind'
  | 'busy'
  | 'interrupted';

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    message: string,
    /** The store directory. */
    readonly store: string,
    readonly rule: StoreRule,
    /** `BTCUSDT/trades` when the error concerns one series. */
    readonly series?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The directory is not a market-data store (missing, not LMDB, another program's LMDB, newer format) or cannot be read. */
export class StoreOpenError extends StoreError {
  override readonly name = 'StoreOpenError';
}

/** An import would overlap rows the series already holds (without --replace). */
export class StoreOverlapError extends StoreError {
  override readonly name = 'StoreOverlapError';
  constructor(
    message: string,
    store: string,
    series: string,
    /** The import's first and last ts_local (ns). */
    readonly importRange: readonly [bigint, bigint],
    /** The series' first and last ts_local before the import (ns). */
    readonly seriesRange: readonly [bigint, bigint],
  ) {
    super(message, store, 'overlap', series);
  }
}

/** The same file (by SHA-256) was imported before. */
export class StoreDuplicateSourceError extends StoreError {
  override readonly name = 'StoreDuplicateSourceError';
}

/** What a stream yielded breaks the contract (time went backwards, wrong record kind); or the store is busy. */
export class StoreImportError extends StoreError {
  override readonly name = 'StoreImportError';
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
