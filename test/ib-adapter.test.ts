// IbVenueAdapter end to end through the real @stoqey/ib client against the TWS simulator (server
// version 176): contract resolution, market data and bars -> records, historical backfill, each
// order type -> ACK -> partial fills -> filled with commissions, cancel, modify, positions, the
// contracts' size increments as amount steps and minSize as the minimum order size (none from an
// older server, 163).
import { afterEach, describe, expect, it } from 'vitest';
import { EventKind, bitsF64 } from '../engine/layout/event-record.js';
import { OrderState } from '../engine/orders/index.js';
import { expectMatchesTruth, KIND, kindsOf, order, recordsOf, startIb, until, type Ib } from './ib-harness.js';
import { IbVenueAdapter } from '../adapters/ib/index.js';
import { checkVenueLots, clientOrderIdOf, OrderIdRange, ORDER_ID_RANGE_SIZE, VenueLotError } from '../engine/live/index.js';
import type { PipelineRisk } from '../engine/pipeline/index.js';

let ib: Ib | null = null;
afterEach(async () => {
  await ib?.close();
  ib = null;
});

describe('IbVenueAdapter against the TWS simulator', () => {
  it('connects, resolves contracts and turns ticks and real-time bars into QUOTE / TRADE / BAR records', async () => {
    ib = await startIb();
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    expect(sim.requests.filter((r) => r.msgId === 9).length, 'one REQ_CONTRACT_DATA per instrument').toBe(2);
    adapter.subscribeMarket(0, { quotes: true, bars: true });
    await adapter.sync();
    sim.quote('AAPL', 185.1, 185.2, 300, 400);
    sim.trade('AAPL', 185.15, 50);
    sim.bar('AAPL', { time: 1704205805, open: 185, high: 185.3, low: 184.9, close: 185.2, volume: 10, wap: 185.1, count: 3 });
    await until(() => seen.some((s) => KIND(s.record) === EventKind.BAR), 'BAR record');
    const market = seen.filter((s) => s.seq > 0n);
    expect(market.map((s) => s.seq), 'market records carry the adapter feed sequence').toEqual(market.map((_, i) => BigInt(i + 1)));
    const quote = market.find((s) => KIND(s.record) === EventKind.QUOTE && s.record.size === 300)!.record;
    expect([quote.a, quote.b, quote.price, bitsF64(quote.id)]).toEqual([185.1, 185.2, (185.1 + 185.2) / 2, 400]);
    const trade = market.find((s) => KIND(s.record) === EventKind.TRADE)!.record;
    expect([trade.price, trade.size]).toEqual([185.15, 50]);
    const bar = market.find((s) => KIND(s.record) === EventKind.BAR)!.record;
    expect([bar.price, bar.a, bar.b, bitsF64(bar.id), bar.size, bar.tsExchange]).toEqual([185.2, 185.3, 184.9, 185, 10, 1704205805n * 1_000_000_000n]);
    await expect(adapter.market(1n, 10)).rejects.toThrow(/pushed/);
  });

  it('reports each contract\'s order size increment (CONTRACT_DATA sizeIncrement) as its amount step', async () => {
    const contract = { secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', minTick: 0.01 };
    ib = await startIb({ contracts: [{ ...contract, conId: 265598, symbol: 'AAPL', minSize: 1, sizeIncrement: 1 }, { ...contract, conId: 272093, symbol: 'MSFT', minSize: 0.0001, sizeIncrement: 0.0001 }] });
    expect(ib.adapter.amountStep(0), 'nothing before connect').toBeNull();
    await ib.adapter.connect();
    expect([ib.adapter.amountStep(0), ib.adapter.amountStep(1)]).toEqual([{ symbol: 'AAPL', step: 1, minimum: 1 }, { symbol: 'MSFT', step: 0.0001, minimum: 0.0001 }]);
    expect(ib.adapter.amountStep(7), 'an instrument not configured').toBeNull();
  });

  // A contract traded in fractions (sizeIncrement 0.0001) with a minimum order of one share
  // (minSize 1): a lot of 0.5 is a whole multiple of the increment, so the start passed, and every
  // order of one lot was below what TWS takes. The lot is now checked against minSize too.
  it('reports each contract\'s minSize as its minimum order size, and the lot check refuses a lot below it', async () => {
    const contract = { secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', minTick: 0.01 };
    ib = await startIb({ contracts: [{ ...contract, conId: 265598, symbol: 'AAPL', minSize: 1, sizeIncrement: 0.0001 }, { ...contract, conId: 272093, symbol: 'MSFT', minSize: 1, sizeIncrement: 1 }] });
    await ib.adapter.connect();
    expect(ib.adapter.amountStep(0)).toEqual({ symbol: 'AAPL', step: 0.0001, minimum: 1 });
    const risk = (lots: readonly number[]): PipelineRisk => ({
      limits: {} as PipelineRisk['limits'], cash: 100_000, startNs: 0n, halted: false,
      instruments: lots.map((lotSize, instrument) => ({ instrument, assetClass: 0, lotSize, staleNs: 0n })),
    });
    expect(() => checkVenueLots(risk([0.5, 1]), ib!.adapter)).toThrow(VenueLotError);
    expect(() => checkVenueLots(risk([0.5, 1]), ib!.adapter)).toThrow(/^instrument 0 \(AAPL\): the core sizes orders in lots of 0\.5, which is below \S+'s minimum order size 1 for AAPL: .*lotSize: 1 \}/);
    expect(() => checkVenueLots(risk([1, 1]), ib!.adapter), 'a lot of the minimum').not.toThrow();
    expect(() => checkVenueLots(risk([1.5, 2]), ib!.adapter), 'a lot above it, on the increment').not.toThrow();
  });

  it('reports no amount step when TWS sends no size rules (server version 163), and says so', async () => {
    const lines: string[] = [];
    ib = await startIb({ serverVersion: 163 }, {}, { log: (line) => lines.push(line) });
    await ib.adapter.connect();
    expect([ib.adapter.amountStep(0), ib.adapter.amountStep(1)], 'no step is made up').toEqual([null, null]);
    expect(lines.filter((line) => /sent no size increment/.test(line))).toEqual([
      'contract AAPL (instrument 0): TWS (server version 163) sent no size increment; the lot size check is skipped for it',
      'contract MSFT (instrument 1): TWS (server version 163) sent no size increment; the lot size check is skipped for it',
    ]);
  });

  it('folds TWS\'s 5-second real-time bars into bars of the session\'s timeframe (1m), one BAR record per minute', async () => {
    ib = await startIb();
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    // As quantflow run subscribes an instrument configured `{ channel: bars, timeframe: 1m }`.
    adapter.subscribe([{ instrument: 0, channel: 'bars', timeframe: '1m' }]);
    await adapter.sync();
    const minute = 1704205800;
    const closes = [185, 185.4, 184.8, 185.1, 185.2, 185.3, 185.0, 185.6, 185.5, 185.2, 185.1, 185.3];
    closes.forEach((close, k) => sim.bar('AAPL', { time: minute + 5 * k, open: k === 0 ? 184.9 : closes[k - 1], high: Math.max(close, k === 0 ? 184.9 : closes[k - 1]), low: Math.min(close, k === 0 ? 184.9 : closes[k - 1]), close, volume: 10, wap: close, count: 1 }));
    // The next minute: its first 5-second bars only, then a bar two minutes on (TWS skipped the rest: a halt).
    sim.bar('AAPL', { time: minute + 60, open: 185.3, high: 186, low: 185.3, close: 186, volume: 7, wap: 186, count: 1 });
    sim.bar('AAPL', { time: minute + 65, open: 186, high: 186, low: 185.8, close: 185.9, volume: 3, wap: 185.9, count: 1 });
    sim.bar('AAPL', { time: minute + 180, open: 185.9, high: 185.9, low: 185.9, close: 185.9, volume: 1, wap: 185.9, count: 1 });
    await until(() => seen.filter((s) => KIND(s.record) === EventKind.BAR).length >= 2, 'two BAR records');
    await new Promise((r) => setTimeout(r, 100));
    const bars = seen.filter((s) => KIND(s.record) === EventKind.BAR).map((s) => s.record);
    expect(bars.map((b) => [b.tsExchange, bitsF64(b.id), b.a, b.b, b.price, b.size]), 'one 1m bar per minute (open, high, low, close, volume), not twelve 5-second ones').toEqual([
      [BigInt(minute) * 1_000_000_000n, 184.9, 185.6, 184.8, 185.3, 120],
      [BigInt(minute + 60) * 1_000_000_000n, 185.3, 186, 185.3, 185.9, 10],
    ]);
    expect(() => adapter.subscribe([{ instrument: 1, channel: 'bars', timeframe: '7s' }]), 'a timeframe the 5-second bars cannot build').toThrow(/instrument 1 \(.*\) bars: timeframe must be one the IB adapter builds from TWS's 5-second real-time bars \(1m, 5m, 15m, 1h\), was "7s"/);
  });

  it('backfills historical bars, retrying after a pacing violation (162)', async () => {
    const history = { AAPL: [0, 1, 2].map((i) => ({ time: 1704205800 + 60 * i, open: 185 + i, high: 186 + i, low: 184 + i, close: 185.5 + i, volume: 1000 + i, wap: 185 + i, count: 10 })) };
    ib = await startIb({ history });
    await ib.adapter.connect();
    ib.sim.faults.pacingHistorical = 2;
    const bars = await ib.adapter.backfill(0, { duration: '1 D', barSize: '1 min' });
    expect(ib.adapter.stats.pacingRetries, 'two pacing violations retried').toBe(2);
    expect(bars.length).toBe(3);
    const r = bars.map((b) => new DataView(b.buffer)).map((v) => [v.getBigInt64(8, true), v.getBigInt64(16, true), v.getFloat64(24, true)]);
    expect(r[2]).toEqual([(1704205800n + 120n) * 1_000_000_000n, (1704205800n + 180n) * 1_000_000_000n, 187.5]);
  });

  it.each([
    ['MKT', 0, () => {}],
    ['LMT', 185.3, () => {}],
    ['STP', 185.5, (ib: Ib) => ib.sim.trade('AAPL', 185.6)],
    ['TRAIL', 0, (ib: Ib) => { ib.sim.trade('AAPL', 186); ib.sim.trade('AAPL', 186.5); ib.sim.trade('AAPL', 185.9); }],
  ] as const)('%s buy: ACK, then partial fills, then filled with commissions', async (type, price, trigger) => {
    ib = await startIb({ fillChunks: [0.3, 0.7] });
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    const o = order(0, type === 'TRAIL' ? -100 : 100, type, price, type === 'TRAIL' ? { trailingAmount: 0.5 } : {});
    adapter.submit(o);
    await adapter.sync();
    trigger(ib);
    await until(() => recordsOf(seen, o.orderId).filter((r) => KIND(r) === EventKind.FILL).length === 2, `${type} fills`);
    const records = recordsOf(seen, o.orderId);
    expect(kindsOf(records)).toEqual(['ACK', 'FILL', 'FILL']);
    const sign = Math.sign(o.qty);
    expect(records.slice(1).map((r) => r.size)).toEqual([sign * 30, sign * 70]);
    expect(records.slice(1).map((r) => r.a), 'commission of each execution as the fee').toEqual([1, 1]);
    expect(records[0].b, 'ACK carries the IB order id').toBeGreaterThan(0);
    const view = await adapter.order(o.clientOrderId);
    expect([view!.state, view!.filled, view!.submissions]).toEqual([OrderState.FILLED, o.qty, 1]);
    await expectMatchesTruth(ib);
  });

  it('cancels a resting limit order, modifies one, and refuses a cancel of a filled order', async () => {
    ib = await startIb();
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    const resting = order(0, 100, 'LMT', 180);
    const modified = order(0, 50, 'LMT', 179);
    adapter.submit(resting);
    adapter.submit(modified);
    await adapter.sync();
    adapter.cancel({ orderId: resting.orderId, clientOrderId: resting.clientOrderId, instrument: 0 });
    adapter.replace({ orderId: modified.orderId, clientOrderId: modified.clientOrderId, instrument: 0, qty: 80, limitPrice: 185.5, stopPrice: 0 });
    await adapter.sync();
    await until(() => recordsOf(seen, modified.orderId).some((r) => KIND(r) === EventKind.FILL), 'fill of the modified order');
    expect(kindsOf(recordsOf(seen, resting.orderId))).toEqual(['ACK', 'CANCELED']);
    expect(recordsOf(seen, resting.orderId)[1].size).toBe(100);
    const m = recordsOf(seen, modified.orderId);
    expect(kindsOf(m)).toEqual(['ACK', 'ACK', 'FILL']);
    expect([m[1].a, m[1].size, m[1].price], 'replace ACK with the new quantity and limit').toEqual([1, 80, 185.5]);
    expect(sim.placements(sim.orders().find((o) => o.orderRef === modified.clientOrderId)!.orderId), 'modify re-places the same orderId').toBe(2);
    adapter.cancel({ orderId: modified.orderId, clientOrderId: modified.clientOrderId, instrument: 0 });
    await adapter.sync();
    await until(() => recordsOf(seen, modified.orderId).length === 4, 'cancel refusal');
    const refusal = recordsOf(seen, modified.orderId)[3];
    expect([KIND(refusal), refusal.b, refusal.price]).toEqual([EventKind.REJECT, 1, 161]);
    expect(await adapter.positions()).toEqual([{ instrument: 0, qty: 80 }]);
    await expectMatchesTruth(ib);
  });

  it('leaves another journal\'s orders alone (engine/live OrderIdRange): not in openOrders, no view or record of it, logged once', async () => {
    const ranges = [new OrderIdRange(5n * ORDER_ID_RANGE_SIZE + 1n), new OrderIdRange(9n * ORDER_ID_RANGE_SIZE + 1n)];
    ib = await startIb({}, {}, { orderIds: ranges[0] });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    // Another session (its own journal and clientId) rests a limit order on the same account.
    const log: string[] = [];
    const other = new IbVenueAdapter(
      { host: '127.0.0.1', port: sim.port, clientId: 12, instruments: [{ instrument: 0, symbol: 'AAPL' }], connectTimeoutMs: 3000, requestTimeoutMs: 3000, reconnect: { initialMs: 20, maxMs: 200 } },
      { orderIds: ranges[1] },
    );
    other.onRecord(() => undefined);
    other.onDisconnect(() => undefined);
    try {
      await other.connect();
      const theirs = order(0, 100, 'LMT', 180, { orderId: ranges[1].firstOrderId, clientOrderId: clientOrderIdOf(ranges[1].firstOrderId) });
      other.submit(theirs);
      await other.sync();
      await until(() => sim.orders().length === 1, 'the other session\'s order at TWS');
      (adapter as unknown as { log: (line: string) => void }).log = (line) => log.push(line);
      const open = await adapter.openOrders();
      expect(open, 'none of this journal\'s orders is open; the other one\'s is not listed').toEqual([]);
      expect(log.join('\n')).toMatch(new RegExp(`order ${theirs.clientOrderId} at TWS is another journal's \\(this session's order ids ${ranges[0].firstOrderId} \\.\\. \\d+\\): not ours, left alone`));
      expect(await adapter.order(theirs.clientOrderId), 'no view of another journal\'s order').toBeNull();
      expect(await adapter.openOrders()).toEqual([]);
      expect(log.filter((line) => line.includes(theirs.clientOrderId)), 'logged once').toHaveLength(1);
      await adapter.sync();
      expect(ib.seen.some((s) => s.record.id === ranges[1].firstOrderId), 'no record of another journal\'s order').toBe(false);
    } finally {
      await other.close();
    }
  });

  it('refuses bad orders before sending them, with a REJECT record', async () => {
    ib = await startIb();
    await ib.adapter.connect();
    const bad = order(0, 10, 'TRAIL');
    ib.adapter.submit(bad);
    ib.adapter.submit(order(7, 10, 'MKT'));
    await ib.adapter.sync();
    expect(kindsOf(recordsOf(ib.seen, bad.orderId))).toEqual(['REJECT']);
    expect(ib.adapter.stats.rejectedBeforeSend).toBe(2);
    expect(ib.sim.orders()).toEqual([]);
  });
});
