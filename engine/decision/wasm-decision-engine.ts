// TS glue of the core's fusion + sizing (wasm/assembly/decision): writes the compiled
// program and instrument blocks into the DECISION region, stages MODEL/SENTIMENT records,
// calls the scalar exports (decStep per instrument and bar), and reads results
// through typed views. Negative statuses become CoreStatusError in checkCoreStatus.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import {
  CFG_BURST_COUNT, CFG_CHECKED, CFG_CHOPPY_REDUCTION, CFG_MAGIC, CFG_ML_HORIZON_BARS, CFG_ML_MAX_AGE_NS, CFG_ML_SCORE_SCALE,
  CFG_ML_WIDTH_AT_HALF, CFG_RULE_COUNT, CFG_SENT_BURST_WINDOW_NS, CFG_SENT_DECAY_PER_NS, CFG_SENT_DUP_WINDOW_NS,
  CFG_SENT_FULL_WEIGHT, CFG_SENT_MAX_AGE_NS, CFG_VERSION, CFG_VOL_VALUE, CFG_WEIGHTS,
  DEC_CONFIG_OFFSET, DEC_MAGIC, DEC_MAX_INSTRUMENTS, DEC_MAX_SOURCES, DEC_RECORD_OFFSET, DEC_RULE_BYTES,
  DEC_RULES_OFFSET, DEC_SOURCE_BYTES, DEC_SOURCES_OFFSET, DEC_STATE_BYTES, DEC_VERSION, FLAG_SHORT_ALLOWED, IC_ATR_VALUE,
  IC_BARS_PER_YEAR, IC_FLAGS, IC_IND_SLOT, IC_MAX_LEVERAGE, IC_P0, IC_P1, IC_SIZING, OUT_EXPOSURE, OUT_ORDER_LIMIT, OUT_ORDER_QTY, OUT_ORDER_REASON, OUT_QUANTITY, RULE_FAMILY, RULE_IN0, RULE_OPCODE, RULE_P0, RULE_WEIGHT, SRC_CAP,
  SRC_WEIGHT, ST_SENT_ACCEPTED, ST_SENT_SUPPRESSED, decInstrumentConfigOffset, decOutputOffset, decStateOffset,
} from './decision-layout.js';
import { readDecisionOutput, type DecisionOutput } from './decision-output.js';
import type { DecisionProgram, InstrumentProgram } from './decision-program.js';
import { writeModelRecord, writeSentimentRecord, type ModelRecord, type SentimentRecord } from './decision-records.js';

/** The decision exports of the core (wasm/assembly/decision/decision-step.ts). */
export interface DecisionCoreExports extends CoreExports {
  decConfigOffset(): number;
  decRulesOffset(): number;
  decSourcesOffset(): number;
  decInstrumentConfigOffset(instrument: number): number;
  decStateOffset(instrument: number): number;
  decOutputOffset(instrument: number): number;
  decConfigure(): number;
  decInstrumentConfigure(instrument: number): number;
  decInstrumentReset(instrument: number): number;
  decOnRecord(recordOffset: number): number;
  decStep(instrument: number, nowNs: bigint, equity: number): number;
}

export class WasmDecisionEngine {
  private readonly view: DataView;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;

