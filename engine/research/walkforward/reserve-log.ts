// The log of looks at the final out-of-sample reserve: every research run given `--final`
// appends one entry (time, command) under the data's identity key, in a small LMDB
// environment (`--state DIR`, default .quantflow/research). Reports say how many times the
// reserve of their data has been looked at, so a result tuned on the reserve shows it.
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../../lmdb/index.js';

export interface ReserveLook {
  /** ISO 8601 UTC. */
  readonly time: string;
  readonly command: string;
}

export class ReserveLog {
  private constructor(private readonly db: RootDatabase<ReserveLook, string>) {}

  static open(dir: string): ReserveLog {
    checkLmdbEnvironment(dir, 'walk-forward state');
    mkdirSync(dir, { recursive: true });
    return new ReserveLog(open<ReserveLook, string>({ path: dir, encoding: 'json' }));
  }

  /** Every look at the reserve of the data `key`, oldest first. */
  looks(key: string): ReserveLook[] {
    return [...this.db.getRange({ start: `${key}/`, end: `${key}/~` })].map(({ value }) => value);
  }

  count(key: string): number {
    return this.looks(key).length;
  }

  /** Appends a look; returns the count including it. */
  record(key: string, look: ReserveLook): number {
    return this.db.transactionSync(() => {
      const n = this.count(key);
      this.db.putSync(`${key}/${String(n).padStart(10, '0')}`, look);
      return n + 1;
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
