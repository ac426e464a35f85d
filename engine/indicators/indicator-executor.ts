// Runs an IndicatorPlan in the WASM core: loads the encoded plan into the INDICATOR region,
// resets slots, feeds bars per call (update, or updateMs without a BigInt) or in batch over
// the scratch region (runBatch, chunked; with stagedBatch's views nothing is copied), reads
// outputs through one Float64Array view, and checkpoints/restores a slot's state as bytes.
// Only scalars cross into the core; NaN (warm-up) is mapped to null by `read`.
import { checkCoreStatus } from '../core/core-status.js';
import { compileCore, createSharedMemory, instantiateCore, type CoreBuild, type CoreExports } from '../core/wasm-core.js';
import { SCRATCH_REGION_BYTES, SCRATCH_REGION_OFFSET } from '../layout/memory-map.js';
import { encodePlan } from './plan-encoder.js';
import { BATCH_INPUT_COLUMNS, PLAN_OFFSET } from './plan-layout.js';
import type { IndicatorPlan } from './plan.js';
import type { OhlcvColumns } from '../../adapters/files/index.js';

/** The indicator exports of the core (wasm/assembly/indicators/executor.ts, plan-loader.ts). */
export interface IndicatorCoreExports extends CoreExports {
  indPlanLoad(planOffset: number): number;
  indSlotReset(slot: number): number;
  indUpdate(slot: number, open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): number;
  indUpdateMs(slot: number, open: number, high: number, low: number, close: number, volume: number, timeMs: number): number;
  indRunBatch(slot: number, inputOffset: number, n: number, outputOffset: number): number;
  indStateOffset(slot: number): number;
  indValuesOffset(slot: number): number;
  indStateBytes(): number;
  indSlotCapacity(): number;
  indPlanOffset(): number;
  indPlanAreaBytes(): number;
}

/** Bars as columns (adapters/files OhlcvColumns; a loaded BarSeries is one). */
export type BarColumns = OhlcvColumns;

/**
 * Batch columns that are views on the core's scratch region, laid out as runBatchInto's single
 * chunk: fill `bars`, call runBatchInto(slot, bars, outputs) and read `outputs`; nothing is copied.
 * The views are valid until the next batch call with other columns reuses the scratch region.
 */
export interface StagedBatch {
  readonly bars: BarColumns;
  readonly outputs: readonly Float64Array[];
}

/** Bars per copied chunk by default: the chunk's columns stay in the CPU caches (measured: bench). */
export const DEFAULT_CHUNK_ROWS = 1024;

export interface IndicatorExecutorOptions {
  /** An instantiated core over `memory` (then `memory` is required); created (release build) when absent. */
  readonly core?: IndicatorCoreExports;
  readonly memory?: WebAssembly.Memory;
  readonly build?: CoreBuild;
  /**
   * Bars per core call when runBatch copies columns through the scratch region; by default
   * DEFAULT_CHUNK_ROWS (chunks that stay in the CPU caches between the copies and the core),
   * at most `stagedCapacity`.
   */
  readonly chunkRows?: number;
}

export class IndicatorExecutor {
  readonly slotCapacity: number;
  readonly stateBytes: number;
  private readonly f64: Float64Array;
  private readonly i64: BigInt64Array;
  private readonly u8: Uint8Array;
  /** Most bars a stagedBatch can hold: what fits in the scratch region for this plan. */
  readonly stagedCapacity: number;
  private readonly chunkRows: number;

