// Who holds something on disk (a journal, a store's pending import) and whether that process
// still runs: its pid and, where the system tells it (Linux /proc), the process's start time.
// A pid alone is not enough: a process that died (SIGKILL, a crash) leaves its pid behind, and
// pids are reused, soon in a container; a process with that pid and another start time is not
// the holder.
import { readFileSync } from 'node:fs';

/** A holder: the pid and the process's start time (clock ticks since boot, /proc/PID/stat field 22; null when unknown). */
export interface ProcessHolder {
  readonly pid: number;
  readonly start: string | null;
}

/** The start time of process `pid` (/proc/PID/stat field 22), or null where /proc does not tell it. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name, in parentheses) may hold spaces: the fields after it start past the last ')'.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start !== undefined && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/** This process as a holder. */
export function thisProcessHolder(): ProcessHolder {
  return { pid: process.pid, start: processStartTime(process.pid) };
}

/**
 * Whether the holder's process still runs: its pid exists and, when both are known, started when
 * the holder says. A holder with no start time (written where /proc does not tell it, or by an
 * older version) is judged by its pid alone.
 */
export function isHolderAlive(holder: ProcessHolder): boolean {
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = holder.start === null ? null : processStartTime(holder.pid);
  return holder.start === null || start === null || start === holder.start;
}
