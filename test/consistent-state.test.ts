// The core publishes the account and the configured positions at batch boundaries under a
// seqlock (wasm/assembly/state/, engine/snapshot/): readers on the I/O thread and in another
// worker, polling while the engine trades the bundled bars, only ever see whole states; the old
// direct reads of the risk region (readRiskAccount, readInstrumentRisk) under the same load are
// the control; the reader's retry path gives up with a clear error when the block stays mid-write.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore, type CoreExports } from '../engine/core/wasm-core.js';
import { STATE_OFFSET, OUTBOUND_EXT_OFFSET, OUTBOUND_CAPACITY, SLOT_BYTES } from '../engine/layout/memory-map.js';
import { readInstrumentRisk, readRiskAccount } from '../engine/pipeline/index.js';
import { playTape } from '../engine/replay/index.js';
import { readConsistentState, StateLayout, StateNotPublishedError, type ConsistentState } from '../engine/snapshot/index.js';
import { EngineHost, spawnWorker } from '../engine/threads/index.js';
import { tradingFixture } from './trading-fixture.js';
import type { StateReaderJob, StateReaderResult } from './workers/state-reader.js';

const TOLERANCE = 1e-9;
const BARS = 6000;
/** How long the I/O thread's reader polls between two batches of the tape player. */
const POLL_SLICE_MS = 0.5;
/** Tape records per second (3 instruments x BARS bars: about a second). */
const PLAY_RATE = 15_000;

interface StateCoreExports extends CoreExports {
  statePublish(): number;
  stateLayoutValue(id: number): number;
}

interface Tally {
  reads: number;
  snapshots: number;
  inconsistent: number;
  seqDecreases: number;
  withPosition: number;
  firstProblem?: string;
  lastSeq: number;
}

const newTally = (): Tally => ({ reads: 0, snapshots: 0, inconsistent: 0, seqDecreases: 0, withPosition: 0, lastSeq: -1 });

/** equity vs cash + marketValue and vs cash + the instruments' values, relative to equity. */
function inconsistency(equity: number, cash: number, marketValue: number, values: number): string | undefined {
  const scale = Math.max(1, Math.abs(equity));
  if (Math.abs(equity - (cash + marketValue)) > TOLERANCE * scale || Math.abs(equity - (cash + values)) > TOLERANCE * scale) {
    return `equity ${equity}, cash ${cash}, marketValue ${marketValue}, cash + sum of instrument values ${cash + values}`;
  }
  return undefined;
}

function checkSnapshot(tally: Tally, state: ConsistentState): void {
  tally.reads += 1;
  if (state.seq < tally.lastSeq) {
    tally.seqDecreases += 1;
    tally.firstProblem ??= `sequence went from ${tally.lastSeq} to ${state.seq}`;
  }
  if (state.seq !== tally.lastSeq) {
    tally.snapshots += 1;
    const { equity, cash, marketValue } = state.account;
    const problem = inconsistency(equity, cash, marketValue, state.instruments.reduce((sum, i) => sum + i.value, 0));
    if (problem) {
      tally.inconsistent += 1;
      tally.firstProblem ??= `seq ${state.seq}: ${problem}`;
    }
    if (state.instruments.some((i) => i.position !== 0)) tally.withPosition += 1;
  }
  tally.lastSeq = state.seq;
}

/** The old path: the account, then each instrument's slot, read straight out of the risk region. */
function checkDirect(tally: Tally, memory: WebAssembly.Memory, instruments: readonly number[]): void {
  tally.reads += 1;
  const account = readRiskAccount(memory);
  let values = 0;
  for (const instrument of instruments) values += readInstrumentRisk(memory, instrument).value;
  const problem = inconsistency(account.equity, account.cash, account.marketValue, values);
  if (problem) {
    tally.inconsistent += 1;
    tally.firstProblem ??= problem;
  }
}

