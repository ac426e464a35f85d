// Reads and writes the protocol's frames (layout in protocol.ts): pure functions over bytes,
// used by the server and the client alike. Reading never trusts the length prefix beyond
// the limit the caller gives.
import { FRAME_JSON, FRAME_LENGTH_BYTES, FRAME_RECORD, RECORD_BYTES, RECORD_FRAME_BODY_BYTES, RECORD_SEQ_BYTES } from './protocol.js';
import { WireFormatError } from './wire-format-error.js';

/** One frame read from a byte stream, or why the bytes at hand are not one. */
export type FrameRead =
  /** A whole frame; the next one starts at `next`. */
  | { readonly kind: 'frame'; readonly type: number; readonly body: Uint8Array; readonly next: number }
  /** A length prefix of 0 (no type byte): 4 bytes consumed, the stream is still in step. */
  | { readonly kind: 'empty'; readonly next: number }
  /** A length prefix above the limit: the prefix is consumed; a reader that wants to stay in
   *  step skips `length` more bytes, one that does not closes the stream. */
  | { readonly kind: 'oversize'; readonly length: number; readonly next: number };

/** The frame at `offset` of `bytes`, or null while it is incomplete. */
export function readFrame(bytes: Uint8Array, offset: number, maxFrameBytes: number): FrameRead | null {
  if (bytes.length - offset < FRAME_LENGTH_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(offset, true);
  if (length === 0) return { kind: 'empty', next: offset + FRAME_LENGTH_BYTES };
  if (length > maxFrameBytes) return { kind: 'oversize', length, next: offset + FRAME_LENGTH_BYTES };
  const end = offset + FRAME_LENGTH_BYTES + length;
  if (bytes.length < end) return null;
  return { kind: 'frame', type: bytes[offset + FRAME_LENGTH_BYTES], body: bytes.subarray(offset + FRAME_LENGTH_BYTES + 1, end), next: end };
}

/** The error a reader reports for a frame that is not one (an 'empty' or 'oversize' read). */
export function frameReadError(read: FrameRead, maxFrameBytes: number): WireFormatError {
  const length = read.kind === 'oversize' ? read.length : 0;
  return new WireFormatError('length', length, `of a frame must be in [1, ${maxFrameBytes}] (it counts the type byte and the body)`);
}

export function encodeFrame(type: number, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_LENGTH_BYTES + 1 + body.length);
  frame.writeUInt32LE(1 + body.length, 0);
  frame[FRAME_LENGTH_BYTES] = type;
  frame.set(body, FRAME_LENGTH_BYTES + 1);
  return frame;
}

export function encodeJsonFrame(message: unknown): Buffer {
  return encodeFrame(FRAME_JSON, Buffer.from(JSON.stringify(message), 'utf8'));
}

export function encodeRecordFrame(sourceSeq: bigint, record: Uint8Array): Buffer {
  if (record.length !== RECORD_BYTES) throw new RangeError(`a record frame carries a ${RECORD_BYTES}-byte record, was given ${record.length} bytes`);
  const body = Buffer.allocUnsafe(RECORD_FRAME_BODY_BYTES);
  body.writeBigUInt64LE(sourceSeq, 0);
  body.set(record, RECORD_SEQ_BYTES);
  return encodeFrame(FRAME_RECORD, body);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON value of a JSON frame's body; WireFormatError when it is not UTF-8 JSON. */
export function decodeJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new WireFormatError('body', `${body.length} bytes`, 'of a JSON frame must be valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new WireFormatError('body', text, 'of a JSON frame must be one JSON value');
  }
}
