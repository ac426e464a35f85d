// The E-step recursions of Baum-Welch: forward-backward over one sequence, giving the
// total log-likelihood, the state posteriors gamma[t*K + k] and the summed transition
// posteriors xiSum[i*K + j].
//
// Scaled recursion (Rabiner): emissions are shifted by their row maximum before exp, so
// at least one state has density 1 per row, and alpha is renormalised every step:
//   log L = sum_t (log c_t + max_k logB[t,k]).
// If a scale factor still underflows to 0 (a model far from the data), the sequence is
// redone in log space (log-sum-exp), which cannot underflow. Neither path yields NaN
// for finite inputs and positive variances.

export interface ForwardBackwardWorkspace {
  readonly rows: number;
  readonly states: number;
  readonly shifted: Float64Array; // [T*K] exp(logB - rowMax)
  readonly alpha: Float64Array; // [T*K] scaled forward, then gamma
  readonly beta: Float64Array; // [T*K]
  readonly scale: Float64Array; // [T] scale factors c_t (scaled path)
  readonly xiSum: Float64Array; // [K*K]
  readonly work: Float64Array; // [K] log-space scratch
}

export function createForwardBackwardWorkspace(rows: number, states: number): ForwardBackwardWorkspace {
  return {
    rows,
    states,
    shifted: new Float64Array(rows * states),
    alpha: new Float64Array(rows * states),
    beta: new Float64Array(rows * states),
    scale: new Float64Array(rows),
    xiSum: new Float64Array(states * states),
    work: new Float64Array(states),
  };
}

/**
 * Runs forward-backward for T = ws.rows rows of emission log-densities `logB` ([T*K]).
 * On return ws.alpha holds gamma and ws.xiSum the summed xi. Returns log P(x_0..x_{T-1}).
 */
export function forwardBackward(startProb: Float64Array, transMat: Float64Array, logB: Float64Array, ws: ForwardBackwardWorkspace): number {
  const ll = scaledForwardBackward(startProb, transMat, logB, ws);
  if (Number.isFinite(ll)) return ll;
  return logSpaceForwardBackward(startProb, transMat, logB, ws);
}

function scaledForwardBackward(pi: Float64Array, a: Float64Array, logB: Float64Array, ws: ForwardBackwardWorkspace): number {
  const T = ws.rows;
  const K = ws.states;
  const { shifted: b, alpha, beta, scale, xiSum } = ws;
  // log L = sum_t (log c_t + max_t); the c_t are multiplied into `product` and its log
  // taken only when it leaves [1e-200, 1e200] (a tiny c_t is logged at once), to spare a
  // log per row.
  let sumMax = 0;
  let logProduct = 0;
  let product = 1;
  for (let t = 0; t < T; t++) {
    const row = t * K;
    let arg = 0;
    let max = logB[row];
    for (let k = 1; k < K; k++) {
      if (logB[row + k] > max) {
        max = logB[row + k];
        arg = k;
      }
    }
    for (let k = 0; k < K; k++) b[row + k] = k === arg ? 1 : Math.exp(logB[row + k] - max);
    let c = 0;
    if (t === 0) {
      for (let k = 0; k < K; k++) {
        const v = pi[k] * b[k];
        alpha[k] = v;
        c += v;
      }
    } else {
      const prev = row - K;
      for (let j = 0; j < K; j++) {
        let p = 0;
        for (let i = 0; i < K; i++) p += alpha[prev + i] * a[i * K + j];
        const v = p * b[row + j];
        alpha[row + j] = v;
        c += v;
      }
    }
    if (!(c > 0) || !(max > -Infinity) || c === Infinity) return -Infinity;
    const inv = 1 / c;
    for (let k = 0; k < K; k++) alpha[row + k] *= inv;
    scale[t] = c;
    sumMax += max;
    if (c < 1e-100) {
      logProduct += Math.log(c);
      continue;
    }
    product *= c;
    if (product < 1e-200 || product > 1e200) {
      logProduct += Math.log(product);
      product = 1;
    }
  }
  const ll = sumMax + logProduct + Math.log(product);
  // Backward pass. With u_j = b_{t+1}(j) beta_{t+1}(j) / c_{t+1}:
  //   beta_t(i) = sum_j A_ij u_j,  xi_t(i,j) = alpha_t(i) A_ij u_j,  gamma_t = alpha_t beta_t.
  xiSum.fill(0);
  const u = ws.work;
  const last = (T - 1) * K;
  for (let k = 0; k < K; k++) beta[last + k] = 1;
  for (let t = T - 2; t >= 0; t--) {
    const row = t * K;
    const next = row + K;
    const invC = 1 / scale[t + 1];
    for (let j = 0; j < K; j++) u[j] = b[next + j] * beta[next + j] * invC;
    for (let i = 0; i < K; i++) {
      let s = 0;
      const ai = alpha[row + i];
      const ar = i * K;
      for (let j = 0; j < K; j++) {
        const e = a[ar + j] * u[j];
        s += e;
        xiSum[ar + j] += ai * e;
      }
      beta[row + i] = s;
    }
  }
  for (let t = 0; t < T * K; t++) alpha[t] *= beta[t];
  return ll;
}

function logSumExp(v: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > max) max = v[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i] - max);
  return max + Math.log(s);
}

function logSpaceForwardBackward(pi: Float64Array, a: Float64Array, logB: Float64Array, ws: ForwardBackwardWorkspace): number {
  const T = ws.rows;
  const K = ws.states;
  const { alpha: la, beta: lb, xiSum, work } = ws;
  const logA = new Float64Array(K * K);
  for (let i = 0; i < K * K; i++) logA[i] = Math.log(a[i]);
  for (let k = 0; k < K; k++) la[k] = Math.log(pi[k]) + logB[k];
  for (let t = 1; t < T; t++) {
    for (let j = 0; j < K; j++) {
      for (let i = 0; i < K; i++) work[i] = la[(t - 1) * K + i] + logA[i * K + j];
      la[t * K + j] = logSumExp(work, K) + logB[t * K + j];
    }
  }
  for (let k = 0; k < K; k++) work[k] = la[(T - 1) * K + k];
  const ll = logSumExp(work, K);
  for (let k = 0; k < K; k++) lb[(T - 1) * K + k] = 0;
  xiSum.fill(0);
  for (let t = T - 2; t >= 0; t--) {
    const row = t * K;
    const next = row + K;
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        const e = logA[i * K + j] + logB[next + j] + lb[next + j];
        work[j] = e;
        xiSum[i * K + j] += Math.exp(la[row + i] + e - ll);
      }
      lb[row + i] = logSumExp(work, K);
    }
  }
  for (let t = 0; t < T * K; t++) la[t] = Math.exp(la[t] + lb[t] - ll);
  return ll;
}
