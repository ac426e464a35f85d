// Sizing: turns the fused direction d (in [-1, 1]) and confidence c into a target exposure
// (signed notional / equity) and a target quantity = exposure * equity / price. Methods
// (per instrument; p0, p1 from its config block):
//   VOL_TARGET        d c min(maxLeverage, p0 / (volBar sqrt(barsPerYear)))  (p0 annual target vol;
//                     0 while the realised volatility warms up)
//   FIXED_FRACTIONAL  d c p0 / p1             (risk p0 of equity to a stop p1 * price away)
//   CAPPED_KELLY      d c min(p1, p0 edge / sigmaH^2) with edge = q50 in the direction of d
//                     (0 when the model disagrees) and sigmaH = (q90 - q10) / NORMAL_Q10_Q90_SPAN,
//                     the model's forward-return deviation; 0 without a present ML output
//   ATR_STOP          d c p0 price / (p1 atr)  (risk p0 of equity to a stop p1 * ATR away)
// sizeK (decInstrumentConfigure) and mlInvVar (MODEL intake) hold the constant factors, so a
// bar runs no sqrt and divides only by the ATR. Every exposure is then clamped to
// [-maxLeverage, maxLeverage]; the quantity is 0 without a finite price > 0.
import { isFinite64 } from './decision-math';
import {
  IC_ATR_VALUE, IC_BARS_PER_YEAR, IC_MAX_LEVERAGE, IC_P0, IC_P1, IC_SIZE_K, IC_SIZING, OUT_EXPOSURE, OUT_QUANTITY,
  SIZING_ATR_STOP, SIZING_CAPPED_KELLY, SIZING_FIXED_FRACTIONAL, SIZING_VOL_TARGET, ST_ML_INV_VAR, ST_ML_Q,
} from './decision-layout';

/** Derives the instrument's sizeK (see decision-layout.ts) from its checked config block. */
export function deriveSizeConstant(config: usize): void {
  const method = load<i32>(config + IC_SIZING);
  const p0 = load<f64>(config + IC_P0);
  let k = p0;
  if (method == SIZING_VOL_TARGET) k = p0 / Math.sqrt(load<f64>(config + IC_BARS_PER_YEAR));
  else if (method == SIZING_FIXED_FRACTIONAL || method == SIZING_ATR_STOP) k = p0 / load<f64>(config + IC_P1);
  store<f64>(config + IC_SIZE_K, k);
}

/**
 * Writes exposure and quantity into the output block and returns the quantity. `values` is
 * 0 without indicator values; `invVol` is 1 / volBar (0 while it warms up); `invPrice` is
 * 1 / price (0 without a finite price > 0).
 */
export function size(config: usize, state: usize, out: usize, values: usize, dc: f64, price: f64, invPrice: f64, invVol: f64, mlPresent: bool, equity: f64): void {
  const method = load<i32>(config + IC_SIZING);
  const k = load<f64>(config + IC_SIZE_K);
  const maxLeverage = load<f64>(config + IC_MAX_LEVERAGE);
  let exposure: f64 = 0;
  if (dc != 0) {
    if (method == SIZING_VOL_TARGET) {
      const leverage = k * invVol;
      exposure = dc * (leverage < maxLeverage ? leverage : maxLeverage);
    } else if (method == SIZING_FIXED_FRACTIONAL) {
      exposure = dc * k;
    } else if (method == SIZING_CAPPED_KELLY) {
      if (mlPresent) {
        const q50 = load<f64>(state + ST_ML_Q + 16);
        const edge = dc > 0 ? q50 : -q50;
        const kelly = k * edge * load<f64>(state + ST_ML_INV_VAR);
        const cap = load<f64>(config + IC_P1);
        if (edge > 0) exposure = dc * (kelly < cap ? kelly : cap);
      }
    } else if (method == SIZING_ATR_STOP) {
      const atr = values == 0 ? NaN : load<f64>(values + (<usize>load<i32>(config + IC_ATR_VALUE) << 3));
      if (isFinite64(atr) && atr > 0 && invPrice > 0) exposure = dc * k * price / atr;
    }
  }
  exposure = exposure > maxLeverage ? maxLeverage : exposure < -maxLeverage ? -maxLeverage : exposure;
  store<f64>(out + OUT_EXPOSURE, exposure);
  store<f64>(out + OUT_QUANTITY, exposure * equity * invPrice);
}
