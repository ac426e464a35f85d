// Which core build a journal's decisions came from, checked when a session starts on it.
// Recovery rebuilds the order table and positions by replaying the journal through the core, so
// it is exact only through the core that decided what the journal holds: a newer build whose rules
// changed (a close made reduce-only, a close held while an order is UNCERTAIN) can decide other
// orders on the same records, and the rebuilt table would hold orders the venue never got, or
// miss ones it did. So the journal records its writer (the sha256 of core.wasm, meta "writers",
// engine/journal/journal-writers.ts) before its first session journals anything, and a start under another core
// (or on a journal from before journals recorded one) is refused, naming both, unless the
// operator accepts the change: then the journal replays from its start through this core, every
// journaled command must come out again byte for byte (live-session.ts stops at the first that
// differs), the venue is reconciled as on every start, and only then is this core recorded as the
// journal's writer. The writer is the core together with its setup: the sha256 of each region of
// the core's state right after the session's pipeline is set up (engine/pipeline
// pipelineSetupIdentity), since the TypeScript that compiles strategy programs and lays out risk
// and execution settings can change decisions without changing core.wasm; the same core set up
// otherwise is refused the same way, naming the regions that differ. A start that passes makes the journal format 3 (Journal.upgradeFormat), which
// builds from before writers were recorded (they read formats 1 and 2 and ignore "writers") refuse.
import { coreBuildHash } from '../core/wasm-core.js';
import type { Journal, JournalWriter } from '../journal/index.js';
import { setupDifferences, type PipelineSetupIdentity } from '../pipeline/index.js';

/** A start refused: the journal was written by another core build (or names none). */
export class CoreChangeError extends Error {
  override readonly name = 'CoreChangeError';
}

/** What the check found: `changedFrom` is the recorded writer another core replaces (null: none recorded), or absent when the core is the journal's own. */
export interface JournalCoreCheck {
  /** This process's core (sha256 of core.wasm). */
  readonly core: string;
  /** Its state right after the session's pipeline was set up (sha256 per region). */
  readonly setup: PipelineSetupIdentity;
  /** Present when an accepted change replays the journal through another core than the one that wrote it. */
  readonly changedFrom?: JournalWriter | null;
}

/** A core's sha256 as the messages show it: in full (an operator compares it with `sha256sum core.wasm`). */
function named(core: string): string {
  return `core.wasm sha256 ${core}`;
}

/** Who wrote the journal, for a message: the last recorded writer, or a note that none is recorded. */
export function describeJournalWriter(writer: JournalWriter | null): string {
  if (writer === null) return 'a core build it does not record (a QuantFlow from before journals recorded their core, or another program)';
  return `${named(writer.core)} (its writer from journal record ${writer.fromSequence}${writer.acceptedChange ? ', taken over with --accept-core-change' : ''})`;
}

/** Why the recorded writer is not this core set up this way (null: it is), for the messages. */
function writerDiffers(last: JournalWriter | null, core: string, setup: PipelineSetupIdentity): string | null {
  if (last === null || last.core !== core) return `was written by ${describeJournalWriter(last)}; this QuantFlow's core is ${named(core)}`;
  if (last.setup === undefined) {
    return `was written by ${describeJournalWriter(last)}, this QuantFlow's core as well, but records no setup of it (written before journals recorded the core's state after setup), `
      + 'so nothing shows this QuantFlow configures the core as the writer did';
  }
  const regions = setupDifferences(last.setup, setup);
  if (regions.length === 0) return null;
  return `was written by ${describeJournalWriter(last)}, this QuantFlow's core as well, but this QuantFlow sets that core up otherwise from the session's pipeline: `
    + `the core's state right after setup differs in ${regions.join(', ')}. Either the TypeScript that turns the pipeline into the core's settings changed `
    + '(strategy program compilation, risk or execution configuration: another QuantFlow build), or the session was given another pipeline than its journal started with';
}

/**
 * Checks the journal's writer against this core, set up as `setup` (pipelineSetupIdentity of the
 * session's pipeline in its journaled form), before recovery: a journal no session started on
 * records this core and setup now; the same core and setup pass; another core, the same core set up
 * otherwise, or no writer (or no setup) recorded on a journal with records throws CoreChangeError
 * unless `acceptCoreChange`, which passes with `changedFrom` set.
 */
export function checkJournalCore(journal: Journal, setup: PipelineSetupIdentity, acceptCoreChange: boolean, log: (line: string) => void): JournalCoreCheck {
  const core = coreBuildHash();
  const writers = journal.writers();
  const last = writers.length > 0 ? writers[writers.length - 1] : null;
  const differs = writerDiffers(last, core, setup);
  if (journal.lastSequence() === 0n) {
    // Nothing to replay (a new journal, or one whose first start was refused before it journaled anything): this core writes it.
    if (differs !== null) journal.addWriter(core, false, setup);
    journal.upgradeFormat();
    return { core, setup };
  }
  if (differs === null) {
    journal.upgradeFormat();
    return { core, setup };
  }
  const what = `journal ${journal.path} ${differs}`;
  if (!acceptCoreChange) {
    throw new CoreChangeError(
      `${what}. Recovery rebuilds the order table and positions by replaying the journal through the core, and another core (or the same core set up otherwise) may decide other orders on the same records `
      + '(a changed rule or risk check), so the rebuilt table would not be what the venue got: not started. Either finish the session (or flatten it) with the QuantFlow build '
      + 'that wrote the journal; or, with no position and no working order at the venue, start on a new journal (--journal DIR, a new directory); or start again with '
      + '--accept-core-change to replay this journal through this core: every journaled command must then come out again byte for byte (the start stops at the first '
      + 'that differs, naming it), the venue is reconciled as on every start, and this core becomes the journal\'s writer',
    );
  }
  journal.upgradeFormat();
  log(`recovery: ${what}; --accept-core-change: the journal replays from its start through this core, and every journaled command must come out again byte for byte`);
  return { core, setup, changedFrom: last };
}

/** After a replay that reproduced the journal under an accepted change: this core becomes its writer from the next record on. */
export function adoptJournalCore(journal: Journal, check: JournalCoreCheck, log: (line: string) => void): void {
  if (check.changedFrom === undefined) return;
  const writer = journal.addWriter(check.core, true, check.setup);
  log(`recovery: ${named(check.core)} is the journal's writer from record ${writer.fromSequence} (it replaced ${check.changedFrom === null ? 'an unrecorded core' : check.changedFrom.core})`);
}

/** For `replay --journal`: which cores wrote the journal against the one that replays it (the replay's decisions are this core's). */
export function describeReplayCore(writers: readonly JournalWriter[], core: string): string {
  if (writers.length === 0) {
    return `core: the journal does not record the core that wrote it (a QuantFlow from before journals recorded theirs); replayed through ${named(core)}: a command that differs may be that build deciding otherwise, not damage`;
  }
  const list = writers.map((writer) => `${writer.core.slice(0, 12)}… from record ${writer.fromSequence}`).join(', then ');
  if (writers.every((writer) => writer.core === core)) return `core: written by this core, ${named(core)}`;
  const last = writers[writers.length - 1];
  if (last.core === core) return `core: written by ${list}; replayed through the last, ${named(core)} (it decided the earlier cores' commands again when it took the journal over)`;
  return `core: written by another core build (${list}); replayed through ${named(core)}: where the builds' rules differ the decisions may differ, and a command that differs is that, not damage`;
}
