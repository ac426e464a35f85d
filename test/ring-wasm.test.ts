// The WASM half of the ring against the TS half, in one thread: the core's
// ringConsumeChecksum folds the same checksum as engine/ring/event-checksum.ts,
// ringForward (the core as producer) delivers records intact, bad ring offsets
// come back as status codes, and real Binance trade prints survive the trip.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_OFFSET,
  INBOUND_RING_OFFSET,
  OUTBOUND_RING_OFFSET,
  SCRATCH_REGION_OFFSET,
} from '../engine/layout/memory-map.js';
import { EventKind } from '../engine/layout/event-record.js';
import { EventChecksum, RingConsumer, RingMemory, RingProducer, formatChecksum, initRing } from '../engine/ring/index.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

interface RingCoreExports {
  ringConsumeChecksum(ringOffset: number, maxBatch: number): number;
  ringForward(fromRing: number, toRing: number, maxBatch: number): number;
}

const ERR_RING_NOT_INITIALISED = -2;
const ERR_BAD_ARGUMENT = -6;

const tradesFile = sharedDataPath('crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv');
const skipTrades = skipWithout(sharedData([tradesFile]));

const memory = createSharedMemory();
const core = instantiateCore(memory) as unknown as RingCoreExports;
const views = RingMemory.of(memory);
const checksumWord = (CONTROL_OFFSET + CONTROL_EVENTS_CHECKSUM) >> 2;
const processedWord = (CONTROL_OFFSET + CONTROL_EVENTS_PROCESSED) >> 2;

function coreChecksum(): string {
  return formatChecksum(views.u32[checksumWord], views.u32[checksumWord + 1]);
}

function coreProcessed(): number {
  return views.u32[processedWord] + views.u32[processedWord + 1] * 2 ** 32;
}

function resetControl(): void {
  views.u32.fill(0, checksumWord, checksumWord + 2);
  views.u32.fill(0, processedWord, processedWord + 2);
}

/** Writes 16 raw words into the next claimed slot, folds them into `checksum`, and publishes. */
function produceRaw(producer: RingProducer, words: readonly number[], checksum: EventChecksum): void {
  const seq = producer.tryClaim(1);
  if (seq === -1) throw new Error('test ring unexpectedly full');
  const word = producer.slotOffset(seq) >> 2;
  for (let i = 0; i < 16; i++) views.u32[word + i] = words[i];
  checksum.foldRecord(views.u32, word);
  producer.publish((seq + 1) >>> 0);
}

const rawRecord = fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 16, maxLength: 16 });

