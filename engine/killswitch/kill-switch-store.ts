// Persists the kill-switch state in LMDB so a halt survives crashes and restarts, together
// with the control journal (control-journal.ts) in the same environment: a trip or reset
// writes the state and its journal record in one synchronous transaction.
//
//   <statePath>/  LMDB environment
//     db "kill-switch"  key "state" -> { halted, who, why, changedAtNs, trips }
//     db "journal"      key sequence -> JournalRecord FlatBuffer (KillSwitchTripped / KillSwitchReset)
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../lmdb/index.js';
import { ControlJournal, type ControlEvent } from './control-journal.js';

export interface KillSwitchState {
  readonly halted: boolean;
  /** Who tripped or last reset it ('' when never changed). */
  readonly who: string;
  readonly why: string;
  /** Time of the last change, ns since the epoch (0 when never changed). */
  readonly changedAtNs: bigint;
  readonly trips: number;
}

interface StoredState {
  halted: boolean;
  who: string;
  why: string;
  changedAtNs: string;
  trips: number;
}

const NEVER: KillSwitchState = { halted: false, who: '', why: '', changedAtNs: 0n, trips: 0 };

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export class KillSwitchStore {
  readonly journal: ControlJournal;

  private constructor(
    /** The LMDB environment (other persisted state, such as the order-id lease, lives beside the kill switch). */
    readonly root: RootDatabase,
    private readonly state: Database<StoredState, string>,
    journal: Database<Uint8Array, number>,
  ) {
    this.journal = new ControlJournal(journal);
  }

  /** Opens (creating if needed) the LMDB environment at `path`. */
  static open(path: string): KillSwitchStore {
    checkLmdbEnvironment(path, 'kill-switch store');
    const root = openLmdbDirectory(path);
    const state = root.openDB<StoredState, string>({ name: 'kill-switch', encoding: 'json' });
    const journal = root.openDB<Uint8Array, number>({ name: 'journal', encoding: 'binary', keyEncoding: 'uint32' });
    return new KillSwitchStore(root, state, journal);
  }

  load(): KillSwitchState {
    const stored = this.state.get('state');
    if (!stored) return NEVER;
    return { halted: stored.halted, who: stored.who, why: stored.why, changedAtNs: BigInt(stored.changedAtNs), trips: stored.trips };
  }

  /** Records a trip (halted) and its KillSwitchTripped journal record, durably, in one transaction. */
  trip(who: string, why: string, timeNs: bigint = nowNs()): ControlEvent {
    return this.root.transactionSync(() => {
      const previous = this.load();
      const event = this.journal.append('KillSwitchTripped', who, why, timeNs);
      this.state.putSync('state', { halted: true, who, why, changedAtNs: String(timeNs), trips: previous.trips + 1 });
      return event;
    });
  }

  /** Records a reset (not halted) and its KillSwitchReset journal record, durably, in one transaction. */
  reset(who: string, why: string, timeNs: bigint = nowNs()): ControlEvent {
    return this.root.transactionSync(() => {
      const previous = this.load();
      const event = this.journal.append('KillSwitchReset', who, why, timeNs);
      this.state.putSync('state', { halted: false, who, why, changedAtNs: String(timeNs), trips: previous.trips });
      return event;
    });
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
