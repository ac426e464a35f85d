// ML expert: keeps the latest MODEL output of each instrument (5 forward-return quantiles
// q10 q25 q50 q75 q90 over CFG_ML_HORIZON_BARS bars, sorted when they arrive crossed) and
// scores it. With sigmaH = volBar * sqrt(horizon), the realised volatility over the horizon:
//   score      = clamp(q50 / (mlScoreScale * sigmaH))
//   rho        = (q90 - q10) / (NORMAL_Q10_Q90_SPAN * sigmaH)   (model spread / realised spread)
//   confidence = 1 / (1 + (rho / mlWidthAtHalf)^2)               (0.5 when rho == mlWidthAtHalf)
// The output is absent when there is none, when it is older than CFG_ML_MAX_AGE_NS or
// later than the decision time, while the realised volatility warms up, or when the caller
// rules it out (`allowed` false: a bar whose own MODEL record did not arrive in time, see
// pipeline/model-wait.ts; an older stored output must not stand in for it).
//
// MODEL record: price q10, size q25, a q50, b q75, id = the bits of q90 as an f64;
// ts_exchange = the bar close time the model's features were taken at.
import { EV_A, EV_B, EV_ID, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE } from '../layout';
import { ERR_DEC_BAD_RECORD, OK } from '../errors';
import { clampUnit, isFinite64 } from './decision-math';
import {
  CFG_ML_HORIZON_BARS, CFG_ML_MAX_AGE_NS, CFG_ML_RHO_K, CFG_ML_SCORE_K, CFG_ML_SCORE_SCALE, CFG_ML_WIDTH_AT_HALF,
  DEC_CONFIG_OFFSET, NORMAL_Q10_Q90_SPAN, OUT_COMP_CONF, OUT_COMP_SCORE, ST_ML_HAS, ST_ML_INV_VAR, ST_ML_Q, ST_ML_TS,
  STATUS_COMP_SHIFT,
} from './decision-layout';

/** Derives mlScoreK and mlRhoK from the checked config (decConfigure calls it). */
export function deriveModelConstants(): void {
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const root = Math.sqrt(load<f64>(cfg + CFG_ML_HORIZON_BARS));
  store<f64>(cfg + CFG_ML_SCORE_K, 1 / (load<f64>(cfg + CFG_ML_SCORE_SCALE) * root));
  store<f64>(cfg + CFG_ML_RHO_K, 1 / (NORMAL_Q10_Q90_SPAN * root * load<f64>(cfg + CFG_ML_WIDTH_AT_HALF)));
}

const ML_COMPONENT: i32 = 3;

/** Stores the quantiles of the MODEL record at `record` (sorted ascending) for the instrument at `state`. */
export function ingestModel(state: usize, record: usize): i32 {
  const q = state + ST_ML_Q;
  const v0 = load<f64>(record + EV_PRICE);
  const v1 = load<f64>(record + EV_SIZE);
  const v2 = load<f64>(record + EV_A);
  const v3 = load<f64>(record + EV_B);
  const v4 = reinterpret<f64>(load<i64>(record + EV_ID));
  if (!isFinite64(v0) || !isFinite64(v1) || !isFinite64(v2) || !isFinite64(v3) || !isFinite64(v4)) return ERR_DEC_BAD_RECORD;
  store<f64>(q, v0);
  store<f64>(q + 8, v1);
  store<f64>(q + 16, v2);
  store<f64>(q + 24, v3);
  store<f64>(q + 32, v4);
  for (let i = 1; i < 5; i++) {
    const x = load<f64>(q + (<usize>i << 3));
    let j = i - 1;
    while (j >= 0 && load<f64>(q + (<usize>j << 3)) > x) {
      store<f64>(q + (<usize>(j + 1) << 3), load<f64>(q + (<usize>j << 3)));
      j--;
    }
    store<f64>(q + (<usize>(j + 1) << 3), x);
  }
  const spread = (load<f64>(q + 32) - load<f64>(q)) / NORMAL_Q10_Q90_SPAN;
  // 0 when the spread is so narrow that its square underflows or its inverse overflows (Kelly then sizes nothing)
  const variance = spread * spread;
  const inverseVariance = variance > 0 ? 1 / variance : 0;
  store<f64>(state + ST_ML_INV_VAR, isFinite64(inverseVariance) ? inverseVariance : 0);
  store<i64>(state + ST_ML_TS, load<i64>(record + EV_TS_EXCHANGE));
  store<i32>(state + ST_ML_HAS, 1);
  return OK;
}

/**
 * Scores the stored quantiles at time `now` into the output block; returns the component's
 * status bit or 0. `invVol` is 1 / volBar (0 while the realised volatility warms up); the
 * config's mlScoreK and mlRhoK hold the sqrt(horizon) factors, so no sqrt runs per bar.
 */
export function evaluateModel(state: usize, out: usize, now: i64, invVol: f64, allowed: bool): i32 {
  const at = <usize>(ML_COMPONENT << 3);
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const age = now - load<i64>(state + ST_ML_TS);
  if (!allowed || load<i32>(state + ST_ML_HAS) == 0 || invVol <= 0 || age < 0 || age > load<i64>(cfg + CFG_ML_MAX_AGE_NS)) {
    store<f64>(out + OUT_COMP_SCORE + at, 0);
    store<f64>(out + OUT_COMP_CONF + at, 0);
    return 0;
  }
  const q = state + ST_ML_Q;
  const x = (load<f64>(q + 32) - load<f64>(q)) * invVol * load<f64>(cfg + CFG_ML_RHO_K);
  store<f64>(out + OUT_COMP_SCORE + at, clampUnit(load<f64>(q + 16) * invVol * load<f64>(cfg + CFG_ML_SCORE_K)));
  store<f64>(out + OUT_COMP_CONF + at, 1 / (1 + x * x));
  return 1 << (STATUS_COMP_SHIFT + ML_COMPONENT);
}
