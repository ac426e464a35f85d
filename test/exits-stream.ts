// Random streams for the exit-engine parity suite: a random exit profile per run for each
// instrument (fixed, ATR and trailing stops, tiers, holding times, regime multipliers, either
// re-entry mode), then entries placed on the order table and filled by the test as the venue
// (whole, in part, later; a fill may be reported late), bars (random walks with highs and
// lows), a venue that fills the working orders a bar crossed (reduce-only ones only up to the
// position, as a venue would) or answers any live order or an entry (ack, fill, cancel,
// reject, expiry), time steps (short, and gaps past the staleness threshold and the holding
// times), timers, regime labels and ATR values; and commands that seek the boundaries: a bar
// exactly at a trailing stop's trigger, a price or timer exactly at the end of a holding time,
// a timer exactly as a mark turns stale, a fill on a stale mark. runStream applies a stream to
// an ExitEngine and reports each step.
import fc from 'fast-check';
import { CoreStatusError } from '../engine/core/core-status.js';
import { EventKind } from '../engine/layout/event-record.js';
import { REENTRY_AFTER_RESET, REENTRY_IMMEDIATE, exitProfile, type ExitEngine, type ExitProfile, type ExitTarget } from '../engine/exits/index.js';
import { OrderFlag, OrderRule, OrderType, isLiveState, OrderState, type OrderFlowRecord, type OrderSlotState, type VenueEvent } from '../engine/orders/index.js';
import type { RiskInstrumentState } from '../engine/risk/index.js';
import { BOOK, MS, SECOND, START_NS, type ExitMarketInputs } from './exits-fixture.js';

export type VenueAnswer = 'ack' | 'fill' | 'partFill' | 'canceled' | 'reject' | 'expired';

export type ExitCommand =
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'price'; readonly instrument: number; readonly moveBp: number; readonly upBp: number; readonly downBp: number }
  | { readonly type: 'entry'; readonly instrument: number; readonly lots: number; readonly fill: 'whole' | 'part' | 'later'; readonly lateMs: number; readonly slipBp: number }
  | { readonly type: 'match'; readonly instrument: number; readonly fraction: number }
  | { readonly type: 'venue'; readonly pick: number; readonly entries: boolean; readonly answer: VenueAnswer; readonly lateMs: number }
  | { readonly type: 'timer' }
  | { readonly type: 'regime'; readonly instrument: number; readonly label: number }
  | { readonly type: 'atr'; readonly instrument: number; readonly bp: number }
  // Boundaries: a bar whose low (high) is exactly a held trailing stop's trigger; a price or timer
  // exactly at (or 1 ns around) the end of a position's holding time; a timer exactly when (or
  // 1 ns after) an instrument's mark turns stale.
  | { readonly type: 'touch'; readonly instrument: number }
  | { readonly type: 'holdEnd'; readonly instrument: number; readonly by: 'price' | 'timer'; readonly offsetNs: number }
  | { readonly type: 'staleEdge'; readonly instrument: number; readonly offsetNs: number }
  // A fill reported late on a stale mark: 6 s pass with only a timer, then a working entry fills
  // as of 5.5 s ago (its price is the mark now, 0.5 s past the staleness threshold).
  | { readonly type: 'staleFill'; readonly pick: number };

/** One run: a profile per instrument (null: no exits) and the commands. */
export interface ExitScenario {
  readonly profiles: readonly (ExitProfile | null)[];
  readonly commands: readonly ExitCommand[];
}

const instrumentArb = fc.integer({ min: 0, max: BOOK.length - 1 });
/** A uniform integer in [min, max] (fast-check's integers lean to the extremes). */
const uniform = (min: number, max: number) => fc.noBias(fc.integer({ min, max }));
/** 0 in `zeros` of 10 draws, else a uniform value in [min, max] thousandths: fractions that round in f64. */
const thousandths = (zeros: number, min: number, max: number) =>
  fc.oneof({ weight: zeros, arbitrary: fc.constant(0) }, { weight: 10 - zeros, arbitrary: uniform(min, max).map((k) => k / 1000) });

