// Reconciliation with the venue, on start and after every reconnect: the venue's word against
// the core's, each difference turned into an inbound record (journaled, then published) or a
// request, and a report that is printed and journaled.
//
//   missed fills        fills above the last journaled fill id, published in fill-id order
//                       (the core ignores a fill id it has applied: fills are idempotent)
//   missed market data  market records after the last journaled one, up to the venue's own
//                       (a pull feed only: a push feed's adapter backfills its own gaps)
//   an order we hold live:
//     venue never saw it    it never left (journaled, then the process died before the send):
//                           sent again while the venue's clock is within `resubmitWithinNs`
//                           of its decision, else REJECTED (an inbound REJECT); never sent again
//                           while the kill switch is tripped or a trip is due and it adds
//                           exposure (not reduce-only): REJECTED (withheld-orders.ts)
//     venue state differs   an ORDER_STATUS record (the core resolves the state; more filled
//                           than applied keeps it UNCERTAIN until the fills arrive)
//     cancel or replace unanswered and the venue order still live: the request is sent again
//   foreign orders      live at the venue, unknown to us: cancelled (policy 'cancel'), left
//                       alone and reported (policy 'report'), or adopted (policy 'adopt', below)
//   positions           the venue's against the core's after all of the above; a difference
//                       trips the kill switch (journaled): no new risk on an unexplained book
//
// Adoption (policy 'adopt'; only adapters with VenueAdapter.adopt: the session refuses the policy
// at start otherwise, so push adapters such as ccxt and IB cannot run it):
//   1. an ORDER_STATUS record with a negative state is journaled and published like the other
//      records here: id = the venue's id of the order, a = -state (OPEN / PARTIALLY_FILLED),
//      b = signed qty, size = signed filled so far, price = limit (0: market). The core
//      (order-events.ts onAdopt) gives it the next engine order id, FLAG_ADOPTED and that venue
//      id; its leaves count in exposure and risk like any order. A second adoption of a live
//      adopted order (same instrument and venue id) is ignored by the core (DUPLICATE_EVENT).
//   2. once the core is idle the order is found in the table by its venue id, an OrderAdopted
//      { orderId, clientOrderId (the venue's), venueOrderId, instrument } entry is journaled
//      and committed, and adapter.adopt(clientOrderId, orderId) maps the venue order's later
//      records to the engine id (and our cancels / replaces of it to the venue order).
//   3. a restart replays the journal's inbound records, so the core adopts again, byte for byte
//      (recovery and `replay --journal` alike); AdoptedOrders.restore then registers the
//      journaled OrderAdopted entries of the live adopted orders with the adapter before
//      reconciling, so the venue order counts as ours and is not adopted twice. Killed between
//      1 and 2: the recovered core holds the order but the journal no OrderAdopted; reconciling
//      finds it by venue id, journals OrderAdopted and registers it, without a second record.
//   Caveat: a venue that sends the order's records between openOrders() and adopt() (not the
//   sim venue: it answers in lockstep) delivers them with the venue id; the core applies such
//   fills to the position, not to the order (UNKNOWN_ORDER notices).
import { EVENT_BYTES, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import { OrderFlag, OrderState, REJECT_LOST_BEFORE_VENUE, isTerminalState, orderStateName, type OrderSlotState } from '../orders/index.js';
import type { Journal } from '../journal/index.js';
import { clientOrderIdOf, isPushVenueAdapter, orderIdOfClientOrderId, type VenueAdapter, type VenueOrderView } from './venue-adapter.js';
import type { JournaledInbound } from './journaled-inbound.js';
import { sendCommand } from './journaled-commands.js';
import { REJECT_WITHHELD_BY_KILL_SWITCH } from './withheld-orders.js';
import { liveOrders, readSessionBook } from './session-state.js';
import type { EngineHost } from '../threads/index.js';

export type ForeignOrderPolicy = 'cancel' | 'report' | 'adopt';

/** The session's adopted orders: engine order id -> the venue's client order id of it. */
export class AdoptedOrders {
  private readonly venueClientOrderIds = new Map<bigint, string>();

  /** Registers with `adapter` every journaled adoption whose order the recovered core holds live (see the header). */
  static restore(journal: Journal, adapter: VenueAdapter, host: EngineHost, instruments: readonly number[]): AdoptedOrders {
    const adopted = new AdoptedOrders();
    const live = new Set(liveOrders(host.memory, instruments).filter(isAdopted).map((order) => order.id));
    if (live.size === 0) return adopted;
    for (const { entry } of journal.read(1n)) {
      if (entry.type === 'orderAdopted' && live.has(entry.orderId)) adopted.register(adapter, entry.orderId, entry.clientOrderId);
    }
    return adopted;
  }

  /** What the venue calls engine order `orderId`. */
  clientOrderIdOf(orderId: bigint): string {
    return this.venueClientOrderIds.get(orderId) ?? clientOrderIdOf(orderId);
  }

  get size(): number {
    return this.venueClientOrderIds.size;
  }

  register(adapter: VenueAdapter, orderId: bigint, clientOrderId: string): void {
    if (!adapter.adopt) throw new Error(`venue adapter ${adapter.name} cannot adopt orders (live.reconcile.foreignOrders: adopt needs VenueAdapter.adopt)`);
    adapter.adopt(clientOrderId, orderId);
    this.venueClientOrderIds.set(orderId, clientOrderId);
  }
}

function isAdopted(order: OrderSlotState): boolean {
  return (order.flags & OrderFlag.ADOPTED) !== 0;
}

/** Refuses policy 'adopt' with an adapter that cannot adopt (push adapters: ccxt, IB). */
export function checkForeignOrderPolicy(policy: ReconcilePolicy, adapter: VenueAdapter): void {
  if (policy.foreignOrders === 'adopt' && typeof adapter.adopt !== 'function') {
    throw new Error(`live.reconcile.foreignOrders: adopt is not supported by the ${adapter.name} adapter (it cannot map a venue order it did not place to an engine order); use cancel or report`);
  }
}

export interface ReconcilePolicy {
  /** An order that never reached the venue is sent again while the venue clock is at most this far past its decision. */
  readonly resubmitWithinNs: bigint;
  readonly foreignOrders: ForeignOrderPolicy;
  /** Position difference below which the books agree. */
  readonly positionTolerance: number;
}

export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = { resubmitWithinNs: 5_000_000_000n, foreignOrders: 'cancel', positionTolerance: 1e-9 };

export interface ReconcileReport {
  readonly trigger: string;
  missedFills: number;
  missedMarket: number;
  resolvedOrders: number;
  rejectedOrders: number;
  resubmittedOrders: number;
  resentRequests: number;
  uncertainOrders: number;
  foreignOrders: number;
  positionMismatches: number;
  /** Foreign orders adopted (policy 'adopt'). */
  adoptedOrders?: number;
  readonly lines: string[];
}

/** A 64-byte inbound record as a live venue sends it. */
function venueRecord(kind: number, instrument: number, tsNs: bigint, price: number, size: number, a: number, b: number, orderId: bigint): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, kind | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(EV_INSTRUMENT, instrument, true);
  view.setBigInt64(EV_TS_EXCHANGE, tsNs, true);
  view.setBigInt64(EV_TS_LOCAL, tsNs, true);
  view.setFloat64(EV_PRICE, price, true);
  view.setFloat64(EV_SIZE, size, true);
  view.setFloat64(EV_A, a, true);
  view.setFloat64(EV_B, b, true);
  view.setBigUint64(EV_ID, orderId, true);
  return bytes;
}

