// STATUS_HALTED in a decision (wasm/assembly/pipeline/order-stage.ts): while the kill switch is
// tripped the order stage zeroes every target, and the decision's status says so, on the output
// block and on the `signals` topic. A decision made before the trip whose target happened to be 0
// has the bit clear, so a reader (the dashboard's Signals page) need not guess from the risk
// topic. The real engine loop: a fusion strategy (the bundled BTC 1h regime model, default fusion
// and sizing, risk + simulated venue) over BTC bars, one bar per batch; an operator's trip
// (EngineHost.tripKillSwitch) after TRIP_AT bars, a reset after RESET_AT.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import { EngineHost } from '../engine/threads/index.js';
import { buildBarReplayTape } from '../engine/replay/bar-replay-tape.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { readRiskAccount } from '../engine/pipeline/risk-account-snapshot.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { STATUS_HALTED, readDecisionOutput, resolveFusionConfig, resolveSizingConfig, type DecisionOutput } from '../engine/decision/index.js';
import type { RiskLimits } from '../engine/risk/index.js';
import { executionFromConfig } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import { EngineStateSource, FrameEncoder } from '../engine/server/index.js';
import { decodeFrame, type SignalsView, type TopicUpdate } from '../engine/client/index.js';
import { f64Bits, publishAndSettle, type InboundRecord } from './engine-venue-harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const BTC = join(ROOT, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const CASH = 100_000;
const TRIP_AT = 300;
const RESET_AT = 360;
const BARS = 420;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e9, maxLeverage: 2, dailyLossPct: 0.9,
  maxDrawdownPct: 0.9, priceBandPct: 0.5, minNotional: 10, maxOrders: 1000, windowNs: 1_000_000_000n,
};

interface Decided { bar: number; halted: boolean; output: DecisionOutput; published: number | undefined }

describe('STATUS_HALTED: a decision whose target the kill switch zeroed says so', () => {
  it('is clear before the trip (a target of 0 included), set on every decision while tripped, clear again after a reset', async () => {
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
    const decided: Decided[] = [];
    try {
      let last = 0n;
      for (let row = 0; row < BARS; row += 1) {
        if (row === TRIP_AT) await host.tripKillSwitch();
        if (row === RESET_AT) await host.resetKillSwitch();
        await publishAndSettle(host, [record(row)]);
        source.tick(true);
        const output = readDecisionOutput(host.memory, 0);
        if (output.tsNs === 0n || output.tsNs === last) continue;
        last = output.tsNs;
        const shown = (frames.filter((f) => f.topic === 'signals').at(-1)?.payload as SignalsView | undefined)?.signals.find((s) => s.instrumentId === 0);
        decided.push({ bar: row, halted: readRiskAccount(host.memory).halted, output, published: shown?.timeNs === output.tsNs ? shown.status : undefined });
      }
    } finally {
      source.detach();
      await host.drainAndStop();
    }
    const bit = (d: Decided) => (d.output.status & STATUS_HALTED) !== 0;
    const before = decided.filter((d) => d.bar < TRIP_AT);
    const during = decided.filter((d) => d.bar >= TRIP_AT && d.bar < RESET_AT);
    const after = decided.filter((d) => d.bar >= RESET_AT);
    expect([before.length, during.length, after.length].every((n) => n > 20), `decisions in each phase: ${before.length}, ${during.length}, ${after.length}`).toBe(true);
    expect(during.every((d) => d.halted) && !before.some((d) => d.halted) && !after.some((d) => d.halted), 'the account was halted exactly from the trip to the reset').toBe(true);
    const zeroBefore = before.filter((d) => d.output.quantity === 0 && d.output.exposure === 0);
    expect(zeroBefore.length, 'decisions before the trip whose target was 0 anyway').toBeGreaterThan(5);
    expect(before.filter(bit).map((d) => d.bar), 'before the trip: the bit is clear, a target of 0 included').toEqual([]);
    expect(during.filter((d) => !bit(d)).map((d) => d.bar), 'while tripped: every decision has the bit').toEqual([]);
    expect(during.every((d) => d.output.quantity === 0 && d.output.exposure === 0), 'while tripped: every target is 0').toBe(true);
    expect(after.filter(bit).map((d) => d.bar), 'after the reset: the bit is clear again').toEqual([]);
    expect(after.some((d) => d.output.quantity !== 0), 'after the reset: targets are the experts\' again').toBe(true);
    const published = decided.filter((d) => d.published !== undefined);
    expect(published.length, 'decisions seen on the signals topic').toBe(decided.length);
    expect(published.filter((d) => d.published !== d.output.status).map((d) => d.bar), 'the signals topic carries the status, the bit included').toEqual([]);
  }, 120_000);
});
