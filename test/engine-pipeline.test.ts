// The per-bar pipeline inside the engine loop: BAR records from the inbound ring run
// the indicator plan and the regime filter in the WASM core on the engine thread.
// Oracles: the TS reference indicators and the TS forward filter over the same bars.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost } from '../engine/threads/index.js';
import { buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import { playTape } from '../engine/replay/tape-player.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import { ForwardFilter, buildRegimeFeatures, trainRegimeModel, labelCode, LabelHysteresis } from '../engine/regime/index.js';
import { pipelineTokens, type PipelineSpec } from '../engine/pipeline/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports } from '../engine/indicators/index.js';
import { WasmForwardFilter, type HmmCoreExports } from '../engine/regime/index.js';
import { compileDecisionProgram, compileInstrument, resolveFusionConfig, resolveSizingConfig, WasmDecisionEngine, type DecisionCoreExports } from '../engine/decision/index.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';

async function demoSeries(): Promise<BarSeries[]> {
  const series: BarSeries[] = [];
  for (const file of defaultBarFiles()) series.push((await loadBarsCsv(file)).series);
  return series;
}

async function runPipeline(series: BarSeries[], pipeline: PipelineSpec) {
  const tape = buildBarReplayTape(series, series.map((s) => s.file));
  const host = await EngineHost.start({ pipeline });
  await playTape(tape, host, { batch: 777, rate: 0, shouldStop: () => false });
  const counters = await host.drainAndStop();
  return { counters, snapshot: host.pipelineSnapshot(), pipelineCounters: host.pipelineCounters() };
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

describe('engine pipeline', () => {
  it('computes the demanded indicators per instrument in the engine loop, equal to the TS reference', async () => {
    const series = await demoSeries();
    const tokens = ['ema:20', 'rsi:14', 'atr:14', 'bb:20:2', 'macd:12:26:9', 'donchian:20', 'ema:20@slope:5'];
    const { snapshot, pipelineCounters } = await runPipeline(series, { indicators: tokens, instruments: series.map((_, instrument) => ({ instrument })) });
    expect(pipelineCounters.barsPiped).toBe(series.reduce((n, s) => n + s.length, 0));
    expect(pipelineCounters.stageErrors).toBe(0);
    expect(pipelineCounters.regimeSteps).toBe(0);
    for (const [instrument, bars] of series.entries()) {
      const got = snapshot.find((s) => s.instrument === instrument)!;
      for (const token of tokens) {
        const reference = createReferenceIndicator(token);
        for (let i = 0; i < bars.length; i++) reference.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i]);
        reference.outputs.forEach((output, k) => {
          const name = reference.outputs.length === 1 ? token : `${token}.${output}`;
          const value = got.indicators[name];
          expect(value, `${bars.file} ${name} is present after warm-up`).not.toBeNull();
          expect(relativeError(value!, reference.value(k)), `${bars.file} ${name}: engine ${value} vs reference ${reference.value(k)}`).toBeLessThan(1e-9);
        });
      }
    }
  });

  it('filters the regime every bar in the engine loop, equal to the TS forward filter over the same features', async () => {
    const series = await demoSeries();
    const btc = series[0];
    const features = buildRegimeFeatures(btc);
    const model = trainRegimeModel(features, { restarts: 2, seed: 7, maxIterations: 40, minDwellBars: 3 });
    const { snapshot, pipelineCounters } = await runPipeline(series, {
      indicators: ['ema:20'],
      instruments: series.map((_, instrument) => ({ instrument, regimeModel: model })),
    });
    expect(pipelineCounters.stageErrors).toBe(0);
    for (const [instrument, bars] of series.entries()) {
      const x = buildRegimeFeatures(bars, model.featureSpec);
      const filter = new ForwardFilter(model.model);
      const hysteresis = new LabelHysteresis(model.minDwellBars);
      let label = -1;
      for (let t = 0; t < x.rows; t++) label = hysteresis.update(labelCode(model.labels[filter.step(x.data, t * x.cols)]));
      const got = snapshot.find((s) => s.instrument === instrument)!.regime!;
      expect(got.steps, `${bars.file}: one filter step per bar with every feature warmed up`).toBe(x.rows);
      for (let k = 0; k < model.model.states; k++) {
        expect(Math.abs(got.probabilities[k] - filter.probabilities[k]), `${bars.file} p${k}`).toBeLessThan(1e-12);
      }
      expect(relativeError(got.logLikelihood, filter.logLikelihood), `${bars.file} log-likelihood`).toBeLessThan(1e-12);
      expect(got.label, `${bars.file} label after hysteresis`).toBe(['trending', 'mean_reverting', 'choppy'][label] ?? 'none');
    }
    expect(pipelineCounters.regimeSteps).toBe(series.reduce((n, s) => n + buildRegimeFeatures(s, model.featureSpec).rows, 0));
  });

  it('decides every bar in the engine loop exactly as the stages called one by one in order', async () => {
    const series = (await demoSeries()).map((s) => ({ ...s, length: 4000 }));
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 3, maxIterations: 30 });
    const fusion = resolveFusionConfig();
    const sizing = resolveSizingConfig();
    const equity = 250_000;
    const spec: PipelineSpec = {
      indicators: [],
      instruments: series.map((_, instrument) => ({ instrument, regimeModel: model, timeframe: '1h' })),
      decision: { fusion, sizing, equity },
    };
    const { snapshot, pipelineCounters } = await runPipeline(series, spec);
    expect(pipelineCounters.stageErrors).toBe(0);
    expect(pipelineCounters.decisionSteps, 'one decision per bar').toBe(series.reduce((n, s) => n + s.length, 0));

    // The same stages, called one at a time on a core of this thread, bar by bar in tape order.
    const memory = createSharedMemory();
    const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports & HmmCoreExports & DecisionCoreExports;
    const plan = buildPlan(pipelineTokens(spec));
    const executor = IndicatorExecutor.create(plan, { core, memory });
    const filter = new WasmForwardFilter(core, memory);
    filter.loadModel(0, model.model, model.labels.map(labelCode), model.minDwellBars);
    const decision = new WasmDecisionEngine(core, memory);
    decision.load(compileDecisionProgram(fusion, sizing, plan));
    const featureIndex = model.featureSpec.map((token) => (token === 'logret' ? -1 : plan.columns[plan.tokens.get(token)![0]].valueIndex));
    const features = new Float64Array(memory.buffer, SCRATCH_REGION_OFFSET, featureIndex.length);
    const values = new Float64Array(memory.buffer);
    const tape = buildBarReplayTape(series, series.map((s) => s.file));
    const previous = series.map(() => Number.NaN);
    const lastClose = series.map(() => 0n);
    let nonZeroTargets = 0;
    series.forEach((_, k) => {
      executor.resetSlot(k);
      filter.reset(k, 0);
      decision.addInstrument(compileInstrument(sizing, plan, { instrument: k, indicatorSlot: k, timeframe: '1h' }));
    });
    for (let row = 0; row < tape.length; row++) {
      const k = tape.instrument[row];
      const close = tape.close[row];
      executor.update(k, tape.open[row], tape.high[row], tape.low[row], close, tape.volume[row], tape.tsExchange[row]);
      const base = executor.valuesBase(k);
      featureIndex.forEach((index, j) => (features[j] = index < 0 ? Math.log(close / previous[k]) : values[base + index]));
      if (features.every(Number.isFinite)) expect(core.hmmFilterStep(k, SCRATCH_REGION_OFFSET)).toBeGreaterThanOrEqual(0);
      previous[k] = close;
      decision.step(k, tape.tsLocal[row], equity);
      lastClose[k] = tape.tsLocal[row];
      if (decision.exposure(k) !== 0) nonZeroTargets++;
    }
    for (const [k, bars] of series.entries()) {
      const engine = snapshot.find((s) => s.instrument === k)!.decision!;
      const direct = decision.output(k);
      expect(engine, `${bars.file}: the engine loop's last decision equals the direct calls'`).toEqual(direct);
      expect(engine.tsNs, 'decided at the last bar close time').toBe(lastClose[k]);
    }
    expect(nonZeroTargets, 'the stream exercises non-zero targets').toBeGreaterThan(100);
  });

  it('counts BARs of instruments without a pipeline as unrouted and leaves them alone', async () => {
    const series = await demoSeries();
    const { counters, pipelineCounters, snapshot } = await runPipeline(series, { indicators: ['sma:5'], instruments: [{ instrument: 1 }] });
    expect(counters.eventsProcessed).toBe(series.reduce((n, s) => n + s.length, 0));
    expect(pipelineCounters.barsPiped).toBe(series[1].length);
    expect(pipelineCounters.unrouted).toBe(series[0].length + series[2].length);
    expect(snapshot.map((s) => s.instrument)).toEqual([1]);
  });

  it('refuses a pipeline whose regime feature is not a single-output indicator', async () => {
    const series = await demoSeries();
    const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 1, maxIterations: 5 });
    const broken = { ...model, featureSpec: ['logret', 'bb:20:2', 'volz:20'] };
    await expect(EngineHost.start({ pipeline: { indicators: [], instruments: [{ instrument: 0, regimeModel: broken }] } })).rejects.toThrow(
      /regime feature `bb:20:2` must be a single-output indicator token/,
    );
  });
});
