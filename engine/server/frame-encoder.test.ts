// FrameEncoder's allocation shortcuts change no byte: cached UTF-8 strings and slab-backed frames
// give exactly what a plain FlatBuffers build gives (strings encoded anew, the frame copied out),
// a frame keeps its bytes after later encodes fill and replace the slab, and a large frame gets
// a buffer of its own.
import * as fc from 'fast-check';
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import * as F from '../../schemas/generated/quant-flow/frames.js';
import { FRAME_KIND_CODE, MODE_CODE, TOPIC_CODE, TOPIC_PAYLOAD, decodeFrame, type OrderViewData, type StateView } from '../client/index.js';
import { FrameEncoder } from './frame-encoder.js';

/** The state frame as the generated code builds it with plain strings, on a fresh builder. */
function referenceState(sequence: bigint, timeNs: bigint, p: StateView, kind: 'delta' | 'snapshot' = 'delta'): Uint8Array {
  const b = new flatbuffers.Builder(64);
  const positions = p.positions.map((q) => F.Position.createPosition(
    b, q.instrumentId, q.symbol === '' ? 0 : b.createString(q.symbol), q.quantity, q.averagePrice, q.markPrice, q.unrealizedPnl, q.realizedPnl,
  ));
  const vector = F.StatePayload.createPositionsVector(b, positions);
  const payload = F.StatePayload.createStatePayload(b, MODE_CODE[p.mode], p.equity, p.cash, p.equityHighWaterMark, p.realizedPnl, p.unrealizedPnl, vector);
  F.Frame.finishFrameBuffer(b, F.Frame.createFrame(b, TOPIC_CODE.state, FRAME_KIND_CODE[kind], sequence, timeNs, TOPIC_PAYLOAD.state, payload));
  return b.asUint8Array().slice();
}

const SYMBOLS = ['BTCUSDT', 'ÉTH/€', '', 'S'.repeat(300), '币安'];

function state(i: number): StateView {
  const positions = [0, 1, 2].map((k) => ({
    instrumentId: k, symbol: SYMBOLS[(i + k) % SYMBOLS.length], quantity: (i % 7) - 3 + k / 4, averagePrice: 100 + k, markPrice: 101 + i / 1024, unrealizedPnl: i % 3 === 0 ? 0 : 1.5, realizedPnl: -0.25 * (k + 1),
  }));
  return { mode: i % 2 ? 'paper' : 'live', equity: 100_000 + i, cash: 60_000 - i, equityHighWaterMark: 100_500, realizedPnl: -0.75, unrealizedPnl: 4.5, positions };
}

type StateFrame = { kind: 'delta' | 'snapshot'; sequence: bigint; timeNs: bigint; payload: StateView };

/** `next`'s values where they keep `first`'s shape (a value is present exactly where `first` has one), `first`'s symbols and counts. */
function sameShape(first: StateFrame, next: StateFrame): StateFrame {
  const keep = (a: number, b: number): number => (a != 0 ? (b != 0 ? b : 7.5) : a);
  const keepBig = (a: bigint, b: bigint): bigint => (a !== 0n ? (b !== 0n ? b : 9n) : a);
  const p = first.payload;
  const q = next.payload;
  return {
    kind: first.kind, sequence: keepBig(first.sequence, next.sequence), timeNs: keepBig(first.timeNs, next.timeNs),
    payload: {
      mode: p.mode === 'backtest' ? 'backtest' : q.mode === 'backtest' ? 'live' : q.mode,
      equity: keep(p.equity, q.equity), cash: keep(p.cash, q.cash), equityHighWaterMark: keep(p.equityHighWaterMark, q.equityHighWaterMark),
      realizedPnl: keep(p.realizedPnl, q.realizedPnl), unrealizedPnl: keep(p.unrealizedPnl, q.unrealizedPnl),
      positions: p.positions.map((a, k) => {
        const b = q.positions[k % Math.max(1, q.positions.length)] ?? a;
        return {
          instrumentId: a.instrumentId != 0 ? (b.instrumentId != 0 ? b.instrumentId : 3) : 0, symbol: a.symbol, quantity: keep(a.quantity, b.quantity), averagePrice: keep(a.averagePrice, b.averagePrice),
          markPrice: keep(a.markPrice, b.markPrice), unrealizedPnl: keep(a.unrealizedPnl, b.unrealizedPnl), realizedPnl: keep(a.realizedPnl, b.realizedPnl),
        };
      }),
    },
  };
}

