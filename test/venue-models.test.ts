// Example-based checks of the simulated venue's rules (wasm/assembly/venue/venue-matching.ts
// header), each with numbers computed by hand in the test: bar-mode prices with spread,
// slippage and impact; limits, stops and stop-limits against bars; the participation cap,
// IOC, FOK and DAY; post-only; tick-mode touch, displayed size and both queue models;
// reduce-only; cancel and replace races; the three latency models; maker and taker fees.
// Every case runs on the WASM core's venue and on the TS reference, and asserts the replies'
// fields and due times. Splitmix64 draws are checked against the published test vector of
// seed 0 (Vigna, splitmix64.c: e220a8397b1dcdaf, 6e789e6aa1b965f4, ...).
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  ReferenceVenue, runVenueTimeline, WasmVenue,
  type SimulatedVenue, type VenueAck, type VenueCanceled, type VenueConfig, type VenueEvent, type VenueExpired, type VenueFill,
  type VenueInstrumentConfig, type VenueLatencyConfig, type VenueOrderCommand, type VenueQueueConfig, type VenueReject, type VenueStep,
  type VenueCoreExports,
} from '../engine/venue/index.js';

const MS = 1_000_000n;
const H = 3_600_000_000_000n;
const DAY = 86_400_000_000_000n;
/** A UTC midnight. */
const D = 19_700n * DAY;
const BARS = 0;
const TICKS = 1;
const RESPONSE = 2n * MS;
const NO_LATENCY_IN: VenueLatencyConfig = { model: 'constant', responseNs: RESPONSE };

const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as VenueCoreExports;
const IMPLEMENTATIONS: [string, () => SimulatedVenue][] = [
  ['WASM core', () => new WasmVenue(core, memory)],
  ['TS reference', () => new ReferenceVenue()],
];

interface Setup {
  readonly instrument?: Partial<VenueInstrumentConfig>;
  readonly latency?: VenueLatencyConfig;
  readonly queue?: VenueQueueConfig;
  readonly touchFills?: boolean;
}

function config(mode: 'bars' | 'ticks', setup: Setup = {}): VenueConfig {
  const instrument = mode === 'bars' ? BARS : TICKS;
  return {
    latency: setup.latency ?? NO_LATENCY_IN,
    queue: setup.queue,
    touchFills: setup.touchFills,
    instruments: [{ instrument, mode, makerFee: 0.0002, takerFee: 0.0005, ...setup.instrument }],
  };
}

/** Hourly bar k (opening at D + k hours). */
function bar(k: number, open: number, high: number, low: number, close: number, volume: number): VenueStep {
  const openNs = D + BigInt(k) * H;
  return { type: 'market', record: { type: 'bar', instrument: BARS, openNs, closeNs: openNs + H, open, high, low, close, volume } };
}

function quote(atNs: bigint, bid: number, ask: number, bidSize: number, askSize: number): VenueStep {
  return { type: 'market', record: { type: 'quote', instrument: TICKS, tsExchange: atNs, tsLocal: atNs, bid, ask, bidSize, askSize } };
}

function trade(atNs: bigint, price: number, size: number, aggressor: number): VenueStep {
  return { type: 'market', record: { type: 'trade', instrument: TICKS, tsExchange: atNs, tsLocal: atNs, price, size, aggressor } };
}

type OrderFields = Omit<VenueOrderCommand, 'type' | 'instrument' | 'clientId' | 'qty'>;

function order(atNs: bigint, instrument: number, clientId: number, qty: number, fields: OrderFields): VenueStep {
  return { type: 'submit', atNs, command: { type: 'order', instrument, clientId: BigInt(clientId), qty, ...fields } };
}

function cancel(atNs: bigint, instrument: number, clientId: number, qty = 0): VenueStep {
  return { type: 'submit', atNs, command: { type: 'cancel', instrument, clientId: BigInt(clientId), qty } };
}

function replace(atNs: bigint, instrument: number, clientId: number, qty: number, limitPrice = 0): VenueStep {
  return { type: 'submit', atNs, command: { type: 'replace', instrument, clientId: BigInt(clientId), qty, limitPrice } };
}

/** Bar-mode orders are sent at the close of bar 0 (D + 1h), reaching the venue as bar 1 opens. */
const AT_BAR_1 = D + H;
const FIRST_BAR = bar(0, 100, 100.5, 99.5, 100, 1000);

function replies(events: readonly VenueEvent[], clientId: number) {
  return events.filter((e): e is Exclude<VenueEvent, { type: 'arrival' | 'expiry-timer' }> => e.type !== 'arrival' && e.type !== 'expiry-timer' && e.clientId === BigInt(clientId));
}

function fills(events: readonly VenueEvent[], clientId: number): VenueFill[] {
  return replies(events, clientId).filter((e): e is VenueFill => e.type === 'fill');
}

