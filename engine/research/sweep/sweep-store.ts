// The sweep's embedded store: an LMDB environment under `--state DIR` (default
// .quantflow/research) with three databases:
//   sweeps   sweep id -> { spec hash, spec, plan, report } (JSON)
//   runs     [sweep id, run index] -> the run's result (JSON, returns as base64 float64)
//   events   [sweep id, run index, seq] -> a failure, stall or duplicate seen for the run
// A run's result is written at most once: putRunOnce checks and writes inside one LMDB write
// transaction, which LMDB serialises across threads and processes, so two collectors (or a
// collector that sees the same completion twice) cannot both store a run. The transaction is
// lmdb-js's asynchronous one: results that arrive together share a commit, and the commit (its
// fsync) happens on lmdb's write thread, not on the sweep's main thread, which meanwhile hands
// the pool's workers their next runs; the promise resolves once the result is committed. A
// re-run of the same sweep id reads the stored runs and executes only the missing ones.
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../../lmdb/index.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SweepError } from './sweep-errors.js';
import { decodeRunResult, encodeRunResult, type EncodedRunResult, type RunResult } from './execute-run.js';

export const DEFAULT_STATE_DIR = '.quantflow/research';

export interface StoredSweep {
  readonly id: string;
  /** SHA-256 of the canonical spec and base configuration: a resumed id must match it. */
  readonly specHash: string;
  readonly spec: unknown;
  readonly plan: unknown;
  readonly createdAt: string;
  readonly report?: unknown;
  readonly reportAt?: string;
}

export interface RunEvent {
  readonly kind: 'failed' | 'stalled' | 'duplicate' | 'final-failure';
  readonly at: string;
  readonly message: string;
}

export class SweepStore {
  private constructor(
    private readonly root: RootDatabase,
    private readonly sweeps: Database<StoredSweep, string>,
    private readonly runs: Database<EncodedRunResult, [string, number]>,
    private readonly events: Database<RunEvent, [string, number, number]>,
  ) {}

  /** `mustExist`: a query (`--status`) neither creates the directory nor a store in it. */
  static open(dir: string, options: { mustExist?: boolean } = {}): SweepStore {
    checkLmdbEnvironment(dir, 'sweep state');
    if (options.mustExist && !existsSync(join(dir, 'data.mdb'))) throw new SweepError(`sweep state ${dir} holds no sweep (no data.mdb): give the --state a sweep ran with`);
    const root = openLmdbDirectory(dir);
    return new SweepStore(
      root,
      root.openDB<StoredSweep, string>({ name: 'sweeps', encoding: 'json' }),
      root.openDB<EncodedRunResult, [string, number]>({ name: 'runs', encoding: 'json' }),
      root.openDB<RunEvent, [string, number, number]>({ name: 'events', encoding: 'json' }),
    );
  }

  getSweep(id: string): StoredSweep | undefined {
    return this.sweeps.get(id);
  }

  putSweep(sweep: StoredSweep): void {
    this.sweeps.putSync(sweep.id, sweep);
  }

  listSweeps(): StoredSweep[] {
    return [...this.sweeps.getRange()].map((entry) => entry.value);
  }

  /** Stores `result` unless the run already has one; resolves, once committed, to true when it was stored. */
  putRunOnce(sweepId: string, result: RunResult): Promise<boolean> {
    const key: [string, number] = [sweepId, result.index];
    const encoded = encodeRunResult(result);
    return this.root.transaction(() => {
      if (this.runs.doesExist(key)) return false;
      void this.runs.put(key, encoded);
      return true;
    });
  }

  hasRun(sweepId: string, index: number): boolean {
    return this.runs.doesExist([sweepId, index]);
  }

  getRun(sweepId: string, index: number): RunResult | undefined {
    const encoded = this.runs.get([sweepId, index]);
    return encoded && decodeRunResult(encoded);
  }

  /** The stored runs of a sweep, by index. */
  getRuns(sweepId: string): RunResult[] {
    const out: RunResult[] = [];
    for (const { value } of this.runs.getRange({ start: [sweepId, 0], end: [sweepId, Number.MAX_SAFE_INTEGER] })) out.push(decodeRunResult(value));
    return out;
  }

  countRuns(sweepId: string): number {
    return this.runs.getKeysCount({ start: [sweepId, 0], end: [sweepId, Number.MAX_SAFE_INTEGER] });
  }

  addEvent(sweepId: string, index: number, event: RunEvent): void {
    this.root.transactionSync(() => {
      let seq = 0;
      for (const key of this.events.getKeys({ start: [sweepId, index, 0], end: [sweepId, index, Number.MAX_SAFE_INTEGER] })) seq = (key as [string, number, number])[2] + 1;
      this.events.putSync([sweepId, index, seq], event);
    });
  }

  /** Every event of a sweep, as [run index, event]. */
  getEvents(sweepId: string): [number, RunEvent][] {
    const out: [number, RunEvent][] = [];
    for (const { key, value } of this.events.getRange({ start: [sweepId, 0, 0], end: [sweepId, Number.MAX_SAFE_INTEGER, 0] })) out.push([(key as [string, number, number])[1], value]);
    return out;
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
