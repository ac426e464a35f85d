// Control of a journaled session from outside it, while it is stopped: who holds the journal
// (a session writes its pid beside the journal while it runs), the kill switch as the journal
// records it (the last KillSwitchTripped or KillSwitchReset), and an authenticated reset
// appended to the journal, which the next start replays at that point, after every record
// the stopped session had journaled. A running session is reset through its own control
// channel, never by writing its journal from a second process.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Journal } from '../journal/index.js';

const PID_FILE = 'session.pid';

/** Marks the journal as held by this process. */
export function holdJournal(dir: string): void {
  writeFileSync(path.join(dir, PID_FILE), `${process.pid}\n`);
}

export function releaseJournal(dir: string): void {
  rmSync(path.join(dir, PID_FILE), { force: true });
}

/** The pid of a live process holding the journal, or null (none, or it died: a SIGKILL leaves the file). */
export function journalHolder(dir: string): number | null {
  const file = path.join(dir, PID_FILE);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
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
  try {
    const tripped = journaledKillSwitch(journal);
    if (!tripped.halted) throw new SessionControlRefused(`kill switch reset refused: the journal at ${dir} records no trip since the last reset, nothing to reset`);
    const sequence = journal.append({ type: 'killSwitchReset', who, why });
    journal.commit();
    return { sequence, tripped };
  } finally {
    journal.close();
  }
}
