// Public surface of engine/venue: the simulated venue of the WASM core (glue), its plain TS
// reference, their common contract, the config, commands, market records and events as plain
// objects, and the layout mirror of the VENUE region.
export type { SimulatedVenue, VenueCounters, VenueInstrumentState, VenueOrderState, VenueQueueRecord } from './simulated-venue.js';
export { WasmVenue, WASM_VENUE_SCRATCH_BYTES, type VenueCoreExports } from './wasm-venue.js';
export { ReferenceVenue, SplitMix64 } from './reference/index.js';
export {
  resolveVenueConfig, VENUE_MODE_CODES,
  type ImpactModelName, type LatencyModelName, type QueueModelName, type ResolvedVenueConfig, type ResolvedVenueInstrument, type VenueConfig,
  type VenueInstrumentConfig, type VenueLatencyConfig, type VenueModeName, type VenueQueueConfig,
} from './venue-config.js';
export {
  decodeVenueCommand, encodeVenueCommand,
  type VenueCancelCommand, type VenueCommand, type VenueOrderCommand, type VenueOrderType, type VenueReplaceCommand, type VenueTimeInForce,
} from './venue-commands.js';
export { encodeMarketRecord, marketRecordTime, type VenueBar, type VenueMarketRecord, type VenueQuote, type VenueTrade } from './venue-market.js';
export {
  decodeVenueEvent,
  type VenueAck, type VenueArrival, type VenueCancelReason, type VenueCanceled, type VenueEvent, type VenueExpired, type VenueExpiryReason, type VenueExpiryTimer,
  type VenueFill, type VenueOrderStatus, type VenueReject, type VenueRejectReason, type VenueRejectedRequest, type VenueReply,
} from './venue-events.js';
export { bitsF64, f64Bits, readVenueRecord, writeVenueRecord, type VenueRecord } from './venue-record.js';
export { readUnknownVolumeBars } from './unknown-volume-bars.js';
export { runVenueTimeline, stepTime, type VenueAction, type VenueStep, type VenueTimelineOptions } from './run-venue-timeline.js';
export { randomVenueTimeline, type RandomVenueTimeline, type RandomVenueTimelineOptions } from './random-venue-timeline.js';
