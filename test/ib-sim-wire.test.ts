// The TWS simulator speaks server version 176 exactly as @stoqey/ib 1.6.10 decodes it: every
// message type the simulator sends is decoded by the real client with no underrun / leftover
// error, and every request the client sends is read by the simulator with no protocol error; and
// an older server (163) on the connect path, whose contract details carry no size rules.
import { afterEach, describe, expect, it } from 'vitest';
import { EventName, IBApi, OrderAction, OrderType, SecType, type Contract } from '@stoqey/ib';
import { TwsSim } from './venues/tws-sim/index.js';

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };

let sim: TwsSim | null = null;
let ib: IBApi | null = null;
afterEach(async () => {
  ib?.disconnect();
  ib = null;
  await sim?.close();
  sim = null;
});

function waitFor<T>(api: IBApi, event: EventName, pick: (...args: any[]) => T | undefined, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5000);
    const on = (...args: any[]) => {
      const v = pick(...args);
      if (v === undefined) return;
      clearTimeout(timer);
      api.off(event, on);
      resolve(v);
    };
    // IBApi's on() overloads take one literal EventName each; a name chosen at run time goes through the emitter's addListener (on's alias).
    api.addListener(event, on);
  });
}

describe('TWS simulator wire protocol (server version 176)', () => {
  it('is decoded by @stoqey/ib without errors for every message type it sends', async () => {
    sim = await TwsSim.start({ history: { AAPL: [{ time: 1704205800, open: 185, high: 186, low: 184.5, close: 185.5, volume: 1000, wap: 185.2, count: 12 }] } });
    const api = (ib = new IBApi({ host: '127.0.0.1', port: sim.port, clientId: 7 }));
    const errors: string[] = [];
    const infos: number[] = [];
    api.on(EventName.error, (err: Error, code: number) => errors.push(`${code}: ${err.message}`));
    api.on(EventName.info, (_m: string, code: number) => infos.push(code));
    const ready = waitFor(api, EventName.nextValidId, (id: number) => id, 'nextValidId');
    api.connect();
    expect(await ready, 'nextValidId after START_API').toBe(1);
    expect(api.serverVersion).toBe(176);

    const details = waitFor(api, EventName.contractDetails, (_r: number, d: any) => d, 'contract details');
    api.reqContractDetails(1, AAPL);
    const d = await details;
    expect(d.contract.conId).toBe(265598);
    expect([d.minTick, d.stockType, d.minSize, d.sizeIncrement, d.suggestedSizeIncrement], 'the size rules (SIZE_RULES, 164) in the decoder\'s order').toEqual([0.01, 'COMMON', 1, 1, 100]);

    const bid = waitFor(api, EventName.tickPrice, (_r: number, t: number, p: number) => (t === 1 ? p : undefined), 'bid tick');
    api.reqMktData(2, { ...AAPL, conId: 265598 }, '', false, false);
    await new Promise((r) => setTimeout(r, 50));
    sim.quote('AAPL', 185.1, 185.2);
    expect(await bid).toBe(185.1);

    const hist = waitFor(api, EventName.historicalData, (_r: number, date: string, o: number) => (o > 0 ? date : undefined), 'historical bar');
    api.reqHistoricalData(3, { ...AAPL, conId: 265598 }, '', '1 D', '1 min' as any, 'TRADES', 1, 2, false);
    expect(await hist).toBe('1704205800');

    const rtb = waitFor(api, EventName.realtimeBar, (_r: number, time: number) => time, 'real-time bar');
    api.reqRealTimeBars(4, { ...AAPL, conId: 265598 }, 5, 'TRADES' as any, false);
    await new Promise((r) => setTimeout(r, 50));
    sim.bar('AAPL', { time: 1704205805, open: 185, high: 185.3, low: 184.9, close: 185.2, volume: 10, wap: 185.1, count: 3 });
    expect(await rtb).toBe(1704205805);

    const commission = waitFor(api, EventName.commissionReport, (c: any) => c, 'commission report');
    const open = waitFor(api, EventName.openOrder, (_id: number, _c: any, o: any) => o, 'open order');
    api.placeOrder(1, { ...AAPL, conId: 265598 }, { action: OrderAction.BUY, orderType: OrderType.TRAIL, totalQuantity: 10, auxPrice: 0.5, trailStopPrice: 184.5, orderRef: 'qf-1', transmit: true, tif: 'DAY' });
    const o = await open;
    expect([o.orderRef, o.orderType, o.auxPrice, o.trailStopPrice, o.totalQuantity]).toEqual(['qf-1', 'TRAIL', 0.5, 184.5, 10]);
    sim.trade('AAPL', 185.6);
    expect((await commission).commission).toBe(1);

    const pos = waitFor(api, EventName.position, (_a: string, c: any, p: number) => [c.conId, p], 'position');
    api.reqPositions();
    expect(await pos).toEqual([265598, 10]);
    const execEnd = waitFor(api, EventName.execDetailsEnd, (r: number) => r, 'exec end');
    api.reqExecutions(9, { clientId: 7, time: '20240102-00:00:00' } as any);
    expect(await execEnd).toBe(9);
    const ooEnd = waitFor(api, EventName.openOrderEnd, () => true, 'open order end');
    api.reqAllOpenOrders();
    await ooEnd;

    expect(errors, 'client decoding errors').toEqual([]);
    expect(sim.protocolErrors, 'simulator request errors').toEqual([]);
    expect(infos).toEqual(expect.arrayContaining([2104, 2106]));
  });

  it('speaks an older server (163, before SIZE_RULES) on the connect path: contract details without size rules, errors without advancedOrderReject', async () => {
    sim = await TwsSim.start({ serverVersion: 163, contracts: [{ conId: 265598, symbol: 'AAPL', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', minTick: 0.01, sizeIncrement: 5 }] });
    const api = (ib = new IBApi({ host: '127.0.0.1', port: sim.port, clientId: 7 }));
    const errors: string[] = [];
    const infos: number[] = [];
    api.on(EventName.error, (err: Error, code: number) => errors.push(`${code}: ${err.message}`));
    api.on(EventName.info, (_m: string, code: number) => infos.push(code));
    const ready = waitFor(api, EventName.nextValidId, (id: number) => id, 'nextValidId');
    api.connect();
    await ready;
    expect(api.serverVersion).toBe(163);
    const details = waitFor(api, EventName.contractDetails, (_r: number, d: any) => d, 'contract details');
    const end = waitFor(api, EventName.contractDetailsEnd, (r: number) => r, 'contract details end');
    api.reqContractDetails(1, AAPL);
    const d = await details;
    expect(await end).toBe(1);
    expect([d.contract.conId, d.minTick, d.contract.primaryExch, d.stockType], 'the fields before and after the ones 163 adds or lacks').toEqual([265598, 0.01, 'NASDAQ', 'COMMON']);
    expect([d.minSize, d.sizeIncrement, d.suggestedSizeIncrement], 'no size rules before 164').toEqual([undefined, undefined, undefined]);
    const missing = waitFor(api, EventName.error, (_e: Error, code: number, reqId: number) => (code === 200 ? reqId : undefined), 'error 200');
    api.reqContractDetails(2, { ...AAPL, symbol: 'NOPE' });
    expect(await missing).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors.filter((e) => !e.startsWith('200:')), 'client decoding errors').toEqual([]);
    expect(sim.protocolErrors, 'simulator request errors').toEqual([]);
    expect(infos).toEqual(expect.arrayContaining([2104, 2106]));
  });
});
