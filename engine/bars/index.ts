// Public surface of engine/bars: the bar record decoder, the TS reference time-bar
// builder (oracle for the core's).

export { readBarRecord, type Bar } from './bar.js';
export { ReferenceBarBuilder, type BarBuilderConfig, type BarBuilderResult } from './reference-bar-builder.js';
