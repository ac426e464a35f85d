// Checkpoints of the WASM core: the bytes that make up its state, taken while the engine thread
// is parked at a batch boundary (nothing held, no call running), and put back into a fresh
// memory before a restarted engine runs. Recovery is a checkpoint plus the journal's inbound
// records after it, replayed through the same core.
//
// What a checkpoint holds (the "image", one buffer, the two spans back to back):
//
//   image 0                      CORE_STATIC_LIMIT            CORE_STATIC_LIMIT + STATE span
//   +----------------------------+------------------------------------------------------+
//   | memory [0, CORE_STATIC_    | memory [STATE_OFFSET, SCRATCH_REGION_OFFSET): bars,   |
//   | LIMIT): data, stack, heap  | indicators, HMM, decision, pipeline, risk, orders,   |
//   |                            | portfolio, exits, simulated venue                    |
//   +----------------------------+------------------------------------------------------+
//   plus the control block's counters (events consumed, checksum, bars, rejected, progress
//   dropped, units), which engineStart clears and a restore sets again.
//
// Left out: the control block's flags, both rings (the restarted host starts them empty) and
// the scratch region (batch columns, never state between calls).
//
// Parking protocol (control block words):
//   I/O thread                                   engine thread (between calls)
//   CHECKPOINT_REQUEST = code, notify  ------->  held phase is NONE: runs the code's action
//                                                (PARK_RESET_KILL_SWITCH: riskResetKillSwitch,
//                                                PARK_TRIP_KILL_SWITCH: riskRestoreHalted(1)),
//                                                PARKED = 1, notify, Atomics.wait on REQUEST
//   sees PARKED = 1; copies the image  <-------
//   REQUEST = 0, notify             ---------->  PARKED = 0; runs on
// While parked the I/O thread may also write the core's state itself (EngineHost.changeRiskLimit:
// a risk limit's field, under PARK_ONLY). A control action taken this way lands between two inbound records, exactly where the I/O
// thread put it: a journal that records it there replays it there.
import {
  CONTROL_BARS_PROCESSED, CONTROL_CHECKPOINT_PARKED, CONTROL_CHECKPOINT_REQUEST, CONTROL_EVENTS_CHECKSUM, CONTROL_EVENTS_PROCESSED,
  CONTROL_EVENTS_REJECTED, CONTROL_HELD_PHASE, CONTROL_LAST_STATUS, CONTROL_OFFSET, CONTROL_PROGRESS_DROPPED, CONTROL_UNITS, CORE_STATIC_LIMIT, INBOUND_RING_OFFSET,
  RING_PUBLISHED, SCRATCH_REGION_OFFSET, STATE_OFFSET,
} from '../layout/memory-map.js';

/** Bytes of a checkpoint image. */
export const CHECKPOINT_IMAGE_BYTES = CORE_STATIC_LIMIT + (SCRATCH_REGION_OFFSET - STATE_OFFSET);

/** The control-block counters a checkpoint carries, in order. */
const COUNTER_OFFSETS = [
  CONTROL_EVENTS_PROCESSED, CONTROL_EVENTS_CHECKSUM, CONTROL_BARS_PROCESSED, CONTROL_EVENTS_REJECTED, CONTROL_PROGRESS_DROPPED, CONTROL_UNITS,
] as const;

/** A core's state at a batch boundary. */
export interface CoreCheckpoint {
  /** Inbound records the core had consumed (over its whole life, restarts included). */
  readonly inboundSeq: bigint;
  /** The counters of COUNTER_OFFSETS, as u64 bit patterns. */
  readonly counters: readonly bigint[];
  /** CHECKPOINT_IMAGE_BYTES bytes (see the header). */
  readonly image: Uint8Array;
}

const index32 = (offset: number): number => (CONTROL_OFFSET + offset) >> 2;
const index64 = (offset: number): number => (CONTROL_OFFSET + offset) >> 3;

/** Copies the state spans of `memory` into `image` (CHECKPOINT_IMAGE_BYTES). */
export function copyImage(memory: WebAssembly.Memory, image: Uint8Array): void {
  const bytes = new Uint8Array(memory.buffer);
  image.set(bytes.subarray(0, CORE_STATIC_LIMIT), 0);
  image.set(bytes.subarray(STATE_OFFSET, SCRATCH_REGION_OFFSET), CORE_STATIC_LIMIT);
}

