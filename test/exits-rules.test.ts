// The exit engine's rules, one example each with numbers worked out by hand, on the compiled
// core and on the plain TS reference alike: the fixed and the ATR stop (the nearer of the two),
// the trailing stop held by the core, profit tiers, the maximum holding time, re-arming when
// the position grows or flips, canceling when it closes, the re-entry block, the regime
// multiplier and the freshness guard; then the cases each core fix was made for.
// Book (test/exits-fixture.ts): instrument 0 at 100 and 1 at 50 in lots of 1, 2 at 200 in lots
// of 0.1, prices stale after 5 s; every order the exits send is reduce-only and GTC.
import { describe, expect, it } from 'vitest';
import { REENTRY_IMMEDIATE, exitProfile, type ExitProfile } from '../engine/exits/index.js';
import { OrderFlag, OrderRule, OrderState, OrderType, TimeInForce } from '../engine/orders/index.js';
import { RiskReason } from '../engine/risk/index.js';
import { ExitDriver, LIMITS, SECOND, START_NS, coreBench, recordsOf, referenceBench, type ExitBench, type ExitCore } from './exits-fixture.js';

const T = START_NS;
const at = (seconds: number) => T + BigInt(Math.round(seconds * 1000)) * (SECOND / 1000n);

const shared: { core?: ExitCore } = {};
const benches: [string, (limits?: typeof LIMITS) => ExitBench][] = [
  ['the WASM core', (limits) => coreBench(shared, limits)],
  ['the TS reference', (limits) => referenceBench(limits)],
];

/** A bench whose instruments 0..2 all use `profile` (profile 0). */
function withProfile(make: (limits?: typeof LIMITS) => ExitBench, profile: Partial<ExitProfile>, limits?: typeof LIMITS) {
  const bench = make(limits);
  bench.exits.configureProfile(0, exitProfile({ atrValue: bench.market.atrValue, ...profile }));
  for (const instrument of [0, 1, 2]) bench.exits.bindInstrument(instrument, 0);
  return { bench, exits: bench.exits, d: new ExitDriver(bench) };
}

const exitOrder = (fields: Record<string, unknown>) =>
  expect.objectContaining({ record: 'order', flags: OrderFlag.REDUCE_ONLY, timeInForce: TimeInForce.GTC, limitPrice: 0, stopPrice: 0, ...fields });

