// Sets up the per-bar pipeline inside the engine thread, before the first event:
// builds the indicator plan from the spec, loads it into the core, resets each
// instrument's indicator slot, loads each distinct regime model into a model slot
// and binds instruments to it, and writes each instrument's stage flags and feature
// sources into the PIPELINE region. Returns the map the I/O thread reads results with.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { buildPlan, encodePlan, type IndicatorCoreExports } from '../indicators/index.js';
import { PLAN_OFFSET } from '../indicators/plan-layout.js';
import { labelCode, WasmForwardFilter, type HmmCoreExports, type RegimeModelRecord } from '../regime/index.js';
import { HMM_MAX_MODELS, hmmFilterStateOffset } from '../regime/hmm-memory-layout.js';
import { FEATURE_LOGRET, PIPE_ENTRY_BYTES, PIPE_FEATURES, PIPE_INDICATORS, PIPE_REGIME, PIPE_TABLE } from './pipeline-layout.js';
import { checkPipelineSpec, pipelineTokens, type PipelineSpec } from './pipeline-spec.js';

export interface PipelineCoreExports extends IndicatorCoreExports, HmmCoreExports {
  pipelineReset(): number;
  pipelineConfigure(instrument: number, flags: number, indicatorSlot: number, featureCount: number): number;
}

/** Where the I/O thread finds each instrument's results in the shared memory. */
export interface PipelineMap {
  /** Plan output columns: name (token or token.output) and index into the slot's values. */
  readonly columns: readonly { readonly name: string; readonly valueIndex: number }[];
  readonly instruments: readonly PipelineInstrumentMap[];
}

export interface PipelineInstrumentMap {
  readonly instrument: number;
  /** Byte offset of the instrument's indicator values (f64, indexed by valueIndex). */
  readonly valuesOffset: number;
  /** Byte offset of its HMM filter state, or -1 without a regime model. */
  readonly regimeStateOffset: number;
  readonly regimeStates: number;
}

export function configurePipeline(core: CoreExports, memory: WebAssembly.Memory, spec: PipelineSpec): PipelineMap {
  checkPipelineSpec(spec);
  const pipelineCore = core as unknown as PipelineCoreExports;
  const plan = buildPlan(pipelineTokens(spec));
  encodePlan(plan, memory.buffer, PLAN_OFFSET);
  const slotCapacity = checkCoreStatus(pipelineCore.indPlanLoad(PLAN_OFFSET), 'indPlanLoad');
  checkCoreStatus(pipelineCore.pipelineReset(), 'pipelineReset');
  const filter = new WasmForwardFilter(pipelineCore, memory);
  const modelSlots = new Map<RegimeModelRecord, number>();
  const i32 = new Int32Array(memory.buffer);
  const instruments: PipelineInstrumentMap[] = [];

  for (const entry of spec.instruments) {
    const { instrument, regimeModel } = entry;
    if (instrument >= slotCapacity) {
      throw new RangeError(`pipeline instrument ${instrument} has no indicator slot: this plan fits ${slotCapacity} slots`);
    }
    checkCoreStatus(pipelineCore.indSlotReset(instrument), `indSlotReset(${instrument})`);
    let flags = PIPE_INDICATORS;
    let featureCount = 0;
    if (regimeModel) {
      let slot = modelSlots.get(regimeModel);
      if (slot === undefined) {
        slot = modelSlots.size;
        if (slot >= HMM_MAX_MODELS) throw new RangeError(`at most ${HMM_MAX_MODELS} distinct regime models fit in the core`);
        filter.loadModel(slot, regimeModel.model, regimeModel.labels.map(labelCode), regimeModel.minDwellBars);
        modelSlots.set(regimeModel, slot);
      }
      filter.reset(instrument, slot);
      const sources = regimeModel.featureSpec.map((token) => {
        if (token === 'logret') return FEATURE_LOGRET;
        const columns = plan.tokens.get(token);
        if (!columns || columns.length !== 1) throw new RangeError(`regime feature \`${token}\` must be a single-output indicator token`);
        return plan.columns[columns[0]].valueIndex;
      });
      const entryWord = (PIPE_TABLE + instrument * PIPE_ENTRY_BYTES + PIPE_FEATURES) >> 2;
      sources.forEach((source, j) => (i32[entryWord + j] = source));
      flags |= PIPE_REGIME;
      featureCount = sources.length;
    }
    checkCoreStatus(pipelineCore.pipelineConfigure(instrument, flags, instrument, featureCount), `pipelineConfigure(${instrument})`);
    instruments.push({
      instrument,
      valuesOffset: checkCoreStatus(pipelineCore.indValuesOffset(instrument), `indValuesOffset(${instrument})`),
      regimeStateOffset: regimeModel ? hmmFilterStateOffset(instrument) : -1,
      regimeStates: regimeModel?.model.states ?? 0,
    });
  }
  return { columns: plan.columns.map((c) => ({ name: c.name, valueIndex: c.valueIndex })), instruments };
}