const targetsArb: fc.Arbitrary<ExitTarget[]> = fc.oneof(
  fc.constant<ExitTarget[]>([]),
  fc.array(fc.record({ pct: uniform(5, 60).map((k) => k / 1000), fraction: uniform(10, 60).map((k) => k / 100) }), { minLength: 1, maxLength: 4 }).map((tiers) => {
    const total = tiers.reduce((sum, tier) => sum + tier.fraction, 0);
    return total <= 1 ? tiers : tiers.map((tier) => ({ ...tier, fraction: tier.fraction / total }));
  }),
  // A first tier a short can never reach (+100%: a price of 0; +120%): it is left out.
  fc.constantFrom(1, 1.2).map((pct) => [{ pct, fraction: 0.5 }, { pct: 0.03, fraction: 0.5 }]),
);

export const profileArb = (atrValue: number): fc.Arbitrary<ExitProfile> =>
  fc.record({
    stopPct: thousandths(3, 5, 40),
    atrMultiple: thousandths(5, 500, 3000),
    trailPct: thousandths(5, 5, 40),
    trailAtrMultiple: thousandths(7, 500, 3000),
    targets: targetsArb,
    maxHoldNs: fc.constantFrom(0n, 0n, 20n * SECOND, 45n * SECOND),
    regimeMultiplier: fc.tuple(uniform(400, 2500), uniform(400, 2500), uniform(400, 2500)).map(([a, b, c]) => [a / 1000, b / 1000, c / 1000] as [number, number, number]),
    reentry: fc.constantFrom(REENTRY_AFTER_RESET, REENTRY_IMMEDIATE),
  }).map((fields) => exitProfile({ ...fields, atrValue }));

const answerArb = fc.constantFrom<VenueAnswer>('ack', 'ack', 'fill', 'fill', 'partFill', 'canceled', 'canceled', 'reject', 'expired');

export const commandArb: fc.Arbitrary<ExitCommand> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('advance' as const),
      ms: fc.oneof({ weight: 6, arbitrary: uniform(0, 2_500) }, { weight: 1, arbitrary: uniform(5_500, 30_000) }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ type: fc.constant('price' as const), instrument: instrumentArb, moveBp: uniform(-250, 250), upBp: uniform(0, 200), downBp: uniform(0, 200) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('entry' as const),
      instrument: instrumentArb,
      lots: uniform(-25, 25).filter((lots) => lots !== 0),
      fill: fc.constantFrom('whole' as const, 'whole' as const, 'part' as const, 'later' as const),
      lateMs: fc.constantFrom(0, 0, 0, 0, 0, 7_000),
      slipBp: uniform(-30, 30),
    }),
  },
  { weight: 6, arbitrary: fc.record({ type: fc.constant('match' as const), instrument: instrumentArb, fraction: uniform(30, 100).map((k) => k / 100) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('venue' as const), pick: uniform(0, 9_999).map((k) => k / 10_000), entries: fc.boolean(), answer: answerArb, lateMs: fc.constantFrom(0, 0, 0, 7_000),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'timer' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('regime' as const), instrument: instrumentArb, label: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('atr' as const), instrument: instrumentArb, bp: fc.oneof(fc.constant(0), uniform(30, 400)) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('touch' as const), instrument: instrumentArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('holdEnd' as const), instrument: instrumentArb, by: fc.constantFrom('price' as const, 'timer' as const), offsetNs: fc.integer({ min: -1, max: 1 }) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('staleEdge' as const), instrument: instrumentArb, offsetNs: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('staleFill' as const), pick: uniform(0, 9_999).map((k) => k / 10_000) }) },
);

export const scenarioArb = (atrValue: number, maxLength: number): fc.Arbitrary<ExitScenario> =>
  fc.record({
    profiles: fc.tuple(...BOOK.map(() => fc.oneof({ weight: 6, arbitrary: profileArb(atrValue) }, { weight: 1, arbitrary: fc.constant(null) }))),
    commands: fc.array(commandArb, { minLength: Math.ceil(maxLength / 2), maxLength, size: 'max' }),
  });

export interface StepReport {
  readonly step: number;
  readonly command: ExitCommand;
  /** What each call of the step returned, in order, with the call that returned it. */
  readonly calls: { readonly call: 'venue' | 'price' | 'timer' | 'place'; readonly records: OrderFlowRecord[] }[];
}

export interface StreamTarget {
  readonly exits: ExitEngine;
  readonly market: ExitMarketInputs;
  /** `instrument`'s risk slot: its position (the venue fills reduce-only orders only up to it) and mark. */
  instrumentState(instrument: number): Pick<RiskInstrumentState, 'position' | 'markTsNs'>;
  /** After each call: release what the core published. */
  settle(): void;
}

const INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;

/** Binds profile k to instrument k (or none) and applies `scenario`'s commands to `target`, reporting each step. */
export function runStream(scenario: ExitScenario, target: StreamTarget, onStep: (report: StepReport) => void): void {
  const { exits, market } = target;
  scenario.profiles.forEach((profile, instrument) => {
    if (profile === null) {
      exits.bindInstrument(instrument, -1);
      return;
    }
    exits.configureProfile(instrument, profile);
    exits.bindInstrument(instrument, instrument);
  });
  let now = START_NS;
  const marks = BOOK.map((entry) => entry.startPrice);
  const bars = BOOK.map((entry) => ({ high: entry.startPrice, low: entry.startPrice }));
  let nextFillId = 1;
  let calls: StepReport['calls'] = [];

  const attempt = <T>(call: StepReport['calls'][number]['call'], run: () => T): T | undefined => {
    try {
      const result = run();
      const records = Array.isArray(result) ? (result as OrderFlowRecord[]) : (result as { records: OrderFlowRecord[] }).records;
      calls.push({ call, records });
      return result;
    } catch (error) {
      if (!(error instanceof CoreStatusError)) throw error;
      return undefined;
    } finally {
      target.settle();
    }
  };
  const event = (kind: number, order: Pick<OrderSlotState, 'id' | 'instrument'>, at: bigint, fields: Partial<VenueEvent>): VenueEvent => ({
    kind: kind | INBOUND, instrument: order.instrument, tsExchange: at, tsLocal: at, price: 0, size: 0, a: 0, b: 0, id: order.id, ...fields,
  });
  const deliver = (e: VenueEvent) => attempt('venue', () => exits.applyVenueEvent(e));
  const fill = (order: Pick<OrderSlotState, 'id' | 'instrument'>, qty: number, price: number, at: bigint = now) =>
    deliver(event(EventKind.FILL, order, at, { price, size: qty, a: Math.abs(qty) * price * 0.0005, b: nextFillId++ }));
  const leavesOf = (o: OrderSlotState) => o.qty - o.filled;
  /** `fraction` of `leaves` in whole lots of the instrument (at least one). */
  const partOf = (o: OrderSlotState, leaves: number, fraction: number) => {
    const lot = BOOK[o.instrument].lotSize;
    return Math.sign(leaves) * Math.max(1, Math.floor((Math.abs(leaves) * fraction) / lot)) * lot;
  };
  /** What the venue fills of reduce-only order `o`: at most the position it reduces (0: nothing to reduce). */
  const reducible = (o: OrderSlotState, qty: number) => {
    if ((o.flags & OrderFlag.REDUCE_ONLY) === 0) return qty;
    const { position } = target.instrumentState(o.instrument);
    if (position === 0 || position > 0 === qty > 0) return 0;
    return Math.sign(qty) * Math.min(Math.abs(qty), Math.abs(position));
  };
  /** The price a working order fills at: its limit or stop, else the mark. */
  const priceOf = (o: OrderSlotState) => (o.orderType === OrderType.LIMIT ? o.limitPrice : o.orderType === OrderType.STOP ? o.stopPrice : marks[o.instrument]);
  const working = (instrument?: number) =>
    exits.orders.slots().filter((o) => isLiveState(o.state) && o.state !== OrderState.NEW && (instrument === undefined || o.instrument === instrument));

  const bar = (i: number, close: number, high: number, low: number) => {
    marks[i] = close;
    bars[i] = { high, low };
    attempt('price', () => exits.onPrice({ instrument: i, tsNs: now, close, high, low }));
  };

  scenario.commands.forEach((command, step) => {
    calls = [];
    switch (command.type) {
      case 'advance':
        now += BigInt(command.ms) * MS;
        break;
      case 'price': {
        const i = command.instrument;
        const open = marks[i];
        const close = open * (1 + command.moveBp / 10_000);
        bar(i, close, Math.max(open, close) * (1 + command.upBp / 10_000), Math.min(open, close) * (1 - command.downBp / 10_000));
        break;
      }
      case 'touch': {
        const i = command.instrument;
        const trail = exits.orders.order(exits.state(i).trailOrderId);
        if (!trail || trail.state !== OrderState.NEW) break;
        bar(i, trail.stopPrice, trail.stopPrice, trail.stopPrice);
        break;
      }
      case 'holdEnd': {
        const i = command.instrument;
        const { side, entryNs } = exits.state(i);
        const hold = scenario.profiles[i]?.maxHoldNs ?? 0n;
        const end = entryNs + hold + BigInt(command.offsetNs);
        if (side === 0 || hold === 0n || end < now) break;
        now = end;
        if (command.by === 'timer') attempt('timer', () => exits.onTimer(now));
        else bar(i, marks[i], marks[i], marks[i]);
        break;
      }
      case 'staleEdge': {
        const edge = target.instrumentState(command.instrument).markTsNs + BOOK[command.instrument].staleNs + BigInt(command.offsetNs);
        if (edge < now) break;
        now = edge;
        attempt('timer', () => exits.onTimer(now));
        break;
      }
      case 'entry': {
        const i = command.instrument;
        const lot = BOOK[i].lotSize;
        const qty = command.lots * lot;
        const placed = attempt('place', () => exits.orders.place({ instrument: i, nowNs: now, qty, rule: OrderRule.STRATEGY, referencePrice: marks[i] }));
        if (!placed || placed.outcome !== 'sent') break;
        const order = { id: placed.orderId, instrument: i };
        deliver(event(EventKind.ACK, order, now, { size: qty, b: Number(placed.orderId) + 7 }));
        if (command.fill === 'later') break;
        const part = command.fill === 'whole' ? qty : Math.sign(command.lots) * Math.max(1, Math.floor(Math.abs(command.lots) / 2)) * lot;
        fill(order, part, marks[i] * (1 + command.slipBp / 10_000), now - BigInt(command.lateMs) * MS);
        break;
      }
      case 'match': {
        const i = command.instrument;
        const { high, low } = bars[i];
        for (const o of working(i)) {
          const buy = o.qty > 0;
          const crossed =
            o.orderType === OrderType.MARKET ||
            (o.orderType === OrderType.STOP && (buy ? high >= o.stopPrice : low <= o.stopPrice)) ||
            (o.orderType === OrderType.LIMIT && (buy ? low <= o.limitPrice : high >= o.limitPrice));
          if (!crossed) continue;
          const leaves = leavesOf(o);
          const part = command.fraction >= 0.7 ? leaves : partOf(o, leaves, command.fraction);
          const qty = reducible(o, part);
          if (qty === 0) deliver(event(EventKind.CANCELED, o, now, { size: leaves }));
          else fill(o, qty, priceOf(o));
        }
        break;
      }
      case 'venue': {
        const live = working().filter((o) => !command.entries || (o.flags & OrderFlag.REDUCE_ONLY) === 0);
        if (live.length === 0) break;
        const o = live[Math.floor(command.pick * live.length)];
        const leaves = leavesOf(o);
        switch (command.answer) {
          case 'ack':
            deliver(event(EventKind.ACK, o, now, { size: o.qty, price: o.limitPrice, b: Number(o.id) + 7 }));
            break;
          case 'fill':
          case 'partFill': {
            const part = command.answer === 'fill' ? leaves : partOf(o, leaves, 0.5);
            const qty = reducible(o, part);
            if (qty !== 0) fill(o, qty, priceOf(o), now - BigInt(command.lateMs) * MS);
            break;
          }
          case 'canceled':
            deliver(event(EventKind.CANCELED, o, now, { size: leaves }));
            break;
          case 'reject':
            deliver(event(EventKind.REJECT, o, now, { size: o.qty, a: 3 }));
            break;
          case 'expired':
            deliver(event(EventKind.EXPIRED, o, now, { size: leaves }));
            break;
        }
        break;
      }
      case 'timer':
        attempt('timer', () => exits.onTimer(now));
        break;
      case 'staleFill': {
        now += 6n * SECOND;
        attempt('timer', () => exits.onTimer(now));
        const entries = working().filter((o) => (o.flags & OrderFlag.REDUCE_ONLY) === 0);
        if (entries.length === 0) break;
        const o = entries[Math.floor(command.pick * entries.length)];
        fill(o, leavesOf(o), marks[o.instrument], now - 5_500n * MS);
        break;
      }
      case 'regime':
        market.setRegime(command.instrument, command.label);
        break;
      case 'atr':
        market.setAtr(command.instrument, command.bp === 0 ? NaN : (marks[command.instrument] * command.bp) / 10_000);
        break;
    }
    onStep({ step, command, calls });
  });
}
