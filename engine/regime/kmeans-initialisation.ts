// Initial Gaussian HMM parameters from k-means++ seeding followed by Lloyd iterations,
// on features standardised by their global standard deviation (so a feature measured in
// large units does not dominate the distance). Each cluster gives a state's mean and
// covariance (floored; a cluster with fewer than d + 1 rows takes the global covariance).
// Start probabilities are uniform; transitions stay with probability `selfTransition`
// and spread the rest evenly, the usual prior for persistent regimes.
import { regulariseFullCovariance } from './regularise-covariance.js';
import { covarianceLength, type CovarianceType, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import { SeededRandom } from './seeded-random.js';
import { featureVariances } from './variance-floor.js';

export interface KMeansInitialisationOptions {
  readonly states: number;
  readonly covarianceType: CovarianceType;
  readonly seed: number;
  readonly varianceFloors: Float64Array;
  /** Diagonal of the initial transition matrix, in (0, 1). Default 0.9. */
  readonly selfTransition?: number;
  /** Lloyd iterations after seeding. Default 25. */
  readonly lloydIterations?: number;
}

/** k-means++ seeding: row indices of `states` centres, chosen with D^2 weighting. */
export function kMeansPlusPlusSeeds(z: Float64Array, rows: number, cols: number, states: number, rng: SeededRandom): number[] {
  const seeds = [rng.nextInt(rows)];
  const dist = new Float64Array(rows).fill(Infinity);
  while (seeds.length < states) {
    const c = seeds[seeds.length - 1] * cols;
    let total = 0;
    for (let t = 0; t < rows; t++) {
      let s = 0;
      for (let f = 0; f < cols; f++) {
        const u = z[t * cols + f] - z[c + f];
        s += u * u;
      }
      if (s < dist[t]) dist[t] = s;
      total += dist[t];
    }
    if (!(total > 0)) {
      seeds.push(rng.nextInt(rows));
      continue;
    }
    let target = rng.next() * total;
    let pick = rows - 1;
    for (let t = 0; t < rows; t++) {
      target -= dist[t];
      if (target < 0) {
        pick = t;
        break;
      }
    }
    seeds.push(pick);
  }
  return seeds;
}

/** Lloyd iterations from the seeded centres; returns the row-to-cluster assignment. */
function lloyd(z: Float64Array, rows: number, cols: number, centres: Float64Array, states: number, iterations: number): Int32Array {
  const assign = new Int32Array(rows).fill(-1);
  const counts = new Float64Array(states);
  for (let it = 0; it < iterations; it++) {
    let changed = 0;
    for (let t = 0; t < rows; t++) {
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < states; k++) {
        let s = 0;
        for (let f = 0; f < cols; f++) {
          const u = z[t * cols + f] - centres[k * cols + f];
          s += u * u;
        }
        if (s < bestDist) {
          bestDist = s;
          best = k;
        }
      }
      if (assign[t] !== best) changed++;
      assign[t] = best;
    }
    if (changed === 0) break;
    const next = new Float64Array(states * cols);
    counts.fill(0);
    for (let t = 0; t < rows; t++) {
      const k = assign[t];
      counts[k]++;
      for (let f = 0; f < cols; f++) next[k * cols + f] += z[t * cols + f];
    }
    for (let k = 0; k < states; k++) {
      if (counts[k] === 0) continue; // an empty cluster keeps its centre
      for (let f = 0; f < cols; f++) centres[k * cols + f] = next[k * cols + f] / counts[k];
    }
  }
  return assign;
}

export function kMeansInitialisation(x: FeatureMatrix, options: KMeansInitialisationOptions): GaussianHmm {
  const { states: K, covarianceType, varianceFloors } = options;
  const selfTransition = options.selfTransition ?? 0.9;
  const lloydIterations = options.lloydIterations ?? 25;
  if (!Number.isInteger(K) || K < 1 || K > x.rows) throw new Error(`\`states\` must be an integer in [1, rows=${x.rows}], was ${K}`);
  if (!(selfTransition > 0 && selfTransition < 1) && !(K === 1 && selfTransition === 1)) {
    throw new Error(`\`selfTransition\` must be in (0, 1), was ${selfTransition}`);
  }
  const d = x.cols;
  const T = x.rows;
  const globalVar = featureVariances(x);
  const scale = new Float64Array(d);
  for (let f = 0; f < d; f++) scale[f] = globalVar[f] > 0 ? 1 / Math.sqrt(globalVar[f]) : 1;
  const z = new Float64Array(T * d);
  for (let i = 0; i < T * d; i++) z[i] = x.data[i] * scale[i % d];
  const rng = new SeededRandom(options.seed);
  const seeds = kMeansPlusPlusSeeds(z, T, d, K, rng);
  const centres = new Float64Array(K * d);
  seeds.forEach((row, k) => centres.set(z.subarray(row * d, row * d + d), k * d));
  const assign = lloyd(z, T, d, centres, K, lloydIterations);

  const means = new Float64Array(K * d);
  const counts = new Float64Array(K);
  for (let t = 0; t < T; t++) {
    counts[assign[t]]++;
    for (let f = 0; f < d; f++) means[assign[t] * d + f] += x.data[t * d + f];
  }
  for (let k = 0; k < K; k++) {
    for (let f = 0; f < d; f++) means[k * d + f] = counts[k] > 0 ? means[k * d + f] / counts[k] : centres[k * d + f] / scale[f];
  }
  const full = covarianceType === 'full';
  const covars = new Float64Array(covarianceLength(K, d, covarianceType));
  for (let t = 0; t < T; t++) {
    const k = assign[t];
    for (let i = 0; i < d; i++) {
      const ui = x.data[t * d + i] - means[k * d + i];
      if (full) for (let j = 0; j <= i; j++) covars[k * d * d + i * d + j] += ui * (x.data[t * d + j] - means[k * d + j]);
      else covars[k * d + i] += ui * ui;
    }
  }
  const lower = new Float64Array(d * d);
  for (let k = 0; k < K; k++) {
    const enough = counts[k] >= d + 1;
    for (let i = 0; i < d; i++) {
      if (full) {
        for (let j = 0; j <= i; j++) {
          const v = enough ? covars[k * d * d + i * d + j] / counts[k] : i === j ? globalVar[i] : 0;
          covars[k * d * d + i * d + j] = v;
          covars[k * d * d + j * d + i] = v;
        }
        const ii = k * d * d + i * d + i;
        covars[ii] = Math.max(covars[ii], varianceFloors[i]);
      } else {
        covars[k * d + i] = Math.max(enough ? covars[k * d + i] / counts[k] : globalVar[i], varianceFloors[i]);
      }
    }
    if (full) regulariseFullCovariance(covars, k * d * d, d, varianceFloors, lower);
  }
  const startProb = new Float64Array(K).fill(1 / K);
  const transMat = new Float64Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) transMat[i * K + j] = K === 1 ? 1 : i === j ? selfTransition : (1 - selfTransition) / (K - 1);
  }
  return { states: K, features: d, covarianceType, startProb, transMat, means, covars };
}
