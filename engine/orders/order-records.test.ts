import { describe, expect, it } from 'vitest';
import { EV_A, EV_B, EV_ID, EV_KIND, EV_PRICE, EV_SIZE, EventKind } from '../layout/event-record.js';
import { decodeOrderAttributes, decodeOrderFlowRecord, encodeOrderAttributes } from './order-records.js';

const OUT = EventKind.DIRECTION_OUTBOUND;

function record(kind: number, fields: { price?: number; size?: number; a?: number; b?: number; id?: bigint }): DataView {
  const view = new DataView(new ArrayBuffer(64));
  view.setInt32(EV_KIND, kind, true);
  view.setFloat64(EV_PRICE, fields.price ?? 0, true);
  view.setFloat64(EV_SIZE, fields.size ?? 0, true);
  view.setFloat64(EV_A, fields.a ?? 0, true);
  view.setFloat64(EV_B, fields.b ?? 0, true);
  view.setBigUint64(EV_ID, fields.id ?? 0n, true);
  return view;
}

describe('order records', () => {
  it('unpacks every attribute of an ORDER record, the cutBy reason above 2^24 included', () => {
    const attributes = { orderType: 3, timeInForce: 4, flags: 3, rule: 9, cutBy: 15 };
    const packed = encodeOrderAttributes(attributes);
    expect(packed, 'type + 16 tif + 256 flags + 65536 rule + 2^24 cutBy').toBe(3 + 64 + 768 + 589_824 + 15 * 16_777_216);
    expect(decodeOrderAttributes(packed)).toEqual(attributes);
    expect(decodeOrderFlowRecord(record(EventKind.ORDER | OUT, { price: 99.5, size: -2, a: 101, b: packed, id: 2n ** 63n + 5n }), 0), 'a u64 id above 2^63 stays unsigned').toMatchObject({
      record: 'order', orderId: 2n ** 63n + 5n, limitPrice: 99.5, qty: -2, stopPrice: 101, ...attributes,
    });
  });

  it('refuses a CANCEL record whose price is not 0 and an ORDER record whose attributes are not an integer', () => {
    expect(() => decodeOrderFlowRecord(record(EventKind.CANCEL | OUT, { price: 1, size: 3 }), 0)).toThrow('CANCEL record: `price` must be 0, was 1');
    expect(() => decodeOrderFlowRecord(record(EventKind.ORDER | OUT, { b: 1.5 }), 0)).toThrow('ORDER record: `attributes` must be an integer, was 1.5');
  });

  it('decodes a notice\'s code and prior state, and any kind it does not know as other', () => {
    expect(decodeOrderFlowRecord(record(EventKind.ORDER_NOTICE | OUT, { price: 10, size: 2, a: 6, b: 3, id: 4n }), 0)).toMatchObject({ record: 'notice', code: 6, stateBefore: 3, orderId: 4n, price: 10, qty: 2 });
    expect(decodeOrderFlowRecord(record(EventKind.ROUND_TRIP | OUT, { id: 8n }), 0)).toEqual({ record: 'other', kind: EventKind.ROUND_TRIP | OUT, instrument: 0, id: 8n });
  });
});