/** Reads the counters a checkpoint carries. */
export function readCheckpointCounters(memory: WebAssembly.Memory): bigint[] {
  const i64 = new BigInt64Array(memory.buffer);
  return COUNTER_OFFSETS.map((offset) => BigInt.asUintN(64, Atomics.load(i64, index64(offset))));
}

/** Writes `image` back into the state spans of `memory` (the engine thread, after its pipeline is configured, before engineStart). */
export function restoreImage(memory: WebAssembly.Memory, image: Uint8Array): void {
  if (image.length !== CHECKPOINT_IMAGE_BYTES) throw new RangeError(`a checkpoint image must be ${CHECKPOINT_IMAGE_BYTES} bytes, was ${image.length}`);
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(image.subarray(0, CORE_STATIC_LIMIT), 0);
  bytes.set(image.subarray(CORE_STATIC_LIMIT), STATE_OFFSET);
}

/** Sets the counters again after engineStart cleared them. */
export function restoreCheckpointCounters(memory: WebAssembly.Memory, counters: readonly bigint[]): void {
  if (counters.length !== COUNTER_OFFSETS.length) throw new RangeError(`a checkpoint carries ${COUNTER_OFFSETS.length} counters, was given ${counters.length}`);
  const i64 = new BigInt64Array(memory.buffer);
  COUNTER_OFFSETS.forEach((offset, i) => Atomics.store(i64, index64(offset), BigInt.asIntN(64, counters[i])));
}

/** CHECKPOINT_REQUEST codes: park only (a checkpoint), clear the kill switch and park, or trip it (an operator's trip) and park. */
export const PARK_ONLY = 1;
export const PARK_RESET_KILL_SWITCH = 2;
export const PARK_TRIP_KILL_SWITCH = 3;

/**
 * The engine thread's side: parks while a checkpoint is requested and nothing is held, after
 * running the request's action (`act(code)`: the core's status; a negative one is stored in
 * CONTROL_LAST_STATUS). Returns true if it parked.
 */
export function parkIfRequested(i32: Int32Array, act: (code: number) => number): boolean {
  const request = index32(CONTROL_CHECKPOINT_REQUEST);
  const code = Atomics.load(i32, request);
  if (code === 0 || Atomics.load(i32, index32(CONTROL_HELD_PHASE)) !== 0) return false;
  if (code !== PARK_ONLY) {
    const status = act(code);
    Atomics.store(i32, index32(CONTROL_LAST_STATUS), status < 0 ? status : 0);
  }
  const parked = index32(CONTROL_CHECKPOINT_PARKED);
  Atomics.store(i32, parked, 1);
  Atomics.notify(i32, parked);
  while (Atomics.load(i32, request) !== 0) Atomics.wait(i32, request, code, 100);
  Atomics.store(i32, parked, 0);
  return true;
}

/** The I/O thread's side: asks the engine thread to park (waking it if it sleeps on the inbound ring). */
export function requestPark(i32: Int32Array, code: number = PARK_ONLY): void {
  Atomics.store(i32, index32(CONTROL_LAST_STATUS), 0);
  Atomics.store(i32, index32(CONTROL_CHECKPOINT_REQUEST), code);
  Atomics.notify(i32, (INBOUND_RING_OFFSET + RING_PUBLISHED) >> 2);
}

/** The status of the last parked action (0, or the core's negative status). */
export function parkedActionStatus(i32: Int32Array): number {
  return Atomics.load(i32, index32(CONTROL_LAST_STATUS));
}

/** True once the engine thread is parked. */
export function isParked(i32: Int32Array): boolean {
  return Atomics.load(i32, index32(CONTROL_CHECKPOINT_PARKED)) === 1;
}

/** Lets a parked engine thread run on. */
export function releasePark(i32: Int32Array): void {
  const request = index32(CONTROL_CHECKPOINT_REQUEST);
  Atomics.store(i32, request, 0);
  Atomics.notify(i32, request);
}
