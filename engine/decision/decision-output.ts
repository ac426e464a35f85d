// The per-instrument result of one decision (fusion + sizing), as both implementations
// report it. The WASM glue decodes it from the instrument's output block.

export interface DecisionOutput {
  /** Status bits: STATUS_* of decision-layout.ts (regime, vol ready, price, component c present at bit 8 + c, short clamped). */
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
