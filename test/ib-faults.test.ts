// IbVenueAdapter after each injected TWS fault: the adapter's orders, fills and positions equal
// the simulator's truth, executions missed while disconnected are recovered exactly once, and no
// order reaches the venue twice.
import { afterEach, describe, expect, it } from 'vitest';
import { EventKind } from '../engine/layout/event-record.js';
import { expectMatchesTruth, KIND, kindsOf, order, recordsOf, startIb, until, type Ib } from './ib-harness.js';
import { OUT } from './venues/tws-sim/index.js';
import { msgCommission, msgExecution } from './venues/tws-sim/messages.js';

let ib: Ib | null = null;
afterEach(async () => {
  await ib?.close();
  ib = null;
});

const fillsOf = (ib: Ib, orderId: bigint) => recordsOf(ib.seen, orderId).filter((r) => KIND(r) === EventKind.FILL);

describe('IbVenueAdapter under TWS faults', () => {
  it('disconnect right after a PLACE_ORDER: reconnects, recovers the fills exactly once, never re-sends', async () => {
    ib = await startIb({ fillChunks: [0.5, 0.5] });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.dropOnPlace = 'after';
    const o = order(0, 100, 'MKT');
    adapter.submit(o);
    await until(() => ib!.disconnects.length === 1 && adapter.connected && adapter.stats.reconnects === 1, 'reconnect');
    await until(() => fillsOf(ib!, o.orderId).length === 2, 'recovered fills');
    expect(kindsOf(recordsOf(ib.seen, o.orderId)).slice(0, 3)).toEqual(['ACK', 'FILL', 'FILL']);
    expect(adapter.stats.recoveredExecutions).toBe(2);
    await expectMatchesTruth(ib);
  });

  it('disconnect before TWS got the order: the venue never saw it, order() says so, nothing is re-sent', async () => {
    ib = await startIb();
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.dropOnPlace = 'before';
    const lost = order(0, 100, 'MKT');
    adapter.submit(lost);
    await until(() => adapter.stats.reconnects === 1, 'reconnect');
    expect(await adapter.order(lost.clientOrderId), 'an order the venue never saw').toBeNull();
    expect(sim.submissions(lost.clientOrderId)).toBe(0);
    const down = order(0, 10, 'MKT');
    sim.beginReset();
    await until(() => !adapter.connected, 'link down');
    adapter.submit(down); // held, unsent, while the link is down
    sim.endReset();
    await until(() => adapter.connected && fillsOf(ib!, down.orderId).length === 1, 'held order sent after reconnect');
    expect(adapter.stats.heldWhileDown).toBe(1);
    await expectMatchesTruth(ib);
  });

  it('duplicated order statuses and executions give one ACK and one FILL per execution', async () => {
    ib = await startIb({ fillChunks: [0.4, 0.6] });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.duplicateStatus = true;
    sim.faults.duplicateExecutions = true;
    const o = order(0, -50, 'MKT');
    adapter.submit(o);
    await adapter.sync();
    await until(() => fillsOf(ib!, o.orderId).length === 2, 'fills');
    await adapter.sync();
    expect(kindsOf(recordsOf(ib.seen, o.orderId))).toEqual(['ACK', 'FILL', 'FILL']);
    expect(adapter.stats.duplicateExecutions).toBe(2);
    await expectMatchesTruth(ib);
  });

  it('delayed and reordered statuses with out-of-order partial fills still give ACK first, each FILL once, fees attached', async () => {
    ib = await startIb({ fillChunks: [0.2, 0.3, 0.5] });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.holdOrderMessages = true;
    const o = order(0, 100, 'MKT');
    adapter.submit(o);
    await adapter.sync();
    expect(recordsOf(ib.seen, o.orderId), 'nothing while the venue holds its messages').toEqual([]);
    expect(sim.releaseHeld('reversed')).toBeGreaterThan(6);
    await adapter.sync();
    await until(() => fillsOf(ib!, o.orderId).length === 3, 'fills');
    const recs = recordsOf(ib.seen, o.orderId);
    expect(kindsOf(recs)).toEqual(['ACK', 'FILL', 'FILL', 'FILL']);
    expect(recs.slice(1).map((r) => r.size), 'fills in the order the venue sent them (last first)').toEqual([50, 30, 20]);
    expect(recs.slice(1).every((r) => r.a === 1), 'each FILL carries its commission').toBe(true);
    await expectMatchesTruth(ib);
  });

  it('a rejected order gives one REJECT (error 201 then Inactive), logged with TWS\'s reason; the next order fills in partials', async () => {
    const logs: string[] = [];
    ib = await startIb({}, {}, { log: (line) => logs.push(line) });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.reject = { count: 1, code: 201, text: 'Order rejected - reason:insufficient margin' };
    const rejected = order(0, 100, 'LMT', 185.3);
    adapter.submit(rejected);
    await adapter.sync();
    const r = recordsOf(ib.seen, rejected.orderId);
    expect(kindsOf(r)).toEqual(['REJECT']);
    expect([r[0].b, r[0].price]).toEqual([0, 201]);
    expect(logs.filter((l) => l.includes(rejected.clientOrderId)), 'the log says which order TWS rejected and why').toEqual([
      expect.stringMatching(new RegExp(`^order ${rejected.clientOrderId} \\(TWS order \\d+\\): error 201: Order rejected - reason:insufficient margin; the order is rejected \\(REJECT\\)$`)),
    ]);
    const partial = order(0, 100, 'LMT', 185.0);
    adapter.submit(partial);
    await adapter.sync();
    sim.faults.fillChunks = [0.25, 0.75];
    sim.quote('AAPL', 184.9, 185.0);
    await until(() => fillsOf(ib!, partial.orderId).length === 2, 'fills');
    await expectMatchesTruth(ib);
  });

  it('pacing violation on market data (100) is retried; a stale stream is detected and resubscribed', async () => {
    ib = await startIb();
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    sim.faults.pacingMktData = 1;
    adapter.subscribeMarket(1, { quotes: true });
    await until(() => adapter.stats.pacingRetries === 1, 'pacing retry');
    await until(() => sim.requests.filter((q) => q.msgId === 1).length === 2, 'second REQ_MKT_DATA');
    await adapter.sync();
    sim.quote('MSFT', 370, 370.1);
    await until(() => seen.some((s) => KIND(s.record) === EventKind.QUOTE && s.record.instrument === 1), 'MSFT quote');
    sim.faults.stale.add('MSFT');
    sim.quote('MSFT', 370.2, 370.3);
    ib.setClockMs(1_704_205_800_000 + 60_000);
    const stale = adapter.checkFeeds(1_704_205_800_000 + 60_000);
    expect(stale.map((s) => s.instrument)).toEqual([1]);
    expect(adapter.stats.staleResubscribes).toBe(1);
    sim.faults.stale.delete('MSFT');
    await adapter.sync();
    const before = seen.length;
    sim.quote('MSFT', 370.4, 370.5);
    await until(() => seen.length > before, 'quotes after resubscribe');
  });

  it('nightly reset: the link drops and is refused for a while; fills during it are recovered once after reconnect', async () => {
    ib = await startIb({}, { reconnect: { initialMs: 10, maxMs: 80 } });
    const { sim, adapter } = ib;
    await adapter.connect();
    adapter.subscribeMarket(0, { quotes: true });
    sim.quote('AAPL', 185.1, 185.2);
    const stop = order(0, -40, 'STP', 184.0);
    const filledBefore = order(0, 40, 'MKT');
    adapter.submit(filledBefore);
    adapter.submit(stop);
    await adapter.sync();
    await until(() => fillsOf(ib!, filledBefore.orderId).length === 1, 'fill before the reset');
    sim.beginReset();
    await until(() => !adapter.connected, 'link down');
    sim.trade('AAPL', 183.5); // the stop fills while the client is away
    await until(() => adapter.reconnectHistory.attempts >= 3, 'refused reconnect attempts');
    sim.endReset();
    await until(() => adapter.connected && adapter.stats.reconnects === 1, 'reconnect after the reset');
    await until(() => fillsOf(ib!, stop.orderId).length === 1, 'recovered stop fill');
    const delays = adapter.reconnectHistory.delays;
    expect(delays.every((d, i) => d <= Math.min(80, 10 * 2 ** i)), 'exponential backoff, capped, jittered down').toBe(true);
    expect(fillsOf(ib, filledBefore.orderId).length, 'the fill before the reset is not emitted again').toBe(1);
    const requests = sim.requests.filter((r) => r.msgId === 1).length;
    expect(requests, 'market data resubscribed after the reset').toBe(2);
    await expectMatchesTruth(ib);
  });

  it('connectivity lost (1100) then restored with data lost (1101): market data is resubscribed', async () => {
    ib = await startIb();
    const { sim, adapter, seen } = ib;
    await adapter.connect();
    adapter.subscribeMarket(0, { quotes: true });
    await adapter.sync();
    sim.connectivityLost();
    sim.connectivityRestored(true);
    await until(() => sim.requests.filter((r) => r.msgId === 1).length === 2, 'resubscription');
    await adapter.sync();
    sim.quote('AAPL', 185.1, 185.2);
    await until(() => seen.some((s) => KIND(s.record) === EventKind.QUOTE), 'quote after 1101');
  });

  it('a malformed EXECUTION_DATA (time unparseable) is logged and skipped, nothing thrown; the order\'s executions are asked again and its fill arrives once', async () => {
    const logs: string[] = [];
    ib = await startIb({}, {}, { log: (line) => logs.push(line) });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    sim.faults.holdOrderMessages = true; // the well-formed execution stays at the venue for now
    const o = order(0, 10, 'MKT');
    adapter.submit(o);
    await adapter.sync();
    const [real] = sim.executions();
    sim.sendRaw(11, msgExecution(-1, { ...real, time: 'garbage' }));
    await until(() => fillsOf(ib!, o.orderId).length === 1, 'the fill, from the executions asked again');
    const line = logs.find((l) => l.includes(real.execId) && l.includes('skipped'));
    expect(line, 'one line naming the field, the value and the rule').toMatch(/`time` must be "yyyymmdd-hh:mm:ss".*"garbage"/);
    expect(adapter.stats.malformedExecutions).toBe(1);
    expect(fillsOf(ib, o.orderId)[0].size).toBe(10);
    sim.releaseHeld();
    await adapter.sync();
    expect(kindsOf(recordsOf(ib.seen, o.orderId)), 'the held execution is a duplicate now').toEqual(['ACK', 'FILL']);
    expect(adapter.connected && adapter.stats.handlerFailures === 0).toBe(true);
    await expectMatchesTruth(ib);
  });

  it('a handler that throws on a TWS message is logged and drops the link; the reconnect recovers, nothing escapes the socket reader', async () => {
    const logs: string[] = [];
    ib = await startIb({}, {}, { log: (line) => logs.push(line) });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    let thrown = false;
    adapter.onRecord(() => {
      if (thrown) return;
      thrown = true;
      throw new Error('listener broke');
    });
    adapter.submit(order(0, 10, 'MKT'));
    await until(() => adapter.stats.reconnects === 1 && adapter.connected, 'reconnect after the failed handler');
    expect(adapter.stats.handlerFailures).toBe(1);
    expect(logs.some((l) => /handling TWS \w+ failed: listener broke; dropping the TWS link/.test(l))).toBe(true);
  });

  it('an execution correction (same execId base, next suffix, same cumQty) is logged, never counted as a second fill; a new execId for shares already filled is not counted either', async () => {
    const logs: string[] = [];
    ib = await startIb({ fillChunks: [0.4, 0.6] }, {}, { log: (line) => logs.push(line) });
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    const o = order(0, 10, 'MKT');
    adapter.submit(o);
    await until(() => fillsOf(ib!, o.orderId).length === 2, 'the two partial fills (different execId bases, growing cumQty)');
    const [first, second] = sim.executions();
    const same = { ...first, execId: first.execId.replace(/\.01$/, '.02') };
    const repriced = { ...second, execId: second.execId.replace(/\.01$/, '.02'), price: 185.15 };
    const stale = { ...second, execId: '0000e0d5.7fffffff.01.01' }; // a new base for quantity the order has filled (cumQty unchanged)
    for (const e of [same, repriced, stale]) sim.sendRaw(11, msgExecution(-1, e)), sim.sendRaw(11, msgCommission(e));
    await adapter.sync();
    const fills = fillsOf(ib, o.orderId);
    expect(fills.map((f) => f.size), 'one FILL per real execution: the engine holds what the broker holds').toEqual([4, 6]);
    expect(fills.reduce((n, f) => n + f.size, 0)).toBe(sim.positions().AAPL);
    expect(adapter.stats.correctedExecutions).toBe(2);
    expect(adapter.stats.excessExecutions).toBe(1);
    expect(logs.filter((l) => l.includes('corrects execution'))).toHaveLength(2);
    expect(logs.find((l) => l.includes(repriced.execId)), 'a correction that changes the price says so').toMatch(/CORRECTION DIFFERS: TWS now reports 6 @ 185\.15, the FILL already sent was 6 @ 185\.2/);
    expect(logs.find((l) => l.includes(stale.execId))).toMatch(/6 shares reported, 0 new \(cumQty 10 with 10 already counted up to it\): not counted/);
    expect((await adapter.order(o.clientOrderId))?.filled).toBe(10);
  });

  it('a restarted adapter recovers exactly the executions its journal lacks', async () => {
    ib = await startIb();
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    const a = order(0, 10, 'MKT');
    const b = order(0, 20, 'MKT');
    adapter.submit(a);
    await until(() => fillsOf(ib!, a.orderId).length === 1, 'first fill');
    const [first] = sim.executions();
    const journaled = { lastTime: first.time, execIds: [first.execId], lastFillId: 1n };
    adapter.submit(b);
    await until(() => fillsOf(ib!, b.orderId).length === 1, 'second fill');
    await adapter.close();
    const { IbVenueAdapter } = await import('../adapters/ib/index.js');
    const restarted = new IbVenueAdapter({ host: '127.0.0.1', port: sim.port, clientId: 11, instruments: [{ instrument: 0, symbol: 'AAPL' }], maxRequestsPerSecond: 1000 }, { journaled });
    const got: { kind: number; id: bigint; fillId: number }[] = [];
    restarted.onRecord((bytes) => {
      const v = new DataView(bytes.buffer);
      got.push({ kind: v.getInt32(0, true) & 0xffff, id: v.getBigUint64(56, true), fillId: v.getFloat64(48, true) });
    });
    try {
      await restarted.connect();
      const fills = got.filter((g) => g.kind === EventKind.FILL);
      expect(fills.map((f) => [f.id, f.fillId]), 'only the execution missing from the journal, with the next fill id').toEqual([[b.orderId, 2]]);
      expect((await restarted.order(b.clientOrderId))?.filled).toBe(20);
    } finally {
      await restarted.close();
    }
  });

  it('a restarted adapter tracks the orders an earlier process left working: cancel, modify and their statuses reach them', async () => {
    ib = await startIb();
    const { sim, adapter } = ib;
    await adapter.connect();
    sim.quote('AAPL', 185.1, 185.2);
    const left = order(0, 30, 'LMT', 180);
    const modified = order(0, 50, 'LMT', 179);
    adapter.submit(left);
    adapter.submit(modified);
    await adapter.sync();
    await adapter.close(); // the process ends; both orders stay working at the venue
    const logs: string[] = [];
    const { IbVenueAdapter } = await import('../adapters/ib/index.js');
    const restarted = new IbVenueAdapter({ host: '127.0.0.1', port: sim.port, clientId: 11, instruments: [{ instrument: 0, symbol: 'AAPL' }], maxRequestsPerSecond: 1000 }, { log: (l) => logs.push(l) });
    const got: { kind: number; id: bigint; size: number; a: number }[] = [];
    restarted.onRecord((bytes) => {
      const v = new DataView(bytes.buffer);
      got.push({ kind: v.getInt32(0, true) & 0xffff, id: v.getBigUint64(56, true), size: v.getFloat64(32, true), a: v.getFloat64(40, true) });
    });
    const of = (id: bigint) => got.filter((g) => g.id === id && g.kind !== EventKind.ORDER_STATUS);
    try {
      await restarted.connect();
      expect(logs.filter((l) => /was placed by an earlier process: tracked again/.test(l))).toHaveLength(2);
      expect((await restarted.order(left.clientOrderId))?.qty, 'the order\'s real quantity').toBe(30);
      restarted.cancel({ orderId: left.orderId, clientOrderId: left.clientOrderId, instrument: 0 });
      restarted.replace({ orderId: modified.orderId, clientOrderId: modified.clientOrderId, instrument: 0, qty: 40, limitPrice: 185.5, stopPrice: 0 });
      await restarted.sync();
      await until(() => of(modified.orderId).some((g) => g.kind === EventKind.FILL), 'fill of the modified order');
      expect(of(left.orderId).map((g) => [g.kind, g.size]), 'the venue\'s Cancelled status gives CANCELED').toEqual([[EventKind.CANCELED, 30]]);
      expect(of(modified.orderId).map((g) => [g.kind, g.size]), 'modify ACK (a = 1), then the fill').toEqual([[EventKind.ACK, 40], [EventKind.FILL, 40]]);
      expect(of(modified.orderId)[0].a, 'the ACK confirms a modify').toBe(1);
      expect(sim.requests.filter((r) => r.msgId === OUT.CANCEL_ORDER)).toHaveLength(1);
      expect(sim.orders().find((o) => o.orderRef === left.clientOrderId)!.status).toBe('Cancelled');
      expect(sim.submissions(modified.clientOrderId), 'modified in place, not placed again').toBe(1);
    } finally {
      await restarted.close();
    }
  });
});