describe('WASM ring consumer (ringConsumeChecksum) against the TS checksum', () => {
  beforeEach(resetControl);

  it('folds the same 64-bit checksum as the TS consumer for any records, batch sizes and start sequence', () => {
    fc.assert(
      fc.property(
        fc.array(rawRecord, { minLength: 0, maxLength: 200 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 10 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0xffff_ffff - 300, max: 0xffff_ffff })),
        (records, batches, start) => {
          resetControl();
          initRing(memory, INBOUND_RING_OFFSET, 64, start);
          const producer = new RingProducer(memory, INBOUND_RING_OFFSET);
          const expected = new EventChecksum();
          let produced = 0;
          let consumed = 0;
          let round = 0;
          while (consumed < records.length) {
            while (produced < records.length && producer.freeSlots() > 0) produceRaw(producer, records[produced++], expected);
            const batch = batches[round++ % batches.length];
            const count = core.ringConsumeChecksum(INBOUND_RING_OFFSET, batch);
            expect(count, 'the core consumes min(available, maxBatch)').toBe(Math.min(batch, produced - consumed));
            consumed += count;
          }
          expect(core.ringConsumeChecksum(INBOUND_RING_OFFSET, 16), 'an empty ring yields 0').toBe(0);
          expect(coreChecksum(), 'WASM and TS checksums agree').toBe(expected.toHex());
          expect(coreProcessed(), 'CONTROL_EVENTS_PROCESSED counts every record').toBe(records.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives a different checksum when two records swap places or one bit flips', () => {
    const base = Array.from({ length: 16 }, (_, i) => (i * 0x9e3779b9) >>> 0);
    const other = base.map((w, i) => (i === 5 ? w ^ 1 : w));
    const inOrder = new EventChecksum();
    const swapped = new EventChecksum();
    const flipped = new EventChecksum();
    const scratch = new Uint32Array(16);
    const fold = (sum: EventChecksum, words: number[]) => {
      scratch.set(words);
      sum.foldRecord(scratch, 0);
    };
    fold(inOrder, base);
    fold(inOrder, other);
    fold(swapped, other);
    fold(swapped, base);
    fold(flipped, base);
    fold(flipped, base);
    expect(inOrder.toHex(), 'the checksum is order-sensitive').not.toBe(swapped.toHex());
    expect(inOrder.toHex(), 'a single flipped bit changes the checksum').not.toBe(flipped.toHex());
  });

  it('returns status codes, not traps, for an uninitialised, misaligned or out-of-range ring and a bad batch size', () => {
    const scratchRing = SCRATCH_REGION_OFFSET;
    views.i32.fill(0, scratchRing >> 2, (scratchRing + 256) >> 2);
    expect(core.ringConsumeChecksum(scratchRing, 16), 'no magic').toBe(ERR_RING_NOT_INITIALISED);
    expect(core.ringConsumeChecksum(INBOUND_RING_OFFSET + 8, 16), 'misaligned').toBe(ERR_BAD_ARGUMENT);
    expect(core.ringConsumeChecksum(-64, 16), 'negative offset').toBe(ERR_BAD_ARGUMENT);
    expect(core.ringConsumeChecksum(0x7fff_ffc0, 16), 'past the end of memory').toBe(ERR_BAD_ARGUMENT);
    expect(core.ringConsumeChecksum(CONTROL_OFFSET, 16), 'inside the control block').toBe(ERR_BAD_ARGUMENT);
    initRing(memory, INBOUND_RING_OFFSET, 8);
    expect(core.ringConsumeChecksum(INBOUND_RING_OFFSET, 0), 'maxBatch 0').toBe(ERR_BAD_ARGUMENT);
  });
});

describe('WASM ring producer (ringForward)', () => {
  it('moves records from one ring to another intact, in order, limited by the free space downstream', () => {
    fc.assert(
      fc.property(
        fc.array(rawRecord, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0xffff_ffff - 100, max: 0xffff_ffff }),
        (records, batch, start) => {
          initRing(memory, INBOUND_RING_OFFSET, 32, start);
          initRing(memory, OUTBOUND_RING_OFFSET, 16, (start + 7) >>> 0);
          const producer = new RingProducer(memory, INBOUND_RING_OFFSET);
          const consumer = new RingConsumer(memory, OUTBOUND_RING_OFFSET);
          const sent = new EventChecksum();
          const received = new EventChecksum();
          let produced = 0;
          while (received.count < records.length) {
            while (produced < records.length && producer.freeSlots() > 0) produceRaw(producer, records[produced++], sent);
            const moved = core.ringForward(INBOUND_RING_OFFSET, OUTBOUND_RING_OFFSET, batch);
            expect(moved, 'ringForward never exceeds maxBatch or the downstream capacity').toBeLessThanOrEqual(Math.min(batch, 16));
            const ready = consumer.available();
            expect(ready, 'the consumer sees what was forwarded').toBeGreaterThanOrEqual(moved);
            if (moved === 0 && ready === 0) throw new Error(`no progress with ${produced - received.count} records in flight`);
            // Drain only half of the downstream ring now and then, so ringForward meets a full ring.
            const take = received.count % 3 === 0 ? Math.ceil(ready / 2) : ready;
            for (let i = 0; i < take; i++) received.foldRecord(views.u32, consumer.slotOffset((consumer.cursor + i) >>> 0) >> 2);
            if (take > 0) consumer.release((consumer.cursor + take) >>> 0);
          }
          expect(received.toHex(), 'the forwarded stream has the checksum of the sent stream').toBe(sent.toHex());
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe.skipIf(skipTrades)('real Binance BTCUSDT trade prints through the ring', () => {
  it('reach the WASM consumer with the checksum the TS producer computed', () => {
    resetControl();
    const lines = readFileSync(tradesFile, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('trade_time_ms,trade_time_utc,event_time_ms,local_recv_ns,trade_id,price,qty,aggressor_side,is_buyer_maker');
    initRing(memory, INBOUND_RING_OFFSET, 1024);
    const producer = new RingProducer(memory, INBOUND_RING_OFFSET);
    const sent = new EventChecksum();
    const kind = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
    let consumed = 0;
    for (let line = 1; line < lines.length; line++) {
      const f = lines[line].split(',');
      const price = Number(f[5]);
      const quantity = Number(f[6]);
      if (!Number.isFinite(price) || !Number.isFinite(quantity)) throw new Error(`price or qty not finite, was ${f[5]}, ${f[6]} (${tradesFile}, line ${line + 1})`);
      const exchangeNs = BigInt(f[0]) * 1_000_000n;
      const localNs = BigInt(f[3]);
      const id = BigInt(f[4]);
      const side = f[7] === 'buy' ? 1 : -1;
      const seq = producer.tryClaim(1);
      if (seq === -1) {
        consumed += core.ringConsumeChecksum(INBOUND_RING_OFFSET, 1000);
        line--;
        continue;
      }
      producer.writeEvent(seq, kind, 1, Number(exchangeNs & 0xffff_ffffn), Number(exchangeNs >> 32n), Number(localNs & 0xffff_ffffn), Number(localNs >> 32n), price, quantity, side, 0, Number(id & 0xffff_ffffn), Number(id >> 32n));
      sent.foldRecord(views.u32, producer.slotOffset(seq) >> 2);
      producer.publish((seq + 1) >>> 0);
    }
    let count: number;
    while ((count = core.ringConsumeChecksum(INBOUND_RING_OFFSET, 1000)) > 0) consumed += count;
    expect(consumed, 'every trade line became one record').toBe(lines.length - 1);
    expect(coreChecksum(), 'WASM checksum of the trade stream equals the TS checksum').toBe(sent.toHex());
  });
});
