// Why a backtest's orders were canceled, rejected or expired: report.json's `orders` counts
// them by reason, and the summary says so on a line of its own. On the bundled ETH bars (bar-mode
// venue), post-only entries at the close would take liquidity and the venue rejects them
// (post-only), and IOC entries 30 bp below the close often find nothing to fill at the next open
// (canceled: unfilled), and DAY limits 100 bp below the close often reach their end of day unfilled
// (expired: time-in-force, counted on the orders line too). The oracle is the simulated venue's own replies, read from the outbound
// records as they reach the I/O thread and named as the orders topic names them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { MemoryStream, runBacktest, summariseBacktest, writeBacktestOutputs, type BacktestRun } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { EV_KIND, EventKind } from '../engine/layout/event-record.js';
import { inboundVenueReply } from '../engine/live/index.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
type Ended = 'canceled' | 'rejected' | 'expired';

function document(timeInForce: 'postOnly' | 'ioc' | 'day', limitOffsetBps: number) {
  return {
    strategies: [{ name: 'ema-cross', type: 'rules', long: { entry: 'ema:10 >= ema:20', exit: 'ema:10 < ema:20' }, size: { quantity: 1 } }],
    execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1, entryOrder: { type: 'limit', timeInForce, limitOffsetBps, repriceBps: 0 } },
    risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: 'crypto', lotSize: 0.001 } },
    venue: { mode: 'bars', costs: { makerFee: 0.001, takerFee: 0.001, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 } },
  };
}

interface Observed {
  readonly run: BacktestRun;
  /** The venue's CANCELED, REJECT (of an order) and EXPIRED replies by reason. */
  readonly replies: Record<Ended, Record<string, number>>;
}

let eth: MemoryStream;
let postOnly: Observed;
let ioc: Observed;
let day: Observed;
const out = mkdtempSync(join(tmpdir(), 'qf-order-reasons-'));

async function observe(timeInForce: 'postOnly' | 'ioc' | 'day', limitOffsetBps: number): Promise<Observed> {
  const replies: Observed['replies'] = { canceled: {}, rejected: {}, expired: {} };
  const onRecordBytes = (bytes: Uint8Array) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 64);
    const word = view.getInt32(EV_KIND, true);
    if ((word & EventKind.SOURCE_PAPER) === 0) return;
    // The core passes the venue's reply on outbound: read it as the venue sent it (inbound).
    view.setInt32(EV_KIND, (word & ~EventKind.DIRECTION_OUTBOUND) | EventKind.DIRECTION_INBOUND, true);
    const reply = inboundVenueReply(bytes);
    const how: Ended | null = reply?.type === 'canceled' ? 'canceled' : reply?.type === 'expired' ? 'expired' : reply?.type === 'reject' && reply.of === 'order' ? 'rejected' : null;
    if (how && reply && 'reason' in reply) replies[how][reply.reason] = (replies[how][reply.reason] ?? 0) + 1;
  };
  const config = loadConfig({ document: { value: document(timeInForce, limitOffsetBps), label: `order-reasons ${timeInForce}` }, env: {} });
  const run = await runBacktest({ streams: [eth], config, equity: 100_000, listeners: { onRecordBytes } });
  return { run, replies };
}

beforeAll(async () => {
  eth = await MemoryStream.load(await openCsvStream(ETH));
  postOnly = await observe('postOnly', 0);
  ioc = await observe('ioc', 30);
  day = await observe('day', 100);
}, 240_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('a backtest says why its orders were canceled, rejected or expired', () => {
  it('counts post-only entries the venue rejected, by reason, in report.json as the venue replied', async () => {
    const { run, replies } = postOnly;
    await writeBacktestOutputs(out, run.recording);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const rejected = replies.rejected['post-only'] ?? 0;
    expect(rejected, 'the venue rejected post-only entries at the close: they would have taken liquidity').toBeGreaterThan(100);
    expect(report.orders.rejected, 'report.json orders.rejected').toEqual({ count: rejected, byReason: { 'post-only': rejected } });
    for (const how of ['canceled', 'rejected', 'expired'] as const) {
      expect(report.orders[how].byReason, `orders.${how}.byReason: as the venue's replies`).toEqual(replies[how]);
      const sum = Object.values(report.orders[how].byReason as Record<string, number>).reduce((total, n) => total + n, 0);
      expect(sum, `orders.${how}: the reasons add up to the count`).toBe(report.orders[how].count);
    }
    const o = report.orders;
    expect(o.filled + o.canceled.count + o.rejected.count + o.expired.count + o.working, 'every order sent ended one way or is working').toBe(o.sent);
    expect(o.refused, 'no order refused by the checks').toEqual({ count: 0, byReason: {} });
    expect(report.definitions.orders, 'the section is defined for readers of the JSON').toContain('post-only-would-take');
  });

  it('counts IOC entries that found nothing to fill as canceled: unfilled (execution report, the --json summary\'s orders)', () => {
    const { run, replies } = ioc;
    const unfilled = replies.canceled.unfilled ?? 0;
    expect(unfilled, 'IOC limits 30 bp below the close went unfilled at many next opens').toBeGreaterThan(100);
    expect(run.execution!.orders.endedBy, 'by reason, as the venue replied').toEqual(replies);
  });

  it('prints one line with the canceled, rejected and expired orders by reason, after the orders line', () => {
    const n = (x: number) => x.toLocaleString('en-US');
    const rejected = postOnly.replies.rejected['post-only'];
    const lines = summariseBacktest(postOnly.run, { out, files: [], sources: [] }).lines;
    const line = lines.find((l) => l.startsWith('orders canceled, rejected or expired:'));
    expect(line, 'the post-only run\'s line').toContain(`${n(rejected)} rejected (post-only ${n(rejected)})`);
    expect(lines.indexOf(line!), 'right after the orders line').toBe(lines.findIndex((l) => l.startsWith('orders:')) + 1);
    const iocLine = summariseBacktest(ioc.run, { out, files: [], sources: [] }).lines.find((l) => l.startsWith('orders canceled, rejected or expired:'));
    expect(iocLine, 'the IOC run\'s line').toBe(`orders canceled, rejected or expired: ${n(ioc.run.execution!.orders.canceled)} canceled (unfilled ${n(ioc.replies.canceled.unfilled)}) (report.json orders.*.byReason)`);
  });

  it('counts expired orders on the orders line, with canceled and rejected', () => {
    const n = (x: number) => x.toLocaleString('en-US');
    const { run, replies } = day;
    const expired = replies.expired['time-in-force'] ?? 0;
    expect(expired, 'DAY limits 100 bp below the close that did not fill by the end of their day expired').toBeGreaterThan(0);
    const o = run.execution!.orders;
    expect(o.expired, 'the execution report counts them').toBe(expired);
    const line = summariseBacktest(run, { out, files: [], sources: [] }).lines.find((l) => l.startsWith('orders:'));
    expect(line, 'the orders line').toContain(`orders: ${n(o.sent)} sent, ${n(o.filled)} filled, ${n(o.canceled)} canceled, ${n(o.rejected)} rejected, ${n(expired)} expired, ${n(o.refused)} refused by the checks`);
  });
});
