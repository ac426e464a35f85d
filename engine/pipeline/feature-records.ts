// FEATURES records on the I/O thread: the decoder of one record, and an assembler that collects a
// bar's chunks into that instrument's feature vector (what the model runs on). The core writes
// ceil(F / 4) records per bar of an instrument whose decision waits for the model
// (PipelineInstrument.model; layout and box diagram in wasm/assembly/pipeline/model-wait.ts):
//
//   kind FEATURES | DIRECTION_OUTBOUND, instrument, ts_exchange bar open, ts_local bar close,
//   price, size, a, b = features 4c .. 4c+3 (NaN past F), id = (chunk c << 32) | F
//
// The model's answer is a MODEL record with ts_exchange = the bar close (engine/decision
// writeModelRecord), published on the inbound ring.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { FEATURES_PER_RECORD, PIPE_MODEL_MAX_FEATURES } from './pipeline-layout.js';

export interface FeatureRecord {
  readonly instrument: number;
  readonly barOpenNs: bigint;
  /** The bar close: the MODEL record that answers carries it as its ts_exchange. */
  readonly barCloseNs: bigint;
  /** Which 4 features this record holds: features 4 * chunk .. 4 * chunk + 3. */
  readonly chunk: number;
  /** F, the bar's feature count (all chunks of a bar carry it). */
  readonly featureCount: number;
  /** The 4 values (NaN past featureCount). */
  readonly values: readonly [number, number, number, number];
}

/** Decodes the FEATURES record at `offset`; throws when the record is not one. */
export function readFeatureRecord(view: DataView, offset: number): FeatureRecord {
  const kind = view.getInt32(offset + EV_KIND, true);
  if ((kind & KIND_MASK) !== EventKind.FEATURES) throw new RangeError(`record at offset ${offset}: \`kind\` must be FEATURES (${EventKind.FEATURES}), was ${kind & KIND_MASK}`);
  const id = view.getBigUint64(offset + EV_ID, true);
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    barOpenNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    barCloseNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    chunk: Number(id >> 32n),
    featureCount: Number(id & 0xffff_ffffn),
    values: [view.getFloat64(offset + EV_PRICE, true), view.getFloat64(offset + EV_SIZE, true), view.getFloat64(offset + EV_A, true), view.getFloat64(offset + EV_B, true)],
  };
}

interface Assembly {
  readonly vector: Float64Array;
  /** vector's first F values, kept while F stays the same. */
  sized: Float64Array;
  barCloseNs: bigint;
  /** Next chunk expected for barCloseNs; -1: none under way. */
  next: number;
}

/**
 * Collects the FEATURES records of each instrument's bars into one vector per instrument, reused
 * from bar to bar (one Float64Array per instrument, allocated when it is first seen). A bar whose
 * chunks do not arrive in order (a record the core could not write) is dropped: its decision
 * times out in the core.
 */
export class FeatureAssembler {
  private readonly byInstrument = new Map<number, Assembly>();

  /**
   * Takes one record; returns the instrument's complete feature vector (length F, valid until
   * that instrument's next add) once the bar's last chunk arrived, otherwise null.
   */
  add(record: FeatureRecord): Float64Array | null {
    const { instrument, chunk, featureCount, barCloseNs } = record;
    if (!Number.isInteger(featureCount) || featureCount < 1 || featureCount > PIPE_MODEL_MAX_FEATURES) {
      throw new RangeError(`FEATURES record of instrument ${instrument}: the feature count must be in [1, ${PIPE_MODEL_MAX_FEATURES}], was ${featureCount}`);
    }
    let at = this.byInstrument.get(instrument);
    if (!at) {
      const vector = new Float64Array(PIPE_MODEL_MAX_FEATURES);
      at = { vector, sized: vector.subarray(0, featureCount), barCloseNs: 0n, next: -1 };
      this.byInstrument.set(instrument, at);
    }
    if (chunk === 0) {
      at.barCloseNs = barCloseNs;
      at.next = 0;
    }
    if (at.next !== chunk || at.barCloseNs !== barCloseNs) {
      at.next = -1;
      return null;
    }
    const base = chunk * FEATURES_PER_RECORD;
    for (let k = 0; k < FEATURES_PER_RECORD && base + k < featureCount; k++) at.vector[base + k] = record.values[k];
    if (base + FEATURES_PER_RECORD < featureCount) {
      at.next = chunk + 1;
      return null;
    }
    at.next = -1;
    if (at.sized.length !== featureCount) at.sized = at.vector.subarray(0, featureCount);
    return at.sized;
  }
}