/** Venue REJECT reason used when an order is found never to have reached the venue (named 'lost-before-venue' by engine/orders venue-reason-names.ts). */
export { REJECT_LOST_BEFORE_VENUE };

function differs(order: OrderSlotState, venue: VenueOrderView): boolean {
  if (Math.abs(order.filled - venue.filled) > 1e-12) return true;
  const venueClosed = isTerminalState(venue.state);
  return venueClosed || order.state === OrderState.PENDING_SUBMIT || order.state === OrderState.UNCERTAIN;
}

/** What the session asks of a reconciliation beyond the venue's word. */
export interface ReconcileHooks {
  /**
   * Each record reconciliation journals and publishes (missed fills, REJECT, ORDER_STATUS), once
   * journaled: the session counts them on its run of rejections as it counts the venue's own
   * records (and as a restart counts them from the journal).
   */
  readonly journaled?: (record: Uint8Array) => void;
  /**
   * True while the kill switch is tripped or a trip is due: an order that never reached the venue
   * and adds exposure (not reduce-only) is then REJECTED (REJECT_WITHHELD_BY_KILL_SWITCH), not
   * sent again, however recent its decision.
   */
  readonly withholdsNewExposure?: () => boolean;
}

export async function reconcile(
  trigger: string, host: EngineHost, inbound: JournaledInbound, journal: Journal, adapter: VenueAdapter, instruments: readonly number[], policy: ReconcilePolicy,
  /**
   * Orders the core decided but the journal does not hold yet (decided before the crash and lost
   * with it, or decided again from the records reconciliation publishes): the session journals
   * and sends them next, so they are left alone here.
   */
  notYetJournaled: (orderId: bigint) => boolean = () => false,
  /** The session's adopted orders (policy 'adopt'; asked about by the venue's client order id). */
  adopted: AdoptedOrders = new AdoptedOrders(),
  hooks: ReconcileHooks = {},
): Promise<ReconcileReport> {
  const publish = (record: Uint8Array): void => {
    inbound.journalAndPublish(record, 0n);
    hooks.journaled?.(record);
  };
  const report: ReconcileReport = {
    trigger, missedFills: 0, missedMarket: 0, resolvedOrders: 0, rejectedOrders: 0, resubmittedOrders: 0, resentRequests: 0, uncertainOrders: 0,
    foreignOrders: 0, positionMismatches: 0, adoptedOrders: 0, lines: [],
  };
  checkForeignOrderPolicy(policy, adapter);
  const status = await adapter.status();
  // 1. Fills the journal lacks, then market records, in the order the venue sent them.
  for (const fill of await adapter.fillsSince(inbound.lastFillId, inbound.lastFillIdByInstrument)) {
    publish(fill);
    report.missedFills++;
  }
  // A push feed (ccxt, IB) fills its own gaps and numbers its records per process: no market() to ask.
  if (!isPushVenueAdapter(adapter) && status.marketSeq > inbound.lastMarketSeq) {
    const missing = Number(status.marketSeq - inbound.lastMarketSeq);
    report.missedMarket = await adapter.market(inbound.lastMarketSeq + 1n, missing);
  }
  await inbound.idle();
  // 2. Our live orders against the venue's view.
  const ours = new Set<string>();
  for (const order of liveOrders(host.memory, instruments)) {
    const clientOrderId = adopted.clientOrderIdOf(order.id);
    ours.add(clientOrderId);
    if (notYetJournaled(order.id)) continue;
    const venue = await adapter.order(clientOrderId);
    if (venue === null) {
      if (order.state !== OrderState.PENDING_SUBMIT && order.state !== OrderState.UNCERTAIN) {
        report.uncertainOrders++;
        report.lines.push(`order ${clientOrderId}: ${orderStateName(order.state)} here, unknown at the venue; left as is`);
        continue;
      }
      if ((order.flags & OrderFlag.REDUCE_ONLY) === 0 && hooks.withholdsNewExposure?.() === true) {
        publish(venueRecord(EventKind.REJECT, order.instrument, status.nowNs, 0, order.qty, REJECT_WITHHELD_BY_KILL_SWITCH, 0, order.id));
        report.rejectedOrders++;
        report.lines.push(`order ${clientOrderId}: never reached the venue; not sent again: the kill switch is tripped (or a trip is due) and it adds exposure; REJECTED`);
      } else if (status.nowNs - order.createdNs <= policy.resubmitWithinNs) {
        sendCommand(adapter, {
          record: 'order', orderId: order.id, instrument: order.instrument, tsNs: order.createdNs, clockNs: order.createdNs, qty: order.qty,
          limitPrice: order.limitPrice, stopPrice: order.stopPrice, orderType: order.orderType, timeInForce: order.timeInForce, flags: order.flags,
          rule: order.rule, cutBy: 0,
        });
        report.resubmittedOrders++;
        report.lines.push(`order ${clientOrderId}: never reached the venue; sent again (venue clock ${Number(status.nowNs - order.createdNs) / 1e6} ms past its decision)`);
      } else {
        publish(venueRecord(EventKind.REJECT, order.instrument, status.nowNs, 0, order.qty, REJECT_LOST_BEFORE_VENUE, 0, order.id));
        report.rejectedOrders++;
        report.lines.push(`order ${clientOrderId}: never reached the venue and is too old to send; REJECTED`);
      }
      continue;
    }
    if (differs(order, venue)) {
      publish(venueRecord(EventKind.ORDER_STATUS, order.instrument, status.nowNs, venue.avgPrice, venue.filled, venue.state, venue.qty, order.id));
      report.resolvedOrders++;
      report.lines.push(`order ${clientOrderId}: ${orderStateName(order.state)} here, ${orderStateName(venue.state)} at the venue (filled ${venue.filled}); resolved`);
    } else if (!isTerminalState(venue.state) && (order.state === OrderState.PENDING_CANCEL || order.state === OrderState.PENDING_REPLACE)) {
      if (order.state === OrderState.PENDING_CANCEL) adapter.cancel({ orderId: order.id, clientOrderId, instrument: order.instrument });
      else adapter.replace({ orderId: order.id, clientOrderId, instrument: order.instrument, qty: order.pendingQty, limitPrice: order.pendingLimitPrice, stopPrice: order.pendingStopPrice });
      report.resentRequests++;
      report.lines.push(`order ${clientOrderId}: ${orderStateName(order.state)} unanswered; request sent again`);
    }
  }
  // 3. Orders the venue holds that we don't.
  for (const venue of await adapter.openOrders()) {
    if (ours.has(venue.clientOrderId)) continue;
    const id = orderIdOfClientOrderId(venue.clientOrderId);
    report.foreignOrders++;
    if (policy.foreignOrders === 'cancel') {
      adapter.cancel({ orderId: id ?? 0n, clientOrderId: venue.clientOrderId, instrument: venue.instrument });
      report.lines.push(`order ${venue.clientOrderId}: live at the venue, not ours; cancel sent`);
    } else if (policy.foreignOrders === 'adopt') {
      await adopt(venue, host, inbound, journal, adapter, instruments, status.nowNs, adopted, report);
    } else {
      report.lines.push(`order ${venue.clientOrderId}: live at the venue, not ours; left alone (policy report)`);
    }
  }
  await adapter.sync();
  await inbound.idle();
  // 4. Positions.
  const book = readSessionBook(host.memory, instruments);
  const venuePositions = new Map((await adapter.positions()).map((p) => [p.instrument, p.qty]));
  for (const { instrument, position } of book.positions) {
    const venueQty = venuePositions.get(instrument) ?? 0;
    if (Math.abs(venueQty - position) > policy.positionTolerance) {
      report.positionMismatches++;
      report.lines.push(`instrument ${instrument}: position ${position} here, ${venueQty} at the venue`);
    }
  }
  for (const order of liveOrders(host.memory, instruments)) if (order.state === OrderState.UNCERTAIN) report.uncertainOrders++;
  journal.append({
    type: 'reconciliation', trigger, missedFills: report.missedFills, resolvedOrders: report.resolvedOrders, rejectedOrders: report.rejectedOrders,
    resubmittedOrders: report.resubmittedOrders, uncertainOrders: report.uncertainOrders, foreignOrders: report.foreignOrders,
    positionMismatches: report.positionMismatches, report: describeReconciliation(report),
  });
  journal.commit();
  return report;
}

