// Control of a journaled session from outside it, while it is stopped: who holds the journal
// (a session writes its pid beside the journal while it runs), the kill switch as the journal
// records it (the last KillSwitchTripped or KillSwitchReset), and an authenticated reset
// appended to the journal, which the next start replays at that point, after every record
// the stopped session had journaled. A running session is reset through its own control
// channel, never by writing its journal from a second process.
import { existsSync, linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Journal } from '../journal/index.js';
import { isHolderAlive, processStartTime, type ProcessHolder } from '../state/index.js';

const PID_FILE = 'session.pid';

/** The holder a pid file names (`PID [START]`), or null (absent, empty, not a pid). */
function holderIn(file: string): ProcessHolder | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const [pidText, start] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, start: start !== undefined && /^\d+$/.test(start) ? start : null } : null;
}

/**
 * Marks the journal as held by this process, or throws SessionControlRefused naming the live
 * process that holds it. Atomic: the pid file appears whole under its name (a hard link of a
 * file already written) or not at all, so of two processes starting at once exactly one holds
 * the journal, and neither overwrites the other's pid. A pid file whose process died (SIGKILL)
 * is moved aside and the journal taken. Returns true when this call took the journal, false when
 * this process held it already (`quantflow run` takes it before its webhook outbox is opened, and
 * releases it last): only the caller that took it releases it.
 */
export function holdJournal(dir: string): boolean {
  const file = path.join(dir, PID_FILE);
  const mine = `${file}.${process.pid}`;
  writeFileSync(mine, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim() + '\n');
  try {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      try {
        linkSync(mine, file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = holderIn(file);
      if (holder?.pid === process.pid) return false; // this process holds it already (its Journal guards against a second open)
      if (holder !== null && isHolderAlive(holder)) throw new SessionControlRefused(`journal ${dir} is held by a running session (pid ${holder.pid}); stop it first`);
      // Left by a process that died (or being written by one starting: its link is atomic, so never seen empty).
      const aside = `${file}.stale.${process.pid}`;
      try {
        renameSync(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process moved it first
        throw error;
      }
      const moved = holderIn(aside);
      if (moved !== null && (moved.pid !== holder?.pid || moved.start !== holder.start) && isHolderAlive(moved)) {
        // Another process took the journal between the look and the move: give its pid file back.
        try {
          linkSync(aside, file);
        } finally {
          rmSync(aside, { force: true });
        }
        throw new SessionControlRefused(`journal ${dir} is held by a running session (pid ${moved.pid}); stop it first`);
      }
      rmSync(aside, { force: true });
    }
    throw new SessionControlRefused(`journal ${dir}: could not take ${file} (other processes kept taking it); is another session starting?`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/** Removes this process's pid file (never another process's). */
export function releaseJournal(dir: string): void {
  const file = path.join(dir, PID_FILE);
  if (holderIn(file)?.pid !== process.pid) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The pid of a live process holding the journal, or null (none, this process, or it died: a SIGKILL leaves the file, and its pid may be another process's by now). */
export function journalHolder(dir: string): number | null {
  const holder = holderIn(path.join(dir, PID_FILE));
  if (holder === null || holder.pid === process.pid) return null;
  return isHolderAlive(holder) ? holder.pid : null;
}

export interface JournaledKillSwitch {
  readonly halted: boolean;
  /** Who tripped or last reset it, and why ('' when never). */
  readonly who: string;
  readonly why: string;
  /** Journal sequence of that record (0n when never). */
  readonly sequence: bigint;
  readonly trips: number;
}

/** The kill switch as `journal` records it. */
export function journaledKillSwitch(journal: Journal): JournaledKillSwitch {
  let state: JournaledKillSwitch = { halted: false, who: '', why: '', sequence: 0n, trips: 0 };
  for (const { sequence, entry } of journal.read(1n)) {
    if (entry.type === 'killSwitchTripped') state = { halted: true, who: entry.who, why: entry.why, sequence, trips: state.trips + 1 };
    else if (entry.type === 'killSwitchReset') state = { ...state, halted: false, who: entry.who, why: entry.why, sequence };
  }
  return state;
}

export class SessionControlRefused extends Error {
  override readonly name = 'SessionControlRefused';
}

/** Appends an authenticated reset (who from a verified token, why from the operator) to a stopped session's journal. */
export function resetKillSwitchInJournal(dir: string, who: string, why: string): { sequence: bigint; tripped: JournaledKillSwitch } {
  if (!existsSync(dir)) throw new SessionControlRefused(`kill switch reset refused: no journal at ${dir}`);
  const holder = journalHolder(dir);
  if (holder !== null) throw new SessionControlRefused(`kill switch reset refused: a session (pid ${holder}) holds ${dir}; stop it first`);
  if (why.trim() === '') throw new SessionControlRefused('kill switch reset refused: `--reason` must explain why trading may resume, was empty');
  const journal = Journal.open(dir, { mustExist: true });
  // Held while the reset is written: a session starting now waits for none and is refused instead of replaying a journal being written.
  try {
    holdJournal(dir);
  } catch (error) {
    journal.close();
    if (error instanceof SessionControlRefused) throw new SessionControlRefused(`kill switch reset refused: ${error.message}`);
    throw error;
  }
  try {
    const tripped = journaledKillSwitch(journal);
    if (!tripped.halted) throw new SessionControlRefused(`kill switch reset refused: the journal at ${dir} records no trip since the last reset, nothing to reset`);
    const sequence = journal.append({ type: 'killSwitchReset', who, why });
    journal.commit();
    return { sequence, tripped };
  } finally {
    journal.close();
    releaseJournal(dir);
  }
}
