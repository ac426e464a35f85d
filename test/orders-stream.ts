// Random command streams for the order-table suites (orders-properties, orders-parity): new
// orders of every type, cancels, replaces, timer runs, marks and time steps, and a random
// venue that answers with acks, partial fills, overfills, wrong-side fills, duplicated fill
// ids, cancel and replace answers, rejects, expiries and reconciliation reports, for known
// and unknown orders, at once or held back and delivered later out of order (some twice,
// with their original, older venue times). Cancels, rejects and expiries carry varied reason
// codes (the order table keeps why an order ended).
// A command picks orders by a fraction of the ids seen so far, so a stream means the same on
// any OrderManager; runStream applies one to a manager and reports each step.
import fc from 'fast-check';
import { CoreStatusError } from '../engine/core/core-status.js';
import { EventKind } from '../engine/layout/event-record.js';
import { isLiveState, OrderFlag, OrderState, OrderType, TimeInForce, type OrderFlowRecord, type OrderManager, type VenueEvent } from '../engine/orders/index.js';
import type { PreTradeRisk } from '../engine/risk/index.js';
import { BOOK, MS, START_NS } from './orders-fixture.js';

/** Reason codes (a) the random venue gives: the simulated venue's, a live adapter's own (5, 900) and a malformed one (1.5: none recorded). */
const CANCEL_CODES = [0, 1, 2, 9, 1.5];
const REJECT_CODES = [1, 2, 3, 4, 5, 900];
const EXPIRY_CODES = [0, 1, 7];

export type VenueAnswer = 'ack' | 'replaceAck' | 'fill' | 'overfill' | 'wrongSide' | 'canceled' | 'reject' | 'rejectCancel' | 'rejectReplace' | 'expired' | 'status';
export type FillIdMode = 'new' | 'repeat' | 'none';

export type OrderCommand =
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'mark'; readonly instrument: number; readonly moveBp: number }
  | {
      readonly type: 'place'; readonly instrument: number; readonly lots: number; readonly orderType: number; readonly timeInForce: number;
      readonly offsetBp: number; readonly reduceOnly: boolean; readonly emulated: boolean; readonly withReference: boolean;
    }
  | { readonly type: 'cancel'; readonly pick: number; readonly unknown: boolean }
  | { readonly type: 'replace'; readonly pick: number; readonly factor: number; readonly priceBp: number; readonly keepPrice: boolean }
  | {
      readonly type: 'venue'; readonly pick: number; readonly answer: VenueAnswer; readonly fraction: number; readonly fillId: FillIdMode;
      readonly unknownOrder: boolean; readonly holdBack: boolean; readonly statusState: number;
    }
  | { readonly type: 'deliver'; readonly pick: number; readonly keepCopy: boolean }
  | { readonly type: 'timer' };

const instrumentArb = fc.integer({ min: 0, max: BOOK.length - 1 });
/** A uniform fraction in [0, 1) (fast-check's doubles lean to the extremes). */
const fractionArb = (min: number, max: number) => fc.noBias(fc.integer({ min: Math.round(min * 10_000), max: Math.round(max * 10_000) - 1 })).map((k) => k / 10_000);
const pickArb = fractionArb(0, 1);
const answerArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<VenueAnswer>('ack') },
  { weight: 2, arbitrary: fc.constant<VenueAnswer>('replaceAck') },
  { weight: 5, arbitrary: fc.constant<VenueAnswer>('fill') },
  { weight: 2, arbitrary: fc.constantFrom<VenueAnswer>('overfill', 'wrongSide', 'reject', 'rejectCancel', 'rejectReplace', 'expired', 'status') },
  { weight: 1, arbitrary: fc.constant<VenueAnswer>('canceled') },
);

