// The simulated venue's pools (wasm/assembly/venue/venue-layout.ts header): its order slots and
// its event entries are handed out without the reset writing any of them (1.25 MiB a run and a
// checkpoint would otherwise carry), in the order of a full free list, so the book still fills
// at VENUE_ORDER_CAPACITY orders, rejects the next one as `full`, and takes one again once an
// order leaves. WASM core only: the TS reference venue keeps its book in a Map, without a
// capacity.
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import { runVenueTimeline, WasmVenue, type VenueCoreExports, type VenueEvent, type VenueStep } from '../engine/venue/index.js';
import { VENUE_EVENT_CAPACITY, VENUE_FREE_OFFSET, VENUE_ORDER_BYTES, VENUE_ORDER_CAPACITY, VENUE_ORDERS_OFFSET } from '../engine/venue/venue-layout.js';

const MS = 1_000_000n;
const T = 1_700_000_000_000n * MS;

function limitBuy(atNs: bigint, clientId: number): VenueStep {
  return { type: 'submit', atNs, command: { type: 'order', instrument: 0, clientId: BigInt(clientId), qty: 1, orderType: 'limit', limitPrice: 50 } };
}

describe('simulated venue pools (WASM core)', () => {
  it('writes no order slot or event entry at the reset, fills the book at its capacity, rejects the next order as full, and takes one again after a cancel', () => {
    const memory = createSharedMemory();
    const core = instantiateCore(memory, compileCore('release')) as VenueCoreExports;
    const venue = new WasmVenue(core, memory);
    venue.configure({ latency: { model: 'constant', responseNs: MS }, instruments: [{ instrument: 0, mode: 'ticks', makerFee: 0, takerFee: 0 }] });
    const slots = new Uint8Array(memory.buffer, VENUE_ORDERS_OFFSET, VENUE_ORDER_CAPACITY * VENUE_ORDER_BYTES);
    const freeEvents = new Uint8Array(memory.buffer, VENUE_FREE_OFFSET, VENUE_EVENT_CAPACITY * 4);
    expect(slots.every((byte) => byte === 0), 'the reset wrote no order slot').toBe(true);
    expect(freeEvents.every((byte) => byte === 0), 'the reset wrote no free-event entry').toBe(true);

    const quote: VenueStep = { type: 'market', record: { type: 'quote', instrument: 0, tsExchange: T, tsLocal: T, bid: 100, ask: 100.1, bidSize: 10, askSize: 10 } };
    const steps: VenueStep[] = [quote];
    for (let id = 1; id <= VENUE_ORDER_CAPACITY + 1; id++) steps.push(limitBuy(T + BigInt(id) * 1000n, id));
    const events: VenueEvent[] = runVenueTimeline(venue, steps);
    const acks = events.filter((e) => e.type === 'ack');
    const rejects = events.filter((e) => e.type === 'reject');
    expect(acks.length, 'every order up to the capacity rests').toBe(VENUE_ORDER_CAPACITY);
    expect(rejects.map((e) => e.type === 'reject' && [e.clientId, e.reason]), 'the one past it is rejected: the book is full').toStrictEqual([[BigInt(VENUE_ORDER_CAPACITY + 1), 'full']]);
    expect(venue.counters().ordersHeld).toBe(VENUE_ORDER_CAPACITY);

    const later = T + 10_000_000n * MS;
    const after = runVenueTimeline(venue, [
      { type: 'submit', atNs: later, command: { type: 'cancel', instrument: 0, clientId: 17n, qty: 0 } },
      limitBuy(later + MS * 10n, VENUE_ORDER_CAPACITY + 2),
      limitBuy(later + MS * 20n, VENUE_ORDER_CAPACITY + 3),
    ]);
    expect(after.filter((e) => e.type !== 'arrival').map((e) => [e.type, 'clientId' in e ? e.clientId : null]), 'order 17 leaves; its slot takes the next order; the book is full again').toStrictEqual([
      ['canceled', 17n], ['ack', BigInt(VENUE_ORDER_CAPACITY + 2)], ['reject', BigInt(VENUE_ORDER_CAPACITY + 3)],
    ]);
    expect(venue.order(BigInt(VENUE_ORDER_CAPACITY + 2)), 'the order that took the freed slot rests').not.toBeNull();
    expect(venue.order(17n)).toBeNull();
  });
});
