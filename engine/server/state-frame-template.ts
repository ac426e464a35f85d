// The state topic's fast encode (FrameEncoder): a state frame's bytes depend on its scalar values
// only at fixed places, as long as its *shape* stays the same. The shape is everything else that
// decides the FlatBuffers Builder's layout: the frame kind, which scalars are present (the
// Builder omits a scalar equal to its default, `value != default` for numbers (so 0 and -0 are
// absent, NaN is present) and `!==` for the bigint sequence and time), the number of positions
// and their symbols. The first frame of a shape is built by the Builder, with the same calls in
// the same order as the generated createFrame / createStatePayload / createPosition, recording
// where each present scalar landed; the next frames of that shape copy those bytes and write
// their scalars in place (little-endian, as the Builder writes them). So every frame is byte for
// byte what the Builder gives for its payload (frame-encoder.test.ts checks it over generated
// payloads), at the cost of a copy and a few stores instead of a build.
//
//   template bytes  +----------------------------------------------------------------------+
//                   | root offset, "QFFR", vtables, Frame, StatePayload, positions, symbols |
//                   +----------------------------------------------------------------------+
//   slots           |seq|time|mode|equity|cash|hwm|realized|unrealized|pos 0: id|qty|avg|mark|upnl|rpnl|pos 1 ...
//                   byte index of each scalar in the template (-1: absent in this shape);
//                   seq, time: int64; mode: int8; id: int32; the rest float64.
import * as flatbuffers from 'flatbuffers';
import { EngineMode } from '../../schemas/generated/quant-flow/engine-mode.js';
import * as F from '../../schemas/generated/quant-flow/frames.js';
import { FRAME_KIND_CODE, MODE_CODE, TOPIC_CODE, TOPIC_PAYLOAD, type FrameKindName, type TopicPayloads } from '../client/index.js';

type StatePayloadView = TopicPayloads['state'];
type PositionView = StatePayloadView['positions'][number];

/** Slots before the positions': sequence, time, mode, equity, cash, high-water mark, realized, unrealized. */
const HEAD_SLOTS = 8;
/** Slots per position: instrument id, quantity, average price, mark price, unrealized, realized. */
const POSITION_SLOTS = 6;
const MODE_DEFAULT = EngineMode.Backtest;

function positionMask(q: PositionView): number {
  return (q.instrumentId != 0 ? 1 : 0) | (q.quantity != 0 ? 2 : 0) | (q.averagePrice != 0 ? 4 : 0) | (q.markPrice != 0 ? 8 : 0)
    | (q.unrealizedPnl != 0 ? 16 : 0) | (q.realizedPnl != 0 ? 32 : 0);
}

function headMask(kind: number, sequence: bigint, timeNs: bigint, p: StatePayloadView): number {
  return (sequence !== 0n ? 1 : 0) | (timeNs !== 0n ? 2 : 0) | (MODE_CODE[p.mode] != MODE_DEFAULT ? 4 : 0) | (p.equity != 0 ? 8 : 0) | (p.cash != 0 ? 16 : 0)
    | (p.equityHighWaterMark != 0 ? 32 : 0) | (p.realizedPnl != 0 ? 64 : 0) | (p.unrealizedPnl != 0 ? 128 : 0) | (kind << 8);
}

export class StateFrameTemplate {
  private constructor(
    readonly bytes: Uint8Array,
    private readonly head: number,
    private readonly symbols: string[],
    private readonly masks: number[],
    private readonly slots: Int32Array,
  ) {}