describe.each(benches)('exit rules on %s', (_name, make) => {
  it('places a fixed stop at entry * (1 - stopPct) below a long and above a short, a reduce-only STOP for the whole position', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02 });
    const long = recordsOf(d.enter(0, 10, 100, T), 'order');
    expect(long, 'long 10 at 100: a stop 2% below').toEqual([exitOrder({ instrument: 0, qty: -10, orderType: OrderType.STOP, stopPrice: 98, rule: OrderRule.STOP, tsNs: T })]);
    expect(exits.state(0)).toMatchObject({ side: 1, entryPrice: 100, basePosition: 10, stopPrice: 98, stopOrderId: long[0].orderId, deferredNs: 0n });
    const short = recordsOf(d.enter(1, -10, 50, T), 'order');
    expect(short, 'short 10 at 50: a stop 2% above').toEqual([exitOrder({ instrument: 1, qty: 10, orderType: OrderType.STOP, stopPrice: 51, rule: OrderRule.STOP })]);
    expect(exits.state(1)).toMatchObject({ side: -1, entryPrice: 50, basePosition: 10, stopPrice: 51 });
  });

  it('measures an exit fill\'s slippage from the stop\'s trigger or the tier\'s limit, not from the mark the exits were armed at', () => {
    const { bench, d } = withProfile(make, { stopPct: 0.02, targets: [{ pct: 0.05, fraction: 0.5 }] });
    const ledger = bench.risk as unknown as { instrumentLedger(instrument: number): { slippage: number } };
    const long = recordsOf(d.enter(0, 10, 100, T), 'order');
    const stop = long.find((o) => o.orderType === OrderType.STOP)!;
    const tier = long.find((o) => o.orderType === OrderType.LIMIT)!;
    expect(bench.exits.orders.order(stop.orderId)?.referencePrice, 'the stop at 98 is decided to fill at 98').toBe(98);
    expect(bench.exits.orders.order(tier.orderId)?.referencePrice, 'the tier at 105 is decided to fill at 105').toBe(105);
    d.ackSent(long, at(1));
    d.price(0, at(2), 99);
    d.fill(stop.orderId, 0, -10, 97.9, at(3));
    expect(ledger.instrumentLedger(0).slippage, 'the stop filled 0.10 under its trigger on 10: 1.00, not 21.00 from the armed mark 100').toBeCloseTo(1, 9);

    const short = recordsOf(d.enter(1, -10, 50, T), 'order');
    const cover = short.find((o) => o.orderType === OrderType.LIMIT)!;
    d.ackSent(short, at(1));
    d.fill(cover.orderId, 1, 5, 47.5, at(2));
    expect(ledger.instrumentLedger(1).slippage, 'a tier filled at its limit has no slippage (not -12.50 against the armed mark 50)').toBeCloseTo(0, 9);
  });

  it('places a stop and a profit tier farther from the market than the price band at once (the band is for fat fingers, not for reduce-only exits)', () => {
    expect(LIMITS.priceBandPct, 'the fixture\'s band').toBe(0.1);
    const { exits, d } = withProfile(make, { stopPct: 0.2, targets: [{ pct: 0.3, fraction: 1 }] });
    const orders = recordsOf(d.enter(0, 10, 100, T), 'order');
    expect(orders, 'long 10 at 100: the stop at 80 and the tier at 130, 20% and 30% from the mark of 100').toEqual([
      exitOrder({ qty: -10, orderType: OrderType.STOP, stopPrice: 80, rule: OrderRule.STOP }),
      exitOrder({ qty: -10, orderType: OrderType.LIMIT, limitPrice: 130, rule: OrderRule.TARGET_1 }),
    ]);
    expect(exits.state(0), 'nothing deferred').toMatchObject({ stopOrderId: orders[0].orderId, deferredNs: 0n });
  });

  it('takes the nearer of the fixed and the ATR stop, and the fixed one while the ATR warms up', () => {
    const { bench, d } = withProfile(make, { stopPct: 0.05, atrMultiple: 2 });
    bench.market.setAtr(0, 1.5);
    bench.market.setAtr(1, 4);
    expect(recordsOf(d.enter(0, 10, 100, T), 'order'), 'ATR 1.5: 2 ATR = 3 is nearer than 5% = 5').toEqual([exitOrder({ stopPrice: 97, orderType: OrderType.STOP, rule: OrderRule.ATR_STOP })]);
    expect(recordsOf(d.enter(1, 10, 50, T), 'order'), 'ATR 4: 5% = 2.5 is nearer than 2 ATR = 8').toEqual([exitOrder({ stopPrice: 47.5, orderType: OrderType.STOP, rule: OrderRule.STOP })]);
    expect(recordsOf(d.enter(2, 10, 200, T), 'order'), 'no ATR yet: the fixed stop, 5% of 200').toEqual([exitOrder({ stopPrice: 190, orderType: OrderType.STOP, rule: OrderRule.STOP })]);
  });

  it('holds a trailing stop in the core, trails it behind the bar high and sends it at market when a low reaches the level before the bar moved it', () => {
    const { exits, d } = withProfile(make, { trailPct: 0.03 });
    expect(recordsOf(d.enter(0, 10, 100, T), 'order'), 'the trailing stop is held, not sent').toEqual([]);
    const trailId = exits.state(0).trailOrderId;
    expect(exits.orders.order(trailId)).toMatchObject({ state: OrderState.NEW, orderType: OrderType.TRAILING_STOP, qty: -10, trailOffset: 3, watermark: 100, stopPrice: 97 });
    expect(d.price(0, at(1), 103, 104, 99), 'low 99 above the trigger 97; high 104 moves it to 101').toEqual([]);
    expect(exits.orders.order(trailId)).toMatchObject({ state: OrderState.NEW, watermark: 104, stopPrice: 101 });
    expect(d.price(0, at(2), 108, 110, 104.5), 'low 104.5 is checked against 101, then high 110 moves the trigger to 107').toEqual([]);
    expect(exits.orders.order(trailId)).toMatchObject({ state: OrderState.NEW, watermark: 110, stopPrice: 107 });
    const hit = recordsOf(d.price(0, at(3), 106, 108, 106.5), 'order');
    expect(hit, 'low 106.5 reaches 107: released at market').toEqual([
      expect.objectContaining({ orderId: trailId, qty: -10, orderType: OrderType.MARKET, rule: OrderRule.TRAILING_STOP, stopPrice: 0, tsNs: at(3) }),
    ]);
    expect(hit[0].flags & OrderFlag.REDUCE_ONLY).toBe(OrderFlag.REDUCE_ONLY);
    expect(exits.orders.order(trailId)).toMatchObject({ state: OrderState.PENDING_SUBMIT, referencePrice: 106 });

    expect(recordsOf(d.enter(1, -10, 50, at(3)), 'order'), 'a short: held too').toEqual([]);
    const shortTrail = exits.state(1).trailOrderId;
    expect(exits.orders.order(shortTrail)).toMatchObject({ qty: 10, trailOffset: 1.5, watermark: 50, stopPrice: 51.5 });
    expect(d.price(1, at(4), 49, 50, 48), 'high 50 below 51.5; low 48 moves it to 49.5').toEqual([]);
    expect(recordsOf(d.price(1, at(5), 49.6, 49.6, 49), 'order'), 'high 49.6 reaches 49.5').toEqual([
      expect.objectContaining({ orderId: shortTrail, qty: 10, orderType: OrderType.MARKET, rule: OrderRule.TRAILING_STOP }),
    ]);
  });

  it('splits the position into reduce-only limits, one per profit tier, each for its fraction in whole lots, the last tier taking the rest', () => {
    const { exits, d } = withProfile(make, { targets: [{ pct: 0.02, fraction: 0.5 }, { pct: 0.05, fraction: 0.5 }] });
    const tiers = recordsOf(d.enter(0, 7, 100, T), 'order');
    expect(tiers, 'half of 7 is 3 lots at +2%, the rest (4) at +5%').toEqual([
      exitOrder({ qty: -3, orderType: OrderType.LIMIT, limitPrice: 102, rule: OrderRule.TARGET_1 }),
      exitOrder({ qty: -4, orderType: OrderType.LIMIT, limitPrice: 105, rule: OrderRule.TARGET_2 }),
    ]);
    expect(exits.state(0).targetOrderIds).toEqual([tiers[0].orderId, tiers[1].orderId, 0n, 0n]);
    d.ack(tiers[0].orderId, 0, at(1));
    expect(recordsOf(d.fill(tiers[0].orderId, 0, -3, 102, at(2)), 'order'), 'a tier fill re-arms nothing').toEqual([]);
    expect(exits.state(0), 'the tier reduced the long: no adding back (blockSign 2)').toMatchObject({ tiersDone: 0b01, basePosition: 7, side: 1, blockSign: 2 });

    const { d: d2 } = withProfile(make, { targets: [{ pct: 0.03, fraction: 0.25 }] });
    expect(recordsOf(d2.enter(1, -7, 50, T), 'order'), 'a quarter of 7 rounds down to 1 lot, at -3% for a short').toEqual([
      exitOrder({ qty: 1, orderType: OrderType.LIMIT, limitPrice: 48.5, rule: OrderRule.TARGET_1 }),
    ]);
    expect(recordsOf(d2.enter(2, 2.5, 200, T), 'order'), 'a quarter of 2.5 in lots of 0.1 is 6 lots').toEqual([
      exitOrder({ instrument: 2, qty: -(0.1 * 6), orderType: OrderType.LIMIT, limitPrice: 206, rule: OrderRule.TARGET_1 }),
    ]);
  });

  it('rounds tiers to whole lots without losing one to f64 rounding, and does not re-arm for f64 dust', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, targets: [{ pct: 0.02, fraction: 0.7 }] }, { ...LIMITS, minNotional: 10 });
    const armed = recordsOf(d.enter(2, 1, 200, T), 'order');
    expect(armed, '70% of 1 in lots of 0.1 is 7 lots (0.7 * 1 / 0.1 is 6.999999999999999 in f64)').toEqual([
      exitOrder({ instrument: 2, qty: -1, orderType: OrderType.STOP, stopPrice: 196 }),
      exitOrder({ instrument: 2, qty: -(0.1 * 7), orderType: OrderType.LIMIT, limitPrice: 204, rule: OrderRule.TARGET_1 }),
    ]);
    expect(exits.state(2)).toMatchObject({ basePosition: 1 });

    const { exits: exits2, d: d2 } = withProfile(make, { stopPct: 0.02 }, { ...LIMITS, minNotional: 10 });
    const [stop] = recordsOf(d2.enter(2, 0.9, 200, T), 'order');
    d2.enter(2, -0.5, 200, at(1));
    d2.enter(2, 0.2, 200, at(2));
    const back = d2.enter(2, 3 * 0.1, 200, at(3));
    expect(0.9 - 0.5 + 0.2 + 3 * 0.1, 'the position is back at 0.9 plus one ulp').toBeGreaterThan(0.9);
    expect(back.filter((record) => record.record === 'order' || record.record === 'cancel'), 'not a larger position: the exits stay').toEqual([]);
    expect(exits2.state(2)).toMatchObject({ basePosition: 0.9, stopOrderId: stop.orderId });
  });

  it('closes the position at market after the maximum holding time, canceling its other exits first', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, maxHoldNs: 60n * SECOND });
    const [stop] = recordsOf(d.enter(0, 10, 100, T), 'order');
    d.ackSent([stop], T);
    d.ackSent(d.enter(1, -10, 50, T), T);
    expect(d.price(0, at(59), 101), 'held 59 s').toEqual([]);
    expect(recordsOf(d.price(1, at(60), 49), 'order'), 'a price at the holding time closes').toEqual([
      exitOrder({ instrument: 1, qty: 10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD }),
    ]);
    const closed = d.timer(at(60)).filter((record) => record.record !== 'notice');
    expect(closed, 'held 60 s: the stop is canceled, then the position sold at market').toEqual([
      expect.objectContaining({ record: 'cancel', orderId: stop.orderId, leaves: -10, rule: OrderRule.STOP }),
      exitOrder({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD, tsNs: at(60) }),
    ]);
    expect(exits.state(0)).toMatchObject({ closing: 1, maxHoldOrderId: (closed[1] as { orderId: bigint }).orderId, stopOrderId: 0n });
    expect(d.timer(at(61)).filter((record) => record.record === 'order'), 'sent once').toEqual([]);
    const closeId = (closed[1] as { orderId: bigint }).orderId;
    d.ack(closeId, 0, at(61));
    d.fill(closeId, 0, -10, 101, at(61));
    expect(exits.state(0), 'closed by an exit rule: re-entry waits').toMatchObject({ side: 0, closing: 0, maxHoldOrderId: 0n, blockSign: 1 });
  });

  it('re-arms the exits from the new average price when the position grows, and on the other side when it flips', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02 });
    const [first] = recordsOf(d.enter(0, 10, 100, T), 'order');
    const grown = d.enter(0, 10, 110, at(1));
    expect(grown.filter((record) => record.record === 'cancel' || record.record === 'order'), 'long 20 at 105: the stop moves to 105 - 2% of 105').toEqual([
      expect.objectContaining({ record: 'cancel', orderId: first.orderId, rule: OrderRule.STOP }),
      exitOrder({ qty: -20, orderType: OrderType.STOP, stopPrice: 105 - 0.02 * 105, rule: OrderRule.STOP, tsNs: at(1) }),
    ]);
    expect(exits.state(0)).toMatchObject({ side: 1, entryPrice: 105, basePosition: 20, entryNs: at(1) });
    const [second] = recordsOf(grown, 'order');
    const flipped = d.enter(0, -30, 105, at(2));
    expect(flipped.filter((record) => record.record === 'cancel' || record.record === 'order'), 'short 10 at 105: a stop above').toEqual([
      expect.objectContaining({ record: 'cancel', orderId: second.orderId, rule: OrderRule.STOP }),
      exitOrder({ qty: 10, orderType: OrderType.STOP, stopPrice: 105 + 0.02 * 105, rule: OrderRule.STOP }),
    ]);
    expect(exits.state(0)).toMatchObject({ side: -1, entryPrice: 105, basePosition: 10, blockSign: 0 });
  });

  it('cancels the remaining exits when the position closes, with no re-entry block when the strategy closed it', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, targets: [{ pct: 0.05, fraction: 1 }] });
    const [stop, target] = recordsOf(d.enter(0, 10, 100, T), 'order');
    const closed = d.enter(0, -10, 101, at(1));
    expect(closed.filter((record) => record.record === 'cancel' || record.record === 'order')).toEqual([
      expect.objectContaining({ record: 'cancel', orderId: stop.orderId, rule: OrderRule.STOP }),
      expect.objectContaining({ record: 'cancel', orderId: target.orderId, rule: OrderRule.TARGET_1 }),
    ]);
    expect(exits.state(0)).toMatchObject({ side: 0, blockSign: 0, stopOrderId: 0n, targetOrderIds: [0n, 0n, 0n, 0n] });
  });

  it('blocks re-entry on the side an exit rule closed (afterSignalReset), and not with immediate re-entry', () => {
    for (const [reentry, block] of [[undefined, 1], [REENTRY_IMMEDIATE, 0]] as const) {
      const { exits, d } = withProfile(make, { stopPct: 0.02, targets: [{ pct: 0.05, fraction: 1 }], ...(reentry === undefined ? {} : { reentry }) });
      const [stop, target] = recordsOf(d.enter(0, 10, 100, T), 'order');
      d.ackSent([stop, target], T);
      const stopped = d.fill(stop.orderId, 0, -10, 98, at(1));
      expect(recordsOf(stopped, 'cancel'), 'the stop filled: the target is canceled').toEqual([expect.objectContaining({ orderId: target.orderId, rule: OrderRule.TARGET_1 })]);
      expect(exits.state(0), `re-entry ${reentry === undefined ? 'after a signal reset' : 'immediate'}`).toMatchObject({ side: 0, blockSign: block });
    }
  });

  it('scales the stop and trail distances by the regime multiplier of the label when the exits are armed', () => {
    const { bench, exits, d } = withProfile(make, { stopPct: 0.02, trailPct: 0.03, regimeMultiplier: [1, 0.5, 2] });
    bench.market.setRegime(0, 2);
    expect(recordsOf(d.enter(0, 10, 100, T), 'order'), 'choppy (x2): the stop 4% away').toEqual([exitOrder({ stopPrice: 96, orderType: OrderType.STOP })]);
    expect(exits.orders.order(exits.state(0).trailOrderId)).toMatchObject({ trailOffset: 6, stopPrice: 94 });
    bench.market.setRegime(0, 1);
    expect(recordsOf(d.enter(0, 10, 100, at(1)), 'order'), 'mean-reverting (x0.5) when it grows: 1% away').toEqual([exitOrder({ qty: -20, stopPrice: 99, orderType: OrderType.STOP })]);
    expect(exits.orders.order(exits.state(0).trailOrderId)).toMatchObject({ trailOffset: 1.5, stopPrice: 98.5 });
    expect(recordsOf(d.enter(1, 10, 50, at(1)), 'order'), 'no label yet on instrument 1: unscaled').toEqual([exitOrder({ instrument: 1, stopPrice: 49, orderType: OrderType.STOP })]);
  });

  it('defers a maximum-holding-time close on a stale mark with one OrderDeferred record, and closes on the next fresh price', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, maxHoldNs: 60n * SECOND });
    const [stop] = recordsOf(d.enter(0, 10, 100, T), 'order');
    d.ackSent([stop], T);
    expect(d.timer(at(60)), 'the last price is 60 s old (stale after 5 s)').toEqual([
      { record: 'risk', instrument: 0, tsNs: at(60), clockNs: at(60), price: 100, qty: -10, reason: RiskReason.DEFERRED_STALE_PRICE, limit: 5e9, orderId: 0n },
    ]);
    expect(exits.state(0)).toMatchObject({ deferredNs: at(60), closing: 0, stopOrderId: stop.orderId });
    expect(d.timer(at(61)), 'reported once').toEqual([]);
    expect(d.price(0, at(62), 101).filter((record) => record.record !== 'other'), 'a fresh price: closed').toEqual([
      expect.objectContaining({ record: 'cancel', orderId: stop.orderId }),
      exitOrder({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD, tsNs: at(62) }),
    ]);
  });

  it('defers the exits of a fill reported late, on a stale mark, and places them on the next fresh price', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02 });
    const entry = d.place(0, 10, 100, T);
    d.timer(at(10));
    expect(d.fill(entry, 0, 10, 100, at(1)), 'filled at 1 s, known at 10 s: the price is 9 s old').toEqual([
      { record: 'risk', instrument: 0, tsNs: at(1), clockNs: at(10), price: 98, qty: -10, reason: RiskReason.DEFERRED_STALE_PRICE, limit: 5e9, orderId: 0n },
    ]);
    expect(exits.state(0)).toMatchObject({ side: 1, stopOrderId: 0n, stopPrice: 98, deferredNs: at(1) });
    expect(recordsOf(d.price(0, at(11), 100.5), 'order'), 'a fresh price').toEqual([exitOrder({ qty: -10, orderType: OrderType.STOP, stopPrice: 98, tsNs: at(11) })]);
    expect(exits.state(0)).toMatchObject({ deferredNs: 0n });
  });
});

