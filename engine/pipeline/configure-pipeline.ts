// Sets up the per-bar pipeline inside the engine thread, before the first event:
// builds the indicator plan from the spec, loads it into the core, resets each
// instrument's indicator slot and (for tick instruments) a bar builder slot, loads each distinct regime model into a model slot
// and binds instruments to it, loads the decision program (fusion, sizing) and its
// instruments, the rule strategies' programs (engine/strategy) and their instruments, sets up the account and execution (engine/execution: risk limits and
// instruments, portfolio, cash, order table, simulated venue, exits, order stage, the
// persisted kill-switch state) and writes each instrument's stage flags and feature
// sources into the PIPELINE region, and the model features and wait bound of each instrument
// whose decision waits for the model (pipelineConfigureModel; no FEATURES records when its
// `exportFeatures` is false). Returns the map the I/O thread
// reads results with.
import { checkCoreStatus } from '../core/core-status.js';
import { EventKind } from '../layout/event-record.js';
import type { CoreExports } from '../core/wasm-core.js';
import { buildPlan, encodePlan, planStateBytes, type IndicatorCoreExports, type IndicatorPlan } from '../indicators/index.js';
import { PLAN_OFFSET, SLOTS_BYTES } from '../indicators/plan-layout.js';
import { labelCode, WasmForwardFilter, type HmmCoreExports, type RegimeModelRecord } from '../regime/index.js';
import { HMM_MAX_MODELS, hmmFilterStateOffset } from '../regime/hmm-memory-layout.js';
import { compileDecisionProgram, compileInstrument, WasmDecisionEngine, type DecisionCoreExports, type DecisionProgram } from '../decision/index.js';
import { FEATURE_LOGRET, MODEL_NO_FEATURES, PIPE_DECISION, PIPE_ENTRY_BYTES, PIPE_FEATURES, PIPE_INDICATORS, PIPE_MODEL, PIPE_MODEL_SOURCES, PIPE_REGIME, PIPE_RISK, PIPE_RULES, PIPE_TABLE } from './pipeline-layout.js';
import { compileRuleProgram, WasmRuleStrategy, type RuleCoreExports, type RuleStrategyConfig, type RuleStrategyProgram } from '../strategy/index.js';
import { configureExecution } from '../execution/index.js';
import { checkPipelineSpec, pipelineTokens, type PipelineSpec } from './pipeline-spec.js';

export interface PipelineCoreExports extends IndicatorCoreExports, HmmCoreExports, DecisionCoreExports, RuleCoreExports {
  pipelineSetEquityRecords(enabled: number): number;
  pipelineReset(): number;
  barsConfigure(slot: number, instrument: number, timeframeNs: bigint, source: number, fill: number, quoteVolume: number): number;
  pipelineSetEquity(equity: number): number;
  pipelineConfigure(instrument: number, flags: number, indicatorSlot: number, featureCount: number): number;
  pipelineConfigureModel(instrument: number, featureCount: number, waitNs: bigint, options: number): number;
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
  /** True when fusion and sizing, or a rule strategy, decide its target (read with readDecisionOutput). */
  readonly decides: boolean;
  /** True when a rule strategy decides it (PIPE_RULES). */
  readonly rules: boolean;
  /** True when its targets become risk-checked orders. */
  readonly orders: boolean;
  /** With a model wait: the feature tokens in FEATURES record order (PipelineInstrument.model). */
  readonly modelFeatures?: readonly string[];
}

/** The pure part of the setup: the plan, each regime instrument's feature sources, the decision program. */
export interface PipelinePlan {
  readonly plan: IndicatorPlan;
  /** Per instrument with a regime model: FEATURE_LOGRET or the plan value index of each feature. */
  readonly featureSources: ReadonlyMap<number, readonly number[]>;
  /** Per instrument with a model wait: the plan value index of each model feature, in order. */
  readonly modelSources: ReadonlyMap<number, readonly number[]>;
  readonly decisionProgram?: DecisionProgram;
  /** The distinct rule strategies' programs (by strategy name, in first-use order), and each rule instrument's program index. */
  readonly rulePrograms: readonly RuleStrategyProgram[];
  readonly ruleProgramOf: ReadonlyMap<number, number>;
}

/**
 * Checks a spec and plans it without a core: throws (naming the token, feature or config
 * field) on anything the core would refuse, so callers can reject bad input up front.
 */