function only<T extends VenueEvent['type']>(events: readonly VenueEvent[], clientId: number, type: T): Extract<VenueEvent, { type: T }> {
  const found = replies(events, clientId).filter((e) => e.type === type);
  expect(found, `order ${clientId} gets exactly one ${type} reply; its replies: ${show(replies(events, clientId))}`).toHaveLength(1);
  return found[0] as Extract<VenueEvent, { type: T }>;
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}` : v));
}

describe.each(IMPLEMENTATIONS)('simulated venue, bar mode (%s)', (_name, create) => {
  function run(setup: Setup, steps: VenueStep[]): { venue: SimulatedVenue; events: VenueEvent[] } {
    const venue = create();
    venue.configure(config('bars', setup));
    return { venue, events: runVenueTimeline(venue, steps) };
  }

  it('fills a market buy at the next open plus half-spread, slippage and linear impact, stamped at the open and due at the bar close', () => {
    const { events } = run({ instrument: { halfSpreadBps: 2, slippageBps: 3, impactBps: 10, impactModel: 'linear' } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 50, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100.5, 1000),
    ]);
    const ack = only(events, 1, 'ack');
    expect(ack, 'the ACK leaves as the order arrives, after the 2 ms response latency').toMatchObject({ venueNs: AT_BAR_1, dueNs: AT_BAR_1 + RESPONSE, qty: 50, replace: false });
    const fill = only(events, 1, 'fill');
    // bps = 10 * 50 / 1000 + 2 + 3 = 5.5; 100 * (1 + 5.5e-4) = 100.055; fee 50 * 100.055 * 0.0005 = 2.501375
    expect(fill.price, 'open 100 plus 5.5 bps').toBeCloseTo(100.055, 10);
    expect(fill.fee, 'taker fee on 50 x 100.055').toBeCloseTo(2.501375, 10);
    expect(fill, 'a whole, taker fill stamped at the open; the venue learns the bar at its close').toMatchObject({ qty: 50, maker: false, venueNs: AT_BAR_1, dueNs: AT_BAR_1 + H });
  });

  it('fills a market sell at the next open less half-spread, slippage and square-root impact', () => {
    const { events } = run({ instrument: { halfSpreadBps: 2, slippageBps: 3, impactBps: 10, impactModel: 'sqrt' } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, -40, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100.5, 1000),
    ]);
    const fill = only(events, 1, 'fill');
    // bps = 10 * sqrt(40 / 1000) + 5 = 7; 100 * (1 - 7e-4) = 99.93; fee 40 * 99.93 * 0.0005 = 1.9986
    expect(fill.price, 'open 100 less 7 bps').toBeCloseTo(99.93, 10);
    expect(fill.qty, 'the fill of a sell is negative').toBe(-40);
    expect(fill.fee, 'fees are on the absolute quantity').toBeCloseTo(1.9986, 10);
  });

  it('prices a reduce-only order\'s impact on the part it may fill, not on its whole quantity', () => {
    const { events } = run({ instrument: { impactBps: 100, impactModel: 'linear' } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 20, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100, 1000),
      order(AT_BAR_1 + H, BARS, 2, -100, { orderType: 'market', reduceOnly: true }),
      bar(2, 100, 101, 99, 100, 1000),
      bar(3, 100, 101, 99, 100, 1000),
    ]);
    const fill = only(events, 2, 'fill');
    // the position is 20: bps = 100 * 20 / 1000 = 2, not 100 * 100 / 1000 = 10; 100 * (1 - 2e-4) = 99.98
    expect(fill.qty, 'a reduce-only sell fills only the 20 long').toBe(-20);
    expect(fill.price, 'impact of 20 against 1000, not of 100').toBeCloseTo(99.98, 10);
    expect(only(events, 2, 'canceled'), 'with the position flat its other 80 are canceled at the next bar it could fill in').toMatchObject({ qty: -80, reason: 'reduce-only', venueNs: D + 3n * H });
  });

  it('fills a resting limit at its price when the bar trades through it, and on a touch only with touchFills', () => {
    const steps = [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 3, { orderType: 'limit', limitPrice: 99 }),
      bar(1, 100, 101, 99, 100, 1000),
      bar(2, 100, 100.5, 98.9, 99.5, 1000),
    ];
    const strict = run({}, steps).events;
    const strictFill = only(strict, 1, 'fill');
    expect(strictFill, 'without touchFills a low of exactly 99 fills nothing; the next bar trades through 99').toMatchObject({ price: 99, qty: 3, maker: true, venueNs: D + 2n * H, dueNs: D + 3n * H });
    expect(strictFill.fee, 'maker fee 3 x 99 x 0.0002').toBeCloseTo(0.0594, 12);
    const touching = run({ touchFills: true }, steps).events;
    expect(only(touching, 1, 'fill'), 'with touchFills the low of 99 fills it in bar 1').toMatchObject({ price: 99, venueNs: AT_BAR_1, dueNs: D + 2n * H });
  });

  it('fills a limit the market gaps through at the open, never worse than its limit', () => {
    const { events } = run({}, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      order(AT_BAR_1, BARS, 2, -2, { orderType: 'limit', limitPrice: 97 }),
      bar(1, 98, 98.5, 96, 97, 1000),
    ]);
    expect(only(events, 1, 'fill'), 'a buy limit 100 with the open at 98 fills at 98, taking liquidity').toMatchObject({ price: 98, maker: false });
    expect(only(events, 2, 'fill'), 'a sell limit 97 with the open at 98 fills at 98 (better than 97)').toMatchObject({ price: 98, qty: -2 });
  });

  it('charges a limit marketable at the open the spread, slippage and impact a market order pays at that open, capped at its limit', () => {
    const costs = { halfSpreadBps: 2, slippageBps: 3, impactBps: 10, impactModel: 'linear' as const };
    const { events } = run({ instrument: costs }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 50, { orderType: 'market' }),
      order(AT_BAR_1, BARS, 2, 50, { orderType: 'limit', limitPrice: 101 }),
      order(AT_BAR_1, BARS, 3, 50, { orderType: 'limit', limitPrice: 100.03 }),
      order(AT_BAR_1, BARS, 4, -50, { orderType: 'limit', limitPrice: 99 }),
      bar(1, 100, 101, 99.5, 100.5, 1000),
    ]);
    // Each fill takes 50 of the bar's 1000: bps = 10 * 50 / 1000 + 2 + 3 = 5.5.
    const market = only(events, 1, 'fill');
    expect(market.price, 'the market buy: open 100 plus 5.5 bps').toBeCloseTo(100.055, 10);
    const limit = only(events, 2, 'fill');
    expect(limit.price, 'a buy limit 101 marketable at the open pays what the market buy paid').toBe(market.price);
    expect(limit, 'a taker fill at the open').toMatchObject({ qty: 50, maker: false, venueNs: AT_BAR_1 });
    expect(limit.fee, 'taker fee 50 x 100.055 x 0.0005').toBeCloseTo(2.501375, 10);
    expect(only(events, 3, 'fill').price, 'a buy limit 100.03 pays the costs only up to its limit').toBe(100.03);
    expect(only(events, 4, 'fill').price, 'a sell limit 99 marketable at the open: open 100 less 5.5 bps').toBeCloseTo(99.945, 10);
  });

  it('fills a limit that rested before the bar and is gapped through at the bare open as a maker (the opening auction), where one arriving at the open is a taker', () => {
    const costs = { halfSpreadBps: 2, slippageBps: 3, impactBps: 10, impactModel: 'linear' as const };
    const AT_BAR_2 = D + 2n * H + 50n * MS;
    const { events } = run({ instrument: costs }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 50, { orderType: 'limit', limitPrice: 99 }),
      order(AT_BAR_1, BARS, 2, -50, { orderType: 'limit', limitPrice: 101 }),
      bar(1, 100, 100.8, 99.2, 100, 1000),
      order(AT_BAR_2, BARS, 3, 50, { orderType: 'limit', limitPrice: 99 }),
      bar(2, 98, 98.5, 97.5, 98, 1000),
    ]);
    expect(fills(events, 1), 'bar 1 does not reach 99: one fill, in bar 2').toHaveLength(1);
    const rested = only(events, 1, 'fill');
    expect(rested, 'the buy limit 99 resting since bar 1, bar 2 opening at 98: 98 flat, maker, at the open').toMatchObject({ price: 98, qty: 50, maker: true, venueNs: D + 2n * H });
    expect(rested.fee, 'maker fee 50 x 98 x 0.0002').toBeCloseTo(0.98, 10);
    const arriving = only(events, 3, 'fill');
    // 50 of the bar's 1000, after the resting 50: 10 * 50 / 1000 + 2 + 3 = 5.5 bps on 98.
    expect(arriving, 'the same limit arriving 50 ms into bar 2 crosses the spread: a taker at its arrival').toMatchObject({ maker: false, venueNs: AT_BAR_2 });
    expect(arriving.price).toBeCloseTo(98 * 1.00055, 10);
    expect(fills(events, 2), 'the sell limit 101 is not reached').toHaveLength(0);
  });

  it('fills a resting post-only gapped through as a maker, and expires one arriving at an open that crosses it instead of filling it as a taker', () => {
    const costs = { halfSpreadBps: 2, slippageBps: 3 };
    const { events } = run({ instrument: costs }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 1, { orderType: 'limit', limitPrice: 99, timeInForce: 'post-only' }),
      bar(1, 100, 100.8, 99.2, 99.5, 1000),
      order(D + 2n * H + 50n * MS, BARS, 2, -1, { orderType: 'limit', limitPrice: 99.6, timeInForce: 'post-only' }),
      order(D + 2n * H + 50n * MS, BARS, 3, 1, { orderType: 'limit', limitPrice: 99.4, timeInForce: 'post-only' }),
      bar(2, 98.5, 99, 98, 98.8, 1000),
    ]);
    expect(only(events, 1, 'fill'), 'resting since bar 1, gapped through by the open 98.5: maker at the bare open').toMatchObject({ price: 98.5, maker: true, venueNs: D + 2n * H });
    expect(only(events, 2, 'ack'), 'the sell at 99.6 is above the last close 99.5: accepted').toBeDefined();
    expect(fills(events, 2), 'bar 2 never reaches 99.6').toHaveLength(0);
    expect(only(events, 3, 'ack'), 'the buy at 99.4 is below the last close 99.5: accepted on arrival').toBeDefined();
    expect(fills(events, 3), 'but the bar had opened at 98.5, through it: it would take liquidity, so it never fills').toHaveLength(0);
    expect(only(events, 3, 'expired'), 'expired unfilled at its arrival').toMatchObject({ qty: 1, venueNs: D + 2n * H + 50n * MS, reason: 'post-only-would-take' });
  });

  it('triggers a stop at the open when the bar gaps through it, else at the stop inside the bar, paying the market costs', () => {
    const { venue, events } = run({ instrument: { halfSpreadBps: 2, slippageBps: 3 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 1, { orderType: 'stop', stopPrice: 101 }),
      order(AT_BAR_1, BARS, 2, -1, { orderType: 'stop', stopPrice: 99 }),
      order(AT_BAR_1, BARS, 3, 1, { orderType: 'stop', stopPrice: 103 }),
      bar(1, 102, 102.5, 98.5, 100, 1000),
    ]);
    expect(only(events, 1, 'fill').price, 'buy stop 101, open 102: 102 x 1.0005').toBeCloseTo(102.051, 10);
    expect(only(events, 2, 'fill').price, 'sell stop 99, low 98.5: 99 x 0.9995').toBeCloseTo(98.9505, 10);
    expect(fills(events, 3), 'buy stop 103 above the high 102.5 stays untriggered').toHaveLength(0);
    expect(venue.order(3n), 'the untriggered stop keeps resting as a stop').toMatchObject({ state: 'resting', orderType: 'stop' });
  });

  it('fills a stop-limit at its trigger when the limit allows, else rests it as a limit (maker at the limit, and at a later open gapping through it)', () => {
    const { venue, events } = run({ instrument: { halfSpreadBps: 2, slippageBps: 3 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 1, { orderType: 'stop-limit', stopPrice: 101, limitPrice: 101.5 }),
      order(AT_BAR_1, BARS, 2, 1, { orderType: 'stop-limit', stopPrice: 101, limitPrice: 100.5 }),
      bar(1, 100, 102, 99.8, 101, 1000),
    ]);
    const triggered = only(events, 1, 'fill');
    expect(triggered, 'triggered at 101 inside the bar with limit 101.5: a taker, like the stop it was').toMatchObject({ maker: false });
    expect(triggered.price, 'it pays the market costs of a stop at 101 (101 x 1.0005), within its limit 101.5').toBeCloseTo(101.0505, 10);
    expect(fills(events, 2), 'triggered at 101 above its limit 100.5: no fill in the trigger bar').toHaveLength(0);
    expect(venue.order(2n), 'it rests as a limit order, triggered').toMatchObject({ state: 'triggered', orderType: 'limit', maker: true });
    const later = runVenueTimeline(venue, [bar(2, 101, 101.2, 100.2, 100.8, 1000)]);
    expect(only(later, 2, 'fill'), 'the next bar trades through 100.5: maker fill at the limit').toMatchObject({ price: 100.5, maker: true });

    const gapped = run({}, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 3, 1, { orderType: 'stop-limit', stopPrice: 101, limitPrice: 101.5 }),
      bar(1, 103, 104, 102.5, 103, 1000),
      bar(2, 101.2, 101.8, 100.9, 101, 1000),
    ]).events;
    expect(only(gapped, 3, 'fill'), 'triggered at an open of 103 beyond its limit, it rests as a limit and the next open 101.2 gaps through it: maker at the bare open').toMatchObject({ price: 101.2, maker: true, venueNs: D + 2n * H });
  });

  it('caps each bar at the participation share of its volume, over all the instrument\'s orders, so a large order fills in parts that add up to it', () => {
    const { events } = run({ instrument: { participationCap: 0.1 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 250, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100, 1000),
      bar(2, 100.5, 101, 99, 100, 1200),
      bar(3, 101, 101, 99, 100, 1000),
      order(D + 4n * H, BARS, 2, 80, { orderType: 'market' }),
      order(D + 4n * H, BARS, 3, 80, { orderType: 'market' }),
      bar(4, 102, 103, 101, 102, 1000),
    ]);
    const parts = fills(events, 1);
    expect(parts.map((f) => [f.qty, f.price]), '10% of 1000, 1200 and what is left, each at its bar open').toEqual([[100, 100], [120, 100.5], [30, 101]]);
    expect(parts.reduce((sum, f) => sum + f.qty, 0), 'the parts add up to the order').toBe(250);
    expect(parts.map((f) => f.fillId), 'each part has its own fill id').toEqual([1, 2, 3]);
    expect(fills(events, 2).map((f) => f.qty), 'the first order in time priority takes 80 of the 100 the bar allows').toEqual([80]);
    expect(fills(events, 3).map((f) => f.qty), 'the second gets the 20 left in that bar').toEqual([20]);
  });

  it('caps nothing on a bar with no known volume (NaN: a bar file without a volume column), as it prices no impact there', () => {
    const { events } = run({ instrument: { participationCap: 0.1 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 250, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100, Number.NaN),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price]), 'the whole order at the open of a bar with unknown volume').toEqual([[250, 100]]);
  });

  it('rounds a participation-capped fill down to whole lots of the instrument when the venue knows its lot size; a remainder below a lot waits', () => {
    // 10% of 1.23456 = 0.123456 per bar; in lots of 0.01: 0.12, then the rest.
    const steps = [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 0.25, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100, 1.23456),
      bar(2, 100, 101, 99, 100, 1.23456),
      bar(3, 100, 101, 99, 100, 1.23456),
      order(D + 4n * H, BARS, 2, 0.1, { orderType: 'market' }),
      bar(4, 100, 101, 99, 100, 0.009),
      bar(5, 100, 101, 99, 100, 1000),
    ];
    const lots = run({ instrument: { participationCap: 0.1, lotSize: 0.01 } }, steps).events;
    const parts = fills(lots, 1).map((f) => f.qty);
    expect(parts.length, 'three bars').toBe(3);
    expect(parts[0]).toBeCloseTo(0.12, 12);
    expect(parts[1]).toBeCloseTo(0.12, 12);
    expect(parts[2], 'the last 0.01: the order\'s own size, whole').toBeCloseTo(0.01, 12);
    for (const q of parts) expect(Math.abs(q / 0.01 - Math.round(q / 0.01)), `${q} is whole lots`).toBeLessThan(1e-9);
    expect(fills(lots, 2).map((f) => f.qty), 'a bar allowing 0.0009, under one lot: nothing; the next bar fills the order').toEqual([0.1]);
    const unrounded = run({ instrument: { participationCap: 0.1 } }, steps).events;
    expect(fills(unrounded, 1)[0].qty, 'without a lot size: the bare cap').toBeCloseTo(0.123456, 12);
  });

  it('fills nothing on a bar with volume 0 (nothing traded in it) under a participation cap: the order waits for a bar that traded, and IOC is canceled', () => {
    const { events } = run({ instrument: { participationCap: 0.1 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 50, { orderType: 'market' }),
      order(AT_BAR_1, BARS, 2, 5, { orderType: 'market', timeInForce: 'ioc' }),
      bar(1, 100, 101, 99, 100, 0),
      bar(2, 102, 103, 101, 102, 1000),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price, f.venueNs]), 'no fill in the bar that traded nothing; the whole order at the next open, within 10% of 1000').toEqual([[50, 102, D + 2n * H]]);
    expect(fills(events, 2), 'the IOC order had only the bar that traded nothing').toHaveLength(0);
    expect(only(events, 2, 'canceled'), 'and is canceled at its end').toBeDefined();
  });

  it('fills the orders the open reaches before a resting stop or limit the bar reaches later, so a market close leaves a reduce-only exit nothing to reduce', () => {
    const { venue, events } = run({}, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 2, { orderType: 'market' }),
      bar(1, 100, 100.5, 99.5, 100, 1000),
      order(D + 2n * H, BARS, 2, -2, { orderType: 'stop', stopPrice: 99, reduceOnly: true }),
      order(D + 2n * H, BARS, 3, -1, { orderType: 'limit', limitPrice: 101.5, reduceOnly: true }),
      order(D + 2n * H, BARS, 4, -2, { orderType: 'market' }),
      bar(2, 100, 102, 98, 98.5, 1000),
    ]);
    expect(fills(events, 4).map((f) => [f.qty, f.price]), 'the market close sent at the close of bar 1 fills whole at the open of bar 2').toEqual([[-2, 100]]);
    expect(fills(events, 2), 'the reduce-only stop at 99 the low of 98 reaches later in the bar finds the position closed').toHaveLength(0);
    expect(only(events, 2, 'canceled'), 'and is canceled as reduce-only').toMatchObject({ qty: -2, reason: 'reduce-only' });
    expect(fills(events, 3), 'so is the reduce-only profit limit at 101.5 the high of 102 reaches').toHaveLength(0);
    expect(only(events, 3, 'canceled')).toMatchObject({ qty: -1, reason: 'reduce-only' });
    expect(venue.instrument(BARS).position, 'the venue position is flat, not short').toBe(0);
  });

  it('cancels what an IOC order did not fill in its first bar, and fills an FOK whole or not at all', () => {
    const { events } = run({ instrument: { participationCap: 0.1 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 250, { orderType: 'market', timeInForce: 'ioc' }),
      bar(1, 100, 101, 99, 100, 1000),
      order(D + 2n * H, BARS, 2, 250, { orderType: 'market', timeInForce: 'fok' }),
      bar(2, 100, 101, 99, 100, 1000),
      order(D + 3n * H, BARS, 3, 80, { orderType: 'market', timeInForce: 'fok' }),
      bar(3, 100, 101, 99, 100, 1000),
    ]);
    expect(fills(events, 1).map((f) => f.qty), 'the IOC takes the 100 the cap allows').toEqual([100]);
    expect(only(events, 1, 'canceled'), 'and the rest is canceled at the same venue time, due with the fill at the bar close').toMatchObject({ qty: 150, reason: 'unfilled', venueNs: AT_BAR_1, dueNs: D + 2n * H });
    expect(fills(events, 2), 'an FOK of 250 against a cap of 100 fills nothing').toHaveLength(0);
    expect(only(events, 2, 'canceled'), 'it is canceled whole').toMatchObject({ qty: 250, reason: 'unfilled' });
    expect(fills(events, 3).map((f) => f.qty), 'an FOK of 80 within the cap fills whole').toEqual([80]);
  });

  it('expires a DAY order at the end of its UTC day with no market data after it, and rejects a later cancel as unknown', () => {
    const { venue, events } = run({}, [
      FIRST_BAR,
      order(D + 20n * H, BARS, 1, 5, { orderType: 'limit', limitPrice: 90, timeInForce: 'day' }),
      order(D + 20n * H, BARS, 2, 5, { orderType: 'limit', limitPrice: 90 }),
      cancel(D + DAY + H, BARS, 1, 5),
    ]);
    expect(only(events, 1, 'expired'), 'EXPIRED at midnight UTC with its leaves, after the response latency').toMatchObject({ venueNs: D + DAY, dueNs: D + DAY + RESPONSE, qty: 5, reason: 'time-in-force' });
    expect(only(events, 1, 'reject'), 'a cancel arriving after the expiry finds no order').toMatchObject({ reason: 'unknown-order', of: 'cancel', qty: 5, venueNs: D + DAY + H });
    expect(venue.order(2n), 'a GTC order does not expire').not.toBeNull();
  });

  it('rejects a post-only order priced at or through the last close', () => {
    const { events } = run({}, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 1, { orderType: 'limit', limitPrice: 100, timeInForce: 'post-only' }),
      order(AT_BAR_1, BARS, 2, -1, { orderType: 'limit', limitPrice: 100, timeInForce: 'post-only' }),
      order(AT_BAR_1, BARS, 3, 1, { orderType: 'limit', limitPrice: 99.9, timeInForce: 'post-only' }),
    ]);
    expect(only(events, 1, 'reject'), 'a buy at the close 100 would take liquidity').toMatchObject({ reason: 'post-only', of: 'order', qty: 1 });
    expect(only(events, 2, 'reject'), 'so would a sell at 100').toMatchObject({ reason: 'post-only', of: 'order' });
    expect(only(events, 3, 'ack'), 'a buy below the close rests').toMatchObject({ limitPrice: 99.9 });
  });

  it('charges the maker fee on resting limit fills and the taker fee on fills at the open, times the contract multiplier', () => {
    const { events } = run({ instrument: { makerFee: -0.0001, takerFee: 0.0007, multiplier: 10 } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 2, { orderType: 'limit', limitPrice: 99 }),
      order(AT_BAR_1, BARS, 2, 2, { orderType: 'limit', limitPrice: 101 }),
      bar(1, 100, 100.5, 98, 99.5, 1000),
    ]);
    expect(only(events, 1, 'fill').fee, 'maker rebate: 2 x 99 x 10 x -0.0001').toBeCloseTo(-0.198, 12);
    expect(only(events, 2, 'fill').fee, 'taker at the open: 2 x 100 x 10 x 0.0007').toBeCloseTo(1.4, 12);
  });

  it('stamps the fill of an order arriving inside a bar at its arrival and never makes a reply due before events already delivered', () => {
    const { events } = run({ latency: { model: 'constant', entryNs: 10n * MS, responseNs: RESPONSE } }, [
      FIRST_BAR,
      order(AT_BAR_1, BARS, 1, 1, { orderType: 'market' }),
      order(AT_BAR_1 + 20n * MS, BARS, 2, 1, { orderType: 'market' }),
      bar(1, 100, 101, 99, 100, 1000),
    ]);
    expect(only(events, 1, 'fill'), 'filled at the bar open price, stamped when it arrived, due when the bar closed').toMatchObject({ price: 100, venueNs: AT_BAR_1 + 10n * MS, dueNs: D + 2n * H });
    const dues = events.map((e) => e.dueNs);
    expect(dues, 'events come out in due order').toEqual([...dues].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

describe.each(IMPLEMENTATIONS)('simulated venue, tick mode (%s)', (_name, create) => {
  const T = D + 10n * H;

  function run(setup: Setup, steps: VenueStep[]): { venue: SimulatedVenue; events: VenueEvent[] } {
    const venue = create();
    venue.configure(config('ticks', setup));
    return { venue, events: runVenueTimeline(venue, steps) };
  }

  it('caps a market order at the displayed size of the touch and fills the rest from the next quote', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.1, 5, 3),
      order(T + MS, TICKS, 1, 5, { orderType: 'market' }),
      order(T + 2n * MS, TICKS, 2, 1, { orderType: 'market' }),
      quote(T + 10n * MS, 100, 100.2, 5, 10),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price, f.venueNs]), '3 of the 3 shown at 100.1 on arrival, the other 2 at 100.2 from the next quote').toEqual([
      [3, 100.1, T + MS],
      [2, 100.2, T + 10n * MS],
    ]);
    expect(fills(events, 2).map((f) => [f.qty, f.price, f.venueNs]), 'a second order gets nothing from a touch the first emptied, and fills on the next quote').toEqual([[1, 100.2, T + 10n * MS]]);
    expect(venue.instrument(TICKS).askLeft, 'of the 10 shown at 100.2, 3 were taken').toBe(7);
  });

  it('rounds a fill capped by the displayed size down to whole lots when the venue knows the lot size; a remainder below a lot waits for the next quote', () => {
    // Lot 0.01: 0.0345 shown at 100.1 lets 0.03 of a 0.05 market order go; 0.009 shown, under one lot, lets nothing;
    // the next quote's 1 fills the last 0.02, the order's own size.
    const steps = [
      quote(T, 100, 100.1, 5, 0.0345),
      order(T + MS, TICKS, 1, 0.05, { orderType: 'market' }),
      quote(T + 10n * MS, 100, 100.2, 5, 0.009),
      quote(T + 20n * MS, 100, 100.3, 5, 1),
      // A resting sell limit the opposite touch reaches, 0.0257 shown there: 0.02 of it fills.
      order(T + 30n * MS, TICKS, 2, -0.05, { orderType: 'limit', limitPrice: 100.5 }),
      quote(T + 40n * MS, 100.6, 100.7, 0.0257, 5),
    ];
    const { events } = run({ instrument: { lotSize: 0.01 } }, steps);
    const parts = fills(events, 1).map((f) => [f.qty, f.price]);
    expect(parts.map(([q]) => q).length, 'two fills').toBe(2);
    expect(parts[0][0]).toBeCloseTo(0.03, 12);
    expect(parts[0][1]).toBe(100.1);
    expect(parts[1][0], 'the rest, 0.02, from the third quote').toBeCloseTo(0.02, 12);
    expect(parts[1][1]).toBe(100.3);
    const limit = fills(events, 2).map((f) => Math.abs(f.qty));
    expect(limit.length).toBe(1);
    expect(limit[0], 'the limit takes 0.02 of the 0.0257 shown').toBeCloseTo(0.02, 12);
    for (const f of [...fills(events, 1), ...fills(events, 2)]) expect(Math.abs(f.qty / 0.01 - Math.round(f.qty / 0.01)), `${f.qty} is whole lots`).toBeLessThan(1e-9);
    const unrounded = run({}, steps).events;
    expect(fills(unrounded, 1)[0].qty, 'without a lot size: the displayed size').toBeCloseTo(0.0345, 12);
  });

  it('fills an IOC order from the touch and cancels the rest at once; fills an FOK whole from the touch or cancels it whole', () => {
    const { events } = run({}, [
      quote(T, 100, 100.1, 5, 3),
      order(T + MS, TICKS, 1, 5, { orderType: 'market', timeInForce: 'ioc' }),
      quote(T + 2n * MS, 100, 100.1, 5, 3),
      order(T + 3n * MS, TICKS, 2, 5, { orderType: 'market', timeInForce: 'fok' }),
      order(T + 3n * MS, TICKS, 3, -4, { orderType: 'limit', limitPrice: 99.9, timeInForce: 'fok' }),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price]), 'the IOC takes the 3 shown').toEqual([[3, 100.1]]);
    expect(only(events, 1, 'canceled'), 'its other 2 are canceled as it arrives').toMatchObject({ qty: 2, reason: 'unfilled', venueNs: T + MS });
    expect(fills(events, 2), 'an FOK of 5 against 3 shown fills nothing').toHaveLength(0);
    expect(only(events, 2, 'canceled'), 'and is canceled whole').toMatchObject({ qty: 5, reason: 'unfilled' });
    expect(fills(events, 3).map((f) => [f.qty, f.price]), 'an FOK sell of 4 limited at 99.9 takes 4 of the 5 bid at 100').toEqual([[-4, 100]]);
  });

  it('rejects a post-only order that would cross the touch and rests one inside the spread as maker', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.1, 5, 5),
      order(T + MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 100.1, timeInForce: 'post-only' }),
      order(T + MS, TICKS, 2, -1, { orderType: 'limit', limitPrice: 100, timeInForce: 'post-only' }),
      order(T + MS, TICKS, 3, 1, { orderType: 'limit', limitPrice: 100.05, timeInForce: 'post-only' }),
    ]);
    expect(only(events, 1, 'reject'), 'a buy at the ask 100.1 would take it').toMatchObject({ reason: 'post-only', of: 'order', venueNs: T + MS, dueNs: T + MS + RESPONSE });
    expect(only(events, 2, 'reject'), 'a sell at the bid 100 would take it').toMatchObject({ reason: 'post-only' });
    expect(venue.order(3n), 'a buy at 100.05 rests as maker with nothing ahead of it').toMatchObject({ maker: true, queueAhead: 0, queueKnown: true });
  });

  it('rejects a post-only replace whose new price would take liquidity, keeping the order as it was', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.1, 5, 5),
      order(T + MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 100.05, timeInForce: 'post-only' }),
      replace(T + 2n * MS, TICKS, 1, 1, 100.1),
    ]);
    const reject = replies(events, 1).find((e): e is VenueReject => e.type === 'reject');
    expect(reject, 'the replace to the ask is refused as post-only').toMatchObject({ reason: 'post-only', of: 'replace' });
    expect(fills(events, 1), 'and nothing fills').toHaveLength(0);
    expect(venue.order(1n), 'the order keeps its price').toMatchObject({ limitPrice: 100.05 });
  });

  it('advances a resting limit\'s queue only on trades at its price whose aggressor took its side, then fills it (conservative model)', () => {
    const venue = create();
    venue.configure(config('ticks'));
    const ahead = () => venue.order(1n)?.queueAhead;
    runVenueTimeline(venue, [quote(T, 100, 100.1, 10, 5), order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 })]);
    expect(ahead(), 'it joins behind the 10 shown at 100').toBe(10);
    runVenueTimeline(venue, [trade(T + 2n * MS, 100, 4, -1)]);
    expect(ahead(), 'a seller hitting 100 for 4 works off 4').toBe(6);
    runVenueTimeline(venue, [trade(T + 3n * MS, 100, 4, 1), trade(T + 4n * MS, 100.05, 4, -1)]);
    expect(ahead(), 'a buyer-aggressor print at 100, or a print at another price, moves nothing').toBe(6);
    runVenueTimeline(venue, [quote(T + 5n * MS, 100, 100.1, 8, 5)]);
    expect(ahead(), 'a new quote at its level showing at least the 6 ahead moves nothing').toBe(6);
    const events = runVenueTimeline(venue, [trade(T + 6n * MS, 100, 7, -1), trade(T + 7n * MS, 100, 3, -1)]);
    expect(fills(events, 1).map((f) => [f.qty, f.price, f.maker]), 'a print of 7 clears the 6 ahead and fills 1; the next fills the last 1, at its price as maker').toEqual([
      [1, 100, true],
      [1, 100, true],
    ]);
  });

  it('moves a probabilistic queue ahead on size decreases it cannot explain by trades, faster than the conservative one', () => {
    const steps = [
      quote(T, 100, 100.1, 10, 5),
      order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      quote(T + 2n * MS, 100, 100.1, 20, 5),
      quote(T + 3n * MS, 100, 100.1, 14, 5),
    ];
    const afterDecrease = (queue: VenueQueueConfig | undefined) => {
      const { venue } = run({ queue }, steps);
      const ahead = venue.order(1n)?.queueAhead;
      return { ahead, filled: fills(runVenueTimeline(venue, [trade(T + 4n * MS, 100, 8, -1)]), 1).map((f) => f.qty) };
    };
    const conservative = afterDecrease(undefined);
    expect(conservative.ahead, 'conservative: 10 ahead, whatever was canceled behind it').toBe(10);
    expect(conservative.filled, 'a print of 8 does not reach the conservative order').toEqual([]);
    // front 10, back 20 - 10 = 10, p = 10^2 / (10^2 + 10^2) = 0.5: front = 10 - 0.5 * 6 + min(10 - 0.5 * 6, 0) = 7
    const probabilistic = afterDecrease({ model: 'probabilistic', power: 2 });
    expect(probabilistic.ahead, 'probabilistic (power 2): half of the 6 canceled were ahead of it').toBe(7);
    expect(probabilistic.filled, 'the print of 8 fills 1 of the probabilistic one').toEqual([1]);
  });

  it('keeps the probabilistic queue a number when the displayed size is unknown', () => {
    const { venue } = run({ queue: { model: 'probabilistic', power: 3 } }, [
      quote(T, 100, 100.1, 0, 5),
      order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      quote(T + 2n * MS, 100, 100.1, 0, 5),
      quote(T + 3n * MS, 100, 100.1, 6, 5),
    ]);
    expect(venue.order(1n)?.queueAhead, 'an unknown size puts everything ahead; the first known size (6) bounds it').toBe(6);
  });

  it('keeps the place of an order alone in front of its price when the touch comes back to that price', () => {
    const { venue, events } = run({}, [
      quote(T, 99.9, 100.1, 10, 5),
      order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      quote(T + 2n * MS, 100, 100.1, 50, 5),
      trade(T + 3n * MS, 100, 1, -1),
    ]);
    expect(fills(events, 1).map((f) => f.qty), 'the 50 that joined at 100 came after it: the first seller at 100 fills it').toEqual([1]);
    expect(venue.order(1n)?.queueAhead, 'nothing is ahead of it').toBe(0);
  });

  it('works off the shared displayed queue for every order at a price, less what earlier orders took', () => {
    const { events } = run({}, [
      quote(T, 100, 100.1, 10, 5),
      order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      order(T + 2n * MS, TICKS, 2, 2, { orderType: 'limit', limitPrice: 100 }),
      trade(T + 3n * MS, 100, 12, -1),
      trade(T + 4n * MS, 100, 1, -1),
    ]);
    expect(fills(events, 1).map((f) => f.qty), 'the first order takes the 2 the print of 12 leaves after the 10 ahead').toEqual([2]);
    expect(fills(events, 2).map((f) => [f.qty, f.venueNs]), 'the second had the same 10 ahead; the next seller fills it').toEqual([[1, T + 4n * MS]]);
  });

  it('caps a reduce-only order at the venue position and cancels it when none is left', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.1, 10, 10),
      order(T + MS, TICKS, 1, 3, { orderType: 'market' }),
      order(T + 2n * MS, TICKS, 2, -5, { orderType: 'market', reduceOnly: true }),
      quote(T + 3n * MS, 100, 100.1, 10, 10),
      order(T + 4n * MS, TICKS, 3, -1, { orderType: 'market', reduceOnly: true }),
    ]);
    expect(fills(events, 2).map((f) => [f.qty, f.price]), 'the reduce-only sell of 5 fills the 3 long').toEqual([[-3, 100]]);
    expect(only(events, 2, 'canceled'), 'its other 2 are canceled on the next quote, the position being flat').toMatchObject({ qty: -2, reason: 'reduce-only', venueNs: T + 3n * MS });
    expect(only(events, 3, 'canceled'), 'a reduce-only order with no position is canceled on arrival').toMatchObject({ qty: -1, reason: 'reduce-only', venueNs: T + 4n * MS });
    expect(venue.instrument(TICKS).position, 'the venue position is flat').toBe(0);
  });

  it('rejects the cancel of an order that filled while the cancel was on its way (the race a live venue has)', () => {
    const { events } = run({ latency: { model: 'constant', entryNs: MS, responseNs: RESPONSE } }, [
      quote(T, 100, 100.1, 10, 10),
      order(T + MS, TICKS, 1, 2, { orderType: 'market' }),
      cancel(T + 3n * MS, TICKS, 1, 2),
    ]);
    expect(only(events, 1, 'fill'), 'the order fills as it arrives (1 ms) and the fill is due 2 ms later').toMatchObject({ venueNs: T + 2n * MS, dueNs: T + 4n * MS });
    expect(only(events, 1, 'reject'), 'the cancel sent before the fill was known arrives after it: rejected').toMatchObject({ of: 'cancel', reason: 'unknown-order', qty: 2, venueNs: T + 4n * MS, dueNs: T + 6n * MS });
    const types = replies(events, 1).map((e) => e.type);
    expect(types, 'ACK, FILL, then the REJECT of the cancel').toEqual(['ack', 'fill', 'reject']);
  });

  it('rejects a cancel that names another instrument than the order\'s, and a second order with a client id it holds', () => {
    const venue = create();
    venue.configure({ latency: NO_LATENCY_IN, instruments: [{ instrument: TICKS, mode: 'ticks', makerFee: 0, takerFee: 0 }, { instrument: 2, mode: 'ticks', makerFee: 0, takerFee: 0 }] });
    const events = runVenueTimeline(venue, [
      order(T, TICKS, 1, 1, { orderType: 'limit', limitPrice: 99 }),
      cancel(T + MS, 2, 1),
      order(T + 2n * MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 98 }),
    ]);
    const rejects = replies(events, 1).filter((e): e is VenueReject => e.type === 'reject');
    expect(rejects.map((r) => [r.of, r.reason, r.instrument]), 'the cancel on instrument 2 is unknown, the duplicate order invalid').toEqual([
      ['cancel', 'unknown-order', 2],
      ['order', 'invalid', TICKS],
    ]);
    expect(venue.order(1n), 'the first order rests unchanged').toMatchObject({ limitPrice: 99, instrument: TICKS });
  });

  it('moves a replaced order to the back of its price: the queue ahead is the whole level again', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.1, 10, 5),
      order(T + MS, TICKS, 1, 2, { orderType: 'limit', limitPrice: 100 }),
      order(T + 2n * MS, TICKS, 2, 2, { orderType: 'limit', limitPrice: 100 }),
      trade(T + 3n * MS, 100, 4, -1),
      replace(T + 4n * MS, TICKS, 1, 3),
    ]);
    const acks = replies(events, 1).filter((e): e is VenueAck => e.type === 'ack');
    expect(acks.map((a) => [a.replace, a.qty]), 'the replace is acknowledged with its new quantity').toEqual([[false, 2], [true, 3]]);
    expect(venue.instrument(TICKS).orders, 'the replaced order is now behind the other one').toEqual([2n, 1n]);
    expect(venue.order(1n), 'it is back of the 10 shown, its 4 traded forgotten').toMatchObject({ queueAhead: 10, arrivalNs: T + 4n * MS, qty: 3 });
    expect(venue.order(2n)?.queueAhead, 'the other keeps its place (10 - 4)').toBe(6);
  });

  it('caps a marketable limit\'s fill price at its limit when impact would take it beyond', () => {
    const { events } = run({ instrument: { impactBps: 50, impactModel: 'linear' } }, [
      quote(T, 100, 100.1, 10, 10),
      order(T + MS, TICKS, 1, 10, { orderType: 'limit', limitPrice: 100.12 }),
      order(T + MS, TICKS, 2, -10, { orderType: 'market' }),
    ]);
    // the buy takes the 10 shown: 100.1 * (1 + 50e-4) = 100.6005, above its limit 100.12
    expect(only(events, 1, 'fill').price, 'a limit buy never pays above its limit').toBe(100.12);
    // the sell market order pays the impact: 100 * (1 - 50e-4) = 99.5
    expect(only(events, 2, 'fill').price, 'a market sell of the 10 shown pays 50 bps of impact').toBeCloseTo(99.5, 10);
  });

  it('matches a triggered stop-limit as if it had just arrived: it takes the touch up to its limit and rests the rest as maker', () => {
    const { venue, events } = run({}, [
      quote(T, 100, 100.2, 5, 3),
      order(T + MS, TICKS, 1, 5, { orderType: 'stop-limit', stopPrice: 100.1, limitPrice: 100.3 }),
      trade(T + 2n * MS, 100.1, 1, 1),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price, f.maker]), 'triggered at 100.1, it buys the 3 shown at 100.2 as taker').toEqual([[3, 100.2, false]]);
    expect(venue.order(1n), 'the other 2 rest as a maker limit at 100.3').toMatchObject({ state: 'triggered', orderType: 'limit', maker: true, filled: 3 });
  });

  it('cancels what a triggered IOC stop could not fill, taking the print when no quote was seen', () => {
    const { events } = run({}, [
      trade(T, 100, 1, 0),
      order(T + MS, TICKS, 1, -5, { orderType: 'stop', stopPrice: 99.5, timeInForce: 'ioc' }),
      trade(T + 2n * MS, 99.4, 2, -1),
    ]);
    expect(fills(events, 1).map((f) => [f.qty, f.price]), 'the triggering print of 2 at 99.4 fills 2').toEqual([[-2, 99.4]]);
    expect(only(events, 1, 'canceled'), 'the other 3 are canceled at once').toMatchObject({ qty: -3, reason: 'unfilled', venueNs: T + 2n * MS });
  });

  it('expires a DAY order at midnight UTC even in tick mode with no data after it', () => {
    const { events } = run({}, [quote(T, 100, 100.1, 5, 5), order(T + MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 99, timeInForce: 'day' })]);
    const expired: VenueExpired = only(events, 1, 'expired');
    expect(expired, 'expired at the end of its UTC day').toMatchObject({ venueNs: D + DAY, dueNs: D + DAY + RESPONSE, qty: 1, reason: 'time-in-force' });
    expect(events.some((e) => e.type === 'expiry-timer' && e.dueNs === D + DAY), 'the venue\'s expiry timer fell due at midnight').toBe(true);
  });
});

describe.each(IMPLEMENTATIONS)('simulated venue latency (%s)', (_name, create) => {
  const T = D + 10n * H;
  const steps = [
    quote(T, 100, 100.1, 5, 5),
    order(T + MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 99 }),
    order(T + MS, TICKS, 2, 1, { orderType: 'limit', limitPrice: 98 }),
  ];

  function acks(latency: VenueLatencyConfig, stepsToRun: VenueStep[] = steps): VenueAck[] {
    const venue = create();
    venue.configure(config('ticks', { latency }));
    return runVenueTimeline(venue, stepsToRun).filter((e): e is VenueAck => e.type === 'ack');
  }

  it('adds the constant entry latency to the venue time and the response latency to the due time', () => {
    const [first] = acks({ model: 'constant', entryMs: 1.5, responseMs: 0.25 });
    expect(first, 'reaches the venue 1.5 ms after it was sent, back 0.25 ms later').toMatchObject({ venueNs: T + MS + 1_500_000n, dueNs: T + MS + 1_750_000n });
  });

  it('draws random latency from splitmix64: the seed-0 test vector for seed 0, the same for a seed, other draws for another', () => {
    const latency: VenueLatencyConfig = { model: 'random', entryMs: 1, responseMs: 2, jitterNs: 500_000n, seed: 0 };
    const drawn = acks(latency);
    // draws mod 500001 of e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f, f88bb8a8724c81ec:
    // 450922 (entry of 1), 152394 (entry of 2), 457201 (response of 1), 427186 (response of 2)
    // order 2 arrives first (152394 < 450922), so its ACK draws the third output
    expect(drawn.map((a) => [a.clientId, a.venueNs - (T + MS), a.dueNs - a.venueNs]), 'entry draws in send order, response draws in arrival order').toEqual([
      [2n, MS + 152_394n, 2n * MS + 457_201n],
      [1n, MS + 450_922n, 2n * MS + 427_186n],
    ]);
    expect(acks(latency), 'the same seed draws the same latencies').toEqual(drawn);
    const reseeded = acks({ ...latency, seed: 8 });
    expect(reseeded.map((a) => [a.clientId, a.venueNs - (T + MS)]), 'seed 8 draws other entry latencies: 442387 and 172382').toEqual([
      [2n, MS + 172_382n],
      [1n, MS + 442_387n],
    ]);
  });

  it('adds the feed latency of the instrument\'s last quote or trade times the multiplier', () => {
    const feedSteps: VenueStep[] = [
      { type: 'market', record: { type: 'quote', instrument: TICKS, tsExchange: T, tsLocal: T + 5n * MS, bid: 100, ask: 100.1, bidSize: 5, askSize: 5 } },
      order(T + 6n * MS, TICKS, 1, 1, { orderType: 'limit', limitPrice: 99 }),
    ];
    const [ack] = acks({ model: 'feed', entryMs: 1, responseMs: 1, feedMultiplier: 2 }, feedSteps);
    expect(ack, 'the quote arrived 5 ms late: each way takes 1 + 2 x 5 = 11 ms').toMatchObject({ venueNs: T + 17n * MS, dueNs: T + 28n * MS });
  });
});

describe('simulated venue configuration', () => {
  it('names the field, the value and the rule of a bad config', () => {
    const venue = new ReferenceVenue();
    const base = config('bars');
    expect(() => venue.configure({ ...base, latency: { model: 'constant', entryMs: -1 } }), 'negative latency').toThrow('`latency.entryMs` must be a finite number of milliseconds >= 0, was -1');
    expect(() => venue.configure({ ...base, latency: { model: 'constant', jitterMs: 1 } }), 'jitter on a constant model').toThrow('`latency.jitterMs` applies to the random model only');
    expect(() => venue.configure({ ...base, queue: { model: 'probabilistic', power: 9 } }), 'power out of range').toThrow('`queue.power` must be an integer in [1, 8], was 9');
    expect(() => venue.configure({ ...base, instruments: [{ instrument: 0, mode: 'bars', makerFee: 0.2, takerFee: 0 }] }), 'fee out of range').toThrow('`instruments[0].makerFee` must be a number in [-0.1, 0.1], was 0.2');
    expect(() => new WasmVenue(core, memory).configure({ ...base, instruments: [...base.instruments, ...base.instruments] }), 'a repeated instrument').toThrow('`instruments[1].instrument` must not repeat');
  });
});