describe('FrameEncoder', () => {
  it('writes exactly the bytes of a plain FlatBuffers build, and earlier frames keep theirs as the slab fills and is replaced', () => {
    const encoder = new FrameEncoder();
    const frames = Array.from({ length: 3000 }, (_, i) => encoder.encode({ topic: 'state', kind: 'delta', sequence: BigInt(i + 1), timeNs: BigInt(i) * 1000n }, state(i)));
    const buffers = new Set(frames.map((f) => f.buffer));
    expect(buffers.size, 'frames of ~400 bytes, 3000 of them: several slabs').toBeGreaterThan(5);
    for (let i = 0; i < frames.length; i++) {
      expect(Buffer.from(frames[i]).equals(Buffer.from(referenceState(BigInt(i + 1), BigInt(i) * 1000n, state(i)))), `frame ${i} equals the plain build`).toBe(true);
    }
    expect(decodeFrame(frames[1]).payload, 'a non-ASCII symbol survives the UTF-8 cache').toEqual(state(1));
  });

  it('writes the plain build\'s bytes for state frames whose shape repeats or changes (the copy-and-patch path and the build path)', () => {
    // Scalars drawn so that presence flips (0, -0: absent; NaN, infinities, tiny and huge: present)
    // while a run of frames often keeps its shape, so both paths run, in any order.
    const scalar = fc.oneof(fc.constant(0), fc.constant(-0), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity), fc.double(), fc.integer({ min: 1, max: 5 }));
    const position = fc.record({
      instrumentId: fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 2 ** 31 - 1 })), symbol: fc.constantFrom(...SYMBOLS),
      quantity: scalar, averagePrice: scalar, markPrice: scalar, unrealizedPnl: scalar, realizedPnl: scalar,
    });
    const frame = fc.record({
      kind: fc.constantFrom('delta' as const, 'snapshot' as const),
      sequence: fc.oneof(fc.constant(0n), fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map((a) => a[0])),
      timeNs: fc.oneof(fc.constant(0n), fc.bigInt64Array({ minLength: 1, maxLength: 1 }).map((a) => a[0])),
      payload: fc.record({
        mode: fc.constantFrom('backtest' as const, 'paper' as const, 'live' as const), equity: scalar, cash: scalar, equityHighWaterMark: scalar, realizedPnl: scalar, unrealizedPnl: scalar,
        positions: fc.oneof(fc.array(position, { maxLength: 4 }), fc.array(position, { minLength: 60, maxLength: 80 })),
      }),
    });
    // A run: a first frame, then frames that copy its shape with new values where it has one.
    const run = fc.tuple(frame, fc.array(fc.tuple(fc.boolean(), frame), { maxLength: 6 })).map(([first, rest]) => [first, ...rest.map(([same, f]) => (same ? sameShape(first, f) : f))]);
    let patched = 0;
    fc.assert(fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), (runs) => {
      const encoder = new FrameEncoder();
      for (const r of runs) {
        for (const f of r) {
          const bytes = encoder.encode({ topic: 'state', kind: f.kind, sequence: f.sequence, timeNs: f.timeNs }, f.payload);
          expect(Buffer.from(bytes).equals(Buffer.from(referenceState(f.sequence, f.timeNs, f.payload, f.kind))), `state frame ${JSON.stringify(f, (_, v) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : v))}`).toBe(true);
          if (f !== r[0]) patched++;
        }
      }
    }), { numRuns: 300, seed: 1606 });
    expect(patched, 'frames that reuse a shape were encoded').toBeGreaterThan(300);
  });

  it('gives a frame above 8 KiB a buffer of its own', () => {
    const order = (id: number): OrderViewData => ({
      orderId: BigInt(id), clientOrderId: `client-${id}`, venueOrderId: `venue-${id}`, instrumentId: 1, symbol: 'ETHUSDT', side: 'buy', orderType: 'limit', timeInForce: 'gtc', status: 'accepted',
      quantity: 1, filledQuantity: 0, limitPrice: 10, stopPrice: null, averageFillPrice: null, updatedTimeNs: 5n, rule: 'STRATEGY', statusReason: '',
    });
    const encoder = new FrameEncoder();
    const small = encoder.encode({ topic: 'state', kind: 'delta', sequence: 1n, timeNs: 1n }, state(0));
    const payload = { orders: Array.from({ length: 200 }, (_, i) => order(i)) };
    const large = encoder.encode({ topic: 'orders', kind: 'snapshot', sequence: 2n, timeNs: 2n }, payload);
    expect(large.byteLength).toBeGreaterThan(8 * 1024);
    expect(large.byteOffset === 0 && large.buffer.byteLength === large.byteLength, 'the large frame owns its buffer').toBe(true);
    expect(large.buffer).not.toBe(small.buffer);
    expect(decodeFrame(large).payload).toEqual(payload);
  });
});
