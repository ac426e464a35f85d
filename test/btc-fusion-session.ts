// One engine session shared by the tests that read what the core publishes about its decisions
// (the `signals` topic, a decision's status bits): a fusion strategy (the bundled BTC 1h regime
// model, default fusion and sizing, risk + the simulated venue) on the engine thread, fed the
// bundled BTC 1h bars one record at a time, with an EngineStateSource attached whose every delta
// goes through the wire format (encoded as the server does, decoded as a client does).
import { join, resolve } from 'node:path';
import { loadBarsCsv } from '../adapters/files/index.js';
import { EngineHost } from '../engine/threads/index.js';
import { buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { resolveFusionConfig, resolveSizingConfig } from '../engine/decision/index.js';
import type { RiskLimits } from '../engine/risk/index.js';
import { executionFromConfig } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import { EngineStateSource, FrameEncoder } from '../engine/server/index.js';
import { decodeFrame, type TopicUpdate } from '../engine/client/index.js';
import { f64Bits, type InboundRecord } from './engine-venue-harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const BTC = join(ROOT, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const CASH = 100_000;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e9, maxLeverage: 2, dailyLossPct: 0.9,
  maxDrawdownPct: 0.9, priceBandPct: 0.5, minNotional: 10, maxOrders: 1000, windowNs: 1_000_000_000n,
};

/** Starts the session; `record(row)` is the BAR record of the tape's row, `frames` every delta decoded so far. */
export async function startBtcFusionSession() {
  const { series } = await loadBarsCsv(BTC);
  const tape = buildBarReplayTape([series], ['BTCUSDT']);
  const model = readRegimeModelFile(join(ROOT, 'data', 'models', 'btc-1h-regime.json'));
  const config = loadConfig({ env: {} });
  const startNs = tape.tsExchange[0];
  const spec: PipelineSpec = {
    indicators: [],
    instruments: [{ instrument: 0, regimeModel: model, timeframe: '1h' }],
    decision: { fusion: resolveFusionConfig(), sizing: resolveSizingConfig(), equity: CASH },
    equity: CASH,
    risk: { limits: LIMITS, cash: CASH, startNs, halted: false, instruments: [{ instrument: 0, assetClass: 0, lotSize: 0.00001, staleNs: 1_000_000_000_000_000n }] },
    execution: executionFromConfig(config, [{ instrument: 0, symbol: 'BTCUSDT' }], { simulate: true }),
  };
  const source = new EngineStateSource({ instruments: [{ instrument: 0, symbol: 'BTCUSDT' }], mode: 'backtest', startingCash: CASH, throttleMs: 1_000_000, latencyEveryMs: 1_000_000 });
  const host = await EngineHost.start({ pipeline: spec, ...source.listeners() });
  source.attach(host);
  const encoder = new FrameEncoder();
  let sequence = 0n;
  const frames: TopicUpdate[] = [];
  source.onDelta((delta) => {
    sequence += 1n;
    frames.push(decodeFrame(encoder.encode({ topic: delta.topic, kind: 'delta', sequence, timeNs: delta.timeNs }, delta.payload)));
  });
  const record = (row: number): InboundRecord => ({
    kind: tape.kind, instrument: 0, tsExchange: tape.tsExchange[row], tsLocal: tape.tsLocal[row],
    price: tape.close[row], size: tape.volume[row], a: tape.high[row], b: tape.low[row], id: f64Bits(tape.open[row]),
  });
  return { host, source, frames, tape, record };
}