export function planPipeline(spec: PipelineSpec): PipelinePlan {
  checkPipelineSpec(spec);
  const plan = buildPlan(pipelineTokens(spec));
  // Instrument i computes in indicator slot i; the core fits SLOTS_BYTES / state-per-slot slots.
  const slots = Math.floor(SLOTS_BYTES / planStateBytes(plan));
  const needed = spec.instruments.reduce((most, entry) => Math.max(most, entry.instrument + 1), 0);
  if (needed > slots) {
    const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
    throw new RangeError(
      `the indicator plan needs ${mib(planStateBytes(plan))} MiB of state per instrument and the core holds ${mib(SLOTS_BYTES)} MiB, room for ${slots} instrument(s); the run has ${needed}: use shorter periods or fewer instruments`,
    );
  }
  const featureSources = new Map<number, readonly number[]>();
  for (const { instrument, regimeModel } of spec.instruments) {
    if (!regimeModel) continue;
    featureSources.set(
      instrument,
      regimeModel.featureSpec.map((token) => {
        if (token === 'logret') return FEATURE_LOGRET;
        const columns = plan.tokens.get(token);
        if (!columns || columns.length !== 1) throw new RangeError(`regime feature \`${token}\` must be a single-output indicator token`);
        return plan.columns[columns[0]].valueIndex;
      }),
    );
  }
  const modelSources = new Map<number, readonly number[]>();
  for (const { instrument, model } of spec.instruments) {
    if (!model) continue;
    modelSources.set(
      instrument,
      model.features.map((token) => {
        const columns = plan.tokens.get(token);
        if (!columns || columns.length !== 1) {
          throw new RangeError(`model feature \`${token}\` of instrument ${instrument} must be a single-output indicator token, was one with ${columns?.length ?? 0} outputs`);
        }
        return plan.columns[columns[0]].valueIndex;
      }),
    );
  }
  const decisionProgram = spec.decision ? compileDecisionProgram(spec.decision.fusion, spec.decision.sizing, plan) : undefined;
  if (spec.decision) {
    for (const entry of spec.instruments) {
      if (entry.regimeModel && !entry.rules) compileInstrument(spec.decision.sizing, plan, { instrument: entry.instrument, indicatorSlot: entry.instrument, timeframe: entry.timeframe! });
    }
  }
  const rulePrograms: RuleStrategyProgram[] = [];
  const byName = new Map<string, { config: RuleStrategyConfig; index: number }>();
  const ruleProgramOf = new Map<number, number>();
  for (const entry of spec.instruments) {
    if (!entry.rules) continue;
    let known = byName.get(entry.rules.name);
    if (!known) {
      known = { config: entry.rules, index: rulePrograms.length };
      byName.set(entry.rules.name, known);
      rulePrograms.push(compileRuleProgram(entry.rules, plan));
    } else if (JSON.stringify(known.config) !== JSON.stringify(entry.rules)) {
      throw new RangeError(`rule strategy \`${entry.rules.name}\` is given two different definitions (instrument ${entry.instrument})`);
    }
    ruleProgramOf.set(entry.instrument, known.index);
  }
  return { plan, featureSources, modelSources, decisionProgram, rulePrograms, ruleProgramOf };
}

