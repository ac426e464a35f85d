// Test harness for the decision suites: one WASM core (indicator plan, HMM model slot,
// decision program) side by side with the TS reference, fed the same inputs. Indicator
// values and regime probabilities are written straight into the core's memory (the slot
// values and the HMM filter state the decision step reads), so tests can set exact values.
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  compileDecisionProgram, compileInstrument, decisionTokens, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine,
  type DecisionCoreExports, type DecisionInstrument, type DecisionOutput, type DecisionProgram, type FusionConfig,
  type ModelRecord, type SentimentRecord, type SizingConfig,
} from '../engine/decision/index.js';
import { ReferenceDecisionEngine, type RegimeInput } from '../engine/decision/reference/index.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports, type IndicatorPlan } from '../engine/indicators/index.js';
import { BAR_FIELDS } from '../engine/indicators/plan-layout.js';
import type { GaussianHmm } from '../engine/regime/gaussian-hmm.js';
import { FILTER_MODEL, FILTER_PROBS, FILTER_STEPS, hmmFilterStateOffset, hmmModelOffset } from '../engine/regime/hmm-memory-layout.js';
import { WasmForwardFilter, type HmmCoreExports } from '../engine/regime/wasm-forward-filter.js';

export type Core = DecisionCoreExports & IndicatorCoreExports & HmmCoreExports;

export interface PairOptions {
  readonly fusion?: Parameters<typeof resolveFusionConfig>[0];
  readonly sizing?: Parameters<typeof resolveSizingConfig>[0];
  readonly instruments?: readonly DecisionInstrument[];
  /** Extra tokens the plan demands (values tests set by token). */
  readonly tokens?: readonly string[];
}

/** A trivial one-feature HMM with K states: only its labels matter to fusion. */
export function labelModel(states: number): GaussianHmm {
  return {
    states,
    features: 1,
    covarianceType: 'diag',
    startProb: new Float64Array(states).fill(1 / states),
    transMat: Float64Array.from({ length: states * states }, (_, i) => (Math.floor(i / states) === i % states ? 1 : 0)),
    means: Float64Array.from({ length: states }, (_, k) => k),
    covars: new Float64Array(states).fill(1),
  };
}

/** The magics at offset 0 of an HMM filter state and of a model (wasm/assembly/hmm/hmm-layout.ts). */
const HMM_FILTER_MAGIC = 0x484d4d46;
const HMM_MODEL_MAGIC = 0x484d4d4d;

export class DecisionPair {
  readonly wasm: WasmDecisionEngine;
  readonly reference: ReferenceDecisionEngine;
  readonly program: DecisionProgram;
  readonly executor: IndicatorExecutor;
  readonly filter: WasmForwardFilter;
  private readonly f64: Float64Array;
  private readonly view: DataView;
  private readonly values = new Map<number, Float64Array>();
  private readonly regimes = new Map<number, RegimeInput>();
  private readonly slotOf = new Map<number, number>();

  constructor(
    readonly core: Core,
    readonly memory: WebAssembly.Memory,
    readonly plan: IndicatorPlan,
    readonly fusion: FusionConfig,
    readonly sizing: SizingConfig,
    instruments: readonly DecisionInstrument[],
  ) {
    this.f64 = new Float64Array(memory.buffer);
    this.view = new DataView(memory.buffer);
    this.executor = IndicatorExecutor.create(plan, { core, memory });
    this.filter = new WasmForwardFilter(core, memory);
    this.program = compileDecisionProgram(fusion, sizing, plan);
    this.wasm = new WasmDecisionEngine(core, memory);
    this.wasm.load(this.program);
    this.reference = new ReferenceDecisionEngine(this.program);
    for (const spec of instruments) this.addInstrument(spec);
  }

  static create(options: PairOptions = {}): DecisionPair {
    const fusion = resolveFusionConfig(options.fusion);
    const sizing = resolveSizingConfig(options.sizing);
    const plan = buildPlan([...decisionTokens(fusion, sizing), 'atr:14', ...(options.tokens ?? [])]);
    const memory = createSharedMemory();
    const core = instantiateCore(memory, compileCore('release')) as Core;
    const instruments = options.instruments ?? [{ instrument: 0, indicatorSlot: 0, timeframe: '1h' }];
    return new DecisionPair(core, memory, plan, fusion, sizing, instruments);
  }

  addInstrument(spec: DecisionInstrument): void {
    const program = compileInstrument(this.sizing, this.plan, spec);
    this.executor.resetSlot(spec.indicatorSlot);
    this.wasm.addInstrument(program);
    this.reference.addInstrument(program);
    this.slotOf.set(spec.instrument, spec.indicatorSlot);
    this.values.set(spec.instrument, new Float64Array(this.plan.valueCount).fill(Number.NaN));
  }

  private slot(instrument: number): number {
    const slot = this.slotOf.get(instrument);
    if (slot === undefined) throw new Error(`instrument ${instrument} was not added to the pair`);
    return slot;
  }

