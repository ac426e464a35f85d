// The server's request checks: each request shape is accepted, and each broken field is
// refused with its name, the value and the rule (what the error reply carries).
import { describe, expect, it } from 'vitest';
import { WireFormatError } from '../common/index.js';
import { parseServerArgs } from './server-config.js';
import { parseRequest, requestIdOf } from './parse-request.js';

const SUBMIT = {
  id: 3, op: 'submit', orderId: '7', clientOrderId: 'qf-7', instrument: 0, qty: -0.5, orderType: 1, timeInForce: 0, limitPrice: 100.5, stopPrice: 0,
  flags: 0, decisionNs: '1713236400000000000',
};

function refusal(value: unknown): WireFormatError {
  try {
    parseRequest(value);
  } catch (error) {
    if (error instanceof WireFormatError) return error;
    throw error;
  }
  throw new Error(`request ${JSON.stringify(value)} was accepted`);
}

describe('parseRequest', () => {
  it('accepts every request shape, 64-bit fields as bigints', () => {
    expect(parseRequest(SUBMIT)).toMatchObject({ op: 'submit', orderId: 7n, decisionNs: 1_713_236_400_000_000_000n, qty: -0.5 });
    expect(parseRequest({ id: 1, op: 'market', fromSeq: '1', count: 10 })).toEqual({ id: 1, op: 'market', fromSeq: 1n, count: 10 });
    expect(parseRequest({ id: 2, op: 'fillsSince', fillId: '0' })).toEqual({ id: 2, op: 'fillsSince', fillId: 0n });
    expect(parseRequest({ id: 4, op: 'cancel', orderId: '7', clientOrderId: 'qf-7', instrument: 1 })).toMatchObject({ op: 'cancel', orderId: 7n });
    expect(parseRequest({ id: 5, op: 'fault', dropAfterMessages: 0 })).toEqual({ id: 5, op: 'fault', dropAfterMessages: 0 });
    for (const op of ['sync', 'status', 'openOrders', 'positions', 'stats']) expect(parseRequest({ id: 6, op })).toEqual({ id: 6, op });
  });

  it.each([
    ['a request that is not an object', [1, 2], 'request', 'must be a JSON object'],
    ['an id of 0', { ...SUBMIT, id: 0 }, 'id', 'must be an integer in [1,'],
    ['an unknown op', { id: 1, op: 'explode' }, 'op', 'must be one of hello, submit'],
    ['a qty that is a string', { ...SUBMIT, qty: 'abc' }, 'qty', 'must be a finite number'],
    ['an order id with a sign', { ...SUBMIT, orderId: '-7' }, 'orderId', 'decimal string'],
    ['a client order id that is not qf-<orderId>', { ...SUBMIT, clientOrderId: 'qf-8' }, 'clientOrderId', 'must be `qf-<orderId>` (qf-7)'],
    ['a negative instrument', { ...SUBMIT, instrument: -1 }, 'instrument', 'must be an integer in [0,'],
    ['a misspelt field', { ...SUBMIT, quantity: 1 }, 'quantity', 'is not a field of this message'],
    ['a market request from seq 0', { id: 1, op: 'market', fromSeq: '0', count: 1 }, 'fromSeq', 'must be in [1,'],
    ['a market request of 0 records', { id: 1, op: 'market', fromSeq: '1', count: 0 }, 'count', 'must be an integer in [1,'],
    ['an unknown malformed-frame fault', { id: 1, op: 'fault', malformedFrame: 'nasty' }, 'malformedFrame', 'must be one of bad-kind'],
    ['another protocol version', { id: 1, op: 'hello', protocol: 2 }, 'protocol', 'must be 1'],
  ])('refuses %s', (_, value, field, rule) => {
    const error = refusal(value);
    expect(error.field, error.message).toBe(field);
    expect(error.message).toContain(rule);
    expect(error.message).toContain(', was ');
  });

  it('finds the request id of a refused request when it is readable', () => {
    expect(requestIdOf({ ...SUBMIT, qty: 'abc' })).toBe(3);
    expect(requestIdOf({ id: 'x' })).toBeNull();
    expect(requestIdOf('text')).toBeNull();
  });
});

describe('parseServerArgs', () => {
  it('reads the flags', () => {
    expect(parseServerArgs(['--state', '/tmp/s', '--bars', 'a.csv,b.csv', '--port', '0', '--taker-fee', '0.0005', '--delay-ms', '10'])).toEqual({
      port: 0, statePath: '/tmp/s', barFiles: ['a.csv', 'b.csv'], instrumentNames: undefined, makerFee: 0, takerFee: 0.0005, faults: { delayMs: 10 },
    });
  });

  it('names the flag, the value and the rule', () => {
    expect(() => parseServerArgs(['--bars', 'a.csv'])).toThrow(/`--state` must name the directory of the server state, was missing/);
    expect(() => parseServerArgs(['--state', 's', '--bars', 'a.csv', '--port', '70000'])).toThrow(/`--port` must be an integer in \[0, 65535\], was "70000"/);
    expect(() => parseServerArgs(['--state', 's', '--bars', 'a.csv,b.csv', '--instrument-names', 'A'])).toThrow(/`--instrument-names` must name every bar file \(2 files\)/);
    expect(() => parseServerArgs(['--state', 's', '--bars', 'a.csv', '--taker-fee', '0.5'])).toThrow(/`--taker-fee` must be a number in \[-0.1, 0.1\]/);
    expect(() => parseServerArgs(['--state', 's', '--bars', 'a.csv', '--colour', 'red'])).toThrow(/`--arguments` must be the documented flags/);
  });
});