/** Starts the worker reader; resolves once it polls, with the promise of its result. */
async function startWorkerReader(memory: WebAssembly.Memory, stop: SharedArrayBuffer, mode: StateReaderJob['mode'] = 'published'): Promise<{ result: Promise<StateReaderResult> }> {
  const job: StateReaderJob = { memory, stop, tolerance: TOLERANCE, mode, instruments: [0, 1, 2] };
  const worker = spawnWorker(new URL('./workers/state-reader.ts', import.meta.url), { workerData: job });
  let ready: () => void = () => undefined;
  const running = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const result = new Promise<StateReaderResult>((resolve, reject) => {
    worker.on('message', (message: StateReaderResult | { ready: true }) => {
      if ('ready' in message) {
        ready();
        return;
      }
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`state reader worker exited with code ${code} before reporting`)));
  });
  await Promise.race([running, result]);
  return { result };
}

/** Plays the fixture's tape through a trading engine (simulated venue in the core), calling `poll` in slices between the player's batches. */
async function tradeWhilePolling(poll: (host: EngineHost) => void, beforePlay?: (host: EngineHost) => Promise<void>) {
  const fixture = await tradingFixture(BARS, 3);
  const host = await EngineHost.start({ pipeline: fixture.pipeline(true), maxBatch: 16 });
  await beforePlay?.(host);
  const slice = (): void => {
    const until = performance.now() + POLL_SLICE_MS;
    while (performance.now() < until) poll(host);
  };
  // Paced, so the run lasts about a second and the engine works in many small batches.
  const played = await playTape(fixture.tape, host, { batch: 64, rate: PLAY_RATE, shouldStop: () => false, onProgress: slice });
  slice();
  return { host, fixture, played };
}