/** Adopts foreign venue order `venue` (policy 'adopt', see the header). */
async function adopt(
  venue: VenueOrderView, host: EngineHost, inbound: JournaledInbound, journal: Journal, adapter: VenueAdapter, instruments: readonly number[], nowNs: bigint,
  adopted: AdoptedOrders, report: ReconcileReport,
): Promise<void> {
  const find = () => liveOrders(host.memory, instruments).find((o) => isAdopted(o) && o.instrument === venue.instrument && o.venueOrderId === venue.orderId);
  // Adopted by the core before a crash that came before its OrderAdopted entry: no second record.
  let order = find();
  if (order === undefined) {
    const state = venue.filled !== 0 ? OrderState.PARTIALLY_FILLED : OrderState.OPEN;
    inbound.journalAndPublish(venueRecord(EventKind.ORDER_STATUS, venue.instrument, nowNs, venue.limitPrice ?? 0, venue.filled, -state, venue.qty, venue.orderId), 0n);
    await inbound.idle();
    order = find();
  }
  if (order === undefined) {
    report.lines.push(`order ${venue.clientOrderId}: live at the venue, not ours; the core could not adopt it (order table full, or the venue's view of it is malformed: qty ${venue.qty}, filled ${venue.filled}); left alone`);
    return;
  }
  journal.append({ type: 'orderAdopted', orderId: order.id, clientOrderId: venue.clientOrderId, venueOrderId: venue.orderId, instrument: venue.instrument });
  journal.commit();
  adopted.register(adapter, order.id, venue.clientOrderId);
  report.adoptedOrders = (report.adoptedOrders ?? 0) + 1;
  report.lines.push(`order ${venue.clientOrderId}: live at the venue, not ours; adopted as engine order ${order.id} (${orderStateName(order.state)}, qty ${order.qty}, filled ${order.filled})`);
}

export function describeReconciliation(report: ReconcileReport): string {
  const head = `reconciliation (${report.trigger}): ${report.missedFills} missed fills, ${report.missedMarket} missed market records, `
    + `${report.resolvedOrders} orders resolved, ${report.resubmittedOrders} sent again, ${report.rejectedOrders} rejected, ${report.resentRequests} requests sent again, `
    + `${report.uncertainOrders} UNCERTAIN, ${report.foreignOrders} foreign, ${report.positionMismatches} position mismatches, ${report.adoptedOrders ?? 0} adopted`;
  return [head, ...report.lines.map((line) => `  ${line}`)].join('\n');
}
