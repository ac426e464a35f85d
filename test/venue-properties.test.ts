// Properties of the simulated venue over random timelines (engine/venue/random-venue-timeline.ts:
// random latency, queue and cost models, bars or quotes and trades, orders of every type and
// time in force, cancels and replaces), driven as the engine loop interleaves them, on the WASM
// core's venue and on the TS reference:
//  - an order's fills add up to at most its quantity; with the leaves a CANCELED or EXPIRED
//    reports they add up to it exactly;
//  - every order ends in exactly one of: still held, filled whole, one terminal reply
//    (CANCELED, EXPIRED, REJECT of the order), never two, and nothing fills after it;
//  - bar mode: one bar's fills on an instrument stay within participation x its volume (a bar of volume 0 fills nothing, one of unknown volume, NaN, caps nothing);
//  - tick mode: fills taking the touch stay within the size displayed by the quote they took
//    it from, per side, and fills against a print within the print's size;
//  - a limit (or triggered stop-limit) never fills at a worse price than its limit;
//  - events come out in non-decreasing due time, and every counted reply is delivered.
// The record of which venue action made each fill comes from the fill-id cursor (counters) read
// after every action, with the venue's orders just before it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  randomVenueTimeline, ReferenceVenue, runVenueTimeline, WasmVenue,
  type SimulatedVenue, type VenueAction, type VenueCoreExports, type VenueEvent, type VenueFill, type VenueOrderState, type VenueQuote,
  type VenueReply, type VenueTrade,
} from '../engine/venue/index.js';

const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as VenueCoreExports;
const IMPLEMENTATIONS: [string, () => SimulatedVenue][] = [
  ['WASM core', () => new WasmVenue(core, memory)],
  ['TS reference', () => new ReferenceVenue()],
];
const RUNS = 150;
const RELATIVE = 1e-12;
const ABSOLUTE = 1e-9;

interface FillOrigin {
  readonly action: VenueAction;
  /** The venue's orders just before the action. */
  readonly before: ReadonlyMap<bigint, VenueOrderState>;
  /** The quote in force on the fill's instrument at the action, with its step index. */
  readonly quote: ReadonlyMap<number, { readonly index: number; readonly record: VenueQuote }>;
}

interface RecordedRun {
  readonly venue: SimulatedVenue;
  readonly events: VenueEvent[];
  readonly origins: Map<number, FillOrigin>;
  readonly participation: ReadonlyMap<number, number>;
}

function snapshot(venue: SimulatedVenue, instruments: readonly number[]): Map<bigint, VenueOrderState> {
  const orders = new Map<bigint, VenueOrderState>();
  for (const i of instruments) {
    for (const id of venue.instrument(i).orders) orders.set(id, venue.order(id) as VenueOrderState);
  }
  return orders;
}

function runRecorded(create: () => SimulatedVenue, seed: bigint, mode: 'bars' | 'ticks', records: number): RecordedRun {
  const { config, steps, instruments } = randomVenueTimeline(seed, { mode, records });
  const venue = create();
  venue.configure(config);
  const origins = new Map<number, FillOrigin>();
  const quotes = new Map<number, { index: number; record: VenueQuote }>();
  let fillCursor = 0;
  let before = snapshot(venue, instruments);
  const events = runVenueTimeline(venue, steps, {
    observe(action) {
      if (action.type === 'step' && action.step.type === 'market' && action.step.record.type === 'quote') {
        quotes.set(action.step.record.instrument, { index: action.index, record: action.step.record });
      }
      const cursor = venue.counters().fills;
      for (let id = fillCursor + 1; id <= cursor; id++) origins.set(id, { action, before, quote: new Map(quotes) });
      fillCursor = cursor;
      before = snapshot(venue, instruments);
    },
  });
  const participation = new Map(config.instruments.map((i) => [i.instrument, i.participationCap ?? 0]));
  return { venue, events, origins, participation };
}

