import { describe, expect, it } from 'vitest';
import { GatedRecordStream } from './gated-record-stream.js';
import { MemoryStream } from './memory-stream.js';
import { interleaveModelRecords } from './model-ahead.js';
import { EventKind } from '../layout/event-record.js';

const R = 64;

/** n records of `kind` at ts_local = times[i] (ts_exchange the same), `value` in the price slot. */
function records(kind: number, times: readonly number[], value: (i: number) => number): Uint8Array {
  const bytes = new Uint8Array(times.length * R);
  const view = new DataView(bytes.buffer);
  times.forEach((t, i) => {
    view.setInt32(i * R, kind, true);
    view.setBigInt64(i * R + 8, BigInt(t), true);
    view.setBigInt64(i * R + 16, BigInt(t), true);
    view.setFloat64(i * R + 24, value(i), true);
  });
  return bytes;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Reads blocks into `got` as they come; resolves when the stream ends. */
async function drain(stream: { blocks(i: number): AsyncIterable<{ count: number; bytes: Uint8Array }> }, instrument: number, got: Uint8Array[]): Promise<void> {
  for await (const block of stream.blocks(instrument)) got.push(block.bytes.slice(0, block.count * R));
}

const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await Promise.resolve(); };
const like = { label: 'model', symbol: 'X', kind: 'bars' as const, barIntervalNs: 10n };

describe('GatedRecordStream', () => {
  it('yields no record of a gate before it opens, then the same bytes, in order, with the instrument written', async () => {
    const bytes = records(EventKind.MODEL, [10, 20, 30, 40, 50], (i) => i);
    const gates = [deferred(), deferred(), deferred()];
    const stream = new GatedRecordStream(like, bytes, [{ records: 2, ready: gates[0].promise }, { records: 2, ready: gates[1].promise }, { records: 5, ready: gates[2].promise }]);
    const got: Uint8Array[] = [];
    const done = drain(stream, 7, got);
    await settle();
    expect(got.length, 'nothing before the first gate opens').toBe(0);
    gates[0].resolve();
    await settle();
    expect(got.reduce((n, b) => n + b.length / R, 0), 'the first gate opens 2 records').toBe(2);
    gates[2].resolve();
    await settle();
    expect(got.reduce((n, b) => n + b.length / R, 0), 'a later gate waits for the earlier one (gate 1 still closed)').toBe(2);
    gates[1].resolve();
    await done;
    const all = Buffer.concat(got);
    expect(all.length).toBe(5 * R);
    for (let i = 0; i < 5; i++) {
      expect(all.readInt32LE(i * R + 4), `record ${i}'s instrument`).toBe(7);
      expect(all.readDoubleLE(i * R + 24), `record ${i}'s value`).toBe(i);
    }
  });

  it('a failed gate fails the read; slice clips the gates to its records', async () => {
    const bytes = records(EventKind.MODEL, [10, 20, 30, 40], (i) => i);
    const failed = deferred();
    const stream = new GatedRecordStream(like, bytes, [{ records: 1, ready: Promise.resolve() }, { records: 4, ready: failed.promise }]);
    failed.reject(new Error('inference failed'));
    await expect(drain(stream, 0, []), 'the error reaches the reader').rejects.toThrow('inference failed');
    const open = new GatedRecordStream(like, bytes.slice(), [{ records: 1, ready: Promise.resolve() }, { records: 3, ready: Promise.resolve() }, { records: 4, ready: Promise.resolve() }]);
    const part = open.slice(2, 4);
    expect(part.gates.map((g) => g.records), 'gates past the slice start, clipped').toEqual([1, 2]);
    const got: Uint8Array[] = [];
    await drain(part, 0, got);
    expect(Buffer.concat(got).readDoubleLE(24), 'the slice starts at record 2').toBe(2);
  });

  it('rejects gates that go back, stop short of the records, or exceed them, naming the value', () => {
    const bytes = records(EventKind.MODEL, [10, 20], () => 0);
    const ok = Promise.resolve();
    expect(() => new GatedRecordStream(like, bytes, [{ records: 2, ready: ok }, { records: 1, ready: ok }])).toThrow('gate 1: `records` must be an integer in [2, 2], was 1');
    expect(() => new GatedRecordStream(like, bytes, [{ records: 1, ready: ok }])).toThrow('the last gate must cover all 2 records, covered 1');
    expect(() => new GatedRecordStream(like, bytes, [{ records: 3, ready: ok }])).toThrow('was 3');
  });
});

describe('interleaveModelRecords with MODEL records still being computed', () => {
  it('opens the merged stream up to the first pending MODEL record, and gives the bytes of the finished interleave', async () => {
    // Bars every 10 ns; MODEL records at some bar closes (ties: the bar first).
    const barTimes = Array.from({ length: 12 }, (_, i) => 10 * (i + 1));
    const modelTimes = [20, 40, 50, 80, 110];
    const bars = MemoryStream.fromRecords({ ...like, label: 'bars' }, records(EventKind.BAR, barTimes, (i) => 100 + i));
    const finished = records(EventKind.MODEL, modelTimes, (i) => 1000 + i);
    const expected = interleaveModelRecords(bars, MemoryStream.fromRecords(like, finished.slice())).bytes;
    // The same records, the values written only when their gate opens.
    const pending = records(EventKind.MODEL, modelTimes, () => 0);
    const gates = [deferred(), deferred()];
    const write = (from: number, to: number) => () => pending.set(finished.subarray(from * R, to * R), from * R);
    const models = new GatedRecordStream(like, pending, [{ records: 2, ready: gates[0].promise.then(write(0, 2)) }, { records: 5, ready: gates[1].promise.then(write(2, 5)) }]);
    const merged = interleaveModelRecords(bars, models);
    expect(merged).toBeInstanceOf(GatedRecordStream);
    const got: Uint8Array[] = [];
    const done = drain(merged, 0, got);
    gates[0].resolve();
    await settle();
    // Records up to the third MODEL record (t = 50, after the bar at 50): bars 10..50 (5) and MODEL 20, 40.
    expect(got.reduce((n, b) => n + b.length / R, 0), 'open up to the first pending MODEL record').toBe(7);
    gates[1].resolve();
    await done;
    expect(Buffer.concat(got).equals(Buffer.from(expected)), 'the same bytes as interleaving the finished records').toBe(true);
  });
});
