// The log of looks at the final out-of-sample reserve: every research run given `--final`
// appends one entry (time, command) under the data's identity key, in a small LMDB
// environment (`--state DIR`, default .quantflow/research). Reports say how many times the
// reserve of their data has been looked at, so a result tuned on the reserve shows it.
// The first research run on a data key without `--final` also records where its reserve
// starts; a later run whose smaller `--reserve` would read past that start without `--final`
// is refused (a smaller reserve is not a way around the look log).
//
// Both are kept under each source's series key too (research-data.ts: a series is the same
// after newer bars are appended to its file): a run on a file that grew since, or on the same
// source among others, is checked against the reserve its series already has and reports the
// looks at it, where a key of the whole data set would have made it new data with a new reserve
// (and 0 looks) that starts inside the old one.
//
// Checking writes nothing (openExisting, checkHeld, count): a run records its reserve start or its
// look (holdReserve, record) once it has succeeded, so a refused run leaves no trace here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../../lmdb/index.js';
import { reserveStart, type DataIdentity } from './research-data.js';

/** What the log is keyed by: the data set and each of its sources' series. */
export type ReserveIdentity = Pick<DataIdentity, 'key' | 'seriesKeys' | 'firstNs' | 'lastNs'>;

interface HeldReserve {
  readonly startNs: string;
  readonly time: string;
  readonly command: string;
}

const seriesKey = (key: string): string => `series/${key}`;
const allKeys = (identity: ReserveIdentity): string[] => [identity.key, ...identity.seriesKeys.map(seriesKey)];
const reserveKeys = (identity: ReserveIdentity): string[] => allKeys(identity).map((key) => `${key}#reserve`);

export interface ReserveLook {
  /** ISO 8601 UTC. */
  readonly time: string;
  readonly command: string;
}

export class ReserveLog {
  private constructor(private readonly db: RootDatabase<ReserveLook, string>) {}

  /** `what` names the directory in errors (`--state` of walkforward, features or sweep). */
  static open(dir: string, what = 'walk-forward state'): ReserveLog {
    checkLmdbEnvironment(dir, what);
    return new ReserveLog(openLmdbDirectory<ReserveLook, string>(dir, { encoding: 'json' }));
  }

  /** The log in `dir` when one is there (its data.mdb), else null: nothing is created. */
  static openExisting(dir: string, what = 'walk-forward state'): ReserveLog | null {
    if (!existsSync(join(dir, 'data.mdb'))) return null;
    return ReserveLog.open(dir, what);
  }

  /** Every look at the reserve of the data `key`, oldest first. */
  looks(key: string): ReserveLook[] {
    return [...this.db.getRange({ start: `${key}/`, end: `${key}/~` })].map(({ value }) => value);
  }

  /** Looks at the reserve of the data or of any of its series (the most of them). */
  count(identity: ReserveIdentity): number {
    return Math.max(...allKeys(identity).map((key) => this.looks(key).length));
  }

  /** Appends a look under the data and each series; returns the count (as `count`) including it. */
  record(identity: ReserveIdentity, look: ReserveLook): number {
    return this.db.transactionSync(() => {
      for (const key of allKeys(identity)) this.db.putSync(`${key}/${String(this.looks(key).length).padStart(10, '0')}`, look);
      return this.count(identity);
    });
  }

  /**
   * A read of the data up to `reserveStartNs` (exclusive) without `--final`: the first one
   * records that start under the data and each series; a later one past the earliest start held
   * for any of them is refused with why (ReserveReadError).
   */
  checkRead(identity: ReserveIdentity, reserveStartNs: bigint, command: string): void {
    this.checkHeld(identity, reserveStartNs);
    this.holdReserve(identity, reserveStartNs, command);
  }

  /**
   * Refuses (ReserveReadError, with why) a read of the data up to `reserveStartNs` without
   * `--final` past the earliest reserve start held for the data or any of its series. Writes nothing.
   */
  checkHeld(identity: ReserveIdentity, reserveStartNs: bigint): void {
    let earliest: HeldReserve | undefined;
    for (const key of reserveKeys(identity)) {
      const held = this.db.get(key) as unknown as HeldReserve | undefined;
      if (held !== undefined && (earliest === undefined || BigInt(held.startNs) < BigInt(earliest.startNs))) earliest = held;
    }
    if (earliest !== undefined && reserveStartNs > BigInt(earliest.startNs)) {
      const iso = (ns: bigint): string => new Date(Number(ns / 1_000_000n)).toISOString();
      const heldStart = BigInt(earliest.startNs);
      const span = identity.lastNs - identity.firstNs;
      const least = heldStart > identity.firstNs && span > 0n ? smallestReserveHolding(identity, heldStart) : undefined;
      const keeping = least !== undefined ? `, or a --reserve of at least ${least} (it holds back from ${iso(heldStart)})` : '';
      throw new ReserveReadError(
        `this --reserve would read the data from ${iso(heldStart)} to ${iso(reserveStartNs)}, which earlier research on it held back as the final reserve (${earliest.time}: ${earliest.command}); give --final to read the reserve (logged as a look)${keeping}`,
      );
    }
  }

  /** Records `reserveStartNs` as the reserve start of the data and of each series that holds none yet. */
  holdReserve(identity: ReserveIdentity, reserveStartNs: bigint, command: string): void {
    const record: HeldReserve = { startNs: reserveStartNs.toString(), time: new Date().toISOString(), command };
    for (const key of reserveKeys(identity)) if (this.db.get(key) === undefined) this.db.putSync(key, record as unknown as ReserveLook);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * The smallest `--reserve` of three decimals whose reserve starts at or before `heldStart` (as
 * cutReserve cuts it): rounding the fraction up alone said 0.301 where 0.3 held the reserve back.
 */
function smallestReserveHolding(identity: ReserveIdentity, heldStart: bigint): number | undefined {
  const span = Number(identity.lastNs - identity.firstNs);
  for (let thousandths = Math.max(1, Math.floor((1 - Number(heldStart - identity.firstNs) / span) * 1000) - 1); thousandths < 1000; thousandths++) {
    if (reserveStart(identity, thousandths / 1000) <= heldStart) return thousandths / 1000;
  }
  return undefined;
}

/** A research read that would reach into the data's established reserve without --final. */
export class ReserveReadError extends Error {
  override readonly name = 'ReserveReadError';
}
