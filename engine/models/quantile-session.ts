// One fold's ONNX graph in onnxruntime-node: the InferenceSession is created once (intra-op
// threads configurable, default 1, sequential execution), its input and output are checked
// against model.json at load, and its tensors are reused.
//
//   rows (f64, N x F, row-major) --copy/round--> input buffer [cap x F] (f32 or f64, per model.json)
//                                                  |  one ort.Tensor per row count n, over the
//                                                  v  first n x F values of that count's buffer
//                                   session.run({input: tensor}, {output: preallocated tensor})
//                                                  |
//   out (f64, N x 5)  <---------copy--------------+  output buffer [n x 5]
//
// Buffers and tensors are cached by row count (at most TENSOR_CACHE_SIZE counts, the oldest
// dropped), so a steady caller (1 row per bar, or 50 instruments per bar, or 4,096-row chunks)
// allocates nothing per call beyond what onnxruntime does inside run().
// One run at a time per session: the buffers are shared, so an overlapping call throws.
import type * as Ort from 'onnxruntime-node';
import { ModelContractError } from './model-errors.js';
import { QUANTILE_COUNT, type InputType } from './model-metadata.js';

const TENSOR_CACHE_SIZE = 8;

/** onnxruntime-node, loaded on the first session: a process that serves no model never loads it. */
let ort: typeof Ort | undefined;
async function loadOnnxRuntime(): Promise<typeof Ort> {
  // Its ESM entry has named exports only; a CommonJS load (vitest) puts them under `default`.
  const loaded = (await import('onnxruntime-node')) as typeof Ort & { default?: typeof Ort };
  ort ??= loaded.InferenceSession ? loaded : loaded.default!;
  return ort;
}

export interface QuantileSessionSpec {
  /** Names the graph in messages (a file path or `registry ... fold k`). */
  readonly label: string;
  readonly inputName: string;
  readonly inputType: InputType;
  readonly columns: number;
  readonly outputName: string;
  /** The feature names, for messages about the column count. */
  readonly features: readonly string[];
}

export interface QuantileSessionOptions {
  /** onnxruntime intra-op threads (default 1: results are then bit-identical across batch sizes). */
  readonly threads?: number;
}

interface Slot {
  readonly rows: number;
  readonly input: Float32Array | Float64Array;
  readonly inputTensor: Ort.Tensor;
  readonly outputTensor: Ort.Tensor;
  readonly feeds: Record<string, Ort.Tensor>;
  readonly fetches: Record<string, Ort.Tensor>;
}

function describeShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : d === '' ? '?' : d)).join(', ')}]`;
}

export class QuantileSession {
  private readonly slots: Slot[] = [];
  private busy = false;
  private outputType: 'float32' | 'float64' = 'float32';

  private constructor(private readonly runtime: typeof Ort, private readonly session: Ort.InferenceSession, readonly spec: QuantileSessionSpec) {}

  /** Loads `onnx` (bytes) and checks its signature against `spec`; every failure names `spec.label`. */
  static async create(onnx: Uint8Array, spec: QuantileSessionSpec, options: QuantileSessionOptions = {}): Promise<QuantileSession> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`\`threads\` must be an integer in [1, 256], was ${threads}`);
    const runtime = await loadOnnxRuntime();
    let session: Ort.InferenceSession;
    try {
      session = await runtime.InferenceSession.create(onnx, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 });
    } catch (error) {
      const reason = ((error as Error).message ?? String(error)).split('\n')[0];
      throw new ModelContractError(`${spec.label}: not a loadable ONNX model (${onnx.length} bytes; onnxruntime: ${reason})`);
    }
    const q = new QuantileSession(runtime, session, spec);
    try {
      q.checkSignature();
    } catch (error) {
      await session.release();
      throw error;
    }
    return q;
  }

  private checkSignature(): void {
    const { spec, session } = this;
    const where = spec.label;
    if (session.inputNames.length !== 1) {
      throw new ModelContractError(`${where}: the graph has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}), model.json describes one input \`input.name\` ${JSON.stringify(spec.inputName)} [N, ${spec.columns}]`);
    }
    if (session.inputNames[0] !== spec.inputName) {
      throw new ModelContractError(`${where}: the graph's input is named ${JSON.stringify(session.inputNames[0])}, model.json \`input.name\` says ${JSON.stringify(spec.inputName)}`);
    }
    if (!session.outputNames.includes(spec.outputName)) {
      throw new ModelContractError(`${where}: the graph has no output ${JSON.stringify(spec.outputName)} (model.json \`output.name\`); its outputs: ${session.outputNames.join(', ')}`);
    }
    const input = session.inputMetadata?.[0];
    if (input && input.isTensor) {
      if (input.type !== spec.inputType) {
        throw new ModelContractError(`${where}: the graph's input ${JSON.stringify(spec.inputName)} is ${input.type}, model.json \`input.type\` says ${spec.inputType}`);
      }
      const shape = input.shape;
      if (shape.length !== 2) throw new ModelContractError(`${where}: the graph's input ${JSON.stringify(spec.inputName)} has shape ${describeShape(shape)}, the contract is [N, ${spec.columns}]`);
      if (typeof shape[1] === 'number' && shape[1] !== spec.columns) {
        throw new ModelContractError(`${where}: the graph takes ${shape[1]} input columns, model.json \`input.columns\` says ${spec.columns} (features: ${spec.features.join(', ')})`);
      }
    } else if (input && !input.isTensor) {
      throw new ModelContractError(`${where}: the graph's input ${JSON.stringify(spec.inputName)} is not a tensor`);
    }
    const output = session.outputMetadata?.[session.outputNames.indexOf(spec.outputName)];
    if (output && output.isTensor) {
      if (output.type !== 'float32' && output.type !== 'float64') throw new ModelContractError(`${where}: the graph's output ${JSON.stringify(spec.outputName)} is ${output.type}, the contract is float32 or float64`);
      this.outputType = output.type;
      const shape = output.shape;
      if (shape.length !== 2 || (typeof shape[1] === 'number' && shape[1] !== QUANTILE_COUNT)) {
        throw new ModelContractError(`${where}: the graph's output ${JSON.stringify(spec.outputName)} has shape ${describeShape(shape)}, the contract is [N, ${QUANTILE_COUNT}] (q10 q25 q50 q75 q90)`);
      }
    } else if (output && !output.isTensor) {
      throw new ModelContractError(`${where}: the graph's output ${JSON.stringify(spec.outputName)} is not a tensor`);
    }
  }

  private slot(rows: number): Slot {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i].rows === rows) return this.slots[i];
    const f = this.spec.columns;
    const input = this.spec.inputType === 'float32' ? new Float32Array(rows * f) : new Float64Array(rows * f);
    const output = this.outputType === 'float32' ? new Float32Array(rows * QUANTILE_COUNT) : new Float64Array(rows * QUANTILE_COUNT);
    const inputTensor = new this.runtime.Tensor(this.spec.inputType, input, [rows, f]);
    const outputTensor = new this.runtime.Tensor(this.outputType, output, [rows, QUANTILE_COUNT]);
    const slot: Slot = {
      rows,
      input,
      inputTensor,
      outputTensor,
      feeds: { [this.spec.inputName]: inputTensor },
      fetches: { [this.spec.outputName]: outputTensor },
    };
    if (this.slots.length >= TENSOR_CACHE_SIZE) this.slots.shift();
    this.slots.push(slot);
    return slot;
  }

  /**
   * Runs `n` rows of `rows` (f64, row-major, F columns, from row `from`) and writes n x 5 values to
   * `out` from row `outFrom`. float32 models see each feature rounded to float32 (Math.fround).
   * Rows must be finite (QuantileModelSet filters the others out).
   */
  async run(rows: Float64Array, from: number, n: number, out: Float64Array, outFrom: number): Promise<void> {
    if (n === 0) return;
    if (this.busy) throw new Error(`${this.spec.label}: run() called while a run is in flight; await each call (the session's tensors are shared)`);
    this.busy = true;
    try {
      const f = this.spec.columns;
      const slot = this.slot(n);
      const input = slot.input;
      const start = from * f;
      for (let i = 0; i < n * f; i++) input[i] = rows[start + i];
      const result = await this.session.run(slot.feeds, slot.fetches);
      const values = result[this.spec.outputName].data as Float32Array | Float64Array;
      const base = outFrom * QUANTILE_COUNT;
      for (let i = 0; i < n * QUANTILE_COUNT; i++) out[base + i] = values[i];
    } finally {
      this.busy = false;
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
