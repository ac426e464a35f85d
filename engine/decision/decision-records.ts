// How model and sentiment outputs travel as 64-byte event records (proposal for the
// meaning text of MODEL and SENTIMENT in schemas/event-record.json):
//
//   MODEL      price q10 | size q25 | a q50 | b q75 | id = the IEEE-754 bits of q90 (f64)
//              ts_exchange = bar close time the features were taken at; forward returns
//              over fusion.ml.horizonBars bars, as fractions (0.01 = +1%)
//   SENTIMENT  price score in [-1, 1] | size confidence in [0, 1] | a source id (integer
//              0..63) | b unused (0) | id = content hash (u64) | ts_exchange = publication time
//
// One record per update, so a model output is never split across two slots.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';

export interface ModelRecord {
  readonly instrument: number;
  readonly tsNs: bigint;
  /** q10, q25, q50, q75, q90 (crossed values are allowed: the core sorts them). */
  readonly quantiles: readonly [number, number, number, number, number];
}

export interface SentimentRecord {
  readonly instrument: number;
  readonly tsNs: bigint;
  readonly score: number;
  readonly confidence: number;
  readonly source: number;
  readonly contentHash: bigint;
}

function header(view: DataView, offset: number, kind: number, instrument: number, tsNs: bigint): void {
  view.setInt32(offset + EV_KIND, kind, true);
  view.setInt32(offset + EV_INSTRUMENT, instrument, true);
  view.setBigInt64(offset + EV_TS_EXCHANGE, tsNs, true);
  view.setBigInt64(offset + EV_TS_LOCAL, tsNs, true);
}

/** Writes a MODEL record at `offset` (kind MODEL plus `extraKindBits`, e.g. source and direction). */
export function writeModelRecord(view: DataView, offset: number, record: ModelRecord, extraKindBits = 0): void {
  header(view, offset, EventKind.MODEL | extraKindBits, record.instrument, record.tsNs);
  const [q10, q25, q50, q75, q90] = record.quantiles;
  view.setFloat64(offset + EV_PRICE, q10, true);
  view.setFloat64(offset + EV_SIZE, q25, true);
  view.setFloat64(offset + EV_A, q50, true);
  view.setFloat64(offset + EV_B, q75, true);
  view.setFloat64(offset + EV_ID, q90, true);
}

export function writeSentimentRecord(view: DataView, offset: number, record: SentimentRecord, extraKindBits = 0): void {
  header(view, offset, EventKind.SENTIMENT | extraKindBits, record.instrument, record.tsNs);
  view.setFloat64(offset + EV_PRICE, record.score, true);
  view.setFloat64(offset + EV_SIZE, record.confidence, true);
  view.setFloat64(offset + EV_A, record.source, true);
  view.setFloat64(offset + EV_B, 0, true);
  view.setBigUint64(offset + EV_ID, BigInt.asUintN(64, record.contentHash), true);
}

/** Reads the five quantiles of a MODEL record (q90 from the id bits). */
export function readModelQuantiles(view: DataView, offset: number): [number, number, number, number, number] {
  return [EV_PRICE, EV_SIZE, EV_A, EV_B, EV_ID].map((field) => view.getFloat64(offset + field, true)) as [number, number, number, number, number];
}