  private constructor(readonly plan: IndicatorPlan, readonly core: IndicatorCoreExports, readonly memory: WebAssembly.Memory, chunkRows?: number) {
    // The memory has a fixed size (it never grows), so these views stay attached.
    this.f64 = new Float64Array(memory.buffer);
    this.i64 = new BigInt64Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    encodePlan(plan, memory.buffer, PLAN_OFFSET);
    this.slotCapacity = checkCoreStatus(core.indPlanLoad(PLAN_OFFSET), 'indPlanLoad');
    this.stateBytes = checkCoreStatus(core.indStateBytes(), 'indStateBytes');
    const fit = Math.floor(SCRATCH_REGION_BYTES / (8 * (BATCH_INPUT_COLUMNS + plan.columns.length)));
    const rows = chunkRows ?? Math.min(DEFAULT_CHUNK_ROWS, fit);
    if (!Number.isInteger(rows) || rows < 1 || rows > fit) {
      throw new RangeError(`\`chunkRows\` must be an integer in [1, ${fit}] for ${plan.columns.length} output columns, was ${rows}`);
    }
    this.stagedCapacity = fit;
    this.chunkRows = rows;
  }

  /** Loads `plan` into a core (a fresh one unless `options.core` is given). */
  static create(plan: IndicatorPlan, options: IndicatorExecutorOptions = {}): IndicatorExecutor {
    if (options.core && !options.memory) throw new TypeError('`memory` must be given with `core`: the executor reads the memory the core was instantiated over');
    const memory = options.memory ?? createSharedMemory();
    const core = options.core ?? (instantiateCore(memory, compileCore(options.build ?? 'release')) as IndicatorCoreExports);
    return new IndicatorExecutor(plan, core, memory, options.chunkRows);
  }

  /** Clears a slot: every kernel back at its first bar. */
  resetSlot(slot: number): void {
    checkCoreStatus(this.core.indSlotReset(slot), `indSlotReset(${slot})`);
  }

