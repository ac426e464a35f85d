// Ticks end to end: Binance BTCUSDT trades and L1 quotes through the engine loop; the core
// builds 1 s bars from the trades, decides on each bar, and the simulated venue in tick mode
// fills the orders against the quotes as they arrive (taking the touch, capped by the
// displayed size). Checked: every fill of a market order is at the touch the venue saw at its
// time, never more than the displayed size of that quote, and the records are the same byte
// for byte whatever the batching.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { EngineHost } from '../engine/threads/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { ReferenceBarBuilder, type Bar } from '../engine/bars/index.js';
import { buildRegimeFeatures, trainRegimeModel } from '../engine/regime/index.js';
import { resolveFusionConfig, resolveSizingConfig } from '../engine/decision/index.js';
import { executionFromConfig } from '../engine/execution/index.js';
import { loadConfig } from '../engine/config/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import type { VenueFill, VenueReply } from '../engine/venue/index.js';
import type { OhlcvColumns } from '../adapters/files/index.js';
import { f64Bits, publishRecords, type InboundRecord } from './engine-venue-harness.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const TRADES = 'crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv';
const QUOTES = 'crypto_quotes/binance_spot_BTCUSDT_bookticker_L1_2024-08-08T2354_2024-08-09T0005.csv';
const TRADE = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const QUOTE = EventKind.QUOTE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const TIMEFRAME_NS = 1_000_000_000n;

interface Quote {
  ns: bigint;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
}

function rows(file: string): string[][] {
  return readFileSync(sharedDataPath(file), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
}

/** Trades and quotes as inbound records on the receive clock (local_recv_ns), merged in time order. */
function tape(): { records: InboundRecord[]; quotes: Quote[]; trades: { ns: bigint; price: number; qty: number }[] } {
  const trades = rows(TRADES).map((c) => ({ ns: BigInt(c[3]), price: Number(c[5]), qty: Number(c[6]), side: c[7] === 'buy' ? 1 : -1 }));
  const quotes = rows(QUOTES).map((c) => ({ ns: BigInt(c[0]), bid: Number(c[4]), bidSize: Number(c[5]), ask: Number(c[6]), askSize: Number(c[7]) }));
  const records: InboundRecord[] = [
    ...trades.map((t) => ({ kind: TRADE, instrument: 0, tsExchange: t.ns, tsLocal: t.ns, price: t.price, size: t.qty, a: t.side, b: 0, id: 0n })),
    ...quotes.map((q) => ({ kind: QUOTE, instrument: 0, tsExchange: q.ns, tsLocal: q.ns, price: (q.bid + q.ask) / 2, size: q.bidSize, a: q.bid, b: q.ask, id: f64Bits(q.askSize) })),
  ];
  records.sort((x, y) => (x.tsLocal < y.tsLocal ? -1 : x.tsLocal > y.tsLocal ? 1 : x.kind - y.kind));
  return { records, quotes, trades };
}

function spec(bars: Bar[]): PipelineSpec {
  const model = trainRegimeModel(buildRegimeFeatures(columns(bars)), { restarts: 1, seed: 5, maxIterations: 20 });
  const config = loadConfig({ env: { QF_VENUE__MODE: 'ticks', QF_EXECUTION__CONFIRM_BARS: '1', QF_EXECUTION__NO_TRADE_BAND__EQUITY_PCT: '0.01', QF_EXECUTION__NO_TRADE_BAND__POSITION_PCT: '0', QF_VENUE__LATENCY__ENTRY_MS: '5', QF_VENUE__LATENCY__RESPONSE_MS: '5' } });
  return {
    indicators: [],
    instruments: [{ instrument: 0, regimeModel: model, timeframe: '1s', barBuilder: { timeframeNs: TIMEFRAME_NS, source: 'trades', emptyIntervals: 'skip' } }],
    decision: { fusion: resolveFusionConfig(), sizing: resolveSizingConfig(), equity: 100_000 },
    risk: {
      limits: { maxPositionPct: 0.5, maxAssetClassPct: 1, maxGrossExposure: 1e7, maxLeverage: 1, dailyLossPct: 0.5, maxDrawdownPct: 0.5, priceBandPct: 0.05, minNotional: 10, maxOrders: 100, windowNs: 1_000_000_000n },
      instruments: [{ instrument: 0, assetClass: 0, lotSize: 1e-5, staleNs: 60_000_000_000n }],
      cash: 100_000, startNs: 0n, halted: false,
    },
    execution: executionFromConfig(config, [{ instrument: 0, symbol: 'BTCUSDT' }], { simulate: true }),
  };
}

function columns(bars: Bar[]): OhlcvColumns {
  const of = (pick: (b: Bar) => number) => Float64Array.from(bars, pick);
  return { length: bars.length, timeNs: BigInt64Array.from(bars, (b) => b.openTimeNs), open: of((b) => b.open), high: of((b) => b.high), low: of((b) => b.low), close: of((b) => b.close), volume: of((b) => b.volume) };
}

async function run(records: InboundRecord[], pipeline: PipelineSpec, chunk: number) {
  const bytes: string[] = [];
  const reports: VenueReply[] = [];
  const host = await EngineHost.start({ pipeline, onRecordBytes: (b) => bytes.push(Buffer.from(b).toString('hex')), onVenueReport: (r) => reports.push(r) });
  for (let i = 0; i < records.length; i += chunk) await publishRecords(host, records.slice(i, i + chunk));
  await host.drainAndStop();
  return { bytes, reports, host };
}

describe.skipIf(skipWithout(sharedData([TRADES, QUOTES])))('the simulated venue in tick mode, end to end', () => {
  it('fills market orders at the touch the venue saw, within its displayed size, the same way whatever the batching', async () => {
    const { records, quotes, trades } = tape();
    const builder = new ReferenceBarBuilder({ instrument: 0, timeframeNs: TIMEFRAME_NS, emptyIntervals: 'skip' });
    const bars: Bar[] = [];
    for (const t of trades) {
      const result = builder.onTrade(t.ns, t.price, t.qty);
      if (result.accepted) bars.push(...result.bars);
    }
    const pipeline = spec(bars);
    const a = await run(records, pipeline, 50_000);
    const b = await run(records, pipeline, 777);
    const fills = a.reports.filter((r): r is VenueFill => r.type === 'fill');
    expect(fills.length, 'the strategy traded and the venue filled').toBeGreaterThan(3);
    let q = 0;
    for (const fill of fills) {
      while (q + 1 < quotes.length && quotes[q + 1].ns <= fill.venueNs) q++;
      const quote = quotes[q];
      expect(fill.price, `fill at ${fill.venueNs} is at the touch (bid ${quote.bid}, ask ${quote.ask})`).toBe(fill.qty > 0 ? quote.ask : quote.bid);
      expect(Math.abs(fill.qty), 'within the displayed size').toBeLessThanOrEqual(fill.qty > 0 ? quote.askSize : quote.bidSize);
      expect(fill.maker, 'a market order takes liquidity').toBe(false);
    }
    expect(b.bytes, 'the same records, byte for byte').toEqual(a.bytes);
    expect(a.host.pipelineCounters().stageErrors, `no stage failed (last status ${a.host.pipelineCounters().lastError})`).toBe(0);
  }, 120_000);
});
