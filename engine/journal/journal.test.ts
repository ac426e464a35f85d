import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { Journal, JournalFormatError, JournalWriteError, type JournalEntry, type JournalOptions } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let journals = 0;
const freshPath = () => path.join(dir, `j${++journals}`);

function inbound(inboundSeq: number): JournalEntry {
  const record = new Uint8Array(64);
  new DataView(record.buffer).setFloat64(8, inboundSeq, true);
  return { type: 'inbound', inboundSeq: BigInt(inboundSeq), record, sourceSeq: BigInt(inboundSeq * 10) };
}

const tripped = (why: string): JournalEntry => ({ type: 'killSwitchTripped', who: 'test', why });

/** A clock the test moves by hand (ms). */
function manualClock(): { now: number; clock: () => number } {
  const c = { now: 1_000, clock: () => c.now };
  return c;
}

function openJournal(options: JournalOptions = {}, at = freshPath()): Journal {
  return Journal.open(at, options);
}

describe('Journal', () => {
  it('appends gapless sequences from 1 and reads committed records in order', () => {
    const journal = openJournal();
    expect(journal.lastSequence(), 'an empty journal').toBe(0n);
    const sequences = [journal.append(inbound(0), 10n), journal.append(tripped('a'), 11n), journal.append(inbound(1), 12n)];
    expect(sequences, 'sequences start at 1 without gaps').toStrictEqual([1n, 2n, 3n]);
    expect([...journal.read()], 'nothing is visible before commit').toStrictEqual([]);
    journal.commit();
    expect(journal.committedSequence()).toBe(3n);
    const read = [...journal.read()];
    expect(read.map((r) => [r.sequence, r.timeNs, r.entry.type])).toStrictEqual([
      [1n, 10n, 'inbound'],
      [2n, 11n, 'killSwitchTripped'],
      [3n, 12n, 'inbound'],
    ]);
    expect(read[1].entry, 'the decoded entry').toStrictEqual(tripped('a'));
    expect([...journal.read(3n)].map((r) => r.sequence), 'read(from) starts at from').toStrictEqual([3n]);
    expect([...journal.readRaw(2n)].map((r) => [r.sequence, r.bytes.length > 0])).toStrictEqual([
      [2n, true],
      [3n, true],
    ]);
    journal.close();
  });

  it('keeps every committed record across close and reopen, and continues the sequence', () => {
    const at = freshPath();
    const first = openJournal({}, at);
    for (let i = 0; i < 1000; i++) first.append(i % 10 === 9 ? tripped(String(i)) : inbound(i));
    first.commit();
    first.append(inbound(1000));
    first.close();
    const second = openJournal({}, at);
    expect(second.lastSequence(), 'close commits what is pending').toBe(1001n);
    expect(second.committedSequence()).toBe(1001n);
    expect(second.append(inbound(1001)), 'the sequence continues').toBe(1002n);
    second.commit();
    const sequences = [...second.read()].map((r) => r.sequence);
    expect(sequences, 'gapless 1..1002').toStrictEqual(Array.from({ length: 1002 }, (_, i) => BigInt(i + 1)));
    second.close();
  });

  it('reads inbound records from an inbound sequence past interleaved commands', () => {
    const journal = openJournal({ durability: { mode: 'async' } });
    for (let i = 0; i < 500; i++) {
      journal.append(inbound(2 * i)); // even inbound sequences only
      if (i % 3 === 0) journal.append(tripped(`after ${i}`));
      if (i % 100 === 50) journal.commit();
    }
    journal.commit();
    const from = [...journal.readInbound(301n)];
    expect(from.length, 'inbound 302, 304, ..., 998').toBe(349);
    expect(from[0].inboundSeq).toBe(302n);
    expect(from.at(-1)!.inboundSeq).toBe(998n);
    expect(from.every((r, k) => r.inboundSeq === BigInt(302 + 2 * k)), 'in order, none skipped').toBe(true);
    const decoded = [...journal.read(from[0].sequence)][0];
    expect(decoded.entry.type, 'sequence points at the inbound record').toBe('inbound');
    let seen = 0;
    for (const r of journal.readInbound(0n)) {
      expect(new DataView(r.record.buffer, r.record.byteOffset, 64).getFloat64(8, true), 'the record is the one journaled').toBe(Number(r.inboundSeq));
      expect(r.sourceSeq).toBe(r.inboundSeq * 10n);
      seen++;
    }
    expect(seen, 'all inbound records from 0').toBe(500);
    expect([...journal.readInbound(999n)], 'past the last').toStrictEqual([]);
    journal.close();
  });

  it('reads nothing from an empty journal and only committed inbound records', () => {
    const journal = openJournal();
    expect([...journal.readInbound(0n)]).toStrictEqual([]);
    expect([...journal.read()]).toStrictEqual([]);
    journal.append(inbound(0));
    journal.commit();
    journal.append(inbound(1));
    expect([...journal.readInbound(0n)].map((r) => r.inboundSeq), 'the pending record is not read').toStrictEqual([0n]);
    journal.close();
  });

  it('lets a reader stop early and read again, while appends and commits go on', () => {
    const journal = openJournal({ durability: { mode: 'async' } });
    for (let i = 0; i < 100; i++) journal.append(inbound(i));
    journal.commit();
    for (const r of journal.readInbound(10n)) {
      expect(r.inboundSeq).toBe(10n);
      break;
    }
    const seen: bigint[] = [];
    for (const r of journal.readInbound(95n)) {
      seen.push(r.inboundSeq);
      journal.append(inbound(100 + seen.length));
      journal.commit();
    }
    expect(seen, 'a scan sees the records committed when it started').toStrictEqual([95n, 96n, 97n, 98n, 99n]);
    expect([...journal.readInbound(100n)].length, 'and the next scan sees the rest').toBe(5);
    journal.close();
  });

  it('requires increasing inbound sequences, across reopen too', () => {
    const at = freshPath();
    const journal = openJournal({}, at);
    journal.append(inbound(5));
    expect(() => journal.append(inbound(5))).toThrow(/inbound `inboundSeq` must increase: .* last journaled inbound 5, was 5/);
    journal.close();
    const reopened = openJournal({}, at);
    expect(() => reopened.append(inbound(4)), 'the last inbound sequence is found on open').toThrow(/last journaled inbound 5, was 4/);
    expect(reopened.append(inbound(6))).toBe(2n);
    reopened.close();
  });

  it('commits a group when the oldest pending record is maxDelayMs old', () => {
    const time = manualClock();
    const journal = openJournal({ durability: { mode: 'group', maxDelayMs: 2, maxRecords: 100 }, clock: time.clock });
    expect(journal.msUntilDue(), 'nothing pending').toBe(Infinity);
    journal.append(inbound(1));
    time.now += 1.5;
    journal.append(inbound(2));
    expect(journal.msUntilDue(), 'counted from the first pending record').toBeCloseTo(0.5);
    expect(journal.commitIfDue(), 'not due after 1.5 ms').toBe(false);
    expect(journal.committedSequence()).toBe(0n);
    expect(journal.commitIfDue(time.now + 2), 'due at 2 ms (explicit nowMs)').toBe(true);
    expect(journal.committedSequence()).toBe(2n);
    expect(journal.msUntilDue()).toBe(Infinity);
    journal.close();
  });

  it('commits a group once maxRecords are pending, whatever the time', () => {
    const time = manualClock();
    const journal = openJournal({ durability: { mode: 'group', maxDelayMs: 1_000, maxRecords: 3 }, clock: time.clock });
    journal.append(inbound(1));
    journal.append(inbound(2));
    expect(journal.commitIfDue(), '2 of 3 records').toBe(false);
    journal.append(inbound(3));
    expect(journal.msUntilDue()).toBe(0);
    expect(journal.commitIfDue(), '3 of 3 records').toBe(true);
    expect(journal.committedSequence()).toBe(3n);
    journal.close();
  });

  it.each(['fsync', 'async'] as const)('commits whenever anything is pending in %s mode', (mode) => {
    const journal = openJournal({ durability: { mode } });
    expect(journal.commitIfDue(0), 'nothing pending').toBe(false);
    journal.append(tripped('x'));
    expect(journal.msUntilDue(0)).toBe(0);
    expect(journal.commitIfDue(0)).toBe(true);
    expect([...journal.read()].length).toBe(1);
    journal.close();
  });

  it('turns a failed commit into a sticky JournalWriteError naming the path, sequences and cause', () => {
    let fail = false;
    const at = freshPath();
    const journal = openJournal({ faultInjector: () => {
      if (fail) throw new Error('EIO: simulated I/O error');
    } }, at);
    journal.append(inbound(1));
    journal.commit();
    fail = true;
    journal.append(inbound(2));
    journal.append(inbound(3));
    let error: unknown;
    try {
      journal.commit();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JournalWriteError);
    const writeError = error as JournalWriteError;
    expect(writeError.message).toContain(at);
    expect(writeError.message).toContain('sequences 2..3');
    expect(writeError.message).toContain('EIO: simulated I/O error');
    expect([writeError.fromSequence, writeError.toSequence]).toStrictEqual([2n, 3n]);
    fail = false;
    expect(() => journal.append(inbound(4)), 'append after a failure').toThrow(writeError);
    expect(() => journal.commit(), 'commit after a failure').toThrow(writeError);
    expect(() => journal.commitIfDue(0), 'commitIfDue after a failure').toThrow(writeError);
    expect(journal.committedSequence(), 'the failed batch is not committed').toBe(1n);
    journal.close();
    const reopened = openJournal({}, at);
    expect([...reopened.read()].map((r) => r.sequence), 'the failed batch left nothing behind').toStrictEqual([1n]);
    reopened.close();
  });

  it('opens a path once per process', () => {
    const at = freshPath();
    const journal = openJournal({}, at);
    expect(() => openJournal({}, at)).toThrow(/is already open in this process/);
    journal.close();
    openJournal({}, at).close();
  });

  it('refuses to make another store\'s LMDB environment a journal, and leaves it as it was', async () => {
    const at = freshPath();
    // Another store's environment (the kill-switch store's databases), no journal format record.
    const other = open({ path: at });
    await other.openDB<string, string>({ name: 'kill-switch', encoding: 'string' }).put('state', 'halted');
    await other.close();
    expect(() => openJournal({}, at)).toThrow(JournalFormatError);
    expect(() => openJournal({}, at)).toThrow(`${at} is an LMDB environment but not a journal: it holds another store's databases ("kill-switch"); give the journal a directory of its own`);
    const after = open({ path: at });
    expect(after.openDB<number, string>({ name: 'meta', encoding: 'json' }).get('format'), 'no journal format record was written into it').toBeUndefined();
    expect(after.openDB<string, string>({ name: 'kill-switch', encoding: 'string' }).get('state'), 'its data is untouched').toBe('halted');
    await after.close();
    // A store whose meta format is 1 too (a model registry's databases).
    const registry = freshPath();
    const store = open({ path: registry });
    await store.openDB<number, string>({ name: 'meta', encoding: 'json' }).put('format', 1);
    await store.openDB<string, string>({ name: 'models', encoding: 'json' }).put('m', 'model');
    await store.close();
    expect(() => openJournal({}, registry)).toThrow(`${registry} is an LMDB environment but not a journal: it holds another store's databases ("models")`);
    expect(() => openJournal({ mustExist: true }, registry)).toThrow('give the --journal directory of a live session');
  });

  it('records its writers in order, each from the next sequence, kept across a reopen', () => {
    const at = freshPath();
    const journal = openJournal({}, at);
    expect(journal.writers(), 'a new journal names none').toStrictEqual([]);
    journal.addWriter('a'.repeat(64), false);
    journal.append(inbound(0));
    journal.append(inbound(1));
    journal.addWriter('b'.repeat(64), true);
    journal.close();
    const again = openJournal({}, at);
    expect(again.writers()).toStrictEqual([
      { core: 'a'.repeat(64), journalFormat: 3, fromSequence: 1, acceptedChange: false },
      { core: 'b'.repeat(64), journalFormat: 3, fromSequence: 3, acceptedChange: true },
    ]);
    expect(() => again.addWriter('not a sha256', false)).toThrow('entry 2 `core` must be a sha256 in lowercase hex (64 digits), was "not a sha256"');
    again.close();
  });

  /** The journal's meta "format" as LMDB holds it. */
  async function formatOf(at: string): Promise<unknown> {
    const env = open({ path: at });
    try {
      return env.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).get('format');
    } finally {
      await env.close();
    }
  }

  it('is format 3 once a session starts on it, which builds that read formats 1 and 2 only (and ignore its writers) refuse; its format 2 records stay readable', async () => {
    // A journal as the previous build left it: format 2 with checksums from record 1, and records.
    const at = freshPath();
    const old = openJournal({}, at);
    old.append(inbound(0));
    old.append(inbound(1));
    old.close();
    const env = open({ path: at });
    await env.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).put('format', 2);
    await env.close();
    expect(await formatOf(at)).toBe(2);
    const journal = openJournal({}, at);
    expect([...journal.read()].map((view) => view.sequence), 'format 2 is read as before').toEqual([1n, 2n]);
    journal.upgradeFormat();
    journal.append(inbound(2));
    journal.close();
    // A build from before writers were recorded opens only `format === 1 || format === 2` (journal.ts before this format).
    expect(await formatOf(at), 'a session\'s start makes it format 3').toBe(3);
    const again = openJournal({}, at);
    expect([...again.read()].map((view) => view.sequence), 'and every record, checksummed, still reads').toEqual([1n, 2n, 3n]);
    again.close();
    // Recording a writer does too (a journal whose writer is recorded is never left at format 2).
    const other = freshPath();
    const fresh = openJournal({}, other);
    fresh.close();
    const env2 = open({ path: other });
    await env2.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).put('format', 2);
    await env2.close();
    const writing = openJournal({}, other);
    writing.addWriter('a'.repeat(64), false);
    writing.close();
    expect(await formatOf(other)).toBe(3);
  });

  it('refuses a journal of a newer format than its own, naming both numbers', async () => {
    const at = freshPath();
    openJournal({}, at).close();
    const env = open({ path: at });
    await env.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).put('format', 4);
    await env.close();
    expect(() => openJournal({}, at)).toThrow(JournalFormatError);
    expect(() => openJournal({}, at)).toThrow(`journal at ${at} has format 4, newer than this QuantFlow's journal format 3 (it reads formats 1 to 3): a newer QuantFlow wrote it`);
    expect(await formatOf(at), 'and leaves it as it is').toBe(4);
  });

  it('names the entry and the field of a damaged writers record', async () => {
    const at = freshPath();
    openJournal({}, at).close();
    const env = open({ path: at });
    await env.openDB<unknown, string>({ name: 'meta', encoding: 'json' }).put('writers', [{ core: 'c'.repeat(64), journalFormat: 2, fromSequence: 0, acceptedChange: false }]);
    await env.close();
    const journal = openJournal({}, at);
    expect(() => journal.writers()).toThrow(JournalFormatError);
    expect(() => journal.writers()).toThrow(`journal ${at}: its meta \`writers\` entry 0 \`fromSequence\` must be a sequence >= 1, was 0; the journal's meta is damaged`);
    journal.close();
  });

  it('refuses use after close', () => {
    const journal = openJournal();
    journal.close();
    expect(() => journal.append(tripped('late'))).toThrow(/is closed/);
  });
});
