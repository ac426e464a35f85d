// The run store: every `quantflow backtest` run, its summary figures and its report files, in
// an LMDB environment (default .quantflow/runs, `--run-store DIR`), read back by the state
// server for the dashboard's Runs page (GET /api/runs, GET /runs/<id>/<file>).
//
//   runs    id -> RunSummary (JSON)          ids are time-ordered (run-id.ts), so the key
//                                            order is the time order; newest = last key
//   files   [id, name] -> bytes (binary)     name in RUN_FILES: report.html, report.json,
//                                            fills.csv, trades.csv, equity.csv
//
// A run is written in one write transaction (summary and files together), so a reader never
// sees a run without its files. LMDB serialises writers across processes: two backtests
// recording at once both land, and a reader (the paper session's server) sees each new run in
// its next list or get, without reopening. Two runs with the same report in the same millisecond get
// the next free millisecond.
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../../lmdb/index.js';
import { checkRunId, runIdOf } from './run-id.js';

export const DEFAULT_RUN_STORE_DIR = '.quantflow/runs';

/** The files a run may hold, with the content type they are served with. */
export const RUN_FILES = {
  'report.html': 'text/html; charset=utf-8',
  'report.json': 'application/json',
  'fills.csv': 'text/csv; charset=utf-8',
  'trades.csv': 'text/csv; charset=utf-8',
  'equity.csv': 'text/csv; charset=utf-8',
} as const;
export type RunFileName = keyof typeof RUN_FILES;

export function isRunFileName(name: string): name is RunFileName {
  return Object.prototype.hasOwnProperty.call(RUN_FILES, name);
}

/** A run's figures, from its report.json (`account`), null where the report has none. */
export interface RunFigures {
  readonly startingCash: number;
  readonly finalEquity: number;
  readonly totalReturn: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdown: number | null;
  readonly trades: number;
  readonly fills: number;
}

export interface RunSummary {
  readonly id: string;
  /** When the run was recorded, ISO 8601 UTC. */
  readonly time: string;
  /** The command line's arguments (after `quantflow`). */
  readonly command: readonly string[];
  /** SHA-256 of the run's configuration as canonical JSON. */
  readonly configHash: string;
  /** The data sources as given (files, store:..., questdb://...). */
  readonly sources: readonly string[];
  readonly title: string;
  readonly strategies: readonly string[];
  readonly instruments: readonly string[];
  /** The data's first and last times, ISO 8601 UTC. */
  readonly period: { readonly start: string; readonly end: string };
  readonly figures: RunFigures;
  readonly fillsSha256: string;
  /** The run was stopped by a signal before the data was played out. */
  readonly interrupted: boolean;
  /** The stored files and their sizes in bytes. */
  readonly files: readonly { readonly name: RunFileName; readonly bytes: number }[];
}

export type RunInput = Omit<RunSummary, 'id' | 'time' | 'files'> & {
  /** Recording time (epoch ms); the id is made from it. */
  readonly timeMs: number;
  /** SHA-256 (hex) of the run's report.json: the id's content part. */
  readonly contentHash: string;
  /** report.html is required; the others are optional. */
  readonly files: Partial<Record<RunFileName, Uint8Array>>;
};

export interface RunPage {
  /** Newest first. */
  readonly runs: RunSummary[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly next: string | null;
}

export class RunStoreError extends Error {
  override readonly name = 'RunStoreError';
}

/** A malformed page request (a RangeError: the state server answers it with 400). */
export class RunQueryError extends RangeError {
  override readonly name = 'RunQueryError';
}

export const MAX_PAGE = 200;

export class RunStore {
  private constructor(
    readonly dir: string,
    private readonly root: RootDatabase,
    private readonly runs: Database<RunSummary, string>,
    private readonly files: Database<Buffer, [string, string]>,
  ) {}

  /** Opens (creating when missing) the store in `dir`. */
  static open(dir: string): RunStore {
    checkLmdbEnvironment(dir, 'run store');
    try {
      const root = openLmdbDirectory(dir, { maxDbs: 4 });
      return new RunStore(
        dir,
        root,
        root.openDB<RunSummary, string>({ name: 'runs', encoding: 'json' }),
        root.openDB<Buffer, [string, string]>({ name: 'files', encoding: 'binary' }),
      );
    } catch (error) {
      throw new RunStoreError(`run store ${dir}: cannot open it (${String((error as Error).message ?? error).split('\n')[0]})`);
    }
  }

  /** Records a run (summary and files in one transaction); returns its summary with the id. */
  record(input: RunInput): RunSummary {
    const html = input.files['report.html'];
    if (!html || html.byteLength === 0) throw new RunStoreError('a run must have a non-empty report.html');
    for (const name of Object.keys(input.files)) {
      if (!isRunFileName(name)) throw new RunStoreError(`run file name must be one of ${Object.keys(RUN_FILES).join(', ')}, was ${JSON.stringify(name)}`);
    }
    const stored = (Object.keys(RUN_FILES) as RunFileName[]).filter((name) => input.files[name] !== undefined);
    const { timeMs, contentHash, files, ...rest } = input;
    return this.root.transactionSync(() => {
      let at = timeMs;
      let id = runIdOf(at, contentHash);
      while (this.runs.doesExist(id)) id = runIdOf(++at, contentHash);
      const summary: RunSummary = {
        id,
        time: new Date(at).toISOString(),
        ...rest,
        files: stored.map((name) => ({ name, bytes: files[name]!.byteLength })),
      };
      this.runs.putSync(id, summary);
      for (const name of stored) this.files.putSync([id, name], Buffer.from(files[name]!.buffer, files[name]!.byteOffset, files[name]!.byteLength));
      return summary;
    });
  }

  /** A run's summary, or undefined for an unknown id (a malformed id throws a RunIdError). */
  get(id: string): RunSummary | undefined {
    checkRunId(id);
    this.root.resetReadTxn();
    return this.runs.get(id);
  }

  /** A run's stored file, or undefined (unknown run or file not stored). */
  file(id: string, name: RunFileName): Buffer | undefined {
    return this.files.getBinary([checkRunId(id), name]) ?? undefined;
  }

  /** Up to `limit` runs older than `before` (default: from the newest), newest first. */
  list(options: { limit?: number; before?: string } = {}): RunPage {
    const limit = options.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new RunQueryError(`limit must be an integer in 1..${MAX_PAGE}, was ${limit}`);
    const before = options.before === undefined ? undefined : checkRunId(options.before, 'before');
    const runs: RunSummary[] = [];
    let more = false;
    // lmdb-js keeps a read snapshot until the event turn ends: take a fresh one, so runs
    // another process (or handle) recorded since are listed.
    this.root.resetReadTxn();
    for (const { key, value } of this.runs.getRange({ reverse: true, ...(before !== undefined ? { start: before } : {}) })) {
      if (key === before) continue;
      if (runs.length === limit) {
        more = true;
        break;
      }
      runs.push(value);
    }
    return { runs, next: more ? runs[runs.length - 1].id : null };
  }

  /** A stored file with its content type, for serving; undefined for an unknown run, file name or a file not stored. */
  servedFile(id: string, name: string): { bytes: Uint8Array; contentType: string } | undefined {
    checkRunId(id);
    if (!isRunFileName(name)) return undefined;
    const bytes = this.file(id, name);
    return bytes && { bytes, contentType: RUN_FILES[name] };
  }

  count(): number {
    return this.runs.getKeysCount();
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
