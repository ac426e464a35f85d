// The `signals` topic and the feeds part of `health` (issue 16), in the real engine loop: a fusion
// strategy (the bundled BTC 1h regime model, default fusion and sizing, risk + simulated venue)
// decides BTC bars on the engine thread; the core copies each decision and each feed condition
// into its published-signals block at batch boundaries under a seqlock, and EngineStateSource
// turns them into frames. Oracles: the DECISION output block the backtest wrote (read while the
// engine is idle), the fusion rule of wasm/assembly/decision/regime-fusion.ts recomputed from the
// published scores, confidences and weights, and the FEED_HEALTH records the test sends.
import { describe, expect, it } from 'vitest';
import { readDecisionOutput } from '../engine/decision/index.js';
import { OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, decOutputOffset } from '../engine/decision/decision-layout.js';
import { FeedCondition, feedHealthEventRecord, type FeedConditionCode } from '../engine/risk/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import type { HealthView, SignalsView, TopicUpdate } from '../engine/client/index.js';
import { readConsistentSignals, StateLayout } from '../engine/snapshot/index.js';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { publishAndSettle } from './engine-venue-harness.js';
import { startBtcFusionSession } from './btc-fusion-session.js';

const BARS = 600;
const CHUNK = 7;

const latest = <T extends 'signals' | 'health'>(frames: TopicUpdate[], topic: T) => frames.filter((f) => f.topic === topic).at(-1)?.payload as (T extends 'signals' ? SignalsView : HealthView) | undefined;

describe('signals and feed health from the published-signals block', () => {
  it('lays the block out as the core does, above the checkpointed spans', () => {
    const core = instantiateCore(createSharedMemory(), compileCore('release')) as unknown as { stateLayoutValue(id: number): number };
    const mirror = StateLayout as unknown as Record<string, number>;
    const base = StateLayout.STATE_LAYOUT_IDS.indexOf('PUBLISHED_SIGNALS_OFFSET');
    const mismatches = StateLayout.SIGNALS_LAYOUT_IDS.filter((name, k) => core.stateLayoutValue(base + k) !== mirror[name])
      .map((name, k) => `${name}: core ${core.stateLayoutValue(base + k)}, TS ${mirror[name]}`);
    expect(mismatches, 'wasm/assembly/state/signals-layout.ts and engine/snapshot/signals-layout.ts disagree').toEqual([]);
    expect(StateLayout.PUBLISHED_SIGNALS_OFFSET + StateLayout.SG_BLOCK_BYTES_MAX).toBeLessThanOrEqual(2048 * 65536);
  });

  it('publishes every decision the backtest computes, consistent with the fusion rule, and the feed condition with its policy action', async () => {
    const { host, source, frames, record } = await startBtcFusionSession();
    try {
      let compared = 0;
      let withExperts = 0;
      for (let row = 0; row < BARS; row += CHUNK) {
        const rows = Array.from({ length: Math.min(CHUNK, BARS - row) }, (_, k) => record(row + k));
        await publishAndSettle(host, rows);
        source.tick(true);
        const truth = readDecisionOutput(host.memory, 0); // the engine is idle: every record consumed
        if (truth.tsNs === 0n) continue;
        const shown = latest(frames, 'signals')?.signals.find((s) => s.instrumentId === 0);
        expect(shown, `a signals frame after the decision at ${truth.tsNs}`).toBeDefined();
        const s = shown!;
        expect(s.timeNs, 'the decision ts the backtest wrote last').toBe(truth.tsNs);
        expect([s.score, s.confidence, s.choppyScale, s.direction, s.targetExposure, s.targetQuantity, s.price, s.status])
          .toEqual([truth.signal, truth.confidence, truth.choppyScale, truth.direction, truth.exposure, truth.quantity, truth.price, truth.status]);
        expect(s.regimeProbabilities).toEqual([...truth.regimeProbabilities]);
        expect(s.experts.map((e) => e.score)).toEqual([...truth.componentScores]);
        expect(s.experts.map((e) => e.confidence)).toEqual([...truth.componentConfidences]);
        expect(s.experts.map((e) => e.weight)).toEqual([...truth.weights]);
        expect(s.fusion && s.symbol === 'BTCUSDT').toBe(true);
        // The fusion rule (regime-fusion.ts fuse) over the published parts.
        let num = 0;
        let den = 0;
        for (const e of s.experts) if (e.present) { num += e.weight * e.confidence * e.score; den += e.weight * e.confidence; }
        const fused = den > 0 ? num / den : 0;
        expect(Math.abs(s.score - fused), `fused ${s.score} vs recomputed ${fused} at ${s.timeNs}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(fused)));
        const direction = s.score * s.choppyScale;
        expect(s.direction === direction || (s.direction === 0 && direction < 0), `direction ${s.direction} vs signal * choppyScale ${direction}`).toBe(true);
        if (s.experts.some((e) => e.present && e.weight > 0)) withExperts += 1;
        const raw = new DataView(host.memory.buffer, decOutputOffset(0), 256);
        expect([s.orderReason, s.orderQuantity, s.orderLimit], 'why no order: the order stage\'s fields of the output block')
          .toEqual([raw.getInt32(OUT_ORDER_REASON, true), raw.getFloat64(OUT_ORDER_QTY, true), raw.getInt32(OUT_ORDER_LIMIT, true)]);
        expect(s.orderReasonName === '', 'a name exactly when there was an order').toBe(s.orderReason < 0);
        compared += 1;
      }
      expect(compared, 'decisions compared').toBeGreaterThan(30);
      expect(withExperts, 'decisions where some weighted expert spoke').toBeGreaterThan(10);
      const decided = frames.filter((f) => f.topic === 'signals').map((f) => (f.payload as SignalsView).signals[0].timeNs);
      expect(decided.every((ts, k) => k === 0 || ts >= decided[k - 1]), 'decision ts never goes back').toBe(true);

      // Feed health: STALE -> reduce-only (the default policy), then RECOVERED -> ok.
      const at = host.counters().eventsProcessed;
      const feed = (condition: FeedConditionCode) => feedHealthEventRecord({
        instrument: 0, lastMessageNs: 0n, detectedNs: BigInt(at), condition, value: 12, mask: condition === FeedCondition.RECOVERED ? 0 : 1 << condition, stream: 1, sequence: 0n,
      }, EventKind.SOURCE_LIVE);
      const healthBefore = latest(frames, 'health')!;
      expect(healthBefore.feeds).toEqual([expect.objectContaining({ instrumentId: 0, symbol: 'BTCUSDT', conditionMask: 0, action: 'ok', conditions: [] })]);
      await publishAndSettle(host, [feed(FeedCondition.STALE)]);
      source.tick(true);
      const stale = latest(frames, 'health')!;
      expect(stale.feeds[0]).toMatchObject({ conditionMask: 1 << FeedCondition.STALE, conditions: ['stale'], action: 'reduce-only' });
      expect(stale.status).toBe('degraded');
      expect(readConsistentSignals(host.memory).instruments[0].feed.mask).toBe(1 << FeedCondition.STALE);
      await publishAndSettle(host, [feed(FeedCondition.RECOVERED)]);
      source.tick(true);
      expect(latest(frames, 'health')!.feeds[0]).toMatchObject({ conditionMask: 0, conditions: [], action: 'ok', sinceNs: 0n });
    } finally {
      source.detach();
      await host.drainAndStop();
    }
  }, 120_000);
});
