// STATUS_HALTED in a decision (wasm/assembly/pipeline/order-stage.ts): while the kill switch is
// tripped the order stage zeroes every target, and the decision's status says so, on the output
// block and on the `signals` topic. A decision made before the trip whose target happened to be 0
// has the bit clear, so a reader (the dashboard's Signals page) need not guess from the risk
// topic. The real engine loop: a fusion strategy (the bundled BTC 1h regime model, default fusion
// and sizing, risk + simulated venue) over BTC bars, one bar per batch; an operator's trip
// (EngineHost.tripKillSwitch) after TRIP_AT bars, a reset after RESET_AT.
import { describe, expect, it } from 'vitest';
import { readRiskAccount } from '../engine/pipeline/risk-account-snapshot.js';
import { STATUS_HALTED, readDecisionOutput, type DecisionOutput } from '../engine/decision/index.js';
import type { SignalsView } from '../engine/client/index.js';
import { publishAndSettle } from './engine-venue-harness.js';
import { startBtcFusionSession } from './btc-fusion-session.js';

const TRIP_AT = 300;
const RESET_AT = 360;
const BARS = 420;

interface Decided { bar: number; halted: boolean; output: DecisionOutput; published: number | undefined }

describe('STATUS_HALTED: a decision whose target the kill switch zeroed says so', () => {
  it('is clear before the trip (a target of 0 included), set on every decision while tripped, clear again after a reset', async () => {
    const { host, source, frames, record } = await startBtcFusionSession();
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
