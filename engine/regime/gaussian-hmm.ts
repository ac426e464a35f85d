// The Gaussian hidden Markov model's parameters, and the check that rejects malformed ones.
// All arrays are flat, row-major Float64Arrays so they can be copied into WASM memory as is.
//
//   startProb  [K]          P(s_0 = k)
//   transMat   [K * K]      transMat[i*K + j] = P(s_t = j | s_{t-1} = i)
//   means      [K * d]      means[k*d + f]
//   covars     diag: [K * d] variances;  full: [K * d * d] covariance matrices

export type CovarianceType = 'diag' | 'full';

export interface GaussianHmm {
  readonly states: number;
  readonly features: number;
  readonly covarianceType: CovarianceType;
  readonly startProb: Float64Array;
  readonly transMat: Float64Array;
  readonly means: Float64Array;
  readonly covars: Float64Array;
}

/** Observations: `rows` feature vectors of `cols` features, row-major. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export const MAX_STATES = 8;
export const MAX_FEATURES = 8;
const STOCHASTIC_TOLERANCE = 1e-8;

export function covarianceLength(states: number, features: number, type: CovarianceType): number {
  return type === 'diag' ? states * features : states * features * features;
}

function checkStochastic(values: Float64Array, offset: number, length: number, field: string): void {
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const v = values[offset + i];
    if (!Number.isFinite(v) || v < 0) throw new Error(`\`${field}\` entries must be finite and >= 0, was ${v} at index ${i}`);
    sum += v;
  }
  if (Math.abs(sum - 1) > STOCHASTIC_TOLERANCE) throw new Error(`\`${field}\` must sum to 1 (within ${STOCHASTIC_TOLERANCE}), was ${sum}`);
}

/** Throws, naming the field, the value and the rule, when `model` is not a valid Gaussian HMM. */
export function checkGaussianHmm(model: GaussianHmm): GaussianHmm {
  const { states: k, features: d, covarianceType } = model;
  if (!Number.isInteger(k) || k < 1 || k > MAX_STATES) throw new Error(`\`states\` must be an integer in [1, ${MAX_STATES}], was ${k}`);
  if (!Number.isInteger(d) || d < 1 || d > MAX_FEATURES) throw new Error(`\`features\` must be an integer in [1, ${MAX_FEATURES}], was ${d}`);
  if (covarianceType !== 'diag' && covarianceType !== 'full') throw new Error(`\`covarianceType\` must be 'diag' or 'full', was ${String(covarianceType)}`);
  const lengths: [keyof GaussianHmm, number][] = [
    ['startProb', k],
    ['transMat', k * k],
    ['means', k * d],
    ['covars', covarianceLength(k, d, covarianceType)],
  ];
  for (const [field, length] of lengths) {
    const value = model[field] as Float64Array;
    if (!(value instanceof Float64Array) || value.length !== length) {
      throw new Error(`\`${field}\` must be a Float64Array of length ${length}, was ${value instanceof Float64Array ? `length ${value.length}` : typeof value}`);
    }
  }
  checkStochastic(model.startProb, 0, k, 'startProb');
  for (let i = 0; i < k; i++) checkStochastic(model.transMat, i * k, k, `transMat row ${i}`);
  for (let i = 0; i < model.means.length; i++) {
    if (!Number.isFinite(model.means[i])) throw new Error(`\`means\` must be finite, was ${model.means[i]} at index ${i}`);
  }
  for (let s = 0; s < k; s++) {
    for (let f = 0; f < d; f++) {
      const v = covarianceType === 'diag' ? model.covars[s * d + f] : model.covars[s * d * d + f * d + f];
      if (!Number.isFinite(v) || v <= 0) throw new Error(`\`covars\` variance of state ${s}, feature ${f} must be finite and > 0, was ${v}`);
    }
    if (covarianceType === 'full') {
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < i; j++) {
          const a = model.covars[s * d * d + i * d + j];
          const b = model.covars[s * d * d + j * d + i];
          if (!Number.isFinite(a) || Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a))) {
            throw new Error(`\`covars\` of state ${s} must be symmetric and finite, was [${i}][${j}]=${a} vs [${j}][${i}]=${b}`);
          }
        }
      }
    }
  }
  return model;
}

/** Throws when `x` is not a finite rows x cols matrix with at least `minRows` rows. */
export function checkFeatureMatrix(x: FeatureMatrix, expectedCols?: number, minRows = 1): FeatureMatrix {
  if (!Number.isInteger(x.rows) || x.rows < minRows) throw new Error(`feature matrix \`rows\` must be an integer >= ${minRows}, was ${x.rows}`);
  if (expectedCols !== undefined && x.cols !== expectedCols) throw new Error(`feature matrix \`cols\` must equal the model's ${expectedCols} features, was ${x.cols}`);
  if (x.data.length !== x.rows * x.cols) throw new Error(`feature matrix \`data\` must hold rows*cols = ${x.rows * x.cols} values, was ${x.data.length}`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      throw new Error(`feature matrix value at row ${Math.floor(i / x.cols)}, column ${i % x.cols} must be finite, was ${x.data[i]}`);
    }
  }
  return x;
}

/** A model with plain number arrays: the shape written to JSON (model files, the hmmlearn peer). */
export interface PlainGaussianHmm {
  states: number;
  features: number;
  covarianceType: CovarianceType;
  startProb: number[];
  transMat: number[];
  means: number[];
  covars: number[];
}

export function gaussianHmmToPlain(model: GaussianHmm): PlainGaussianHmm {
  return {
    states: model.states,
    features: model.features,
    covarianceType: model.covarianceType,
    startProb: Array.from(model.startProb),
    transMat: Array.from(model.transMat),
    means: Array.from(model.means),
    covars: Array.from(model.covars),
  };
}

export function cloneGaussianHmm(model: GaussianHmm): GaussianHmm {
  return {
    states: model.states,
    features: model.features,
    covarianceType: model.covarianceType,
    startProb: Float64Array.from(model.startProb),
    transMat: Float64Array.from(model.transMat),
    means: Float64Array.from(model.means),
    covars: Float64Array.from(model.covars),
  };
}
