// Scripted crashes for the crash harness: named points on the journal's write path where a
// test can have the process killed with SIGKILL (no handler runs, nothing is flushed), chosen
// by the environment variable QF_CRASH_AT=<point>:<n>[,<point>:<n>...] (the n-th time a point
// is reached; the first of the listed points to get there wins). The point is written to
// stderr (synchronous for a pipe or file) just before the kill. Without the variable every
// point is one comparison, and fillCrashPoint (on every venue record) does not read the record.
import { EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';

export const CRASH_POINTS = [
  /** A venue record received, not journaled yet. */
  'inbound-received',
  /** A venue record journaled (appended), not published to the core yet. */
  'inbound-journaled',
  /** Commands appended, before the commit that makes them durable. */
  'commit-before',
  /** The commit done, before the commands are sent. */
  'commit-after',
  /** A command sent (handed to the venue connection), before the next one or the sync. */
  'command-sent',
  /** A checkpoint copied, before it is stored. */
  'snapshot-before-store',
  /** A checkpoint stored. */
  'snapshot-after-store',
] as const;

/** Points on the webhooks' path (test/run-paper-webhooks-window.test.ts), apart from the journal's (the crash harnesses cycle through those). */
export const WEBHOOK_CRASH_POINTS = [
  /**
   * A fill journaled and committed (paper mode: the record the simulated venue filled on; live: the
   * venue's FILL), its webhook event queued but not yet in the webhook outbox (stored at the end of
   * the event loop's turn). Counts every fill the process sees, recovery's replay included.
   */
  'fill-before-outbox',
  /**
   * A kill-switch trip or reset journaled (committed by the point: an operator's, the rejections',
   * the drawdown's), its webhook event queued but not yet in the outbox. Counts every transition
   * the process sees, recovery's replay included.
   */
  'killswitch-before-outbox',
  /**
   * A risk record (a denial) drained from the core, the journal committed by the point, its
   * webhook event queued but not yet in the outbox. Counts every risk record the process sees,
   * recovery's replay included.
   */
  'denial-before-outbox',
] as const;
/**
 * Points reached only in one scenario, for that scenario's test (not in CRASH_POINTS, which the
 * crash harnesses kill at in turn on any session).
 */
export const SCENARIO_CRASH_POINTS = [
  /** Orders rejected in a row reached live.maxConsecutiveRejects (the rejections committed), before the trip is journaled. */
  'rejects-trip-before-journal',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];
/** The points outside CRASH_POINTS: each reached in its own scenario only. */
export type ScenarioCrashPointName = (typeof WEBHOOK_CRASH_POINTS)[number] | (typeof SCENARIO_CRASH_POINTS)[number];
const ALL_POINTS: readonly string[] = [...CRASH_POINTS, ...WEBHOOK_CRASH_POINTS, ...SCENARIO_CRASH_POINTS];

const plan = parsePlan(process.env.QF_CRASH_AT);
const visits = new Map<CrashPointName | ScenarioCrashPointName, number>();
/** The plan names `fill-before-outbox`: only then is a venue record's kind worth reading. */
const fillPlanned = plan?.has('fill-before-outbox') ?? false;

function parsePlan(value: string | undefined): Map<CrashPointName | ScenarioCrashPointName, number> | null {
  if (!value) return null;
  const out = new Map<CrashPointName | ScenarioCrashPointName, number>();
  for (const part of value.split(',')) {
    const match = /^([a-z-]+):([1-9][0-9]*)$/.exec(part);
    if (!match || !ALL_POINTS.includes(match[1])) {
      throw new Error(`QF_CRASH_AT must be <point>:<n>[,<point>:<n>...] with each point one of ${ALL_POINTS.join(', ')} and n >= 1, was ${JSON.stringify(value)}`);
    }
    out.set(match[1] as CrashPointName | ScenarioCrashPointName, Number(match[2]));
  }
  return out;
}

/**
 * Kills the process at once when the plan names this point and this is its n-th visit; `before`
 * runs first then (only then: what the point needs done, e.g. a journal commit).
 */
export function crashPoint(point: CrashPointName | ScenarioCrashPointName, before?: () => void): void {
  if (plan === null) return;
  const at = plan.get(point);
  if (at === undefined) return;
  const visit = (visits.get(point) ?? 0) + 1;
  visits.set(point, visit);
  if (visit === at) {
    before?.();
    process.stderr.write(`crash point: ${point}:${at}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

/**
 * `fill-before-outbox` for a venue record live mode received (journaled and committed): a visit
 * when it is a FILL. Without a plan naming the point the record is not read (this runs on every
 * venue record).
 */
export function fillCrashPoint(record: Uint8Array, before?: () => void): void {
  if (!fillPlanned) return;
  if ((new DataView(record.buffer, record.byteOffset, 64).getInt32(EV_KIND, true) & KIND_MASK) === EventKind.FILL) crashPoint('fill-before-outbox', before);
}
