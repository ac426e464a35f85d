// The per-instrument result of one decision (fusion + sizing), as both implementations
// report it, and its decoder from the instrument's output block in the core's memory
// (used by the WASM glue and by the engine's pipeline snapshots).
import {
  OUT_CHOPPY_SCALE, OUT_COMP_CONF, OUT_COMP_SCORE, OUT_CONFIDENCE, OUT_DIRECTION, OUT_EXPOSURE, OUT_PRICE, OUT_QUANTITY,
  OUT_REGIME_PROB, OUT_SIGNAL, OUT_STATUS, OUT_TS, OUT_VOL_BAR, OUT_WEIGHTS, decOutputOffset,
} from './decision-layout.js';

export interface DecisionOutput {
  /** Status bits: STATUS_* of decision-layout.ts (regime, vol ready, price, component c present at bit 8 + c, short clamped, ML timed out: the bar's MODEL record did not arrive within the pipeline's wait bound). */
  readonly status: number;
  readonly tsNs: bigint;
  /** Fused direction before the choppy scale, in [-1, 1]. */
  readonly signal: number;
  /** Fused confidence, in [0, 1]. */
  readonly confidence: number;
  /** 1 - choppyReduction * P(choppy). */
  readonly choppyScale: number;
  /** signal * choppyScale, 0 instead of negative when the instrument is long-only. */
  readonly direction: number;
  /** Target exposure: signed notional / equity, within +-maxLeverage. */
  readonly exposure: number;
  /** Target quantity: exposure * equity / price (0 without a price). */
  readonly quantity: number;
  /** Realised volatility per bar (0 while warming up). */
  readonly volatilityPerBar: number;
  readonly price: number;
  /** P(trending), P(mean_reverting), P(choppy). */
  readonly regimeProbabilities: readonly number[];
  /** Blended weight per component: trend, meanReversion, breakout, ml, sentiment. */
  readonly weights: readonly number[];
  readonly componentScores: readonly number[];
  readonly componentConfidences: readonly number[];
}

/** Decodes `instrument`'s last decision from its output block in `memory`. */
export function readDecisionOutput(memory: WebAssembly.Memory, instrument: number): DecisionOutput {
  const view = new DataView(memory.buffer);
  const base = decOutputOffset(instrument);
  const f = (field: number) => view.getFloat64(base + field, true);
  const five = (field: number) => [0, 1, 2, 3, 4].map((k) => f(field + 8 * k));
  return {
    status: view.getInt32(base + OUT_STATUS, true),
    tsNs: view.getBigInt64(base + OUT_TS, true),
    signal: f(OUT_SIGNAL),
    confidence: f(OUT_CONFIDENCE),
    choppyScale: f(OUT_CHOPPY_SCALE),
    direction: f(OUT_DIRECTION),
    exposure: f(OUT_EXPOSURE),
    quantity: f(OUT_QUANTITY),
    volatilityPerBar: f(OUT_VOL_BAR),
    price: f(OUT_PRICE),
    regimeProbabilities: [0, 1, 2].map((k) => f(OUT_REGIME_PROB + 8 * k)),
    weights: five(OUT_WEIGHTS),
    componentScores: five(OUT_COMP_SCORE),
    componentConfidences: five(OUT_COMP_CONF),
  };
}
