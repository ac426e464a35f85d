// Layout of the HMM region (HMM_REGION_OFFSET, 1 MiB): a table of regime models and
// one forward-filter state block per instrument. Mirrored by engine/regime/hmm-memory-layout.ts.
//
//   HMM_REGION_OFFSET
//   +0x00000 +--------------------------------------------+
//            | model 0 (HMM_MODEL_BYTES = 8 KiB)            |  written by TS, then
//            | model 1 ...                                  |  hmmLoadModel checks it
//            | ... HMM_MAX_MODELS = 16                      |
//   +0x20000 +--------------------------------------------+
//            | filter state of instrument 0 (256 B)         |  checkpoint = byte copy
//            | ... HMM_MAX_INSTRUMENTS = 1024               |
//   +0x60000 +--------------------------------------------+
//            | reserved                                     |
//   +0x100000+--------------------------------------------+
//
// Model block (arrays are dense with the model's own K and d: transMat[i*K + j],
// means[k*d + f], whitening[k*d + f] (diag) or [k*d*d + i*d + j] (full, lower triangle)):
//
//   0      4      8      12     16        20          64               96          128
//   | magic| K    | d    | full | minDwell| reserved  | labelOf[8] i32  | reserved  |
//   128             192                704             1216           1280                5376     8192
//   | startProb[8]  | transMat[8*8] f64 | means[8*8] f64 | logNorm[8]   | whitening[8*8*8] f64 | reserved |
//
// Filter state block (per instrument):
//
//   0      4       8          16             24              32     36      40      44      48       64
//   | magic| model | steps i64 | logLik f64   | lastInc f64   | label| pending| pendCnt| argmax| reserved|
//   64                 128                192               256
//   | probs[8] f64     | logB[8] f64 (scratch) | pred[8] f64 (scratch) |

import { HMM_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../layout';

export const HMM_MAX_STATES: i32 = 8;
export const HMM_MAX_FEATURES: i32 = 8;
export const HMM_MAX_MODELS: i32 = 16;
export const HMM_MAX_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;

export const HMM_MODEL_TABLE_OFFSET: i32 = HMM_REGION_OFFSET;
export const HMM_MODEL_BYTES: i32 = 8192;
export const HMM_FILTER_TABLE_OFFSET: i32 = HMM_REGION_OFFSET + 0x20000;
export const HMM_FILTER_BYTES: i32 = 256;

export const HMM_MODEL_MAGIC: i32 = 0x484d4d4d; // "HMMM"
export const HMM_FILTER_MAGIC: i32 = 0x484d4d46; // "HMMF"

// Model block fields.
export const MODEL_MAGIC: i32 = 0;
export const MODEL_STATES: i32 = 4;
export const MODEL_FEATURES: i32 = 8;
export const MODEL_FULL: i32 = 12;
export const MODEL_MIN_DWELL: i32 = 16;
export const MODEL_LABEL_OF: i32 = 64;
export const MODEL_START_PROB: i32 = 128;
export const MODEL_TRANS_MAT: i32 = 192;
export const MODEL_MEANS: i32 = 704;
export const MODEL_LOG_NORM: i32 = 1216;
export const MODEL_WHITENING: i32 = 1280;

// Filter state fields.
export const FILTER_MAGIC: i32 = 0;
export const FILTER_MODEL: i32 = 4;
export const FILTER_STEPS: i32 = 8;
export const FILTER_LOG_LIKELIHOOD: i32 = 16;
export const FILTER_LAST_INCREMENT: i32 = 24;
export const FILTER_LABEL: i32 = 32;
export const FILTER_PENDING_LABEL: i32 = 36;
export const FILTER_PENDING_COUNT: i32 = 40;
export const FILTER_ARGMAX: i32 = 44;
export const FILTER_PROBS: i32 = 64;
export const FILTER_LOG_B: i32 = 128;
export const FILTER_PRED: i32 = 192;

export const LABEL_NONE: i32 = -1;
export const LABEL_COUNT: i32 = 3;
