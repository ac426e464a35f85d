// The per-bar pipeline inside the engine loop: BAR records from the inbound ring run
// the indicator plan and the regime filter in the WASM core on the engine thread.
// Oracles: the TS reference indicators and the TS forward filter over the same bars.
import { describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { EngineHost } from '../engine/threads/engine-host.js';
import { buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import { playTape } from '../engine/replay/tape-player.js';
import { createReferenceIndicator } from '../engine/indicators/reference/index.js';
import { ForwardFilter, buildRegimeFeatures, trainRegimeModel, labelCode, LabelHysteresis } from '../engine/regime/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';

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