describe.each(benches)('exit profiles on %s', (_name, make) => {
  const refused: [string, Partial<ExitProfile>][] = [
    ['a stop of 100%', { stopPct: 1 }],
    ['a negative trail', { trailPct: -0.01 }],
    ['an infinite ATR multiple', { atrMultiple: Infinity }],
    ['an ATR multiple with no ATR to read', { atrMultiple: 2, atrValue: -1 }],
    ['tiers taking more than the position', { targets: [{ pct: 0.02, fraction: 0.6 }, { pct: 0.04, fraction: 0.5 }] }],
    ['five tiers', { targets: Array.from({ length: 5 }, (_, k) => ({ pct: 0.01 * (k + 1), fraction: 0.1 })) }],
    ['a tier at +0%', { targets: [{ pct: 0, fraction: 0.5 }] }],
    ['a negative holding time', { maxHoldNs: -1n }],
    ['a regime multiplier of 0', { regimeMultiplier: [1, 0, 1] }],
    ['an unknown re-entry mode', { reentry: 2 }],
  ];

  it.each(refused)('refuses a profile with %s, and binding an instrument to it', (_what, fields) => {
    const { exits, market } = make();
    expect(() => exits.configureProfile(3, exitProfile({ atrValue: market.atrValue, ...fields }))).toThrow(expect.objectContaining({ status: -6 }));
    expect(() => exits.bindInstrument(0, 3)).toThrow(expect.objectContaining({ status: -6 }));
  });

  it('accepts the edges: 99.9% stops, tiers summing to exactly 1, no exits at all; and unbinds with -1', () => {
    const { exits } = make();
    exits.configureProfile(3, exitProfile({ stopPct: 0.999, trailPct: 0.999, targets: [{ pct: 0.1, fraction: 0.3 }, { pct: 0.2, fraction: 0.7 }] }));
    exits.configureProfile(4, exitProfile());
    exits.bindInstrument(0, 3);
    exits.bindInstrument(1, 4);
    expect(exits.state(0).profile).toBe(3);
    exits.bindInstrument(0, -1);
    expect(exits.state(0).profile).toBe(-1);
    expect(() => exits.bindInstrument(0, 16), 'profiles 0..15').toThrow(expect.objectContaining({ status: -6 }));
    expect(() => exits.configureProfile(16, exitProfile()), 'profiles 0..15').toThrow(expect.objectContaining({ status: -6 }));
  });
});