const within = (total: number, cap: number) => total <= cap * (1 + RELATIVE) + ABSOLUTE;
const sumAbs = (fills: readonly VenueFill[]) => fills.reduce((sum, f) => sum + Math.abs(f.qty), 0);
const show = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}` : v));

function repliesByOrder(events: readonly VenueEvent[]): Map<bigint, VenueReply[]> {
  const byOrder = new Map<bigint, VenueReply[]>();
  for (const e of events) {
    if (e.type === 'arrival' || e.type === 'expiry-timer') continue;
    const list = byOrder.get(e.clientId) ?? [];
    list.push(e);
    byOrder.set(e.clientId, list);
  }
  return byOrder;
}

function checkOrderAccounting(run: RecordedRun, where: string): void {
  const sent = new Set(run.events.flatMap((e) => (e.type === 'arrival' && e.command.type === 'order' ? [e.command.clientId] : [])));
  for (const [id, replies] of repliesByOrder(run.events)) {
    if (!sent.has(id)) continue;
    const orderWhere = `${where}, order ${id}: ${show(replies)}`;
    const fills = replies.filter((r): r is VenueFill => r.type === 'fill');
    const acks = replies.filter((r) => r.type === 'ack');
    const terminal = replies.filter((r) => r.type === 'canceled' || r.type === 'expired' || (r.type === 'reject' && r.of === 'order'));
    const filled = sumAbs(fills);
    const largest = Math.max(0, ...acks.map((a) => Math.abs(a.qty)));
    expect(within(filled, largest), `${orderWhere}: fills add up to ${filled}, more than the largest quantity acknowledged ${largest}`).toBe(true);
    expect(terminal.length, `${orderWhere}: at most one terminal reply`).toBeLessThanOrEqual(1);
    const last = [...acks].sort((a, b) => (a.venueNs === b.venueNs ? Number(a.replace) - Number(b.replace) : a.venueNs < b.venueNs ? -1 : 1)).at(-1);
    const total = last === undefined ? 0 : Math.abs(last.qty);
    const complete = last !== undefined && filled >= total * (1 - 1e-9);
    const held = run.venue.order(id) !== null;
    expect(Number(held) + Number(complete) + terminal.length, `${orderWhere}: exactly one of held (${held}), filled whole (${complete}), a terminal reply`).toBe(1);
    const end = terminal[0];
    if (end !== undefined) {
      expect(fills.every((f) => f.venueNs <= end.venueNs), `${orderWhere}: nothing fills after the terminal reply`).toBe(true);
      if (end.type === 'canceled' || end.type === 'expired') {
        expect(Math.abs(end.qty), `${orderWhere}: a ${end.type} reports the leaves left`).toBeGreaterThan(0);
        expect(filled + Math.abs(end.qty), `${orderWhere}: fills plus the leaves reported add up to the order`).toBeCloseTo(total, 9);
      }
    }
  }
}

function checkDueOrderAndCounters(run: RecordedRun, where: string): void {
  run.events.forEach((e, i) => {
    if (i > 0) expect(e.dueNs >= run.events[i - 1].dueNs, `${where}: event ${i} ${show(e)} is due before the event out before it ${show(run.events[i - 1])}`).toBe(true);
  });
  const count = (type: VenueEvent['type']) => run.events.filter((e) => e.type === type).length;
  expect(run.venue.counters(), `${where}: every counted reply was delivered and the queue is empty`).toMatchObject({
    fills: count('fill'), canceled: count('canceled'), rejects: count('reject'), expired: count('expired'), eventsQueued: 0,
  });
}

/** The limit a fill may not be worse than: the order's limit in force at the action that made it (null: a market order). */
function limitInForce(fill: VenueFill, origin: FillOrigin): number | null {
  const action = origin.action;
  const prior = origin.before.get(fill.clientId);
  if (action.type === 'event' && action.event.type === 'arrival' && action.event.command.clientId === fill.clientId) {
    const command = action.event.command;
    if (command.type === 'order') return command.orderType === 'limit' || command.orderType === 'stop-limit' ? (command.limitPrice ?? 0) : null;
    if (command.type === 'replace' && prior !== undefined) {
      if (prior.orderType !== 'limit' && prior.orderType !== 'stop-limit') return null;
      return command.limitPrice !== undefined && command.limitPrice > 0 ? command.limitPrice : prior.limitPrice;
    }
  }
  if (prior === undefined) throw new Error(`fill ${fill.fillId} of order ${fill.clientId} was made by ${show(action)}, which neither brought the order nor found it held`);
  return prior.orderType === 'limit' || prior.orderType === 'stop-limit' ? prior.limitPrice : null;
}

function checkLimitPrices(run: RecordedRun, where: string): void {
  for (const e of run.events) {
    if (e.type !== 'fill') continue;
    const limit = limitInForce(e, run.origins.get(e.fillId) as FillOrigin);
    if (limit === null) continue;
    const ok = e.qty > 0 ? e.price <= limit : e.price >= limit;
    expect(ok, `${where}: fill ${show(e)} is worse than its limit ${limit}`).toBe(true);
  }
}

function checkParticipation(run: RecordedRun, where: string): void {
  const perBar = new Map<number, { total: number; cap: number }>();
  for (const e of run.events) {
    if (e.type !== 'fill') continue;
    const action = (run.origins.get(e.fillId) as FillOrigin).action;
    const bar = action.type === 'step' && action.step.type === 'market' && action.step.record.type === 'bar' ? action.step.record : null;
    expect(bar?.instrument, `${where}: bar-mode fill ${show(e)} was made by a bar of its instrument, not by ${show(action)}`).toBe(e.instrument);
    if (bar === null || action.type !== 'step') continue;
    const cap = (run.participation.get(e.instrument) ?? 0) * bar.volume;
    const entry = perBar.get(action.index) ?? { total: 0, cap: (run.participation.get(e.instrument) ?? 0) > 0 && bar.volume >= 0 ? cap : Infinity };
    entry.total += Math.abs(e.qty);
    perBar.set(action.index, entry);
  }
  for (const [index, { total, cap }] of perBar) {
    expect(within(total, cap), `${where}: the bar of step ${index} filled ${total}, above its participation cap ${cap}`).toBe(true);
  }
}

function checkDisplayedSize(run: RecordedRun, where: string): void {
  const touch = new Map<string, { total: number; cap: number }>();
  const print = new Map<number, { total: number; cap: number }>();
  for (const e of run.events) {
    if (e.type !== 'fill') continue;
    const origin = run.origins.get(e.fillId) as FillOrigin;
    const action = origin.action;
    const quote = origin.quote.get(e.instrument);
    const market = action.type === 'step' && action.step.type === 'market' ? action.step.record : null;
    expect(action.type === 'event' && action.event.type === 'expiry-timer', `${where}: fill ${show(e)} made by an expiry timer`).toBe(false);
    let fromTouch: boolean;
    if (market !== null && market.type === 'trade') {
      const prior = origin.before.get(e.clientId);
      fromTouch = quote !== undefined && prior !== undefined && prior.orderType !== 'limit';
      if (!fromTouch && action.type === 'step') {
        const entry = print.get(action.index) ?? { total: 0, cap: printCap(market) };
        entry.total += Math.abs(e.qty);
        print.set(action.index, entry);
      }
    } else {
      fromTouch = true;
    }
    if (!fromTouch) continue;
    expect(quote, `${where}: fill ${show(e)} took a touch, so a quote was in force`).toBeDefined();
    const shown = e.qty > 0 ? (quote as { record: VenueQuote }).record.askSize : (quote as { record: VenueQuote }).record.bidSize;
    const key = `${(quote as { index: number }).index}:${e.qty > 0 ? 'ask' : 'bid'}`;
    const entry = touch.get(key) ?? { total: 0, cap: shown > 0 && Number.isFinite(shown) ? shown : Infinity };
    entry.total += Math.abs(e.qty);
    touch.set(key, entry);
  }
  for (const [key, { total, cap }] of touch) expect(within(total, cap), `${where}: fills took ${total} from the ${key} side of a quote showing ${cap}`).toBe(true);
  for (const [index, { total, cap }] of print) expect(within(total, cap), `${where}: fills took ${total} from the print of step ${index} of size ${cap}`).toBe(true);
}

function printCap(trade: VenueTrade): number {
  return trade.size > 0 && Number.isFinite(trade.size) ? trade.size : Infinity;
}

const seedArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe.each(IMPLEMENTATIONS)('simulated venue properties (%s)', (_name, create) => {
  it('bar mode: fills stay within the order and the participation cap, limits are honoured, each order ends once, events come out in due order', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 2, max: 40 }), (seed, records) => {
        const run = runRecorded(create, seed, 'bars', records);
        const where = `bars seed ${seed}n, ${records} records`;
        checkOrderAccounting(run, where);
        checkParticipation(run, where);
        checkLimitPrices(run, where);
        checkDueOrderAndCounters(run, where);
      }),
      { seed: 20_261_205, numRuns: RUNS },
    );
  });

  it('tick mode: fills stay within the order, the displayed size and the print, limits are honoured, each order ends once, events come out in due order', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 2, max: 80 }), (seed, records) => {
        const run = runRecorded(create, seed, 'ticks', records);
        const where = `ticks seed ${seed}n, ${records} records`;
        checkOrderAccounting(run, where);
        checkDisplayedSize(run, where);
        checkLimitPrices(run, where);
        checkDueOrderAndCounters(run, where);
      }),
      { seed: 20_261_206, numRuns: RUNS },
    );
  });
});
