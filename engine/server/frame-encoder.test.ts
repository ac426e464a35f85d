// FrameEncoder's allocation shortcuts change no byte: cached UTF-8 strings and slab-backed frames
// give exactly what a plain FlatBuffers build gives (strings encoded anew, the frame copied out),
// a frame keeps its bytes after later encodes fill and replace the slab, and a large frame gets
// a buffer of its own.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import * as F from '../../schemas/generated/quant-flow/frames.js';
import { FRAME_KIND_CODE, MODE_CODE, TOPIC_CODE, TOPIC_PAYLOAD, decodeFrame, type OrderViewData, type StateView } from '../client/index.js';
import { FrameEncoder } from './frame-encoder.js';

/** The state frame as the generated code builds it with plain strings, on a fresh builder. */
function referenceState(sequence: bigint, timeNs: bigint, p: StateView): Uint8Array {
  const b = new flatbuffers.Builder(64);
  const positions = p.positions.map((q) => F.Position.createPosition(
    b, q.instrumentId, q.symbol === '' ? 0 : b.createString(q.symbol), q.quantity, q.averagePrice, q.markPrice, q.unrealizedPnl, q.realizedPnl,
  ));
  const vector = F.StatePayload.createPositionsVector(b, positions);
  const payload = F.StatePayload.createStatePayload(b, MODE_CODE[p.mode], p.equity, p.cash, p.equityHighWaterMark, p.realizedPnl, p.unrealizedPnl, vector);
  F.Frame.finishFrameBuffer(b, F.Frame.createFrame(b, TOPIC_CODE.state, FRAME_KIND_CODE.delta, sequence, timeNs, TOPIC_PAYLOAD.state, payload));
  return b.asUint8Array().slice();
}

const SYMBOLS = ['BTCUSDT', 'ÉTH/€', '', 'S'.repeat(300), '币安'];

function state(i: number): StateView {
  const positions = [0, 1, 2].map((k) => ({
    instrumentId: k, symbol: SYMBOLS[(i + k) % SYMBOLS.length], quantity: (i % 7) - 3 + k / 4, averagePrice: 100 + k, markPrice: 101 + i / 1024, unrealizedPnl: i % 3 === 0 ? 0 : 1.5, realizedPnl: -0.25 * (k + 1),
  }));
  return { mode: i % 2 ? 'paper' : 'live', equity: 100_000 + i, cash: 60_000 - i, equityHighWaterMark: 100_500, realizedPnl: -0.75, unrealizedPnl: 4.5, positions };
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

  it('gives a frame above 8 KiB a buffer of its own', () => {
    const order = (id: number): OrderViewData => ({
      orderId: BigInt(id), clientOrderId: `client-${id}`, venueOrderId: `venue-${id}`, instrumentId: 1, symbol: 'ETHUSDT', side: 'buy', orderType: 'limit', timeInForce: 'gtc', status: 'accepted',
      quantity: 1, filledQuantity: 0, limitPrice: 10, stopPrice: null, averageFillPrice: null, updatedTimeNs: 5n, rule: 'STRATEGY',
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
