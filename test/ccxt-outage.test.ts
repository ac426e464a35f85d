// The ccxt adapter through a venue outage: the Binance simulator behind a proxy the test cuts
// (connections refused) and restores (test/cuttable-proxy.ts). A stream is reported `reconnected`
// (and the session told to reconcile) only once it delivers again, or, for the quiet user stream,
// once the venue confirmed its subscription on an open connection: never while the venue refuses
// connections.
import { afterEach, expect, test } from 'vitest';
import { CcxtVenueAdapter, type FeedHealthEvent } from '../adapters/ccxt/index.js';
import { EventKind, KIND_MASK, loadEventRecord } from '../engine/layout/event-record.js';
import { startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';
import { cuttableProxy, type CuttableProxy } from './cuttable-proxy.js';

const open: { sim: BinanceSim; proxy: CuttableProxy; adapter: CcxtVenueAdapter }[] = [];
afterEach(async () => { for (const h of open.splice(0)) { await h.adapter.close(); await h.proxy.close(); await h.sim.close(); } });

async function until(what: string, ok: () => boolean, rounds = 600): Promise<void> {
  for (let i = 0; i < rounds; i++) { if (ok()) return; await new Promise((r) => setTimeout(r, 25)); }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The Binance simulator behind a cuttable proxy, a connected adapter streaming BTC/USDT trades
 * through it, once its first trade arrived. `timeline` is what happened, in order: health events
 * and TRADE records (by price); `onReconnect` is the session's reconnect hook.
 */
async function startStreaming(onReconnect: (timeline: string[]) => void) {
  const sim = await startBinanceSim();
  sim.trade('BTCUSDT', 50_000, 1);
  const proxy = await cuttableProxy(sim.port);
  const timeline: string[] = [];
  const adapter = new CcxtVenueAdapter({
    exchange: 'binance', baseUrl: `http://127.0.0.1:${proxy.port}`, credentials: { apiKey: TEST_API_KEY, secret: TEST_SECRET }, instruments: [{ instrument: 0, symbol: 'BTC/USDT' }],
    reconnect: { initialMs: 50, maxMs: 200, seed: 7 }, rateLimit: { pauseMs: 100, maxPauseMs: 2000 }, healthCheckMs: 100, staleAfterMs: 600_000, log: () => undefined,
  });
  open.push({ sim, proxy, adapter });
  adapter.onFeedHealth((e: FeedHealthEvent) => timeline.push(`${e.condition} ${e.stream}`));
  adapter.onReconnect(() => onReconnect(timeline));
  adapter.onRecord((b) => {
    const r = loadEventRecord(new DataView(b.buffer, b.byteOffset, 64), 0);
    if ((r.kind & KIND_MASK) === EventKind.TRADE) timeline.push(`trade ${r.price}`);
  });
  await adapter.connect();
  adapter.subscribe([{ instrument: 0, channel: 'trades' }]);
  for (let i = 0; !timeline.includes('trade 50100'); i++) {
    if (i > 200) throw new Error(`no trade streamed before the outage: ${timeline.join(', ')}`);
    sim.trade('BTCUSDT', 50_100, 0.1);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { sim, proxy, adapter, timeline };
}

test('during an outage refusing connections no stream is reported reconnected; after it, the trade stream once, with its first message', async () => {
  let reconnectCalls = 0;
  const { sim, proxy, adapter, timeline } = await startStreaming(() => { reconnectCalls++; });

  proxy.cut();
  const refused = (stream: string) => timeline.filter((e) => e === `reconnecting ${stream}`).length;
  await until('four refused reconnects of every stream', () => ['trades:BTC/USDT', 'orders', 'myTrades'].every((s) => refused(s) >= 4));
  expect(timeline.filter((e) => e.startsWith('reconnected')), `no stream is back while the venue refuses connections: ${timeline.join(', ')}`).toEqual([]);
  expect(reconnectCalls, 'the session was not told to reconcile during the outage').toBe(0);

  const restoredAt = timeline.length;
  proxy.restore();
  // Prints until the trade stream is back (a print before its subscription is not streamed).
  for (let i = 0, price = 50_200; !timeline.slice(restoredAt).includes('reconnected trades:BTC/USDT'); i++, price++) {
    if (i > 400) throw new Error(`the trade stream never came back: ${timeline.slice(restoredAt).join(', ')}`);
    sim.trade('BTCUSDT', price, 0.1);
    await new Promise((r) => setTimeout(r, 50));
  }
  await adapter.sync();
  const after = timeline.slice(restoredAt);
  expect(after.filter((e) => e === 'reconnected trades:BTC/USDT'), `the trade stream reported back once: ${after.join(', ')}`).toHaveLength(1);
  const back = after.indexOf('reconnected trades:BTC/USDT');
  expect(after.slice(0, back).filter((e) => e.startsWith('trade ')), `no trade streamed before it was reported back: ${after.join(', ')}`).toEqual([]);
  expect(after.slice(back + 1).find((e) => e.startsWith('trade ')), `the message that brought it back (after a gap, its backfill) follows: ${after.join(', ')}`).toMatch(/^trade 502\d\d$/);
});

test('after an outage the session is told of a reconnect only once every stream is back, not when the user stream is while the trade stream is not', async () => {
  const { sim, proxy, adapter, timeline } = await startStreaming((timeline) => timeline.push('session told: reconnected'));

  proxy.cut();
  const refused = (stream: string) => timeline.filter((e) => e === `reconnecting ${stream}`).length;
  await until('two refused reconnects of every stream', () => ['trades:BTC/USDT', 'orders', 'myTrades'].every((s) => refused(s) >= 2));
  const restoredAt = timeline.length;
  proxy.restore();
  // No trade is printed: the trade stream is not back (it is back with its first message) while the user streams are.
  await until('the user streams back', () => ['orders', 'myTrades'].every((s) => timeline.slice(restoredAt).includes(`reconnected ${s}`)));
  await adapter.sync();
  expect(timeline.slice(restoredAt).filter((e) => e === 'session told: reconnected'), `not while the trade stream is down: ${timeline.slice(restoredAt).join(', ')}`).toEqual([]);

  for (let i = 0, price = 50_200; !timeline.slice(restoredAt).includes('session told: reconnected'); i++, price++) {
    if (i > 400) throw new Error(`the session was never told: ${timeline.slice(restoredAt).join(', ')}`);
    sim.trade('BTCUSDT', price, 0.1);
    await new Promise((r) => setTimeout(r, 50));
  }
  await adapter.sync();
  const after = timeline.slice(restoredAt);
  expect(after.filter((e) => e === 'session told: reconnected'), `told once, after every stream reported back: ${after.join(', ')}`).toHaveLength(1);
  const told = after.indexOf('session told: reconnected');
  for (const stream of ['trades:BTC/USDT', 'orders', 'myTrades']) expect(after.slice(0, told), `${stream} back before the session is told: ${after.join(', ')}`).toContain(`reconnected ${stream}`);
});
