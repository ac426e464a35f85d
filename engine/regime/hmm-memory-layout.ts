// The HMM region's layout as seen from TypeScript. Mirror of wasm/assembly/hmm/hmm-layout.ts
// (the box diagrams live there); test/regime-wasm.test.ts checks the offsets against the
// compiled core's hmmModelOffset / hmmFilterStateOffset exports.
import { HMM_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../layout/memory-map.js';

export const HMM_MAX_STATES = 8;
export const HMM_MAX_FEATURES = 8;
export const HMM_MAX_MODELS = 16;
export const HMM_MAX_INSTRUMENTS = INSTRUMENT_CAPACITY;

export const HMM_MODEL_TABLE_OFFSET = HMM_REGION_OFFSET;
export const HMM_MODEL_BYTES = 8192;
export const HMM_FILTER_TABLE_OFFSET = HMM_REGION_OFFSET + 0x20000;
export const HMM_FILTER_BYTES = 256;

export const MODEL_LABEL_OF = 64;
export const MODEL_START_PROB = 128;
export const MODEL_TRANS_MAT = 192;
export const MODEL_MEANS = 704;
export const MODEL_LOG_NORM = 1216;
export const MODEL_WHITENING = 1280;

export const FILTER_MODEL = 4;
export const FILTER_STEPS = 8;
export const FILTER_LOG_LIKELIHOOD = 16;
export const FILTER_LAST_INCREMENT = 24;
export const FILTER_LABEL = 32;
export const FILTER_PENDING_LABEL = 36;
export const FILTER_PENDING_COUNT = 40;
export const FILTER_ARGMAX = 44;
export const FILTER_PROBS = 64;

export function hmmModelOffset(model: number): number {
  return HMM_MODEL_TABLE_OFFSET + model * HMM_MODEL_BYTES;
}

export function hmmFilterStateOffset(instrument: number): number {
  return HMM_FILTER_TABLE_OFFSET + instrument * HMM_FILTER_BYTES;
}
