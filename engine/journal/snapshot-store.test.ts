import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, JournalWriteError, SNAPSHOT_PAGE_BYTES, SnapshotStore } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-snapshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stores = 0;
const freshPath = () => path.join(dir, `s${++stores}`);

const PAGE = SNAPSHOT_PAGE_BYTES;

/** A core memory of `pages` pages (plus a short tail) in shared memory, with a few non-zero bytes. */
function coreMemory(pages: number, marks: [number, number][]): Uint8Array {
  const memory = new WebAssembly.Memory({ initial: Math.ceil((pages * PAGE + 1000) / 65536) + 1, maximum: 64, shared: true });
  const bytes = new Uint8Array(memory.buffer);
  for (const [at, value] of marks) bytes[at] = value;
  return bytes;
}

describe('SnapshotStore', () => {
  it('stores only the non-zero 64 KiB pages and restores the span exactly', () => {
    const store = SnapshotStore.open(freshPath());
    expect(store.latest(), 'no snapshot yet').toBeNull();
    const spanOffset = 4096 + 3; // an unaligned span start
    const spanLength = 5 * PAGE + 1234; // a short last page
    const core = coreMemory(6, [[spanOffset + 10, 1], [spanOffset + 3 * PAGE + 77, 2], [spanOffset + 5 * PAGE + 1233, 3], [spanOffset - 1, 99]]);
    const span = core.subarray(spanOffset, spanOffset + spanLength);
    store.put(100n, 250n, spanOffset, span, { layout: 'v1', instruments: 3 });
    const snapshot = store.latest()!;
    expect([snapshot.inboundSeq, snapshot.journalSequence]).toStrictEqual([100n, 250n]);
    expect(snapshot.meta).toStrictEqual({ layout: 'v1', instruments: 3 });
    expect(snapshot.takenAtNs > 0n, 'stamped with the time it was taken').toBe(true);
    expect(snapshot.regions.map((r) => [r.offset - spanOffset, r.bytes.length]), 'pages 0, 3 and the short page 5 only').toStrictEqual([
      [0, PAGE],
      [3 * PAGE, PAGE],
      [5 * PAGE, 1234],
    ]);
    const target = new Uint8Array(spanLength).fill(0xee); // dirty: restore must zero it first
    store.restoreInto(snapshot, target, spanOffset);
    expect(Buffer.compare(Buffer.from(target), Buffer.from(span)), 'the restored span equals the stored one byte for byte').toBe(0);
    store.close();
  });

  it('keeps the newest two snapshots and prunes the pages of older ones', () => {
    const at = freshPath();
    const store = SnapshotStore.open(at);
    const span = new Uint8Array(3 * PAGE);
    for (let k = 1; k <= 4; k++) {
      span[k * 100] = k;
      store.put(BigInt(k), BigInt(10 * k), 0, span, { k });
    }
    expect(store.count(), 'keep = 2').toBe(2);
    const latest = store.latest()!;
    expect(latest.meta).toStrictEqual({ k: 4 });
    expect(latest.inboundSeq).toBe(4n);
    store.close();
    const reopened = SnapshotStore.open(at);
    expect(reopened.latest()!.meta, 'durable across reopen').toStrictEqual({ k: 4 });
    reopened.close();
  });

  it('passes over a snapshot whose page was damaged on disk, saying so, for the intact one before it', async () => {
    const at = freshPath();
    const store = SnapshotStore.open(at);
    const span = new Uint8Array(2 * PAGE);
    for (let k = 1; k <= 2; k++) {
      span[PAGE + k] = k;
      store.put(BigInt(k), BigInt(10 * k), 0, span, { k });
    }
    store.close();
    /** Flips one byte of snapshot `id`'s page 1, as bit rot or a bad sector would. */
    const damage = async (id: number): Promise<void> => {
      const root = open({ path: at });
      const pages = root.openDB<Buffer, number[]>({ name: 'snapshot-pages', encoding: 'binary' });
      const page = Buffer.from(pages.get([id, 1])!);
      page[5] ^= 0x40;
      await pages.put([id, 1], page);
      await root.close();
    };
    await damage(2);
    const reopened = SnapshotStore.open(at);
    const said: string[] = [];
    const latest = reopened.latest((message) => said.push(message));
    expect(latest?.meta, 'the intact older snapshot is restored, not the damaged newest').toStrictEqual({ k: 1 });
    expect(said, 'the damaged one is named with the page').toStrictEqual([`snapshot store ${at}: snapshot 2 (inbound 2) is damaged: its page 1 does not match the sha256 it was stored with; not restored`]);
    reopened.close();
    await damage(1);
    const again = SnapshotStore.open(at);
    const saidAgain: string[] = [];
    expect(again.latest((message) => saidAgain.push(message)), 'no intact snapshot: none is restored').toBeNull();
    expect(saidAgain).toHaveLength(2);
    again.close();
  });

  it('leaves the previous snapshot intact when writing a new one fails mid-transaction', () => {
    let fail = false;
    const store = SnapshotStore.open(freshPath(), {
      faultInjector: () => {
        if (fail) throw new Error('ENOSPC: simulated');
      },
    });
    const span = new Uint8Array(2 * PAGE);
    span[5] = 1;
    store.put(1n, 1n, 0, span);
    fail = true;
    span[PAGE + 5] = 2;
    expect(() => store.put(2n, 2n, 0, span)).toThrow(JournalWriteError);
    expect(() => store.put(2n, 2n, 0, span)).toThrow(/writing snapshot \d+ \(inbound 2, journal 2, 2 pages\) failed: ENOSPC: simulated; the previous snapshots are unchanged/);
    const latest = store.latest()!;
    expect(latest.inboundSeq, 'the previous snapshot is still the latest').toBe(1n);
    expect(latest.regions.map((r) => r.offset), 'with its own pages only').toStrictEqual([0]);
    expect(store.count()).toBe(1);
    fail = false;
    store.put(3n, 3n, 0, span);
    expect(store.latest()!.regions.map((r) => r.offset), 'a later snapshot writes normally').toStrictEqual([0, PAGE]);
    store.close();
  });

  it('lives in the journal environment as journal.snapshots', () => {
    const at = freshPath();
    const journal = Journal.open(at);
    journal.append({ type: 'killSwitchTripped', who: 't', why: 'w' });
    journal.commit();
    const span = new Uint8Array(PAGE + 10);
    span[PAGE + 9] = 7;
    journal.snapshots.put(0n, journal.committedSequence(), 64, span);
    journal.close();
    const reopened = Journal.open(at);
    const snapshot = reopened.snapshots.latest()!;
    expect(snapshot.journalSequence).toBe(1n);
    expect(snapshot.regions.map((r) => [r.offset, r.bytes.length])).toStrictEqual([[64 + PAGE, 10]]);
    reopened.close();
  });

  it('commits the journal before a journal snapshot and refuses sequences past the committed one', () => {
    const journal = Journal.open(freshPath());
    journal.append({ type: 'killSwitchTripped', who: 't', why: 'pending' });
    journal.snapshots.put(0n, 1n, 0, new Uint8Array(10));
    expect(journal.committedSequence(), 'the pending record was committed with the snapshot').toBe(1n);
    expect(() => journal.snapshots.put(0n, 2n, 0, new Uint8Array(10))).toThrow("snapshot `journalSequence` must be <= the journal's committed sequence 1, was 2");
    expect(journal.snapshots.latest()!.journalSequence, 'the refused snapshot was not written').toBe(1n);
    journal.close();
  });

  it('refuses to restore into a span of another size or place', () => {
    const store = SnapshotStore.open(freshPath());
    store.put(1n, 1n, 128, new Uint8Array(100).fill(1));
    const snapshot = store.latest()!;
    expect(() => store.restoreInto(snapshot, new Uint8Array(99), 128)).toThrow('snapshot covers 100 bytes at core offset 128; the target covers 99 bytes at 128 (the memory layout changed?)');
    expect(() => store.restoreInto(snapshot, new Uint8Array(100), 0)).toThrow(/at core offset 128; the target covers 100 bytes at 0/);
    store.close();
  });
});
