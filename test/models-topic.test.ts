// The `models` topic (schemas/frames.fbs ModelsPayload; engine/server frame-encoder, engine/client
// frame-decoder): a client subscribed over a real uWS server to a running paper session with the
// bundled model (bars 2,001..4,000 of the bundled BTC 1h file, fold 0 serving from about bar
// 2,300) gets a Snapshot, then Deltas as predictions are made, with PSI per feature and the
// [q10, q90] coverage per instrument; the last frame agrees with the session's own status. An
// absent model's payload round-trips with its reason; existing topics keep their codes.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { connect, decodeFrame, TOPIC_NAMES, type ModelsView, type TopicUpdate } from '../engine/client/index.js';
import { FrameEncoder } from '../engine/server/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const BTC = 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-models-topic-'));
  const lines = readFileSync(join(ROOT, 'data', BTC), 'utf8').split('\n');
  writeFileSync(join(dir, BTC), `${[lines[0], ...lines.slice(2001, 4001)].join('\n')}\n`);
  copyFileSync(join(ROOT, 'data', `${BTC}.meta.json`), join(dir, `${BTC}.meta.json`));
  writeFileSync(join(dir, 'config.yaml'), [
    'strategies:',
    '  - { name: btc-fusion, type: fusion, instruments: [BTCUSDT] }',
    'fusion:',
    '  ml: { horizonBars: 12 }',
    'model:',
    `  path: ${JSON.stringify(join(ROOT, 'data', 'models', 'btc-1h-q5'))}`,
    '  waitMs: 2000',
    '  monitor: { driftWindow: 100, driftAlertPsi: 0.25, calibrationWindow: 100, coverageTolerance: 0.15, minObservations: 30 }',
    'risk:',
    '  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }',
    '',
  ].join('\n'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('models topic', () => {
  it('streams a snapshot, then deltas with PSI and coverage, to a client over uWS', async () => {
    const config = loadConfig({ configFile: join(dir, 'config.yaml'), env: {} });
    const session = await startPaperSession({
      streams: await openDataSources([join(dir, BTC)], {}), config, regimeModel: readRegimeModelFile(join(ROOT, 'data', 'models', 'btc-1h-regime.json')),
      equity: 100_000, speed: 3600 * 400, port: 0, throttleMs: 20,
    });
    const updates: TopicUpdate<'models'>[] = [];
    const client = await connect(`ws://127.0.0.1:${session.server!.port}/`, { reconnect: false });
    try {
      client.subscribe('models', (update) => updates.push(update));
      await session.finished;
      const final = session.modelStatus()!;
      const deadline = Date.now() + 10_000;
      const settled = (u: TopicUpdate<'models'> | undefined): boolean => u !== undefined && u.payload.counters.predictions === BigInt(final.counters.predictions) && u.payload.counters.onTime === u.payload.counters.predictions;
      while (Date.now() < deadline && !settled(updates[updates.length - 1])) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(updates[0]?.kind, 'the first frame is a Snapshot').toBe('snapshot');
      expect(updates[0].payload.state).toBe('serving');
      const deltas = updates.filter((u) => u.kind === 'delta');
      expect(deltas.length, 'deltas follow as predictions are made').toBeGreaterThan(10);
      const predictions = updates.map((u) => Number(u.payload.counters.predictions));
      expect(predictions.every((p, i) => i === 0 || p >= predictions[i - 1]), 'predictions never go back').toBe(true);
      const last: ModelsView = updates[updates.length - 1].payload;
      expect(last).toMatchObject({ state: 'serving', name: final.name, hash: final.hash, fold: final.fold, driftThreshold: 0.25, coverageTolerance: 0.15 });
      expect(Number(last.counters.predictions)).toBe(final.counters.predictions);
      expect(Number(last.counters.onTime), 'the core\'s wait counters ride along (the frame published after the run)').toBe(final.counters.predictions);
      expect(last.features.map((f) => f.name)).toEqual(final.features.map((f) => f.name));
      expect(last.features.map((f) => f.psi), 'PSI per feature, as the feed has it').toEqual(final.features.map((f) => f.psi));
      expect(last.features.every((f) => Number.isFinite(f.psi) && f.instrument === 'BTCUSDT')).toBe(true);
      expect(last.calibration).toHaveLength(1);
      expect(last.calibration[0]).toMatchObject({ instrumentId: 0, instrument: 'BTCUSDT', nominal: 0.8, observations: final.calibration[0].observations });
      expect(last.calibration[0].coverage).toBe(final.calibration[0].coverage);
      expect(last.calibration[0].pinball).toEqual(final.calibration[0].pinball);
      expect(last.recentAlerts.length).toBe(final.recentAlerts.length);
    } finally {
      await client.close();
      await session.close();
    }
  }, 120_000);

  it('round-trips an absent model with its reason and alerts; other topics keep their codes', () => {
    const encoder = new FrameEncoder();
    const payload: ModelsView = {
      state: 'absent', reason: 'fold-2.onnx: cannot parse (17 bytes)', source: '/models/x', name: '', hash: '', fold: -1, driftThreshold: 0.25, coverageTolerance: 0.15,
      features: [], calibration: [],
      counters: { vectors: 0n, predictions: 0n, noFold: 0n, nonFinite: 0n, crossed: 0n, failures: 0n, calibrationSkipped: 0n, inFlight: 0, onTime: 0n, timeouts: 0n, late: 0n, latencyP50Us: NaN, latencyP99Us: NaN },
      recentAlerts: [{ kind: 'quantile-calibration', instrument: 'BTCUSDT', feature: '', value: 0.55, threshold: 0.15, timeNs: 1_700_000_000_000_000_000n }],
    };
    const update = decodeFrame(encoder.encode({ topic: 'models', kind: 'snapshot', sequence: 3n, timeNs: 5n }, payload));
    expect(update).toMatchObject({ topic: 'models', kind: 'snapshot', sequence: 3n, timeNs: 5n });
    expect(update.payload).toEqual(payload);
    expect(TOPIC_NAMES.indexOf('models'), 'models is appended: the other topics keep their codes').toBe(TOPIC_NAMES.length - 1);
    expect(TOPIC_NAMES.slice(0, 8)).toEqual(['state', 'orders', 'fills', 'signals', 'regime', 'risk', 'latency', 'health']);
  });
});
