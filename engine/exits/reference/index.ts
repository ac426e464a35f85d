// The plain TS reference of the core's exit engine (parity oracle of wasm/assembly/exits).
export { ReferenceExitEngine, type ExitMarketContext } from './reference-exit-engine.js';
