// Checkpoints of the core (engine/threads core-checkpoint.ts): a core restored from a
// checkpoint and fed the records after it ends in the same state, byte for byte, as the core
// that never stopped, and writes the same outbound records. Runs a backtest pipeline with the
// simulated venue in the core (orders, fills in flight, exits, the venue's clock), so every
// state region is exercised.
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost, CHECKPOINT_IMAGE_BYTES, type CoreCheckpoint } from '../engine/threads/index.js';
import { playTape } from '../engine/replay/tape-player.js';
import { tradingFixture, sliceTape } from './trading-fixture.js';

const hosts: EngineHost[] = [];
afterAll(async () => {
  for (const host of hosts) await host.terminate();
});

const play = { batch: 64, rate: 0, shouldStop: () => false };

describe('core checkpoints', () => {
  it('restores a core that then reaches the uninterrupted state byte for byte', async () => {
    const fixture = await tradingFixture(900);
    const pipeline = fixture.pipeline(true);
    const cut = 500;
    const outA: Uint8Array[] = [];
    let recordA = false;
    const hostA = await EngineHost.start({ pipeline, onRecordBytes: (bytes) => recordA && outA.push(bytes) });
    hosts.push(hostA);
    await playTape(sliceTape(fixture.tape, 0, cut), hostA, play);
    const first = await hostA.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    const atCut: CoreCheckpoint = { ...first, image: first.image.slice() };
    recordA = true;
    await playTape(sliceTape(fixture.tape, cut, fixture.tape.length), hostA, play);
    const endA = await hostA.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    hostA.drainOutbound();
    expect(atCut.inboundSeq, 'the checkpoint covers every record published before it').toBe(BigInt(cut));
    expect(hostA.orderFlow.orders, 'the fixture trades').toBeGreaterThan(20);

    const outB: Uint8Array[] = [];
    const hostB = await EngineHost.start({ pipeline, restore: atCut, onRecordBytes: (bytes) => outB.push(bytes) });
    hosts.push(hostB);
    await playTape(sliceTape(fixture.tape, cut, fixture.tape.length), hostB, play);
    const endB = await hostB.checkpoint(new Uint8Array(CHECKPOINT_IMAGE_BYTES));
    hostB.drainOutbound();

    expect(endB.counters, 'counters (records consumed, checksum, bars, units)').toEqual(endA.counters);
    const differing = endA.image.findIndex((byte, i) => byte !== endB.image[i]);
    expect(differing, `first differing byte of the state image at ${differing}`).toBe(-1);
    expect(outB.length, 'the restored core writes as many outbound records').toBe(outA.length);
    expect(outB.every((bytes, i) => Buffer.compare(bytes, outA[i]) === 0), 'and the same ones, byte for byte').toBe(true);
    expect(outA.length).toBeGreaterThan(10);
  }, 120_000);
});
