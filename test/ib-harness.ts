// Shared harness of the IB adapter suites: a TWS simulator, an IbVenueAdapter on it with a
// deterministic clock, every record it emits (checked by sim-venue's record checker), and
// bounded waits.
import { expect } from 'vitest';
import { checkVenueRecord } from '../adapters/sim-venue/index.js';
import { IbVenueAdapter, type IbAdapterConfig, type IbOrderRequest } from '../adapters/ib/index.js';
import { clientOrderIdOf } from '../engine/live/index.js';
import { EventKind, KIND_MASK, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OrderType, TimeInForce } from '../engine/orders/index.js';
import { TwsSim, type TwsSimOptions } from './venues/tws-sim/index.js';

export interface Seen { readonly record: EventRecord; readonly seq: bigint }

export const KIND = (r: EventRecord) => r.kind & KIND_MASK;

export async function startIb(simOptions: TwsSimOptions = {}, config: Partial<IbAdapterConfig> = {}, adapterOptions: ConstructorParameters<typeof IbVenueAdapter>[1] = {}) {
  const sim = await TwsSim.start(simOptions);
  let clock = 1_704_205_800_000_000_000n;
  const adapter = new IbVenueAdapter({
    host: '127.0.0.1', port: sim.port, clientId: 11, instruments: [{ instrument: 0, symbol: 'AAPL' }, { instrument: 1, symbol: 'MSFT' }],
    connectTimeoutMs: 3000, requestTimeoutMs: 3000, reconnect: { initialMs: 20, maxMs: 200 }, commissionWaitMs: 2000, maxRequestsPerSecond: 1000,
    ...config,
  }, { now: () => (clock += 1_000_000n), ...adapterOptions });
  const seen: Seen[] = [];
  const disconnects: string[] = [];
  adapter.onRecord((bytes, seq) => {
    const record = checkVenueRecord(bytes, seq);
    seen.push({ record, seq });
  });
  adapter.onDisconnect((reason) => disconnects.push(reason));
  return {
    sim, adapter, seen, disconnects,
    setClockMs(ms: number) { clock = BigInt(ms) * 1_000_000n; },
    async close() {
      await adapter.close();
      await sim.close();
      expect(sim.protocolErrors, 'simulator protocol errors').toEqual([]);
    },
  };
}

export type Ib = Awaited<ReturnType<typeof startIb>>;

/** Polls `ok` every 10 ms, at most `limit` times. */
export async function until(ok: () => boolean, what: string, limit = 300): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let nextOrder = 1n;
export function order(instrument: number, qty: number, type: 'MKT' | 'LMT' | 'STP' | 'TRAIL', price = 0, extra: Partial<IbOrderRequest> = {}): IbOrderRequest {
  const orderId = nextOrder++;
  const orderType = { MKT: OrderType.MARKET, LMT: OrderType.LIMIT, STP: OrderType.STOP, TRAIL: OrderType.TRAILING_STOP }[type];
  return {
    orderId, clientOrderId: clientOrderIdOf(orderId), instrument, qty, orderType, timeInForce: TimeInForce.DAY,
    limitPrice: type === 'LMT' ? price : 0, stopPrice: type === 'STP' ? price : 0, flags: 0, decisionNs: 0n, ...extra,
  };
}

export function recordsOf(seen: readonly Seen[], orderId: bigint): EventRecord[] {
  return seen.filter((s) => s.seq === 0n && s.record.id === orderId).map((s) => s.record);
}

export function kindsOf(records: readonly EventRecord[]): string[] {
  const names: Record<number, string> = { [EventKind.ACK]: 'ACK', [EventKind.FILL]: 'FILL', [EventKind.CANCELED]: 'CANCELED', [EventKind.REJECT]: 'REJECT', [EventKind.ORDER_STATUS]: 'ORDER_STATUS' };
  return records.map((r) => names[KIND(r)] ?? String(KIND(r)));
}

/** The adapter's orders, fills and positions equal the simulator's truth; no order reached the venue twice. */
export async function expectMatchesTruth(ib: Ib): Promise<void> {
  const { sim, adapter, seen } = ib;
  const truth = sim.orders().filter((o) => o.orderRef.startsWith('qf-'));
  for (const o of truth) {
    expect(sim.submissions(o.orderRef), `${o.orderRef} submissions at the venue`).toBe(1);
    const view = await adapter.order(o.orderRef);
    expect(view, `adapter view of ${o.orderRef}`).not.toBeNull();
    const sign = o.action === 'SELL' ? -1 : 1;
    expect(view!.filled, `${o.orderRef} filled`).toBe(sign * o.filled);
    expect(view!.submissions, `${o.orderRef} submissions seen by the adapter`).toBe(1);
  }
  const fills = seen.filter((s) => KIND(s.record) === EventKind.FILL);
  const execs = sim.executions().filter((e) => e.orderRef.startsWith('qf-'));
  expect(fills.length, 'one FILL record per venue execution').toBe(execs.length);
  expect(new Set(fills.map((f) => f.record.b)).size, 'fill ids are unique').toBe(fills.length);
  for (const e of execs) {
    const f = fills.find((x) => x.record.price === e.price && Math.abs(x.record.size) === e.shares && x.record.a === e.commission && `qf-${x.record.id}` === e.orderRef);
    expect(f, `FILL of execution ${e.execId}`).toBeDefined();
  }
  const positions = await adapter.positions();
  const truthPos = sim.positions();
  const bySymbol: Record<number, string> = { 0: 'AAPL', 1: 'MSFT' };
  for (const p of positions) expect(p.qty, `position of ${bySymbol[p.instrument]}`).toBe(truthPos[bySymbol[p.instrument]] ?? 0);
  expect(positions.length).toBe(Object.keys(truthPos).length);
}