export const commandArb: fc.Arbitrary<OrderCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.noBias(fc.integer({ min: 0, max: 1_500 })) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('mark' as const), instrument: instrumentArb, moveBp: fc.noBias(fc.integer({ min: -150, max: 150 })) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('place' as const),
      instrument: instrumentArb,
      lots: fc.noBias(fc.integer({ min: -30, max: 30 })).filter((lots) => lots !== 0),
      orderType: fc.constantFrom(OrderType.MARKET, OrderType.MARKET, OrderType.LIMIT, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP),
      timeInForce: fc.constantFrom(TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY, TimeInForce.POST_ONLY),
      offsetBp: fc.noBias(fc.integer({ min: -1_200, max: 1_200 })),
      reduceOnly: fc.boolean(),
      emulated: fc.constantFrom(false, false, false, false, true),
      withReference: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('cancel' as const), pick: pickArb, unknown: fc.constantFrom(false, false, false, false, false, false, false, true) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('replace' as const), pick: pickArb, factor: fractionArb(0.2, 3), priceBp: fc.noBias(fc.integer({ min: -300, max: 300 })), keepPrice: fc.boolean(),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      type: fc.constant('venue' as const),
      pick: pickArb,
      answer: answerArb,
      fraction: fractionArb(0.05, 1),
      fillId: fc.constantFrom<FillIdMode>('new', 'new', 'new', 'new', 'repeat', 'none'),
      unknownOrder: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
      holdBack: fc.constantFrom(false, false, false, true),
      statusState: fc.constantFrom(OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED, OrderState.EXPIRED, OrderState.REJECTED, OrderState.PENDING_CANCEL),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('deliver' as const), pick: pickArb, keepCopy: fc.constantFrom(false, false, true) }) },
  { weight: 2, arbitrary: fc.constant({ type: 'timer' as const }) },
);

export const streamArb = (maxLength: number) => fc.array(commandArb, { minLength: Math.ceil(maxLength / 3), maxLength, size: 'max' });

/** What the venue knows of an order: what it was asked for and what it filled. */
interface VenueOrder {
  readonly id: bigint;
  readonly instrument: number;
  qty: number;
  limitPrice: number;
  filled: number;
}

export interface StepReport {
  readonly step: number;
  readonly command: OrderCommand;
  /** Records the step's calls returned, in order. */
  readonly records: OrderFlowRecord[];
  /** Venue fills applied to the portfolio (not a duplicate fill id), by instrument. */
  readonly fills: { readonly instrument: number; readonly qty: number }[];
  /** Status of a call the core refused with a negative status (a CoreStatusError), if any. */
  readonly status: number | null;
}

export interface StreamTarget {
  readonly orders: OrderManager;
  readonly risk: Pick<PreTradeRisk, 'onMark'>;
  /** After each call: release what the core published. */
  settle(): void;
}

const INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const UNKNOWN_ID_BASE = 900_000_000n;
const round2 = (x: number) => Math.round(x * 100) / 100;
const RECENT = 8;
const OLD_ORDER_SHARE = 0.2;

