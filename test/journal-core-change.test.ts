// A journal recorded by one core build, recovered or replayed by another (an upgrade): a live
// session (its own process, against the local simulated-venue server) killed mid-run leaves a
// journal that records its writer, this core. Copies of it are made to look written by another
// core (a writer with another sha256 recorded after it), or by a QuantFlow from before journals
// recorded theirs (no writer), or by a core that decided one command otherwise (a command
// altered, no writer). A restart on them is refused before it reaches the venue, naming both
// cores and what to do; with acceptCoreChange it replays through this core and either stops at
// the first command that differs, naming it field by field, or recovers and becomes the writer.
// `replay --journal` (replayJournal) names the cores that wrote the journal and where a replay
// first differs. The writer is the core with its setup (the core's state right after the
// pipeline is set up, per region): a restart given a pipeline whose strategy parameter changed,
// or on a journal whose recorded setup differs (the TS that configures the core changed), is
// refused naming the regions that differ.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, JOURNAL_FORMAT, type JournalEntry } from '../engine/journal/index.js';
import { describeReplayCore, pipelineFromJson, pipelineToJson, replayJournal } from '../engine/live/index.js';
import { pipelineSetupIdentity, SETUP_REGIONS, type PipelineSpec } from '../engine/pipeline/index.js';
import { coreBuildHash } from '../engine/core/wasm-core.js';
import { EV_SIZE } from '../engine/layout/event-record.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';
import { sessionRunner, startVenue, venueAccount, type Venue } from './crash-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-core-change-'));
/** The sha256 of a core.wasm that is not this one (the "older build"). */
const OTHER_CORE = 'ab'.repeat(32);
const venues: Venue[] = [];
let fixture: TradingFixture;
let venue: Venue;
/** The killed session's journal: written by this core, with commands journaled and sent. */
let recorded = '';

beforeAll(async () => {
  fixture = await tradingFixture(300);
  venue = await startVenue(path.join(dir, 'venue'), fixture.files);
  venues.push(venue);
  const session = sessionRunner(path.join(dir, 'recorded'), venue.port, fixture.pipeline(false), 100);
  const run = await session.run({ crashAt: 'command-sent:6', timeoutMs: 120_000 });
  if (run.end !== 'killed') throw new Error(`the session was not killed at its 6th command (${run.end}): ${run.stderr}`);
  recorded = session.journalDir;
}, 240_000);

