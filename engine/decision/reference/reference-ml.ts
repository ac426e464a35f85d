// TS reference of the ML expert (wasm/assembly/decision/ml-expert.ts): the latest model
// quantiles (sorted), scored against the realised volatility over the horizon.
import { NORMAL_Q10_Q90_SPAN } from '../decision-layout.js';
import type { DecisionProgram } from '../decision-program.js';

export interface ModelOutput {
  readonly tsNs: bigint;
  /** q10, q25, q50, q75, q90 ascending. */
  readonly quantiles: readonly number[];
}

/** Sorts crossed quantiles; throws on a non-finite one. */
export function modelOutput(tsNs: bigint, quantiles: readonly number[]): ModelOutput {
  if (quantiles.length !== 5) throw new RangeError(`a model output carries 5 quantiles (q10 q25 q50 q75 q90), had ${quantiles.length}`);
  quantiles.forEach((q, i) => {
    if (!Number.isFinite(q)) throw new RangeError(`quantile ${i} (${['q10', 'q25', 'q50', 'q75', 'q90'][i]}) must be finite, was ${q}`);
  });
  return { tsNs, quantiles: [...quantiles].sort((a, b) => a - b) };
}

/**
 * 1 / sigma^2 of the sorted quantiles (sigma from the q10..q90 span of a normal), or 0 when the
 * spread is not positive, its square underflows or its inverse overflows: Kelly then sizes nothing.
 */
export function modelInverseVariance(sorted: readonly number[]): number {
  const spread = (sorted[4] - sorted[0]) / NORMAL_Q10_Q90_SPAN;
  const variance = spread * spread;
  const inverse = variance > 0 ? 1 / variance : 0;
  return Number.isFinite(inverse) ? inverse : 0;
}

/** Score and confidence at `now`, or null when absent (none, stale, from the future, vol not ready). */
export function evaluateModel(program: DecisionProgram, model: ModelOutput | null, now: bigint, volBar: number): { score: number; confidence: number } | null {
  if (!model || volBar <= 0) return null;
  const age = now - model.tsNs;
  if (age < 0n || age > program.mlMaxAgeNs) return null;
  const q = model.quantiles;
  const sigmaH = volBar * Math.sqrt(program.mlHorizonBars);
  const rho = (q[4] - q[0]) / (NORMAL_Q10_Q90_SPAN * sigmaH);
  const x = rho / program.mlWidthAtHalf;
  const raw = q[2] / (program.mlScoreScale * sigmaH);
  return { score: raw > 1 ? 1 : raw < -1 ? -1 : raw, confidence: 1 / (1 + x * x) };
}
