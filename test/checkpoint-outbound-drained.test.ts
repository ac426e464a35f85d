// A checkpoint hid the outbound records the core published just before it parked: the image
// (taken while the engine thread is parked) holds the state after them, the rings are left out
// of it, and EngineHost.checkpoint copied the image without reading what was left on the outbound
// ring. A session stores the checkpoint right after; killed before its next drain (or before the
// outbox stored the webhook events those records caused: a fill, a denial, a drawdown trip), its
// restart recovers from that checkpoint, never replays the records' inputs, and the events are lost.
// Now every record the parked core published is handed to the listeners before the image is read.
// Each round publishes a bar without waiting for the core, then checkpoints at once, so the core
// consumes it (and publishes what it causes) while the I/O thread waits for it to park; rounds go
// on until WHOLE checkpoints covered every published record (how many rounds that takes depends
// on the thread timing, so the count of rounds is bounded, not fixed).
import { describe, expect, it } from 'vitest';
import { EngineHost, CHECKPOINT_IMAGE_BYTES } from '../engine/threads/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import type { RiskLimits } from '../engine/risk/index.js';
import { executionFromConfig } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import type { RuleStrategyConfig } from '../engine/strategy/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { f64Bits, publishRecords } from './engine-venue-harness.js';

const BAR = EventKind.BAR | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const CASH = 100_000;
const HOUR = 3_600_000_000_000n;
const START_NS = 1_700_000_000_000_000_000n;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e7, maxLeverage: 1, dailyLossPct: 0.5,
  maxDrawdownPct: 0.5, priceBandPct: 0.5, minNotional: 10, maxOrders: 1000, windowNs: 1_000_000_000n,
};
const HOLD: RuleStrategyConfig = { name: 'hold', type: 'rules', instruments: [], long: { entry: 'ema:3 > 0', exit: 'ema:3 < 0' }, size: { equityFraction: 0.3 } };
/** Checkpoints of every published record the test judges; rounds at most (a busy machine gives fewer such checkpoints per round). */
const WHOLE = 50;
const MAX_ROUNDS = 3000;

function spec(): PipelineSpec {
  const config = loadConfig({ env: { QF_EXECUTION__NO_TRADE_BAND__EQUITY_PCT: '0', QF_EXECUTION__NO_TRADE_BAND__POSITION_PCT: '0', QF_EXECUTION__CONFIRM_BARS: '1' } });
  return {
    indicators: [],
    instruments: [{ instrument: 0, timeframe: '1h', rules: HOLD }],
    equity: CASH,
    risk: {
      limits: LIMITS, cash: CASH, startNs: START_NS, halted: false,
      instruments: [{ instrument: 0, assetClass: 0, lotSize: 0.001, staleNs: 2n * HOUR }],
    },
    execution: executionFromConfig(config, [{ instrument: 0, symbol: 'AAA' }], { simulate: true }),
  };
}

describe('EngineHost.checkpoint', () => {
  it('hands every outbound record the parked core published to the listeners before the image is read', async () => {
    let delivered = 0;
    const host = await EngineHost.start({ pipeline: spec(), onRecordBytes: () => { delivered++; } });
    try {
      const image = new Uint8Array(CHECKPOINT_IMAGE_BYTES);
      let whole = 0;
      let left = 0;
      let rounds = 0;
      for (let i = 0; i < MAX_ROUNDS && whole < WHOLE; i++, rounds++) {
        // A price that moves every bar: equity and orders change, so each bar makes outbound records.
        const price = 100 + (i % 7) * 3;
        await publishRecords(host, [{ kind: BAR, instrument: 0, tsExchange: START_NS + BigInt(i) * HOUR, tsLocal: START_NS + BigInt(i + 1) * HOUR, price, size: 1e6, a: price, b: price, id: f64Bits(price) }]);
        const cut = await host.checkpoint(image);
        // Only a checkpoint of every published record is judged: after one that is not, the released core publishes more.
        if (cut.inboundSeq !== BigInt(host.inbound.cursor)) continue;
        whole++;
        left += host.outbound.available();
        host.drainOutbound();
      }
      expect(whole, `checkpoints that covered every published record, in ${rounds} rounds`).toBe(WHOLE);
      expect(delivered, 'the bars made outbound records').toBeGreaterThan(0);
      expect(left, 'outbound records the core published before the image was read, still on the ring when the checkpoint was handed back').toBe(0);
    } finally {
      await host.drainAndStop();
    }
  }, 60_000);
});