/** Applies `commands` to `target` (set up at START_NS, marks at the book's prices) and reports each step. */
export function runStream(commands: readonly OrderCommand[], target: StreamTarget, onStep: (report: StepReport) => void): void {
  let now = START_NS;
  const marks = BOOK.map((entry) => entry.startPrice);
  const known: VenueOrder[] = [];
  const held: VenueEvent[] = [];
  const fillIds: number[] = [];
  const appliedFillIds = new Set<string>();
  let nextFillId = 1;
  let nextUnknown = 0n;

  const pick = <T>(list: readonly T[], fraction: number): T | undefined => (list.length === 0 ? undefined : list[Math.floor(fraction * list.length)]);
  /** Mostly one of the last RECENT orders (likely live), sometimes any order seen (likely closed). */
  const pickOrder = (fraction: number): VenueOrder | undefined =>
    fraction < OLD_ORDER_SHARE ? pick(known, fraction / OLD_ORDER_SHARE) : pick(known.slice(-RECENT), (fraction - OLD_ORDER_SHARE) / (1 - OLD_ORDER_SHARE));
  /** For our own cancels and replaces: mostly an order the table holds live, sometimes any. */
  const pickLiveOrder = (fraction: number): VenueOrder | undefined => {
    if (fraction < OLD_ORDER_SHARE) return pick(known, fraction / OLD_ORDER_SHARE);
    const live = known.filter((order) => isLiveState(target.orders.order(order.id)?.state ?? 0));
    return pick(live, (fraction - OLD_ORDER_SHARE) / (1 - OLD_ORDER_SHARE));
  };

  commands.forEach((command, step) => {
    const records: OrderFlowRecord[] = [];
    const fills: { instrument: number; qty: number }[] = [];
    let status: number | null = null;
    const call = <T>(run: () => T): T | undefined => {
      try {
        return run();
      } catch (error) {
        if (!(error instanceof CoreStatusError)) throw error;
        status = error.status;
        return undefined;
      } finally {
        target.settle();
      }
    };
    const deliver = (event: VenueEvent) => {
      const out = call(() => target.orders.applyVenueEvent(event));
      if (out === undefined) return;
      records.push(...out);
      // A fill id is one fill within its instrument (venues such as Binance number trades per symbol).
      const fillKey = `${event.instrument}:${event.b}`;
      if ((event.kind & EventKind.FILL) !== 0 && (event.b === 0 || !appliedFillIds.has(fillKey))) {
        if (event.b !== 0) appliedFillIds.add(fillKey);
        fills.push({ instrument: event.instrument, qty: event.size });
      }
    };

    switch (command.type) {
      case 'advance':
        now += BigInt(command.ms) * MS;
        break;
      case 'mark': {
        marks[command.instrument] = round2(marks[command.instrument] * (1 + command.moveBp / 10_000));
        call(() => target.risk.onMark(command.instrument, now, marks[command.instrument]));
        break;
      }
      case 'place': {
        const mark = marks[command.instrument];
        const away = round2(mark * (1 + command.offsetBp / 10_000));
        const type = command.orderType;
        const tif = command.timeInForce === TimeInForce.POST_ONLY && type !== OrderType.LIMIT ? TimeInForce.GTC : command.timeInForce;
        const trailing = type === OrderType.TRAILING_STOP;
        const result = call(() =>
          target.orders.place({
            instrument: command.instrument, nowNs: now, qty: command.lots, orderType: type, timeInForce: tif,
            flags: (command.reduceOnly ? OrderFlag.REDUCE_ONLY : 0) | (command.emulated ? OrderFlag.EMULATED : 0),
            limitPrice: type === OrderType.LIMIT || type === OrderType.STOP_LIMIT ? away : 0,
            stopPrice: type === OrderType.STOP || type === OrderType.STOP_LIMIT ? round2(mark * (1 - command.offsetBp / 20_000)) : 0,
            trailOffset: trailing ? round2(mark * 0.02) : 0,
            referencePrice: command.withReference || trailing ? mark : 0,
          }),
        );
        if (!result) break;
        records.push(...result.records);
        if (result.outcome !== 'refused') known.push({ id: result.orderId, instrument: command.instrument, qty: command.lots, limitPrice: type === OrderType.LIMIT ? away : 0, filled: 0 });
        break;
      }
      case 'cancel': {
        const order = pickLiveOrder(command.pick);
        const id = command.unknown || !order ? UNKNOWN_ID_BASE + nextUnknown++ : order.id;
        const result = call(() => target.orders.cancel(id, now));
        if (result) records.push(...result.records);
        break;
      }
      case 'replace': {
        const order = pickLiveOrder(command.pick);
        if (!order) break;
        const slot = target.orders.order(order.id);
        const filled = slot ? Math.abs(slot.filled) : 0;
        const size = Math.max(filled + 1, Math.round(Math.abs(order.qty) * command.factor));
        const qty = Math.sign(order.qty) * size;
        const limitPrice = command.keepPrice || order.limitPrice === 0 ? 0 : round2(order.limitPrice * (1 + command.priceBp / 10_000));
        const result = call(() => target.orders.replace({ orderId: order.id, nowNs: now, qty, limitPrice, stopPrice: 0, rule: 9 }));
        if (!result) break;
        records.push(...result.records);
        if (result.outcome === 'sent' || result.outcome === 'applied') {
          order.qty = qty;
          if (limitPrice > 0) order.limitPrice = limitPrice;
        }
        break;
      }
      case 'venue': {
        const order = pickOrder(command.pick);
        const unknown = command.unknownOrder || !order;
        const id = unknown ? UNKNOWN_ID_BASE + nextUnknown++ : order!.id;
        const instrument = order?.instrument ?? Math.floor(command.pick * BOOK.length);
        const qty = order?.qty ?? 5;
        const base = { instrument, tsExchange: now, tsLocal: now, id };
        const leaves = Math.max(1, Math.abs(qty) - (order?.filled ?? 0));
        let event: VenueEvent;
        switch (command.answer) {
          case 'ack':
            event = { ...base, kind: EventKind.ACK | INBOUND, price: order?.limitPrice ?? 0, size: qty, a: 0, b: Number(id) * 10 + 1 };
            break;
          case 'replaceAck':
            event = { ...base, kind: EventKind.ACK | INBOUND, price: order?.limitPrice ?? 0, size: qty, a: 1, b: 0 };
            break;
          case 'fill':
          case 'overfill':
          case 'wrongSide': {
            const lots = command.answer === 'overfill' ? leaves + Math.max(1, Math.round(command.fraction * 5)) : Math.max(1, Math.round(command.fraction * leaves));
            const signed = (command.answer === 'wrongSide' ? -1 : 1) * Math.sign(qty) * lots;
            const mode = command.fillId === 'repeat' && fillIds.length === 0 ? 'new' : command.fillId;
            const fillId = mode === 'new' ? nextFillId++ : mode === 'repeat' ? pick(fillIds, command.fraction)! : 0;
            if (mode === 'new') fillIds.push(fillId);
            const price = order && order.limitPrice > 0 ? order.limitPrice : marks[instrument];
            event = { ...base, kind: EventKind.FILL | INBOUND | (command.fraction > 0.5 ? EventKind.FLAG_MAKER : 0), price, size: signed, a: round2(lots * price * 0.001), b: fillId };
            if (order && command.answer !== 'wrongSide') order.filled += lots;
            break;
          }
          case 'canceled':
            event = { ...base, kind: EventKind.CANCELED | INBOUND, price: 0, size: Math.sign(qty) * leaves, a: CANCEL_CODES[Math.floor(command.fraction * CANCEL_CODES.length)], b: 0 };
            break;
          case 'reject':
          case 'rejectCancel':
          case 'rejectReplace':
            event = {
              ...base, kind: EventKind.REJECT | INBOUND, price: 0, size: qty, a: REJECT_CODES[Math.floor(command.fraction * REJECT_CODES.length)],
              b: command.answer === 'reject' ? 0 : command.answer === 'rejectCancel' ? 1 : 2,
            };
            break;
          case 'expired':
            event = { ...base, kind: EventKind.EXPIRED | INBOUND, price: 0, size: Math.sign(qty) * leaves, a: EXPIRY_CODES[Math.floor(command.fraction * EXPIRY_CODES.length)], b: 0 };
            break;
          case 'status': {
            const venueFilled = (order?.filled ?? 0) + (command.fraction > 0.8 ? 1 : 0);
            event = { ...base, kind: EventKind.ORDER_STATUS | INBOUND, price: marks[instrument], size: Math.sign(qty) * venueFilled, a: command.statusState, b: qty };
            break;
          }
        }
        if (command.holdBack) held.push(event);
        else deliver(event);
        break;
      }
      case 'deliver': {
        if (held.length === 0) break;
        const index = Math.floor(command.pick * held.length);
        const event = command.keepCopy ? held[index] : held.splice(index, 1)[0];
        deliver(event);
        break;
      }
      case 'timer': {
        const result = call(() => target.orders.timer(now));
        if (result) records.push(...result.records);
        break;
      }
    }
    onStep({ step, command, records, fills, status });
  });
}
