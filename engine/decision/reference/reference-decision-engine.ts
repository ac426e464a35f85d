// Plain TS reference of fusion + sizing (the parity oracle of the WASM core in
// wasm/assembly/decision): the three experts, regime-gated fusion and sizing per instrument,
// with the formulas documented in the core modules. Inputs that the core reads from memory
// arrive as arguments: the instrument's indicator values (realised volatility and ATR among
// them) and its HMM filtered probabilities with the model's state labels.
import {
  STATUS_COMP_SHIFT, STATUS_PRICE, STATUS_REGIME, STATUS_REGIME_MODEL, STATUS_SHORT_CLAMPED, STATUS_VOL_READY, SizingCode,
} from '../decision-layout.js';
import type { DecisionOutput } from '../decision-output.js';
import type { DecisionProgram, InstrumentProgram } from '../decision-program.js';
import { evaluateModel, modelInverseVariance, modelOutput, type ModelOutput } from './reference-ml.js';
import { ReferenceSentiment } from './reference-sentiment.js';
import { evaluateTechnical } from './reference-technical.js';

export interface RegimeInput {
  /** Filtered state probabilities (sum 1). */
  readonly probabilities: ArrayLike<number>;
  /** Regime label code (0 trending, 1 mean_reverting, 2 choppy) of each state. */
  readonly labelOf: ArrayLike<number>;
}

export interface StepInput {
  readonly nowNs: bigint;
  readonly equity: number;
  /** The instrument's indicator values by plan value index (bar fields first), or null when it has none. */
  readonly values: ArrayLike<number> | null;
  /** Null before the HMM filter's first step. */
  readonly regime: RegimeInput | null;
  /** The instrument's HMM filter has a model (STATUS_REGIME_MODEL), stepped or not; implied by `regime`. */
  readonly regimeModel?: boolean;
}

interface InstrumentState {
  readonly config: InstrumentProgram;
  model: ModelOutput | null;
  sentiment: ReferenceSentiment;
}

export class ReferenceDecisionEngine {
  private readonly instruments = new Map<number, InstrumentState>();

  constructor(readonly program: DecisionProgram) {}

  /** Configures `config.instrument` and starts its state afresh. */
  addInstrument(config: InstrumentProgram): void {
    this.instruments.set(config.instrument, {
      config, model: null, sentiment: new ReferenceSentiment(this.program),
    });
  }

  private state(instrument: number): InstrumentState {
    const state = this.instruments.get(instrument);
    if (!state) throw new Error(`instrument ${instrument} is not configured: call addInstrument first`);
    return state;
  }

  onModel(instrument: number, tsNs: bigint, quantiles: readonly number[]): void {
    this.state(instrument).model = modelOutput(tsNs, quantiles);
  }

  onSentiment(instrument: number, tsNs: bigint, score: number, confidence: number, source: number, hash: bigint): 0 | 1 {
    return this.state(instrument).sentiment.ingest(tsNs, score, confidence, source, hash);
  }

  sentimentCounts(instrument: number): { accepted: number; suppressed: number } {
    const s = this.state(instrument).sentiment;
    return { accepted: s.accepted, suppressed: s.suppressed };
  }

  step(instrument: number, input: StepInput): DecisionOutput {
    const p = this.program;
    const s = this.state(instrument);
    const c = s.config;
    const price = input.values ? input.values[3] : Number.NaN;
    const vol = input.values ? input.values[p.volValue] : Number.NaN;
    // Ready when finite, > 0 and its reciprocal is finite (a subnormal volatility is not).
    const volBar = Number.isFinite(vol) && vol > 0 && Number.isFinite(1 / vol) ? vol : 0;
    let status = 0;
    if (Number.isFinite(price) && price > 0) status |= STATUS_PRICE;
    if (volBar > 0) status |= STATUS_VOL_READY;
    const scores = [0, 0, 0, 0, 0];
    const confidences = [0, 0, 0, 0, 0];
    const present = [false, false, false, false, false];
    evaluateTechnical(p.rules, input.values).forEach((f, k) => {
      present[k] = f.present;
      scores[k] = f.score;
      confidences[k] = f.confidence;
    });
    const ml = evaluateModel(p, s.model, input.nowNs, volBar);
    const sentiment = s.sentiment.evaluate(input.nowNs);
    for (const [k, r] of [[3, ml], [4, sentiment]] as const) {
      if (!r) continue;
      present[k] = true;
      scores[k] = r.score;
      confidences[k] = r.confidence;
    }
    present.forEach((on, k) => (status |= on ? 1 << (STATUS_COMP_SHIFT + k) : 0));

    const q = [0, 0, 0];
    if (input.regime || input.regimeModel) status |= STATUS_REGIME_MODEL;
    if (input.regime) {
      for (let k = 0; k < input.regime.labelOf.length; k++) q[input.regime.labelOf[k]] += input.regime.probabilities[k];
      status |= STATUS_REGIME;
    }
    const weights = [0, 1, 2, 3, 4].map((k) => q[0] * p.weights[k] + q[1] * p.weights[5 + k] + q[2] * p.weights[10 + k]);
    let num = 0;
    let den = 0;
    let sum = 0;
    for (let k = 0; k < 5; k++) {
      if (!present[k]) continue;
      const wc = weights[k] * confidences[k];
      num += wc * scores[k];
      den += wc;
      sum += weights[k];
    }
    const signal = den > 0 ? num / den : 0;
    const confidence = sum > 0 ? den / sum : 0;
    const choppyScale = 1 - p.choppyReduction * q[2];
    let direction = signal * choppyScale;
    if (direction < 0 && !c.shortAllowed) {
      direction = 0;
      status |= STATUS_SHORT_CLAMPED;
    }
    const exposure = this.size(c, s, input, direction * confidence, price, volBar, ml !== null);
    return {
      status, tsNs: input.nowNs, signal, confidence, choppyScale, direction, exposure,
      quantity: Number.isFinite(price) && price > 0 ? (exposure * input.equity) / price : 0,
      volatilityPerBar: volBar, price, regimeProbabilities: q, weights, componentScores: scores, componentConfidences: confidences,
    };
  }

  private size(c: InstrumentProgram, s: InstrumentState, input: StepInput, dc: number, price: number, volBar: number, mlPresent: boolean): number {
    let exposure = 0;
    if (dc !== 0) {
      if (c.sizing === SizingCode.volatilityTarget) {
        if (volBar > 0) exposure = dc * Math.min(c.maxLeverage, c.p0 / (volBar * Math.sqrt(c.barsPerYear)));
      } else if (c.sizing === SizingCode.fixedFractional) {
        exposure = (dc * c.p0) / c.p1;
      } else if (c.sizing === SizingCode.cappedKelly) {
        if (mlPresent && s.model) {
          const q = s.model.quantiles;
          const edge = dc > 0 ? q[2] : -q[2];
          const inverseVariance = modelInverseVariance(q);
          if (edge > 0 && inverseVariance > 0) exposure = dc * Math.min(c.p1, c.p0 * edge * inverseVariance);
        }
      } else {
        const atr = input.values ? input.values[c.atrValue] : Number.NaN;
        if (Number.isFinite(atr) && atr > 0 && Number.isFinite(price) && price > 0) exposure = (dc * c.p0 * price) / (c.p1 * atr);
      }
    }
    return Math.max(-c.maxLeverage, Math.min(c.maxLeverage, exposure));
  }
}
