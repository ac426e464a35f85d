// The plain TS reference of the simulated venue (parity oracle of wasm/assembly/venue).
export { ReferenceVenue } from './reference-venue.js';
export { SplitMix64 } from './splitmix64.js';