export function configurePipeline(core: CoreExports, memory: WebAssembly.Memory, spec: PipelineSpec): PipelineMap {
  const { plan, featureSources, modelSources, decisionProgram, rulePrograms, ruleProgramOf } = planPipeline(spec);
  const pipelineCore = core as unknown as PipelineCoreExports;
  encodePlan(plan, memory.buffer, PLAN_OFFSET);
  const slotCapacity = checkCoreStatus(pipelineCore.indPlanLoad(PLAN_OFFSET), 'indPlanLoad');
  checkCoreStatus(pipelineCore.pipelineReset(), 'pipelineReset');
  const filter = new WasmForwardFilter(pipelineCore, memory);
  const decision = spec.decision && decisionProgram ? new WasmDecisionEngine(pipelineCore, memory) : undefined;
  if (spec.decision && decision && decisionProgram) {
    decision.load(decisionProgram);
    checkCoreStatus(pipelineCore.pipelineSetEquity(spec.risk?.cash ?? spec.decision.equity), 'pipelineSetEquity');
  }
  const rules = rulePrograms.length > 0 ? new WasmRuleStrategy(pipelineCore, memory) : undefined;
  if (rules) {
    rules.load(rulePrograms);
    if (!spec.decision) checkCoreStatus(pipelineCore.pipelineSetEquity(spec.risk?.cash ?? spec.equity ?? 0), 'pipelineSetEquity');
  }
  if (spec.equityRecords) checkCoreStatus(pipelineCore.pipelineSetEquityRecords(1), 'pipelineSetEquityRecords');
  if (spec.risk && spec.execution) {
    const atr = spec.execution.exits ? plan.tokens.get(spec.execution.exits.atrToken) : undefined;
    configureExecution(core, memory, spec.risk, spec.execution, atr && atr.length === 1 ? plan.columns[atr[0]].valueIndex : -1);
  }
  const modelSlots = new Map<RegimeModelRecord, number>();
  let barSlots = 0;
  const i32 = new Int32Array(memory.buffer);
  const instruments: PipelineInstrumentMap[] = [];

  for (const entry of spec.instruments) {
    const { instrument, regimeModel } = entry;
    if (instrument >= slotCapacity) {
      throw new RangeError(`pipeline instrument ${instrument} has no indicator slot: this plan fits ${slotCapacity} slots`);
    }
    checkCoreStatus(pipelineCore.indSlotReset(instrument), `indSlotReset(${instrument})`);
    if (entry.barBuilder) {
      const { timeframeNs, source, emptyIntervals, quoteVolume } = entry.barBuilder;
      const kind = source === 'trades' ? EventKind.TRADE : EventKind.QUOTE;
      checkCoreStatus(
        pipelineCore.barsConfigure(barSlots++, instrument, timeframeNs, kind, emptyIntervals === 'fill' ? 1 : 0, quoteVolume ?? 0),
        `barsConfigure(instrument ${instrument}, timeframe ${timeframeNs} ns)`,
      );
    }
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
      const sources = featureSources.get(instrument)!;
      const entryWord = (PIPE_TABLE + instrument * PIPE_ENTRY_BYTES + PIPE_FEATURES) >> 2;
      sources.forEach((source, j) => (i32[entryWord + j] = source));
      flags |= PIPE_REGIME;
      featureCount = sources.length;
      if (spec.decision && decision && !entry.rules) {
        decision.addInstrument(compileInstrument(spec.decision.sizing, plan, { instrument, indicatorSlot: instrument, timeframe: entry.timeframe! }));
        flags |= PIPE_DECISION;
        if (spec.risk) flags |= PIPE_RISK;
      }
    }
    if (entry.rules && rules) {
      rules.addInstrument(instrument, ruleProgramOf.get(instrument)!, instrument);
      flags |= PIPE_RULES;
      if (spec.risk) flags |= PIPE_RISK;
    }
    checkCoreStatus(pipelineCore.pipelineConfigure(instrument, flags, instrument, featureCount), `pipelineConfigure(${instrument})`);
    const modelFeatures = modelSources.get(instrument);
    if (modelFeatures && entry.model) {
      const sourcesWord = (PIPE_TABLE + instrument * PIPE_ENTRY_BYTES + PIPE_MODEL_SOURCES) >> 2;
      modelFeatures.forEach((source, j) => (i32[sourcesWord + j] = source));
      checkCoreStatus(pipelineCore.pipelineConfigureModel(instrument, modelFeatures.length, entry.model.waitNs, entry.model.exportFeatures === false ? MODEL_NO_FEATURES : 0), `pipelineConfigureModel(${instrument})`);
      flags |= PIPE_MODEL;
    }
    instruments.push({
      instrument,
      valuesOffset: checkCoreStatus(pipelineCore.indValuesOffset(instrument), `indValuesOffset(${instrument})`),
      regimeStateOffset: regimeModel ? hmmFilterStateOffset(instrument) : -1,
      regimeStates: regimeModel?.model.states ?? 0,
      decides: (flags & (PIPE_DECISION | PIPE_RULES)) !== 0,
      rules: (flags & PIPE_RULES) !== 0,
      orders: (flags & PIPE_RISK) !== 0,
      ...(entry.model ? { modelFeatures: [...entry.model.features] } : {}),
    });
  }
  return { columns: plan.columns.map((c) => ({ name: c.name, valueIndex: c.valueIndex })), instruments };
}