describe.each(benches)('exit engine fixes on %s', (_name, make) => {
  it('sends a trailing stop the order rate deferred at market on the next fresh price, even one back above its trigger, leaving the other exits alone', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.05, trailPct: 0.03 }, { ...LIMITS, maxOrders: 2, windowNs: SECOND });
    const [stop] = recordsOf(d.enter(0, 10, 100, T), 'order');
    d.ackSent([stop], T);
    const trailId = exits.state(0).trailOrderId;
    expect(d.price(0, at(0.5), 97, 100, 96.5), 'the entry and the stop filled the rate window').toEqual([
      expect.objectContaining({ record: 'risk', price: 97, qty: -10, reason: RiskReason.DEFERRED_ORDER_RATE }),
    ]);
    const later = d.price(0, at(1.5), 98, 98.5, 97.5);
    expect(later, 'the window has room again: the stop that was hit goes at market, the fixed stop stays').toEqual([
      expect.objectContaining({ record: 'order', orderId: trailId, qty: -10, orderType: OrderType.MARKET, rule: OrderRule.TRAILING_STOP }),
    ]);
    expect(exits.state(0)).toMatchObject({ stopOrderId: stop.orderId, trailOrderId: trailId, deferredNs: 0n });
  });

  it('counts the maximum holding time from the entry, not from when deferred exits were placed', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, maxHoldNs: 60n * SECOND });
    const entry = d.place(0, 10, 100, T);
    d.timer(at(10));
    d.fill(entry, 0, 10, 100, at(1));
    d.ackSent(d.price(0, at(11), 100.5), at(11));
    expect(exits.state(0)).toMatchObject({ entryNs: at(1), deferredNs: 0n });
    expect(recordsOf(d.price(0, at(61.5), 100.2), 'order'), '60.5 s after the entry').toEqual([exitOrder({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD })]);
  });

  it("leaves out a short's profit tier that lies at or beyond +100% (a price <= 0), and keeps the others armed", () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02, targets: [{ pct: 1.5, fraction: 0.5 }, { pct: 0.05, fraction: 0.5 }] });
    expect(recordsOf(d.enter(0, -10, 100, T), 'order'), 'the first tier would buy at -50').toEqual([
      exitOrder({ qty: 10, orderType: OrderType.STOP, stopPrice: 102 }),
      exitOrder({ qty: 5, orderType: OrderType.LIMIT, limitPrice: 95, rule: OrderRule.TARGET_2 }),
    ]);
    expect(exits.state(0)).toMatchObject({ deferredNs: 0n });
    expect(d.price(0, at(1), 99), 'nothing to retry').toEqual([]);
  });

  it('places a stop the venue canceled again at its price on the next fresh price, so the position is never left unprotected', () => {
    const { exits, d } = withProfile(make, { stopPct: 0.02 });
    const [stop] = recordsOf(d.enter(0, 10, 100, T), 'order');
    d.ack(stop.orderId, 0, at(0.1));
    expect(recordsOf(d.canceled(stop.orderId, 0, at(1), -10), 'order'), 'nothing goes out on the cancel itself').toEqual([]);
    expect(exits.state(0)).toMatchObject({ stopOrderId: 0n, deferredNs: at(1), stopPrice: 98 });
    const again = recordsOf(d.price(0, at(2), 101), 'order');
    expect(again, 'the same stop, 2% below the entry (not the new price)').toEqual([exitOrder({ qty: -10, orderType: OrderType.STOP, stopPrice: 98, rule: OrderRule.STOP, tsNs: at(2) })]);
    expect(exits.state(0)).toMatchObject({ stopOrderId: again[0].orderId, deferredNs: 0n });
  });

  it('sends a released trailing stop the venue rejected at market again; counts a tier that expired after a part fill as taken', () => {
    const { exits, d } = withProfile(make, { trailPct: 0.03, targets: [{ pct: 0.02, fraction: 0.5 }] });
    const [tier] = recordsOf(d.enter(0, 10, 100, T), 'order');
    expect(tier).toMatchObject({ rule: OrderRule.TARGET_1, qty: -5, limitPrice: 102 });
    d.ack(tier.orderId, 0, at(0.1));
    d.fill(tier.orderId, 0, -2, 102, at(1));
    d.expired(tier.orderId, 0, at(1.5), -3);
    expect(exits.state(0).tiersDone, 'a tier that filled in part is not placed again').toBe(1);
    const [released] = recordsOf(d.price(0, at(2), 96, 100, 96), 'order');
    expect(released, 'low 96 reaches the trigger 97: the trail armed for the whole 10 (reduce-only: the venue caps it at the 8 held)').toMatchObject({ rule: OrderRule.TRAILING_STOP, orderType: OrderType.MARKET, qty: -10 });
    d.reject(released.orderId, 0, at(2.1));
    expect(exits.state(0)).toMatchObject({ trailOrderId: 0n, trailHit: 1 });
    const again = recordsOf(d.price(0, at(3), 99), 'order');
    expect(again, 'the stop was hit: at market again for the 8 held, even back above the trigger').toEqual([
      expect.objectContaining({ rule: OrderRule.TRAILING_STOP, orderType: OrderType.MARKET, qty: -8, tsNs: at(3) }),
    ]);
    expect(exits.state(0)).toMatchObject({ trailOrderId: again[0].orderId, trailHit: 0 });
  });

  it('sends a maximum-holding-time close again on the next fresh price when the venue rejected it', () => {
    const { exits, d } = withProfile(make, { maxHoldNs: 60n * SECOND });
    d.enter(0, 10, 100, T);
    const [close] = recordsOf(d.price(0, at(60), 100), 'order');
    expect(close).toMatchObject({ rule: OrderRule.MAX_HOLD, qty: -10 });
    d.reject(close.orderId, 0, at(60.1));
    expect(recordsOf(d.price(0, at(61), 100), 'order'), 'the position is still open past its holding time').toEqual([exitOrder({ qty: -10, orderType: OrderType.MARKET, rule: OrderRule.MAX_HOLD, tsNs: at(61) })]);
    expect(exits.state(0)).toMatchObject({ closing: 1 });
  });
});