  /**
   * Builds the frame with `b` (cleared first), as the generated code does, and returns it with
   * its slots. `symbolOffset` writes a symbol string (the encoder's UTF-8 cache; 0 for '').
   */
  static build(b: flatbuffers.Builder, symbolOffset: (b: flatbuffers.Builder, symbol: string) => number, kind: FrameKindName, sequence: bigint, timeNs: bigint, p: StatePayloadView): StateFrameTemplate {
    const positions = p.positions;
    const at = new Int32Array(HEAD_SLOTS + POSITION_SLOTS * positions.length).fill(-1);
    b.clear();
    const P = F.Position;
    const tables: number[] = [];
    for (let k = 0; k < positions.length; k++) {
      const q = positions[k];
      const symbol = symbolOffset(b, q.symbol);
      const s = HEAD_SLOTS + POSITION_SLOTS * k;
      P.startPosition(b);
      P.addInstrumentId(b, q.instrumentId);
      if (q.instrumentId != 0) at[s] = b.offset();
      P.addSymbol(b, symbol);
      P.addQuantity(b, q.quantity);
      if (q.quantity != 0) at[s + 1] = b.offset();
      P.addAveragePrice(b, q.averagePrice);
      if (q.averagePrice != 0) at[s + 2] = b.offset();
      P.addMarkPrice(b, q.markPrice);
      if (q.markPrice != 0) at[s + 3] = b.offset();
      P.addUnrealizedPnl(b, q.unrealizedPnl);
      if (q.unrealizedPnl != 0) at[s + 4] = b.offset();
      P.addRealizedPnl(b, q.realizedPnl);
      if (q.realizedPnl != 0) at[s + 5] = b.offset();
      tables.push(P.endPosition(b));
    }
    const vector = F.StatePayload.createPositionsVector(b, tables);
    const S = F.StatePayload;
    const mode = MODE_CODE[p.mode];
    S.startStatePayload(b);
    S.addMode(b, mode);
    if (mode != MODE_DEFAULT) at[2] = b.offset();
    S.addEquity(b, p.equity);
    if (p.equity != 0) at[3] = b.offset();
    S.addCash(b, p.cash);
    if (p.cash != 0) at[4] = b.offset();
    S.addEquityHighWaterMark(b, p.equityHighWaterMark);
    if (p.equityHighWaterMark != 0) at[5] = b.offset();
    S.addRealizedPnl(b, p.realizedPnl);
    if (p.realizedPnl != 0) at[6] = b.offset();
    S.addUnrealizedPnl(b, p.unrealizedPnl);
    if (p.unrealizedPnl != 0) at[7] = b.offset();
    S.addPositions(b, vector);
    const payload = S.endStatePayload(b);
    const Fr = F.Frame;
    const kindCode = FRAME_KIND_CODE[kind];
    Fr.startFrame(b);
    Fr.addTopic(b, TOPIC_CODE.state);
    Fr.addKind(b, kindCode);
    Fr.addSequence(b, sequence);
    if (sequence !== 0n) at[0] = b.offset();
    Fr.addTimeNs(b, timeNs);
    if (timeNs !== 0n) at[1] = b.offset();
    Fr.addPayloadType(b, TOPIC_PAYLOAD.state);
    Fr.addPayload(b, payload);
    Fr.finishFrameBuffer(b, Fr.endFrame(b));
    const bytes = b.asUint8Array().slice();
    // Offsets from the buffer's end (the Builder writes back to front) -> indices in the frame.
    for (let i = 0; i < at.length; i++) if (at[i] >= 0) at[i] = bytes.length - at[i];
    return new StateFrameTemplate(bytes, headMask(kindCode, sequence, timeNs, p), positions.map((q) => q.symbol), positions.map(positionMask), at);
  }

  /** True when a frame of this payload has this template's shape. */
  matches(kind: FrameKindName, sequence: bigint, timeNs: bigint, p: StatePayloadView): boolean {
    if (headMask(FRAME_KIND_CODE[kind], sequence, timeNs, p) !== this.head) return false;
    const positions = p.positions;
    if (positions.length !== this.symbols.length) return false;
    for (let k = 0; k < positions.length; k++) {
      const q = positions[k];
      if (q.symbol !== this.symbols[k] || positionMask(q) !== this.masks[k]) return false;
    }
    return true;
  }

  /** Writes this payload's scalars into `view` (a copy of `bytes` starting at `at`); only for a payload that `matches`. */
  patch(view: DataView, at: number, sequence: bigint, timeNs: bigint, p: StatePayloadView): void {
    const s = this.slots;
    if (s[0] >= 0) view.setBigInt64(at + s[0], sequence, true);
    if (s[1] >= 0) view.setBigInt64(at + s[1], timeNs, true);
    if (s[2] >= 0) view.setInt8(at + s[2], MODE_CODE[p.mode]);
    if (s[3] >= 0) view.setFloat64(at + s[3], p.equity, true);
    if (s[4] >= 0) view.setFloat64(at + s[4], p.cash, true);
    if (s[5] >= 0) view.setFloat64(at + s[5], p.equityHighWaterMark, true);
    if (s[6] >= 0) view.setFloat64(at + s[6], p.realizedPnl, true);
    if (s[7] >= 0) view.setFloat64(at + s[7], p.unrealizedPnl, true);
    const positions = p.positions;
    for (let k = 0, i = HEAD_SLOTS; k < positions.length; k++, i += POSITION_SLOTS) {
      const q = positions[k];
      if (s[i] >= 0) view.setInt32(at + s[i], q.instrumentId, true);
      if (s[i + 1] >= 0) view.setFloat64(at + s[i + 1], q.quantity, true);
      if (s[i + 2] >= 0) view.setFloat64(at + s[i + 2], q.averagePrice, true);
      if (s[i + 3] >= 0) view.setFloat64(at + s[i + 3], q.markPrice, true);
      if (s[i + 4] >= 0) view.setFloat64(at + s[i + 4], q.unrealizedPnl, true);
      if (s[i + 5] >= 0) view.setFloat64(at + s[i + 5], q.realizedPnl, true);
    }
  }
}
