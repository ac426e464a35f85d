// Public API of adapters/sim-venue: a local venue for tests, in its own process (server/:
// the execution core's simulated venue run in lockstep with its clients, with its own LMDB
// state), and the client adapter the engine uses to talk to it (SimVenueAdapter, an
// engine/live VenueAdapter). Wire protocol (frame layout, messages): common/protocol.ts.
export { SimVenueAdapter } from './client.js';
export { checkSimVenueAdapterOptions, DEFAULT_CONNECT_TIMEOUT_MS, type ResolvedSimVenueAdapterOptions, type SimVenueAdapterOptions } from './config.js';
export { SimVenueArgumentError, SimVenueConnectError, SimVenueDisconnectedError, SimVenueProtocolError, SimVenueRequestError } from './errors.js';
export { checkVenueRecord, isMarketRecord, parseServerFrame, type FillsPage, type ServerMessage, type SimVenueStats } from './parse.js';
export { defaultServerMainPath, startSimVenueServer, type SimVenueServerProcess, type StartSimVenueServerOptions } from './start-server.js';
export {
  encodeFrame, encodeJsonFrame, FRAME_JSON, FRAME_RECORD, MALFORMED_FRAME_KINDS, PROTOCOL_VERSION, readFrame, RejectedRequest, RejectReason,
  WireFormatError, type FrameRead, type MalformedFrameKind, type WireFault, type WireRequest, type WireResponse,
} from './common/index.js';