describe('published account state under a seqlock', () => {
  it('lays the block out as the core does, in the spare gap below STATE_OFFSET, outside the checkpointed spans', () => {
    const core = instantiateCore(createSharedMemory(), compileCore('release')) as StateCoreExports;
    const mirror = StateLayout as unknown as Record<string, number>;
    const mismatches = StateLayout.STATE_LAYOUT_IDS.filter((name, id) => core.stateLayoutValue(id) !== mirror[name])
      .map((name) => `${name}: core ${core.stateLayoutValue(StateLayout.STATE_LAYOUT_IDS.indexOf(name))}, TS ${mirror[name]}`);
    expect(mismatches, 'wasm/assembly/state/state-layout.ts and engine/snapshot/state-layout.ts disagree').toEqual([]);
    expect(core.stateLayoutValue(StateLayout.STATE_LAYOUT_IDS.length), 'an id past the table').toBe(-1);
    expect(StateLayout.PUBLISHED_STATE_OFFSET, 'right after the outbound extension').toBe(OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY * SLOT_BYTES);
    expect(StateLayout.PUBLISHED_STATE_OFFSET + StateLayout.PS_BLOCK_BYTES_MAX, 'the block with every instrument ends below STATE_OFFSET').toBeLessThanOrEqual(STATE_OFFSET);
  });

  it('never shows a reader on the I/O thread or in a worker a torn account while the engine trades, and its sequence never goes back', async () => {
    const stop = new SharedArrayBuffer(4);
    const io = newTally();
    let worker: Promise<StateReaderResult> | undefined;
    const { host, fixture } = await tradeWhilePolling((h) => checkSnapshot(io, readConsistentState(h.memory)), async (h) => {
      worker = (await startWorkerReader(h.memory, stop)).result;
    });
    const final = host.consistentState();
    Atomics.store(new Int32Array(stop), 0, 1);
    const other = await worker!;
    await host.drainAndStop();
    const summary = `I/O thread: ${io.reads} reads, ${io.snapshots} snapshots (${io.withPosition} with a position); worker: ${other.reads} reads, ${other.snapshots} snapshots`;
    console.log(`consistent-state: ${summary}; final seq ${final.seq}`);
    expect(other.error, 'the worker reader ran without error').toBeUndefined();
    expect(io.firstProblem, 'I/O-thread reader: first inconsistency or sequence going back').toBeUndefined();
    expect(other.firstProblem, 'worker reader: first inconsistency or sequence going back').toBeUndefined();
    expect([io.inconsistent, io.seqDecreases, other.inconsistent, other.seqDecreases], 'inconsistent snapshots and sequence decreases (io, io, worker, worker)').toEqual([0, 0, 0, 0]);
    expect(io.snapshots, summary).toBeGreaterThan(100);
    expect(other.snapshots, summary).toBeGreaterThan(100);
    expect(io.withPosition, 'the engine traded while the readers read: snapshots with an open position').toBeGreaterThan(0);
    expect(final.inboundSeq, 'the last publication covers every record of the tape').toBe(fixture.tape.length);
    const direct = readRiskAccount(host.memory);
    expect([final.account.cash, final.account.marketValue, final.account.equity], 'at rest the published account is the risk region\'s').toEqual([direct.cash, direct.marketValue, direct.equity]);
    expect(final.instruments.map((i) => i.instrument), 'every configured instrument').toEqual([0, 1, 2]);
    for (const i of final.instruments) {
      const slot = readInstrumentRisk(host.memory, i.instrument);
      expect([i.position, i.mark, i.avgPrice, i.value], `instrument ${i.instrument} at rest`).toEqual([slot.position, slot.mark, slot.averagePrice, slot.value]);
    }
  }, 180_000);

  it('control: the old direct reads of the risk region, under the same load, can see an account that never existed', async () => {
    const stop = new SharedArrayBuffer(4);
    const direct = newTally();
    let worker: Promise<StateReaderResult> | undefined;
    const { host } = await tradeWhilePolling((h) => checkDirect(direct, h.memory, [0, 1, 2]), async (h) => {
      worker = (await startWorkerReader(h.memory, stop, 'direct')).result;
    });
    Atomics.store(new Int32Array(stop), 0, 1);
    const other = await worker!;
    await host.drainAndStop();
    const summary = `I/O thread: ${direct.inconsistent} of ${direct.reads} direct reads inconsistent; worker: ${other.inconsistent} of ${other.reads}`;
    console.log(`consistent-state control: ${summary}; first: ${direct.firstProblem ?? other.firstProblem ?? 'none'}`);
    expect(other.error, 'the worker reader ran without error').toBeUndefined();
    expect(direct.reads + other.reads, 'direct reads made while the engine traded').toBeGreaterThan(100);
    expect(direct.inconsistent + other.inconsistent, `direct reads that saw equity != cash + sum of instrument values (${summary})`).toBeGreaterThan(0);
  }, 180_000);

  it('retries while the sequence is odd, returns once it is even again, and gives up with a clear error when it stays odd', async () => {
    const memory = createSharedMemory();
    const core = instantiateCore(memory, compileCore('release')) as StateCoreExports;
    expect(core.statePublish(), 'statePublish').toBe(0);
    const seq = new BigInt64Array(memory.buffer, StateLayout.PUBLISHED_STATE_OFFSET, 1);
    expect(readConsistentState(memory).seq, 'one publication').toBe(2);

    // Held odd by the test: every attempt sees the core "writing".
    Atomics.store(seq, 0, 3n);
    expect(() => readConsistentState(memory, { maxAttempts: 10_000 })).toThrow(StateNotPublishedError);
    expect(() => readConsistentState(memory, { maxAttempts: 10_000 })).toThrow(/stayed mid-write \(sequence 3 odd or changing\) for 10000 attempts/);

    // Held odd by another thread for 40 ms, then made even: the reader spins, then returns that publication.
    Atomics.store(seq, 0, 2n);
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const seq = new BigInt64Array(workerData.memory.buffer, workerData.offset, 1);
       Atomics.store(seq, 0, 5n);
       parentPort.postMessage('odd');
       const until = Date.now() + 40;
       while (Date.now() < until) {}
       Atomics.store(seq, 0, 6n);`,
      { eval: true, workerData: { memory, offset: StateLayout.PUBLISHED_STATE_OFFSET } },
    );
    await new Promise((resolve) => holder.once('message', resolve));
    const started = performance.now();
    const state = readConsistentState(memory, { maxAttempts: 1e10 });
    const waited = performance.now() - started;
    await holder.terminate();
    expect(state.seq, 'the publication made even after the hold').toBe(6);
    expect(waited, 'the reader spun while the sequence was odd').toBeGreaterThan(20);
  });
});
