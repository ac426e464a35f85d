// Public API of engine/exits: the EXITS region's layout (exit profiles and per-position exit
// state of wasm/assembly/exits), which engine/execution writes the strategy's profile into.
export * from './exit-layout.js';
