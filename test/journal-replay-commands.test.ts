// replayJournal's single pass over a real session journal (a live session against the local
// simulated-venue server): the commands the core decides again are compared with the journaled
// ones in order, whether the core decides a command before or after the pass reaches its journal
// entry. A journal copied with one command altered, or with the last command left out, names
// the first command that differs (its journal record, both commands and the fields that differ).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, type JournalEntry } from '../engine/journal/index.js';
import { replayJournal } from '../engine/live/index.js';
import { EV_SIZE } from '../engine/layout/event-record.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';
import { sessionRunner, startVenue, type Venue } from './crash-harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-journal-replay-'));
const venues: Venue[] = [];
let fixture: TradingFixture;
let sessionJournal = '';

beforeAll(async () => {
  fixture = await tradingFixture(400);
  const venue = await startVenue(path.join(dir, 'venue'), fixture.files);
  venues.push(venue);
  const session = sessionRunner(path.join(dir, 'session'), venue.port, fixture.pipeline(false), 100);
  const run = await session.run({ timeoutMs: 180_000 });
  if (run.end !== 'finished') throw new Error(`the session did not finish (${run.end}): ${run.stderr}`);
  sessionJournal = session.journalDir;
}, 240_000);

afterAll(async () => {
  for (const venue of venues) await venue.stop();
  rmSync(dir, { recursive: true, force: true });
});

const COMMANDS = new Set(['submit', 'cancel', 'replace']);

/** A copy of `from` at `to`, every entry appended in order, `edit` applied to the journaled commands (null drops one). */
function copyJournal(from: string, to: string, edit: (entry: JournalEntry, index: number) => JournalEntry | null): void {
  const source = Journal.open(from);
  const target = Journal.open(to, { durability: { mode: 'async' } });
  let command = 0;
  for (const { entry, timeNs } of source.read(1n)) {
    const kept = COMMANDS.has(entry.type) ? edit(entry, command++) : entry;
    if (kept !== null) target.append(kept, timeNs);
  }
  target.close();
  source.close();
}

describe('journal replay: commands', () => {
  it('decides every journaled command again, in order, in one pass', { timeout: 120_000 }, async () => {
    const replay = await replayJournal(sessionJournal);
    expect(replay.commandsJournaled, 'the session traded (a journal with commands)').toBeGreaterThan(2);
    expect(replay.firstMismatch).toBeNull();
    expect(replay.commandsReplayed).toBe(replay.commandsJournaled);
    const again = await replayJournal(sessionJournal);
    expect(again.decisionsHash, 'the same journal gives the same decisions hash').toBe(replay.decisionsHash);
  });

  it('names the first command that differs from the journaled one', { timeout: 120_000 }, async () => {
    const altered = path.join(dir, 'altered');
    copyJournal(sessionJournal, altered, (entry, index) => {
      if (index !== 1 || !('record' in entry)) return entry;
      const record = entry.record.slice();
      const view = new DataView(record.buffer);
      view.setFloat64(EV_SIZE, view.getFloat64(EV_SIZE, true) * 2, true);
      return { ...entry, record } as JournalEntry;
    });
    const replay = await replayJournal(altered);
    expect(replay.firstMismatch).toMatch(/^command 2 \(journal record \d+\): differs from the journaled one: journaled (ORDER|CANCEL|REPLACE) .*; the replay decided \1 .*; differs in: (qty|leaves) -?[\d.]+ -> -?[\d.]+$/);
  });

  it('names a command the replay decided that the session never journaled', { timeout: 120_000 }, async () => {
    const full = await replayJournal(sessionJournal);
    const dropped = path.join(dir, 'dropped');
    copyJournal(sessionJournal, dropped, (entry, index) => (index === full.commandsJournaled - 1 ? null : entry));
    const replay = await replayJournal(dropped);
    expect(replay.commandsJournaled).toBe(full.commandsJournaled - 1);
    expect(replay.firstMismatch).toMatch(new RegExp(`^command ${full.commandsJournaled}: the replay decided it, the session never journaled it: (ORDER|CANCEL|REPLACE) orderId \\d+ `));
  });
});
