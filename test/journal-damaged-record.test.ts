// A journal record whose bytes were damaged on disk (a flipped offset, a lost identifier) is
// reported naming the journal and the key of the record, by the journal's reads and by
// `replay --journal` (engine/live replayJournal), instead of a bare DataView RangeError.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, Journal, JournalFormatError } from '../engine/journal/index.js';
import { replayJournal } from '../engine/live/index.js';


const dir = mkdtempSync(path.join(tmpdir(), 'qf-journal-damage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A journal of three records (two control records, then an inbound one) whose record under `key`
 * is replaced by `damage` of its bytes, its CRC-32 trailer made to match them again: the damage
 * only the decoder can see (a format 1 journal has no checksums; test/journal-checksum.test.ts
 * damages a record without mending its checksum).
 */
async function damagedJournal(name: string, key: number, damage: (bytes: Buffer) => void): Promise<string> {
  const at = path.join(dir, name);
  const journal = Journal.open(at, { durability: { mode: 'async' } });
  journal.append({ type: 'killSwitchTripped', who: 'operator:test', why: 'first' });
  journal.append({ type: 'killSwitchReset', who: 'operator:test', why: 'second' });
  journal.append({ type: 'inbound', inboundSeq: 0n, record: new Uint8Array(64), sourceSeq: 0n });
  journal.commit();
  const records = Array.from(journal.readRaw(1n));
  journal.close();
  const bytes = Buffer.from(records[key - 1].bytes);
  damage(bytes);
  bytes.writeUInt32LE(crc32(bytes, 0, bytes.length - 4), bytes.length - 4);
  const root = open({ path: at });
  await root.openDB({ name: 'journal', encoding: 'binary' }).put(key, bytes);
  await root.close();
  return at;
}

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the read to throw');
}

/** An offset inside the record pointing far outside it. */
const badOffset = (bytes: Buffer): void => void bytes.writeUInt32LE(0x7f00_0000, 0);
/** The FlatBuffers file identifier overwritten. */
const lostIdentifier = (bytes: Buffer): void => void bytes.write('XXXX', 4, 'latin1');

describe('a damaged journal record', () => {
  it('names the journal and the key when an offset inside the record points outside it, on read and on replay --journal', async () => {
    const at = await damagedJournal('offset', 2, badOffset);
    const journal = Journal.open(at, { mustExist: true });
    try {
      const error = errorOf(() => Array.from(journal.read(1n)));
      expect(error, `a JournalFormatError, not a bare RangeError: ${error.message}`).toBeInstanceOf(JournalFormatError);
      expect(error.message).toContain(`journal ${at}: the record under key 2 (of 3) is damaged`);
    } finally {
      journal.close();
    }
    await expect(replayJournal(at), 'replay --journal names the key too').rejects.toThrow(`journal ${at}: the record under key 2 (of 3) is damaged`);
  });

  it('names the journal and the key when the last record lost its identifier or its offsets, when the journal opens', async () => {
    for (const [name, damage, cause] of [['identifier', lostIdentifier, 'does not carry the file identifier QFJR'], ['last-offset', badOffset, 'outside the bounds']] as const) {
      const at = await damagedJournal(name, 3, damage);
      const error = errorOf(() => Journal.open(at, { mustExist: true }));
      expect(error, `${name}: a JournalFormatError: ${error.message}`).toBeInstanceOf(JournalFormatError);
      expect(error.message).toContain(`journal ${at}: the record under key 3 (of 3) is damaged`);
      expect(error.message).toContain(cause);
    }
  });
});
