// Public surface of adapters/sim-venue/server: the sim-venue server process (entry point
// main.ts), a local venue for tests that runs the core's simulated venue in lockstep with
// its clients. Exported for tools and tests that run it in-process.
export { loadMarketTape, mergeBars, type MarketTape } from './market-tape.js';
export { parseRequest, requestIdOf, type Request } from './parse-request.js';
export { parseServerArgs, ServerConfigError, type ServerFaults, type SimVenueServerConfig } from './server-config.js';
export { LISTEN_HOST, malformedFrame, SimVenueServer } from './sim-venue-server.js';
export { VenueSession, type OutRecord, type SessionOutput, type SessionRequest } from './venue-session.js';
