// Public API of engine/client (`import { connect } from 'quantflow/client'`): connect to the
// state server, subscribe to topics as typed objects, send signed control actions; and the
// protocol both sides share (topic names, views, JSON messages, frame decoding).
export { connect, ConnectionError, type ConnectionFailure, type ClientEvent, type ConnectOptions, type ControlResult, type QuantFlowClient, type ReconnectPolicy, type Subscription, type TopicHandler } from './quantflow-client.js';
export * from './protocol.js';
export { decodeFrame, FrameDecodeError } from './frame-decoder.js';
export * from './frame-enums.js';
