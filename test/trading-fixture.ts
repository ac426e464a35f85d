// A trading pipeline over the bundled demo data for cross-module suites (checkpoints, the
// live session, the crash harness): the first `bars` hourly bars of one or two instruments, a
// regime model fitted on them (seeded), and a configuration that trades often (no no-trade
// band, one confirmation bar).
import { buildBarReplayTape, barIntervalNs, type ReplayTape, instrumentNames, timeframeOfInterval, tradingPipeline } from '../engine/replay/index.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { buildRegimeFeatures, trainRegimeModel } from '../engine/regime/index.js';
import { loadConfig } from '../engine/config/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';

export interface TradingFixture {
  readonly series: BarSeries[];
  readonly tape: ReplayTape;
  /** The CSV files of the first `bars` bars (what a venue server replays). */
  readonly files: string[];
  pipeline(simulate: boolean): PipelineSpec;
}

const TRADE_OFTEN = ['execution:', '  noTradeBand: { equityPct: 0, positionPct: 0 }', '  confirmBars: 1', ''].join('\n');

/** The first `bars` rows of each bundled file (`instruments` of them); `extraConfig`: YAML appended to the configuration. */
export async function tradingFixture(bars: number, instruments = 1, extraConfig = ''): Promise<TradingFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qf-trading-'));
  const files = defaultBarFiles().slice(0, instruments).map((source) => {
    const lines = readFileSync(source, 'utf8').split('\n');
    const file = path.join(dir, path.basename(source));
    writeFileSync(file, `${lines.slice(0, bars + 1).join('\n')}\n`);
    return file;
  });
  const series = await Promise.all(files.map(async (file) => (await loadBarsCsv(file)).series));
  const tape = buildBarReplayTape(series, instrumentNames(files));
  const model = trainRegimeModel(buildRegimeFeatures(series[0]), { restarts: 1, seed: 5, maxIterations: 30 });
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, TRADE_OFTEN + extraConfig);
  const config = loadConfig({ configFile });
  return {
    series, tape, files,
    pipeline: (simulate) => tradingPipeline({
      config, instrumentNames: tape.instrumentNames, timeframes: series.map((s) => timeframeOfInterval(barIntervalNs(s))), regimeModel: model,
      indicators: [], equity: 100_000, startNs: tape.tsExchange[0], halted: false, simulate,
    }).spec,
  };
}

/** Rows [from, to) of a tape. */
export function sliceTape(tape: ReplayTape, from: number, to: number): ReplayTape {
  return {
    ...tape, length: to - from, instrument: tape.instrument.subarray(from, to), tsExchange: tape.tsExchange.subarray(from, to), tsLocal: tape.tsLocal.subarray(from, to),
    open: tape.open.subarray(from, to), high: tape.high.subarray(from, to), low: tape.low.subarray(from, to), close: tape.close.subarray(from, to),
    volume: tape.volume.subarray(from, to),
  };
}
