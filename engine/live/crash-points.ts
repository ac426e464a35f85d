// Scripted crashes for the crash harness: named points on the journal's write path where a
// test can have the process killed with SIGKILL (no handler runs, nothing is flushed), chosen
// by the environment variable QF_CRASH_AT=<point>:<n> (the n-th time the point is reached).
// Without it every point is one comparison.
export const CRASH_POINTS = [
  /** A venue record received, not journaled yet. */
  'inbound-received',
  /** A venue record journaled (appended), not published to the core yet. */
  'inbound-journaled',
  /** Commands appended, before the commit that makes them durable. */
  'commit-before',
  /** The commit done, before the commands are sent. */
  'commit-after',
  /** Some of the commands sent (after the first). */
  'send-partial',
  /** A checkpoint copied, before it is stored. */
  'snapshot-before-store',
  /** A checkpoint stored. */
  'snapshot-after-store',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

const plan = parsePlan(process.env.QF_CRASH_AT);
let reached = 0;

function parsePlan(value: string | undefined): { point: CrashPointName; at: number } | null {
  if (!value) return null;
  const match = /^([a-z-]+):([1-9][0-9]*)$/.exec(value);
  if (!match || !(CRASH_POINTS as readonly string[]).includes(match[1])) {
    throw new Error(`QF_CRASH_AT must be <point>:<n> with point one of ${CRASH_POINTS.join(', ')} and n >= 1, was ${JSON.stringify(value)}`);
  }
  return { point: match[1] as CrashPointName, at: Number(match[2]) };
}

/** Kills the process at once when the plan names this point and this is its n-th visit. */
export function crashPoint(point: CrashPointName): void {
  if (plan === null || plan.point !== point) return;
  reached++;
  if (reached === plan.at) process.kill(process.pid, 'SIGKILL');
}
