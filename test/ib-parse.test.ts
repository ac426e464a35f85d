// adapters/ib parse functions on recorded IB event sequences (test/fixtures/ib/): the records
// they give, field by field, checked by the sim-venue record checker too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkVenueRecord } from '../adapters/sim-venue/index.js';
import {
  applyTickPrice, applyTickSize, barRecord, barSizeSeconds, countExecution, EMPTY_QUOTE, execIdBase, executionFilterTime, executionProblem, newOrderTrack, orderView, parseExecution,
  parseExecutionTime, parseOpenOrder, parseOrderError, parseOrderStatus, setFillFee, TickType, type OrderTrack,
} from '../adapters/ib/index.js';
import { checkIbAdapterConfig, describeIbConfig, IbConfigError, orderStateOfIbStatus } from '../adapters/ib/index.js';
import { EventKind, KIND_MASK, bitsF64, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState } from '../engine/orders/index.js';

const TS = 1_704_205_800_000_000_000n;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/ib/${name}`, import.meta.url), 'utf8'));

function replay(name: string): { records: EventRecord[]; track: OrderTrack } {
  const f = fixture(name);
  let track = newOrderTrack({ ...f.order, orderId: BigInt(f.order.orderId) });
  const records: EventRecord[] = [];
  const seen = new Set<string>();
  const pending = new Map<string, Uint8Array>();
  for (const e of f.events) {
    let out: Uint8Array[] = [];
    if (e.type === 'orderStatus') ({ track, records: out } = parseOrderStatus(track, e.msg, TS));
    if (e.type === 'execution') {
      if (seen.has(e.msg.execId)) continue;
      seen.add(e.msg.execId);
      ({ track, records: out } = parseExecution(track, e.msg, e.fillId, TS));
      const fill = out.find((r) => (new DataView(r.buffer).getInt32(0, true) & EventKind.FILL) !== 0);
      if (fill) pending.set(e.msg.execId, fill);
    }
    if (e.type === 'commission') setFillFee(pending.get(e.msg.execId) as Uint8Array, e.msg.commission);
    records.push(...out.map((r) => checkVenueRecord(r, 0n)));
  }
  // fees were written in place: re-read the FILL records
  return { records: records.map((r) => (KIND(r) === EventKind.FILL ? checkVenueRecord([...pending.values()].find((p) => new DataView(p.buffer).getFloat64(48, true) === r.b) as Uint8Array, 0n) : r)), track };
}
const KIND = (r: EventRecord) => r.kind & KIND_MASK;

describe('IB parse functions on recorded fixtures', () => {
  it('a limit buy with two partial fills: ACK, FILL (fee, fill id, maker flag), FILL; Filled adds nothing', () => {
    const { records, track } = replay('order-partial-fills.json');
    expect(records.map(KIND)).toEqual([EventKind.ACK, EventKind.FILL, EventKind.FILL]);
    const [ack, f1, f2] = records;
    expect([ack.price, ack.size, ack.a, ack.b, ack.id]).toEqual([185.3, 100, 0, 3, 7n]);
    expect([f1.price, f1.size, f1.a, f1.b, f1.tsExchange]).toEqual([185.2, 30, 1, 1, TS]);
    expect(f1.kind & EventKind.FLAG_MAKER).toBe(0);
    expect([f2.size, f2.a, f2.b, f2.tsExchange]).toEqual([70, 1, 2, TS + 1_000_000_000n]);
    expect(f2.kind & EventKind.FLAG_MAKER, 'lastLiquidity 1 = added liquidity').toBe(EventKind.FLAG_MAKER);
    expect(orderView(track, 1)).toMatchObject({ state: OrderState.FILLED, filled: 100, avgPrice: 185.2 });
  });

  it('a Cancelled status ahead of its execution: the CANCELED waits for the fill and carries the rest', () => {
    const { records, track } = replay('cancel-after-partial.json');
    expect(records.map(KIND)).toEqual([EventKind.ACK, EventKind.FILL, EventKind.CANCELED]);
    expect([records[1].size, records[2].size, records[2].a]).toEqual([-20, -30, 1]);
    expect(orderView(track, 1)).toMatchObject({ state: OrderState.CANCELED, filled: -20 });
  });

  it('errors: 201 rejects a new order once; 161 refuses a cancel; 104 refuses a modify; 202 is no record', () => {
    const t = newOrderTrack({ orderId: 1n, clientOrderId: 'qf-1', ibOrderId: 1, instrument: 0, qty: 10, limitPrice: 100, stopPrice: 0 });
    const rej = parseOrderError(t, 201, TS);
    expect(rej.records.map((r) => checkVenueRecord(r, 0n)).map((r) => [KIND(r), r.a, r.b, r.price])).toEqual([[EventKind.REJECT, 1, 0, 201]]);
    expect(parseOrderStatus(rej.track, { orderId: 1, status: 'Inactive', filled: 0, remaining: 10, avgFillPrice: 0 }, TS).records, 'Inactive after 201').toEqual([]);
    const acked = { ...t, acked: true, cancelRequested: true };
    expect(parseOrderError(acked, 161, TS).records.map((r) => checkVenueRecord(r, 0n).b)).toEqual([1]);
    expect(parseOrderError({ ...t, acked: true }, 202, TS).records).toEqual([]);
    const modifying = { ...t, acked: true, replace: { qty: 20, limitPrice: 101, stopPrice: 0 } };
    expect(parseOrderError(modifying, 104, TS).records.map((r) => checkVenueRecord(r, 0n)).map((r) => [r.b, r.size])).toEqual([[2, 20]]);
    const confirmed = parseOpenOrder(modifying, { orderId: 1, orderRef: 'qf-1', action: 'BUY', totalQuantity: 20, orderType: 'LMT', lmtPrice: 101, status: 'Submitted', conId: 1, symbol: 'X' }, TS);
    expect(confirmed.records.map((r) => checkVenueRecord(r, 0n)).map((r) => [KIND(r), r.a, r.size, r.price])).toEqual([[EventKind.ACK, 1, 20, 101]]);
  });

  it('ticks build QUOTE and TRADE records; bars become BAR records with open bits; bad bars are dropped', () => {
    let q = applyTickPrice(EMPTY_QUOTE, TickType.BID, 10);
    expect(applyTickSize(q, TickType.BID_SIZE, 5, 2, TS).record, 'no quote before the ask').toBeNull();
    q = applyTickPrice(q, TickType.ASK, 10.5);
    const quote = checkVenueRecord(applyTickSize(q, TickType.ASK_SIZE, 7, 2, TS).record as Uint8Array, 1n);
    expect([quote.a, quote.b, quote.price, bitsF64(quote.id), quote.instrument]).toEqual([10, 10.5, 10.25, 7, 2]);
    const trade = checkVenueRecord(applyTickSize(applyTickPrice(q, TickType.LAST, 10.2), TickType.LAST_SIZE, 3, 2, TS).record as Uint8Array, 2n);
    expect([KIND(trade), trade.price, trade.size]).toEqual([EventKind.TRADE, 10.2, 3]);
    const bar = checkVenueRecord(barRecord({ time: 1704205800, open: 10, high: 11, low: 9.5, close: 10.5, volume: 100 }, 60, 0, null) as Uint8Array, 3n);
    expect([bar.tsLocal - bar.tsExchange, bitsF64(bar.id), bar.a, bar.b]).toEqual([60_000_000_000n, 10, 11, 9.5]);
    expect(barRecord({ time: 1, open: 12, high: 11, low: 9, close: 10, volume: 1 }, 5, 0, null), 'open above high').toBeNull();
    expect([barSizeSeconds('1 min'), barSizeSeconds('5 secs'), barSizeSeconds('1 day'), barSizeSeconds('a week')]).toEqual([60, 5, 86_400, null]);
  });

  it('execution times and filter times round-trip; statuses map to order states', () => {
    expect(executionFilterTime(parseExecutionTime('20240102-14:30:05'))).toBe('20240102-14:30:05');
    expect(parseExecutionTime('20240102  14:30:05 US/Eastern')).toBe(parseExecutionTime('20240102-14:30:05'));
    expect(() => parseExecutionTime('yesterday')).toThrow(/time/);
    expect(['PendingSubmit', 'Submitted', 'Cancelled', 'Inactive', 'Filled', 'Weird'].map((s) => orderStateOfIbStatus(s, 0, 10)))
      .toEqual([OrderState.PENDING_SUBMIT, OrderState.OPEN, OrderState.CANCELED, OrderState.REJECTED, OrderState.PARTIALLY_FILLED, OrderState.UNCERTAIN]);
  });

  it('an execution counts only the shares its cumQty says are new; a correction (same execId base) counts none', () => {
    const exec = (execId: string, shares: number, cumQty: number) => ({ orderId: 3, execId, time: '20240102-14:30:00', side: 'BOT', shares, price: 185.2, cumQty, avgPrice: 185.2, orderRef: 'qf-7', conId: 265598, symbol: 'AAPL' });
    const counted = (e: ReturnType<typeof exec>) => ({ execId: e.execId, ibOrderId: e.orderId, shares: e.shares, price: e.price, cumQty: e.cumQty });
    const [a, b, c] = [exec('e.0001.01.01', 20, 20), exec('e.0002.01.01', 30, 50), exec('e.0003.01.01', 50, 100)];
    // out of order (last first): each is new
    expect(countExecution([], c, 100)).toEqual({ kind: 'new', shares: 50, limit: null });
    expect(countExecution([counted(c)], b, 100)).toEqual({ kind: 'new', shares: 30, limit: null });
    expect(countExecution([counted(c), counted(b)], a, 100)).toEqual({ kind: 'new', shares: 20, limit: null });
    expect(execIdBase('e.0001.01.02')).toBe('e.0001.01');
    expect(countExecution([counted(a)], exec('e.0001.01.02', 20, 20), 100)).toMatchObject({ kind: 'correction', original: { execId: 'e.0001.01.01' } });
    expect(countExecution([counted(a)], exec('e.0009.01.01', 20, 20), 100)).toMatchObject({ kind: 'new', shares: 0 });
    expect(countExecution([counted(a), counted(b)], exec('e.0009.01.01', 70, 120), 100), 'never past the order quantity').toMatchObject({ kind: 'new', shares: 50 });
    expect(countExecution([counted(a), counted(b)], exec('e.0009.01.01', 70, 120), null), 'quantity unknown: cumQty alone').toMatchObject({ kind: 'new', shares: 70, limit: null });
    expect(executionProblem(exec('e.1.01.01', 10, 10))).toBeNull();
    expect(executionProblem({ ...exec('e.1.01.01', 10, 10), time: 'x14:31:00' })).toMatch(/`time` must be .*"x14:31:00"/);
    expect(executionProblem(exec('e.1.01.01', 10, 5))).toMatch(/`cumQty` must be a finite number at least `shares` \(10\), was 5/);
  });

  it('config is checked field by field and the account is masked in logs', () => {
    expect(() => checkIbAdapterConfig({ host: '127.0.0.1', port: 70_000, clientId: 1, instruments: [{ instrument: 0, symbol: 'AAPL' }] })).toThrow(IbConfigError);
    expect(() => checkIbAdapterConfig({ host: '127.0.0.1', port: 7497, clientId: 1, instruments: [] })).toThrow(/instruments/);
    const c = checkIbAdapterConfig({ host: '127.0.0.1', port: 7497, clientId: 1, account: 'DU1234567', instruments: [{ instrument: 0, symbol: 'AAPL' }] });
    expect(describeIbConfig(c)).not.toContain('DU1234567');
    expect(describeIbConfig(c)).toContain('DU*****67');
  });
});
