// Public API of the TWS simulator (tests only): the server with its truth and fault API, and the
// wire/message helpers tests use to record fixtures.
export { TwsSim, TwsSimFaults, execTime, parseFilterTime, type TwsSimOptions } from './tws-sim.js';
export { SERVER_VERSION, SIZE_RULES_VERSION, OLDEST_SERVER_VERSION, IN, OUT, TickType, type SimBar, type SimContract, type SimExecution, type SimOrder } from './messages.js';
export { encodeMessage, FrameReader } from './wire.js';