  /** Runs one bar for `slot`. */
  update(slot: number, open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void {
    const status = this.core.indUpdate(slot, open, high, low, close, volume, timeNs);
    if (status < 0) checkCoreStatus(status, `indUpdate(${slot})`);
  }

  /**
   * Runs one bar for `slot`, its open time given as milliseconds since the epoch (a plain
   * number: no BigInt is created or converted per call; a fraction of a millisecond is
   * dropped, floor). Gives the same values as `update` with the nanosecond time: only session
   * VWAP reads it, and only against whole-hour boundaries.
   */
  updateMs(slot: number, open: number, high: number, low: number, close: number, volume: number, timeMs: number): void {
    const status = this.core.indUpdateMs(slot, open, high, low, close, volume, timeMs);
    if (status < 0) checkCoreStatus(status, `indUpdateMs(${slot})`);
  }

  /** Index into the memory's Float64Array of the slot's value 0 (bar fields, then node outputs). */
  valuesBase(slot: number): number {
    return checkCoreStatus(this.core.indValuesOffset(slot), `indValuesOffset(${slot})`) / 8;
  }

  /** Current value of plan column `column` for `slot`: NaN during warm-up. */
  value(slot: number, column: number): number {
    return this.f64[this.valuesBase(slot) + this.plan.columns[column].valueIndex];
  }

  /** Current values of every plan column for `slot`; null during warm-up. */
  read(slot: number): (number | null)[] {
    const base = this.valuesBase(slot);
    return this.plan.columns.map((c) => {
      const v = this.f64[base + c.valueIndex];
      return Number.isNaN(v) ? null : v;
    });
  }

  /** The slot's state block as bytes (a copy): restore it into any slot of a core with the same plan. */
  checkpoint(slot: number): Uint8Array {
    const offset = checkCoreStatus(this.core.indStateOffset(slot), `indStateOffset(${slot})`);
    return this.u8.slice(offset, offset + this.stateBytes);
  }

  restore(slot: number, bytes: Uint8Array): void {
    if (bytes.length !== this.stateBytes) {
      throw new RangeError(`checkpoint must be ${this.stateBytes} bytes for this plan, was ${bytes.length}`);
    }
    const offset = checkCoreStatus(this.core.indStateOffset(slot), `indStateOffset(${slot})`);
    this.u8.set(bytes, offset);
  }

  /**
   * Runs every bar of `bars` through `slot` in batch mode (one core call per chunk of
   * `chunkRows` bars through the scratch region). Returns one new Float64Array per plan
   * column (NaN during warm-up). `onChunk` sees the progress in bars.
   */
  runBatch(slot: number, bars: BarColumns, onChunk?: (done: number) => void): Float64Array[] {
    const columns = this.plan.columns.map(() => new Float64Array(bars.length));
    this.runBatchInto(slot, bars, columns, onChunk);
    return columns;
  }

  /**
   * Views on the scratch region for a batch of `rows` bars (at most `stagedCapacity`), where
   * runBatchInto reads its inputs and writes its outputs in one core call: a caller that fills
   * these views and reads the output views pays no copy in or out.
   */
  stagedBatch(rows: number): StagedBatch {
    if (!Number.isInteger(rows) || rows < 0 || rows > this.stagedCapacity) {
      throw new RangeError(`\`rows\` must be an integer in [0, ${this.stagedCapacity}] (the bars whose columns fit in the scratch region for this plan), was ${rows}`);
    }
    const buffer = this.memory.buffer;
    const at = (k: number) => SCRATCH_REGION_OFFSET + 8 * k * rows;
    const f64 = (k: number) => new Float64Array(buffer, at(k), rows);
    return {
      bars: { length: rows, timeNs: new BigInt64Array(buffer, at(0), rows), open: f64(1), high: f64(2), low: f64(3), close: f64(4), volume: f64(5) },
      outputs: this.plan.columns.map((_, j) => f64(BATCH_INPUT_COLUMNS + j)),
    };
  }

  /**
   * As runBatch, writing into caller-owned columns (one per plan column, each at least
   * bars.length long). When `bars` and `columns` are all stagedBatch(bars.length) views, the
   * core runs them in place in one call; otherwise none may be a view on the core's memory,
   * and they are copied through the scratch region in chunks of `chunkRows` bars.
   */
  runBatchInto(slot: number, bars: BarColumns, columns: readonly Float64Array[], onChunk?: (done: number) => void): void {
    const n = bars.length;
    if (columns.length !== this.plan.columns.length || columns.some((c) => c.length < n)) {
      throw new RangeError(`\`columns\` must be ${this.plan.columns.length} arrays of at least ${n} elements, was ${columns.length} arrays`);
    }
    const inputs = [bars.timeNs, bars.open, bars.high, bars.low, bars.close, bars.volume];
    const all = [...inputs, ...columns];
    const onMemory = all.filter((column) => column.buffer === this.memory.buffer).length;
    if (onMemory === all.length && n <= this.stagedCapacity && all.every((column, k) => column.byteOffset === SCRATCH_REGION_OFFSET + 8 * k * n)) {
      const done = checkCoreStatus(this.core.indRunBatch(slot, SCRATCH_REGION_OFFSET, n, SCRATCH_REGION_OFFSET + 8 * BATCH_INPUT_COLUMNS * n), `indRunBatch(${slot})`);
      onChunk?.(done);
      return;
    }
    if (onMemory > 0) {
      throw new RangeError(`${onMemory} of the ${all.length} bar and output columns are views on the core's memory: either all must be the stagedBatch(${n}) views (n <= ${this.stagedCapacity}) or none`);
    }
    for (let start = 0; start < n; start += this.chunkRows) {
      const rows = Math.min(this.chunkRows, n - start);
      const inputOffset = SCRATCH_REGION_OFFSET;
      const outputOffset = inputOffset + 8 * BATCH_INPUT_COLUMNS * rows;
      const base = inputOffset / 8;
      this.i64.set(bars.timeNs.subarray(start, start + rows), base);
      for (let k = 1; k < BATCH_INPUT_COLUMNS; k += 1) this.f64.set((inputs[k] as Float64Array).subarray(start, start + rows), base + k * rows);
      const done = checkCoreStatus(this.core.indRunBatch(slot, inputOffset, rows, outputOffset), `indRunBatch(${slot})`);
      const outBase = outputOffset / 8;
      for (let j = 0; j < columns.length; j += 1) columns[j].set(this.f64.subarray(outBase + j * rows, outBase + (j + 1) * rows), start);
      onChunk?.(start + done);
    }
  }
}
