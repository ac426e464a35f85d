// Public surface of adapters/sim-venue/common: the wire protocol shared by the sim-venue
// server and its client adapter (frame layout and messages in protocol.ts), the frame codec,
// checked JSON field reads and the error they throw.
export * from './protocol.js';
export { decodeJsonBody, encodeFrame, encodeJsonFrame, encodeRecordFrame, frameReadError, readFrame, type FrameRead } from './frame-codec.js';
export {
  checkArray, checkObject, checkOnlyFields, readBoolean, readDecimal, readFinite, readInteger, readString, type JsonObject,
} from './json-fields.js';
export { describeValue, WireFormatError } from './wire-format-error.js';
