// An operator's pause of a strategy as the core holds it: PIPE_PAUSED in the pipeline entry of
// each of the strategy's instruments (wasm/assembly/pipeline/order-stage.ts: while it is set, the
// instrument's target is held between flat and the position, so the strategy adds no exposure
// and its exits and stops still trade). Written only while the engine is parked at a batch
// boundary (EngineHost.setInstrumentsPaused), so a pause lands between two inbound records;
// read at any time (one aligned i32). Part of the pipeline region, so checkpoints carry it.
import { PIPE_ENTRY_BYTES, PIPE_MAX_INSTRUMENTS, PIPE_PAUSED, PIPE_TABLE } from './pipeline-layout.js';

function isInstrumentId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id < PIPE_MAX_INSTRUMENTS;
}

function pausedIndex(instrument: number): number {
  if (!isInstrumentId(instrument)) throw new RangeError(`instrument must be an integer in [0, ${PIPE_MAX_INSTRUMENTS}), was ${instrument}`);
  return (PIPE_TABLE + instrument * PIPE_ENTRY_BYTES + PIPE_PAUSED) >> 2;
}

/** Sets or clears the pause of `instrument`'s strategy. Only while the engine is parked (or not running). */
export function writeInstrumentPaused(memory: WebAssembly.Memory, instrument: number, paused: boolean): void {
  Atomics.store(new Int32Array(memory.buffer), pausedIndex(instrument), paused ? 1 : 0);
}

/** Whether `instrument`'s strategy is paused in the core. */
export function readInstrumentPaused(memory: WebAssembly.Memory, instrument: number): boolean {
  return Atomics.load(new Int32Array(memory.buffer), pausedIndex(instrument)) !== 0;
}

/** Why `instruments` cannot be paused (none, or an id outside the pipeline's table), or null. */
export function pausedInstrumentsProblem(instruments: readonly number[]): string | null {
  if (instruments.length > 0 && instruments.every(isInstrumentId)) return null;
  return `instruments ${JSON.stringify(instruments)}: each must be an instrument id in [0, ${PIPE_MAX_INSTRUMENTS}), at least one`;
}
