// TypeScript side of the WASM forward filter: writes a model's precomputed parameters
// into its slot of the HMM region, calls the core's scalar exports, reads results
// through typed views, and copies an instrument's filter state out and back in
// (a checkpoint is a byte copy of the 256-byte state block).
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { SCRATCH_REGION_BYTES, SCRATCH_REGION_OFFSET } from '../layout/memory-map.js';
import { createGaussianEmission } from './gaussian-emission.js';
import { checkFeatureMatrix, checkGaussianHmm, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import {
  FILTER_LABEL, FILTER_LAST_INCREMENT, FILTER_MODEL, FILTER_LOG_LIKELIHOOD, FILTER_PROBS, FILTER_STEPS, HMM_FILTER_BYTES,
  HMM_MAX_INSTRUMENTS, HMM_MAX_MODELS, MODEL_LABEL_OF, MODEL_LOG_NORM, MODEL_MEANS, MODEL_START_PROB,
  MODEL_TRANS_MAT, MODEL_WHITENING, hmmFilterStateOffset, hmmModelOffset,
} from './hmm-memory-layout.js';

export interface HmmCoreExports extends CoreExports {
  hmmModelOffset(model: number): number;
  hmmFilterStateOffset(instrument: number): number;
  hmmFilterStateBytes(): number;
  hmmLoadModel(model: number, states: number, features: number, full: number, minDwellBars: number): number;
  hmmResetFilter(instrument: number, model: number): number;
  hmmFilterStep(instrument: number, features: number): number;
  hmmFilterBatch(instrument: number, input: number, rows: number, output: number): number;
}

export interface WasmFilterBatch {
  /** [rows*K] filtered probabilities. */
  readonly probabilities: Float64Array;
  /** [rows] log-likelihood increments. */
  readonly increments: Float64Array;
  /** [rows] published label codes (after hysteresis). */
  readonly labels: Int32Array;
}

export class WasmForwardFilter {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly models = new Map<number, GaussianHmm>();
  private readonly modelOfInstrument = new Map<number, number>();

  constructor(private readonly core: HmmCoreExports, private readonly memory: WebAssembly.Memory) {
    this.bytes = new Uint8Array(memory.buffer);
    this.view = new DataView(memory.buffer);
  }

  /** Writes `model` into slot `slot` with the label code of each state and the minimum dwell. */
  loadModel(slot: number, model: GaussianHmm, labelOf: ArrayLike<number>, minDwellBars = 1): void {
    checkGaussianHmm(model);
    if (!Number.isInteger(slot) || slot < 0 || slot >= HMM_MAX_MODELS) throw new Error(`model slot must be an integer in [0, ${HMM_MAX_MODELS}), was ${slot}`);
    if (labelOf.length !== model.states) throw new Error(`\`labelOf\` must have one label per state (${model.states}), had ${labelOf.length}`);
    const e = createGaussianEmission(model);
    const base = hmmModelOffset(slot);
    const f64 = (offset: number, values: Float64Array) => {
      for (let i = 0; i < values.length; i++) this.view.setFloat64(base + offset + i * 8, values[i], true);
    };
    for (let k = 0; k < model.states; k++) this.view.setInt32(base + MODEL_LABEL_OF + k * 4, labelOf[k], true);
    f64(MODEL_START_PROB, model.startProb);
    f64(MODEL_TRANS_MAT, model.transMat);
    f64(MODEL_MEANS, e.means);
    f64(MODEL_LOG_NORM, e.logNorm);
    f64(MODEL_WHITENING, e.whitening);
    checkCoreStatus(this.core.hmmLoadModel(slot, model.states, model.features, e.full ? 1 : 0, minDwellBars), `hmmLoadModel(${slot})`);
    this.models.set(slot, model);
  }

  reset(instrument: number, slot: number): void {
    checkCoreStatus(this.core.hmmResetFilter(instrument, slot), `hmmResetFilter(${instrument}, ${slot})`);
    this.modelOfInstrument.set(instrument, slot);
  }

  private model(instrument: number): GaussianHmm {
    const slot = this.modelOfInstrument.get(instrument);
    const model = slot === undefined ? undefined : this.models.get(slot);
    if (!model) throw new Error(`instrument ${instrument} has no filter: call reset(instrument, slot) after loadModel`);
    return model;
  }

  /**
   * Filters the rows of `x` in one core call through the scratch region (at
   * `scratchOffset`), continuing from the instrument's current state.
   */
  filterBatch(instrument: number, x: FeatureMatrix, scratchOffset = SCRATCH_REGION_OFFSET): WasmFilterBatch {
    const model = this.model(instrument);
    checkFeatureMatrix(x, model.features, 0);
    const K = model.states;
    const inBytes = x.rows * x.cols * 8;
    const outOffset = scratchOffset + inBytes;
    const end = outOffset + x.rows * (K + 2) * 8;
    if (scratchOffset < SCRATCH_REGION_OFFSET || end > SCRATCH_REGION_OFFSET + SCRATCH_REGION_BYTES || scratchOffset % 8 !== 0) {
      throw new Error(`batch of ${x.rows} rows does not fit the scratch region from offset ${scratchOffset}`);
    }
    new Float64Array(this.memory.buffer, scratchOffset, x.rows * x.cols).set(x.data);
    checkCoreStatus(this.core.hmmFilterBatch(instrument, scratchOffset, x.rows, outOffset), `hmmFilterBatch(${instrument})`);
    const out = new Float64Array(this.memory.buffer, outOffset, x.rows * (K + 2));
    const probabilities = new Float64Array(x.rows * K);
    const increments = new Float64Array(x.rows);
    const labels = new Int32Array(x.rows);
    for (let t = 0; t < x.rows; t++) {
      for (let k = 0; k < K; k++) probabilities[t * K + k] = out[t * (K + 2) + k];
      increments[t] = out[t * (K + 2) + K];
      labels[t] = out[t * (K + 2) + K + 1];
    }
    return { probabilities, increments, labels };
  }

  /** Current filtered probabilities of `instrument` (a copy). */
  probabilities(instrument: number): Float64Array {
    const K = this.model(instrument).states;
    const base = hmmFilterStateOffset(instrument) + FILTER_PROBS;
    return Float64Array.from({ length: K }, (_, k) => this.view.getFloat64(base + k * 8, true));
  }

  logLikelihood(instrument: number): number {
    return this.view.getFloat64(hmmFilterStateOffset(instrument) + FILTER_LOG_LIKELIHOOD, true);
  }

  lastIncrement(instrument: number): number {
    return this.view.getFloat64(hmmFilterStateOffset(instrument) + FILTER_LAST_INCREMENT, true);
  }

  label(instrument: number): number {
    return this.view.getInt32(hmmFilterStateOffset(instrument) + FILTER_LABEL, true);
  }

  steps(instrument: number): bigint {
    return this.view.getBigInt64(hmmFilterStateOffset(instrument) + FILTER_STEPS, true);
  }

  /** Checkpoint: a copy of the instrument's state block. */
  checkpoint(instrument: number): Uint8Array {
    this.model(instrument);
    const base = hmmFilterStateOffset(instrument);
    return this.bytes.slice(base, base + HMM_FILTER_BYTES);
  }

  /** Restores a checkpoint taken with `checkpoint` (the model slot must hold the same model). */
  restore(instrument: number, checkpoint: Uint8Array, slot: number): void {
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= HMM_MAX_INSTRUMENTS) throw new Error(`\`instrument\` must be an integer in [0, ${HMM_MAX_INSTRUMENTS}), was ${instrument}`);
    if (checkpoint.length !== HMM_FILTER_BYTES) throw new Error(`checkpoint must be ${HMM_FILTER_BYTES} bytes, was ${checkpoint.length}`);
    if (!this.models.has(slot)) throw new Error(`model slot ${slot} is not loaded`);
    const stored = new DataView(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength).getInt32(FILTER_MODEL, true);
    if (stored !== slot) throw new Error(`checkpoint belongs to model slot ${stored}, not ${slot}`);
    this.bytes.set(checkpoint, hmmFilterStateOffset(instrument));
    this.modelOfInstrument.set(instrument, slot);
  }
}
