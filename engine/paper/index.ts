// Public API of engine/paper: a paper session (`quantflow paper`): the configuration's
// strategies over market data through the backtest's engine and simulated venue, paced to a
// multiple of real time, with the state server and its browser dashboard watching it.
export { startPaperSession, type PaperSession, type PaperSessionOptions } from './paper-session.js';
export { playPaced, checkSpeed, type PacedPlayOptions, type PacedPlayResult } from './paced-player.js';
export { PaperControl, ControlLog, type ControlLogEntry } from './paper-control.js';
export { SessionWebhooks } from './session-webhooks.js';
export { modelsView, modelTimeouts } from './session-model.js';