afterAll(async () => {
  for (const v of venues) await v.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A session on a copy of the recorded journal, made by `prepare` (given the copy's journal directory). */
function sessionOnCopy(name: string, prepare: (journalDir: string) => void | Promise<void>, extra: Record<string, unknown> = {}) {
  const session = sessionRunner(path.join(dir, name), venue.port, fixture.pipeline(false), 100, extra);
  return { session, ready: Promise.resolve(prepare(session.journalDir)).then(() => session) };
}

/** The recorded journal copied as it is (LMDB files, checkpoints included), then another core recorded as its writer. */
function copyWithOtherWriter(journalDir: string): void {
  cpSync(recorded, journalDir, { recursive: true });
  const journal = Journal.open(journalDir);
  journal.addWriter(OTHER_CORE, false);
  journal.close();
}

/** The recorded journal copied as it is, its writers removed (as a QuantFlow from before journals recorded them left it). */
async function copyWithoutWriters(journalDir: string): Promise<void> {
  cpSync(recorded, journalDir, { recursive: true });
  const env = open({ path: journalDir });
  await env.openDB({ name: 'meta', encoding: 'json' }).remove('writers');
  await env.close();
}

/** The recorded journal's entries appended to a new journal at `to` (no writer, no checkpoint), command 2's quantity doubled: a core that decided it otherwise. */
function copyWithSecondCommandAltered(to: string): bigint {
  const source = Journal.open(recorded);
  const target = Journal.open(to, { durability: { mode: 'async' } });
  let command = 0;
  let alteredAt = 0n;
  for (const { entry, timeNs } of source.read(1n)) {
    let kept = entry;
    if ((entry.type === 'submit' || entry.type === 'cancel' || entry.type === 'replace') && command++ === 1) {
      const record = entry.record.slice();
      const view = new DataView(record.buffer);
      view.setFloat64(EV_SIZE, view.getFloat64(EV_SIZE, true) * 2, true);
      kept = { ...entry, record } as JournalEntry;
      alteredAt = target.lastSequence() + 1n;
    }
    target.append(kept, timeNs);
  }
  target.close();
  source.close();
  return alteredAt;
}

describe('a journal written by another core build', () => {
  it('records its writer, this core, from its first record', () => {
    const journal = Journal.open(recorded);
    const writers = journal.writers();
    journal.close();
    // Its setup, taken in the session's process, is what this process computes for the same journaled pipeline (deterministic across processes).
    const setup = pipelineSetupIdentity(pipelineFromJson(pipelineToJson(fixture.pipeline(false))));
    expect(Object.keys(setup)).toEqual(SETUP_REGIONS.map((region) => region.name));
    expect(writers).toEqual([{ core: coreBuildHash(), journalFormat: JOURNAL_FORMAT, fromSequence: 1, acceptedChange: false, setup }]);
    // Format 3: a build from before writers were recorded (it reads formats 1 and 2) refuses it instead of recovering it through its core.
    const env = open({ path: recorded });
    const format = env.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).get('format');
    void env.close();
    expect(format).toBe(3);
  });

  it('refuses a restart under another core, naming both cores and what to do, before it reaches the venue', async () => {
    const before = await venueAccount(venue.port, [0]);
    const session = await sessionOnCopy('other-writer', copyWithOtherWriter).ready;
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('failed');
    expect(run.stderr).toContain(`was written by core.wasm sha256 ${OTHER_CORE} (its writer from journal record `);
    expect(run.stderr).toContain(`this QuantFlow's core is core.wasm sha256 ${coreBuildHash()}`);
    expect(run.stderr).toContain('not started');
    expect(run.stderr).toContain('finish the session (or flatten it) with the QuantFlow build that wrote the journal');
    expect(run.stderr).toContain('--accept-core-change');
    expect(run.stderr, 'refused before recovery replays anything').not.toContain('recovery: checkpoint at');
    const after = await venueAccount(venue.port, [0]);
    expect(after.orders, 'no order reached the venue').toEqual(before.orders);
    expect(after.stats, 'no request reached the venue').toEqual(before.stats);
  }, 180_000);

  it('refuses a restart given a pipeline whose strategy parameter changed (the same core set up otherwise), naming the regions that differ', async () => {
    const before = await venueAccount(venue.port, [0]);
    // The trend rule's ADX floor 20 -> 25: core.wasm is the same, the decision program the core is given is not.
    const changed = JSON.parse(pipelineToJson(fixture.pipeline(false))) as { decision: { fusion: { rules: { params: { adxFloor: number } }[] } } };
    expect(changed.decision.fusion.rules[0].params.adxFloor).toBe(20);
    changed.decision.fusion.rules[0].params.adxFloor = 25;
    const session = sessionRunner(path.join(dir, 'changed-parameter'), venue.port, pipelineFromJson(JSON.stringify(changed)) as PipelineSpec, 100);
    cpSync(recorded, session.journalDir, { recursive: true });
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('failed');
    expect(run.stderr).toContain(`was written by core.wasm sha256 ${coreBuildHash()} (its writer from journal record 1), this QuantFlow's core as well, but this QuantFlow sets that core up otherwise from the session's pipeline: the core's state right after setup differs in decision (fusion and sizing, rule strategy programs)`);
    expect(run.stderr).toContain('or the session was given another pipeline than its journal started with');
    expect(run.stderr).toContain('not started');
    expect(run.stderr).toContain('--accept-core-change');
    const after = await venueAccount(venue.port, [0]);
    expect(after.stats, 'no request reached the venue').toEqual(before.stats);
    // The same journal with its own pipeline still restarts.
    const same = sessionRunner(path.join(dir, 'changed-parameter-own'), venue.port, fixture.pipeline(false), 100);
    cpSync(recorded, same.journalDir, { recursive: true });
    const again = await same.run({ timeoutMs: 120_000 });
    expect(again.end, again.stderr).toBe('finished');
  }, 240_000);

  it('refuses a restart on a journal whose recorded setup differs from what this build sets up (the TS configuring the core changed), naming the region', async () => {
    const session = await sessionOnCopy('other-setup', async (journalDir) => {
      cpSync(recorded, journalDir, { recursive: true });
      const env = open({ path: journalDir });
      const meta = env.openDB<unknown, string>({ name: 'meta', encoding: 'json' });
      const writers = meta.get('writers') as { setup: Record<string, string> }[];
      writers[0].setup.risk = 'cd'.repeat(32);
      await meta.put('writers', writers);
      await env.close();
    }).ready;
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('failed');
    expect(run.stderr).toContain('the core\'s state right after setup differs in risk (risk limits, account, kill switch). Either the TypeScript that turns the pipeline into the core\'s settings changed');
    expect(run.stderr).not.toContain('differs in risk (risk limits, account, kill switch), ');
  }, 180_000);

  it('refuses a restart on a journal that records no core (written before journals recorded one)', async () => {
    const session = await sessionOnCopy('no-writer', copyWithoutWriters).ready;
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('failed');
    expect(run.stderr).toContain('was written by a core build it does not record (a QuantFlow from before journals recorded their core');
    expect(run.stderr).toContain(`this QuantFlow's core is core.wasm sha256 ${coreBuildHash()}`);
    expect(run.stderr).toContain('--accept-core-change');
  }, 180_000);

  it('replay --journal names the cores that wrote the journal against the one that replays it', async () => {
    const copy = path.join(dir, 'replay-other', 'journal');
    copyWithOtherWriter(copy);
    const replay = await replayJournal(copy);
    expect(replay.core).toBe(coreBuildHash());
    expect(replay.writers.map((w) => w.core)).toEqual([coreBuildHash(), OTHER_CORE]);
    expect(describeReplayCore(replay.writers, replay.core)).toMatch(new RegExp(`^core: written by another core build \\(${coreBuildHash().slice(0, 12)}… from record 1, then ${OTHER_CORE.slice(0, 12)}… from record \\d+\\); replayed through core.wasm sha256 ${coreBuildHash()}`));
    expect(describeReplayCore([], replay.core)).toContain('the journal does not record the core that wrote it');
    const own = await replayJournal(recorded);
    expect(describeReplayCore(own.writers, own.core)).toBe(`core: written by this core, core.wasm sha256 ${coreBuildHash()}`);
  }, 120_000);

  it('with acceptCoreChange, stops at the first command this core decides otherwise, naming it field by field', async () => {
    let alteredAt = 0n;
    const session = await sessionOnCopy('diverged', (journalDir) => { alteredAt = copyWithSecondCommandAltered(journalDir); }, { acceptCoreChange: true }).ready;
    const replay = await replayJournal(session.journalDir);
    expect(replay.firstMismatch).toMatch(new RegExp(`^command 2 \\(journal record ${alteredAt}\\): differs from the journaled one: journaled (ORDER|CANCEL|REPLACE) orderId \\d+ instrument 0 .*; the replay decided \\1 .*; differs in: (qty|leaves) -?[\\d.]+ -> -?[\\d.]+$`));
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('failed');
    expect(run.stderr).toContain('--accept-core-change: the journal replays from its start through this core');
    expect(run.stderr).toMatch(new RegExp(`command 2 from the journal's start \\(journal record ${alteredAt}\\) differs from what the core decides on replay: journaled (ORDER|CANCEL|REPLACE) .* differs in: (qty|leaves) -?[\\d.]+ -> -?[\\d.]+; the journal was written by another core`));
    const journal = Journal.open(session.journalDir);
    const writers = journal.writers();
    journal.close();
    expect(writers, 'this core did not become the writer').toEqual([]);
  }, 180_000);

  it('with acceptCoreChange, recovers a journal this core decides again and becomes its writer', async () => {
    const session = await sessionOnCopy('accepted', copyWithOtherWriter, { acceptCoreChange: true }).ready;
    const run = await session.run({ timeoutMs: 120_000 });
    expect(run.end, run.stderr).toBe('finished');
    expect(run.stderr).toContain(`core.wasm sha256 ${coreBuildHash()} is the journal's writer from record `);
    const journal = Journal.open(session.journalDir);
    const writers = journal.writers();
    journal.close();
    expect(writers.map((w) => [w.core, w.acceptedChange])).toEqual([[coreBuildHash(), false], [OTHER_CORE, false], [coreBuildHash(), true]]);
    // The same session, its options without the flag: this core wrote the journal last.
    const again = await sessionRunner(path.join(dir, 'accepted'), venue.port, fixture.pipeline(false), 100).run({ timeoutMs: 120_000 });
    expect(again.end, `a later restart needs no flag: ${again.stderr}`).toBe('finished');
    expect(again.stderr).not.toContain('--accept-core-change');
  }, 240_000);
});