  /** Writes a bar's values (by bar field or plan token; the others NaN) into the instrument's slot. */
  setBar(instrument: number, byName: Readonly<Record<string, number>>): void {
    const slot = this.slot(instrument);
    const values = this.values.get(instrument)!.fill(Number.NaN);
    for (const [name, value] of Object.entries(byName)) {
      const bar = (BAR_FIELDS as readonly string[]).indexOf(name);
      const columns = this.plan.tokens.get(name);
      if (bar < 0 && !columns) throw new Error(`\`${name}\` is neither a bar field nor a token of the plan`);
      values[bar >= 0 ? bar : this.plan.columns[columns![0]].valueIndex] = value;
    }
    this.f64.set(values, this.executor.valuesBase(slot));
  }

  /** Copies the slot's current values (after executor.update) for the reference. */
  syncBarFromSlot(instrument: number): void {
    const base = this.executor.valuesBase(this.slot(instrument));
    this.values.get(instrument)!.set(this.f64.subarray(base, base + this.plan.valueCount));
  }

  /** Loads a label model into HMM slot `modelSlot` and sets the instrument's filtered probabilities. */
  setRegime(instrument: number, probabilities: readonly number[], labelOf: readonly number[], modelSlot = 0): void {
    this.filter.loadModel(modelSlot, labelModel(labelOf.length), labelOf);
    this.filter.reset(instrument, modelSlot);
    const base = hmmFilterStateOffset(instrument);
    probabilities.forEach((p, k) => this.view.setFloat64(base + FILTER_PROBS + 8 * k, p, true));
    this.view.setBigInt64(base + FILTER_STEPS, 1n, true);
    this.regimes.set(instrument, { probabilities: [...probabilities], labelOf: [...labelOf] });
  }

  /** Uses the filter state the WASM HMM filter left (after real filter steps) as the reference's regime input. */
  syncRegimeFromFilter(instrument: number, labelOf: readonly number[]): void {
    this.regimes.set(instrument, { probabilities: Array.from(this.filter.probabilities(instrument)), labelOf: [...labelOf] });
  }

  /** True when the instrument's HMM filter state is bound to a loaded model (stepped or not): the reference's regimeModel. */
  hasRegimeModel(instrument: number): boolean {
    const state = hmmFilterStateOffset(instrument);
    if (this.view.getInt32(state, true) !== HMM_FILTER_MAGIC) return false;
    return this.view.getInt32(hmmModelOffset(this.view.getInt32(state + FILTER_MODEL, true)), true) === HMM_MODEL_MAGIC;
  }

  model(record: ModelRecord): void {
    this.wasm.onModel(record);
    this.reference.onModel(record.instrument, record.tsNs, record.quantiles);
  }

  /** Returns what each side did with the item: 1 stored, 0 suppressed. */
  sentiment(record: SentimentRecord): { wasm: number; reference: number } {
    const wasm = this.wasm.onSentiment(record);
    const reference = this.reference.onSentiment(record.instrument, record.tsNs, record.score, record.confidence, record.source, record.contentHash);
    return { wasm, reference };
  }

  step(instrument: number, nowNs: bigint, equity = 100_000): { wasm: DecisionOutput; reference: DecisionOutput } {
    this.wasm.step(instrument, nowNs, equity);
    return {
      wasm: this.wasm.output(instrument),
      reference: this.reference.step(instrument, {
        nowNs, equity, values: this.values.get(instrument)!, regime: this.regimes.get(instrument) ?? null, regimeModel: this.hasRegimeModel(instrument),
      }),
    };
  }
}

const NUMERIC_FIELDS = ['signal', 'confidence', 'choppyScale', 'direction', 'exposure', 'quantity', 'volatilityPerBar'] as const;

/** Largest relative difference between two outputs over every number (NaN == NaN), and the field where it is. */
export function outputDifference(a: DecisionOutput, b: DecisionOutput): { difference: number; field: string } {
  let worst = { difference: 0, field: 'none' };
  const compare = (x: number, y: number, field: string) => {
    if (Number.isNaN(x) && Number.isNaN(y)) return;
    const d = x === y ? 0 : Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y));
    if (!(d <= worst.difference)) worst = { difference: Number.isNaN(d) ? Number.POSITIVE_INFINITY : d, field };
  };
  for (const f of NUMERIC_FIELDS) compare(a[f], b[f], f);
  compare(a.price, b.price, 'price');
  a.regimeProbabilities.forEach((x, k) => compare(x, b.regimeProbabilities[k], `regimeProbabilities[${k}]`));
  a.weights.forEach((x, k) => compare(x, b.weights[k], `weights[${k}]`));
  a.componentScores.forEach((x, k) => compare(x, b.componentScores[k], `componentScores[${k}]`));
  a.componentConfidences.forEach((x, k) => compare(x, b.componentConfidences[k], `componentConfidences[${k}]`));
  if (a.status !== b.status) worst = { difference: Number.POSITIVE_INFINITY, field: `status ${a.status} vs ${b.status}` };
  return worst;
}