  constructor(readonly core: DecisionCoreExports, readonly memory: WebAssembly.Memory) {
    // The memory has a fixed size (it never grows), so these views stay attached.
    this.view = new DataView(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Writes the program (after the indicator plan is loaded) and has the core check it. */
  load(program: DecisionProgram): void {
    const v = this.view;
    const c = DEC_CONFIG_OFFSET;
    this.u8.fill(0, c, DEC_RULES_OFFSET);
    v.setInt32(c + CFG_MAGIC, DEC_MAGIC, true);
    v.setInt32(c + CFG_VERSION, DEC_VERSION, true);
    v.setInt32(c + CFG_RULE_COUNT, program.rules.length, true);
    v.setInt32(c + CFG_BURST_COUNT, program.sentimentBurstCount, true);
    v.setInt32(c + CFG_VOL_VALUE, program.volValue, true);
    v.setInt32(c + CFG_CHECKED, 0, true);
    program.weights.forEach((w, i) => v.setFloat64(c + CFG_WEIGHTS + 8 * i, w, true));
    v.setFloat64(c + CFG_CHOPPY_REDUCTION, program.choppyReduction, true);
    v.setBigInt64(c + CFG_ML_MAX_AGE_NS, program.mlMaxAgeNs, true);
    v.setFloat64(c + CFG_ML_HORIZON_BARS, program.mlHorizonBars, true);
    v.setFloat64(c + CFG_ML_SCORE_SCALE, program.mlScoreScale, true);
    v.setFloat64(c + CFG_ML_WIDTH_AT_HALF, program.mlWidthAtHalf, true);
    v.setFloat64(c + CFG_SENT_DECAY_PER_NS, program.sentimentDecayPerNs, true);
    v.setBigInt64(c + CFG_SENT_MAX_AGE_NS, program.sentimentMaxAgeNs, true);
    v.setBigInt64(c + CFG_SENT_DUP_WINDOW_NS, program.sentimentDuplicateWindowNs, true);
    v.setBigInt64(c + CFG_SENT_BURST_WINDOW_NS, program.sentimentBurstWindowNs, true);
    v.setFloat64(c + CFG_SENT_FULL_WEIGHT, program.sentimentFullWeight, true);
    this.u8.fill(0, DEC_RULES_OFFSET, DEC_SOURCES_OFFSET);
    program.rules.forEach((rule, r) => {
      const at = DEC_RULES_OFFSET + r * DEC_RULE_BYTES;
      v.setInt32(at + RULE_OPCODE, rule.opcode, true);
      v.setInt32(at + RULE_FAMILY, rule.family, true);
      rule.inputs.forEach((index, k) => v.setInt32(at + RULE_IN0 + 4 * k, index, true));
      v.setFloat64(at + RULE_WEIGHT, rule.weight, true);
      rule.params.forEach((p, k) => v.setFloat64(at + RULE_P0 + 8 * k, p, true));
    });
    for (let s = 0; s < DEC_MAX_SOURCES; s++) {
      v.setFloat64(DEC_SOURCES_OFFSET + s * DEC_SOURCE_BYTES + SRC_WEIGHT, program.sourceWeight[s], true);
      v.setFloat64(DEC_SOURCES_OFFSET + s * DEC_SOURCE_BYTES + SRC_CAP, program.sourceCap[s], true);
    }
    checkCoreStatus(this.core.decConfigure(), 'decConfigure');
  }

  /** Writes and checks the instrument's config block, then clears its state. */
  addInstrument(config: InstrumentProgram): void {
    const v = this.view;
    const at = decInstrumentConfigOffset(config.instrument);
    v.setInt32(at + IC_FLAGS, config.shortAllowed ? FLAG_SHORT_ALLOWED : 0, true);
    v.setInt32(at + IC_IND_SLOT, config.indicatorSlot, true);
    v.setInt32(at + IC_SIZING, config.sizing, true);
    v.setInt32(at + IC_ATR_VALUE, config.atrValue, true);
    v.setFloat64(at + IC_BARS_PER_YEAR, config.barsPerYear, true);
    v.setFloat64(at + IC_P0, config.p0, true);
    v.setFloat64(at + IC_P1, config.p1, true);
    v.setFloat64(at + IC_MAX_LEVERAGE, config.maxLeverage, true);
    checkCoreStatus(this.core.decInstrumentConfigure(config.instrument), `decInstrumentConfigure(${config.instrument})`);
    checkCoreStatus(this.core.decInstrumentReset(config.instrument), `decInstrumentReset(${config.instrument})`);
  }

  /** Hands the MODEL/SENTIMENT record at `recordOffset` (e.g. a ring slot) to the core: 1 stored, 0 ignored. */
  onRecord(recordOffset: number): number {
    return checkCoreStatus(this.core.decOnRecord(recordOffset), 'decOnRecord');
  }

  onModel(record: ModelRecord): number {
    writeModelRecord(this.view, DEC_RECORD_OFFSET, record);
    return this.onRecord(DEC_RECORD_OFFSET);
  }

  /** 1 when stored, 0 when suppressed as a near-duplicate. */
  onSentiment(record: SentimentRecord): number {
    writeSentimentRecord(this.view, DEC_RECORD_OFFSET, record);
    return this.onRecord(DEC_RECORD_OFFSET);
  }

  step(instrument: number, nowNs: bigint, equity: number): void {
    const status = this.core.decStep(instrument, nowNs, equity);
    if (status < 0) checkCoreStatus(status, `decStep(${instrument})`);
  }

  /** Risk reason of the order the order stage sent for the instrument on its last bar (0 accepted), or NO_ORDER. */
  orderReason(instrument: number): number {
    return this.i32[(decOutputOffset(instrument) + OUT_ORDER_REASON) / 4];
  }

  /** Risk reason of the limit that cut that order to fit or stopped it (RiskReason.MIN_NOTIONAL: too small to propose); 0 when none did. */
  orderLimit(instrument: number): number {
    return this.i32[(decOutputOffset(instrument) + OUT_ORDER_LIMIT) / 4];
  }

  /** Signed quantity of that order (0 with NO_ORDER). */
  orderQuantity(instrument: number): number {
    return this.f64[(decOutputOffset(instrument) + OUT_ORDER_QTY) / 8];
  }

  exposure(instrument: number): number {
    return this.f64[(decOutputOffset(instrument) + OUT_EXPOSURE) / 8];
  }

  quantity(instrument: number): number {
    return this.f64[(decOutputOffset(instrument) + OUT_QUANTITY) / 8];
  }

  /** The instrument's last decision, decoded from its output block. */
  output(instrument: number): DecisionOutput {
    return readDecisionOutput(this.memory, instrument);
  }

  sentimentCounts(instrument: number): { accepted: number; suppressed: number } {
    const base = decStateOffset(instrument);
    return {
      accepted: Number(this.view.getBigInt64(base + ST_SENT_ACCEPTED, true)),
      suppressed: Number(this.view.getBigInt64(base + ST_SENT_SUPPRESSED, true)),
    };
  }

  /** The instrument's state block (a copy): restore it to resume without re-warming. */
  checkpoint(instrument: number): Uint8Array {
    const base = decStateOffset(instrument);
    return this.u8.slice(base, base + DEC_STATE_BYTES);
  }

  restore(instrument: number, bytes: Uint8Array): void {
    if (bytes.length !== DEC_STATE_BYTES) throw new RangeError(`a decision checkpoint is ${DEC_STATE_BYTES} bytes, was ${bytes.length}`);
    this.u8.set(bytes, decStateOffset(instrument));
  }
}
