// The log of looks at the final out-of-sample reserve: every research run given `--final`
// appends one entry (time, command) under the data's identity key, in a small LMDB
// environment (`--state DIR`, default .quantflow/research). Reports say how many times the
// reserve of their data has been looked at, so a result tuned on the reserve shows it.
// The first research run on a data key without `--final` also records where its reserve
// starts; a later run whose smaller `--reserve` would read past that start without `--final`
// is refused (a smaller reserve is not a way around the look log).
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

  /**
   * A read of data `key` up to `reserveStartNs` (exclusive) without `--final`: the first one
   * records that start; a later one past it is refused with why (ReserveReadError).
   */
  checkRead(key: string, reserveStartNs: bigint, command: string): void {
    const at = `${key}#reserve`;
    const held = this.db.get(at) as unknown as { startNs: string; time: string; command: string } | undefined;
    if (held === undefined) {
      this.db.putSync(at, { startNs: reserveStartNs.toString(), time: new Date().toISOString(), command } as unknown as ReserveLook);
      return;
    }
    if (reserveStartNs > BigInt(held.startNs)) {
      const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();
      throw new ReserveReadError(
        `this --reserve would read the data from ${iso(BigInt(held.startNs))} to ${iso(reserveStartNs)}, which earlier research on it held back as the final reserve (${held.time}: ${held.command}); give --final to read the reserve (logged as a look), or the same reserve as before`,
      );
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** A research read that would reach into the data's established reserve without --final. */
export class ReserveReadError extends Error {
  override readonly name = 'ReserveReadError';
}
