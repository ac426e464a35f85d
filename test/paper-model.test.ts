// A paper session with the ML expert (engine/paper + engine/models ModelFeed): the bundled model
// data/models/btc-1h-q5 serves a fusion strategy on the first 4,000 bundled BTC 1h bars (fold 0
// is available from about bar 2,300), played at a speed where pacing never waits. The core waits
// for each bar's MODEL record; the feed answers on the I/O thread while the player holds back any
// record that could time the wait out (paced-player.ts: the sync), so with an inference budget of
// 2 s of wall time every bar with a fold is decided on time: the decisions, and so the fills, are
// those of the backtest of the same data and model (model-ahead, engine/backtest), which is the
// oracle. Bars before fold 0 get no answer and time out in both. An absent model (a corrupt fold)
// leaves the session trading without the ML expert, says so in /health (ready, degraded), on the
// models topic and on stderr.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { backtestModelOf, runBacktest } from '../engine/backtest/index.js';
import { loadConfig, type QuantFlowConfig } from '../engine/config/index.js';
import { openConfiguredModel } from '../engine/models/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const BARS = 4000;
const BTC = 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
let dir: string;
let files: string[];

function configWith(modelDir: string, name: string): QuantFlowConfig {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [
    'strategies:',
    '  - { name: btc-fusion, type: fusion, instruments: [BTCUSDT] }',
    'fusion:',
    '  ml: { horizonBars: 12 }',
    'model:',
    `  path: ${JSON.stringify(modelDir)}`,
    '  waitMs: 2000',
    '  monitor: { driftWindow: 200, driftAlertPsi: 0.25, calibrationWindow: 200, coverageTolerance: 0.15, minObservations: 50 }',
    'risk:',
    '  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }',
    '',
  ].join('\n'));
  return loadConfig({ configFile: file, env: {} });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-paper-model-'));
  files = [writeBundledSlice(dir, BTC, BARS)];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('paper session with the ML expert', () => {
  const regimeModel = (): ReturnType<typeof readRegimeModelFile> => readRegimeModelFile(join(ROOT, 'data', 'models', 'btc-1h-regime.json'));

  it('answers every bar with a fold on time and fills as the backtest of the same data and model', async () => {
    const config = configWith(join(ROOT, 'data', 'models', 'btc-1h-q5'), 'serving');
    const logged: string[] = [];
    const session = await startPaperSession({
      streams: await openDataSources(files, {}), config, regimeModel: regimeModel(), equity: 100_000, speed: 1e9, serve: false, log: (line) => logged.push(line),
    });
    const run = await session.finished;
    const status = session.modelStatus()!;
    const waits = run.pipeline.modelWait!;
    expect(status.state, logged.join('\n')).toBe('serving');
    expect(waits.onTime, 'decisions made with their bar\'s MODEL record').toBeGreaterThan(1000);
    expect(status.counters.predictions, 'a MODEL record per feature vector with a fold').toBe(status.counters.vectors - status.counters.noFold - status.counters.nonFinite);
    expect(waits.onTime, 'every answer reached the core in time').toBe(status.counters.predictions);
    expect(waits.timeouts, 'the only timeouts: bars before fold 0 (no answer)').toBe(status.counters.noFold);
    const { paperModelLine } = await import('../engine/cli/commands/paper.js');
    expect(paperModelLine(status, run), 'the summary: those bars had no model, they are not its timeouts').toMatch(new RegExp(` on time, 0 timeouts, 0 late; no model for ${status.counters.noFold.toLocaleString('en-US')} bars \\(before the first fold's training ended\\)`));
    expect([waits.late, waits.unmatched, waits.pending, status.counters.failures, status.counters.inFlight], 'late, unmatched, pending at the end, failures, in flight').toEqual([0, 0, 0, 0, 0]);
    expect(status.calibration[0].observations).toBeGreaterThan(0);
    expect(Number.isFinite(status.calibration[0].coverage)).toBe(true);
    expect(status.features.every((f) => Number.isFinite(f.psi))).toBe(true);
    expect(run.recording.fills.length, 'the fusion strategy trades').toBeGreaterThan(0);

    const configured = await openConfiguredModel(config.model!, config.fusion.ml.horizonBars);
    const backtest = await runBacktest({ streams: await openDataSources(files, {}), config, regimeModel: regimeModel(), equity: 100_000, model: backtestModelOf(configured) });
    expect(backtest.pipeline.modelWait, 'the backtest\'s wait counters').toMatchObject({ onTime: waits.onTime, timeouts: waits.timeouts });
    expect(run.recording.fillsHash, 'the paper run fills exactly as the backtest with inference ahead').toBe(backtest.recording.fillsHash);
  }, 180_000);

  it('an absent model (a corrupt fold): the session still trades; /health, stderr and the status say why', async () => {
    const broken = join(dir, 'broken-model');
    cpSync(join(ROOT, 'data', 'models', 'btc-1h-q5'), broken, { recursive: true });
    writeFileSync(join(broken, 'fold-2.onnx'), 'not an onnx graph');
    const config = configWith(broken, 'absent');
    const logged: string[] = [];
    const session = await startPaperSession({
      streams: await openDataSources(files, {}), config, regimeModel: regimeModel(), equity: 100_000, speed: 1e9, port: 0, log: (line) => logged.push(line),
    });
    try {
      const health = await (await fetch(`http://127.0.0.1:${session.server!.port}/health`)).json() as { ready: boolean; reasons: string[] };
      expect(health.ready, 'absent is degraded, not failing').toBe(true);
      expect(health.reasons.join('\n')).toMatch(/model absent \(trading without the ML expert\): .*fold-2/);
      expect(logged.join('\n')).toMatch(/the model is absent, trading without the ML expert: .*fold-2/);
      const run = await session.finished;
      const status = session.modelStatus()!;
      expect(status).toMatchObject({ state: 'absent', source: broken });
      expect(status.reason).toMatch(/fold-2/);
      expect(run.pipeline.modelWait, 'no instrument waits for an absent model').toBeUndefined();
      expect(run.recording.fills.length, 'the session trades without the ML expert').toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  }, 180_000);
});
