// The engine thread (a worker): owns the WASM core and makes every decision.
// It sets up the per-bar pipeline (engine/pipeline), then consumes the inbound ring
// through the core, one call per batch, and sleeps on
// the ring's `published` word with the configured wait strategy when there is
// nothing to do. When the core stops because the outbound ring is short of room for its
// next unit of work (orders, risk records, venue replies are never dropped), it waits on the
// outbound ring's `released` word until the I/O thread drains it. It stops when the I/O
// thread sets CONTROL_STOP_REQUESTED and the inbound ring is empty (drained), then
// reports its final counters. Between calls it parks for a checkpoint when the I/O thread asks
// (core-checkpoint.ts); a restarted engine starts from one. Starting the core and each
// processInbound call (logged for the latency stages) live in engine-core-loop.ts, shared with
// the inline engine (EngineHost `inline`). A prestarted thread (prestarted-engine-thread.ts)
// loads its modules first and waits for the rest of its setup in one message.
import { parentPort, workerData } from 'node:worker_threads';
import { checkCoreStatus } from '../core/core-status.js';
import {
  CONTROL_OFFSET,
  CONTROL_STOP_REQUESTED,
  INBOUND_RING_OFFSET,
  OUTBOUND_RING_OFFSET,
  RING_CONSUMER_WAITING,
  RING_PRODUCER_WAITING,
  RING_PUBLISHED,
  RING_RELEASED,
} from '../layout/memory-map.js';
import { createWaitStrategy, type WaitStrategyName } from './wait-strategy-by-name.js';
import type { EngineThreadMessage } from './engine-thread-messages.js';
import { PARK_RESET_KILL_SWITCH, PARK_TRIP_KILL_SWITCH, parkIfRequested } from './core-checkpoint.js';
import { CoreStepper, startEngineCore, type EngineCoreSetup } from './engine-core-loop.js';

/** Longest sleep of the engine thread before it looks at its control words again (stop, checkpoint). */
const ENGINE_WAIT_TIMEOUT_MS = 20;

export interface EngineThreadData extends EngineCoreSetup {
  maxBatch: number;
  wait: WaitStrategyName;
  /** The latency stamps buffer (LatencyStamps), shared with the host. */
  latency: SharedArrayBuffer;
}

/** What a prestarted engine thread (prestarted-engine-thread.ts) gets at spawn; the rest of its EngineThreadData comes in its setup message. */
export interface EngineThreadPrestart {
  readonly prestart: true;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
}

/** The message that starts a prestarted engine thread. */
export interface EngineThreadSetup {
  readonly type: 'setup';
  readonly data: Omit<EngineThreadData, 'memory' | 'module'>;
}

function runEngine(data: EngineThreadData, post: (message: EngineThreadMessage) => void): void {
  const { core, pipeline } = startEngineCore(data);
  const stepper = new CoreStepper(data.memory, core, data.maxBatch, data.latency);
  const i32 = new Int32Array(data.memory.buffer);
  const stopIndex = (CONTROL_OFFSET + CONTROL_STOP_REQUESTED) >> 2;
  const publishedIndex = (INBOUND_RING_OFFSET + RING_PUBLISHED) >> 2;
  const waitingIndex = (INBOUND_RING_OFFSET + RING_CONSUMER_WAITING) >> 2;
  const releasedIndex = (INBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  const outReleasedIndex = (OUTBOUND_RING_OFFSET + RING_RELEASED) >> 2;
  const outWaitingIndex = (OUTBOUND_RING_OFFSET + RING_PRODUCER_WAITING) >> 2;
  const wait = createWaitStrategy(data.wait, ENGINE_WAIT_TIMEOUT_MS);
  /** Control actions taken at a batch boundary (core-checkpoint.ts). */
  const act = (code: number): number => (code === PARK_RESET_KILL_SWITCH ? core.riskResetKillSwitch() : code === PARK_TRIP_KILL_SWITCH ? core.riskRestoreHalted(1) : -1);
  post({ type: 'started', pipeline });

  for (;;) {
    if (parkIfRequested(i32, act)) continue;
    if (stepper.processOnce() > 0) continue;
    if (!stepper.inboundEmpty() && stepper.outboundShort()) {
      // Records left behind: the outbound ring is short of room. Sleep until the I/O
      // thread releases outbound slots (its consumer notifies a waiting producer).
      wait.waitFor(i32, outReleasedIndex, outWaitingIndex, (Atomics.load(i32, outReleasedIndex) + 1) | 0);
      continue;
    }
    if (Atomics.load(i32, stopIndex) !== 0) {
      // The I/O thread publishes everything before it asks for the stop, so an empty
      // ring seen after the request is a drained ring.
      if (stepper.processOnce() === 0 && stepper.inboundEmpty()) break;
      continue;
    }
    wait.waitFor(i32, publishedIndex, waitingIndex, (Atomics.load(i32, releasedIndex) + 1) | 0);
  }
  checkCoreStatus(core.engineStop(), 'engineStop');
  post({ type: 'stopped' });
}

if (parentPort) {
  const port = parentPort;
  const run = (data: EngineThreadData): void => {
    try {
      runEngine(data, (message) => port.postMessage(message));
    } catch (error) {
      const err = error as Error;
      port.postMessage({ type: 'failed', message: err.message, stack: err.stack ?? '' } satisfies EngineThreadMessage);
    }
  };
  const given = workerData as EngineThreadData | EngineThreadPrestart;
  if ('prestart' in given) {
    // Prestarted: the modules are loaded; start once the host sends the rest.
    port.once('message', (setup: EngineThreadSetup) => run({ ...setup.data, memory: given.memory, module: given.module }));
  } else {
    run(given);
  }
}
