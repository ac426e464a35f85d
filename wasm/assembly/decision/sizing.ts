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
// Every exposure is then clamped to [-maxLeverage, maxLeverage]; the quantity is 0 without a
// finite price > 0.
import { isFinite64 } from './decision-math';
import {
  IC_ATR_VALUE, IC_BARS_PER_YEAR, IC_MAX_LEVERAGE, IC_P0, IC_P1, IC_SIZING, NORMAL_Q10_Q90_SPAN, OUT_CONFIDENCE,
  OUT_DIRECTION, OUT_EXPOSURE, OUT_QUANTITY, SIZING_ATR_STOP, SIZING_CAPPED_KELLY, SIZING_FIXED_FRACTIONAL,
  SIZING_VOL_TARGET, ST_ML_Q,
} from './decision-layout';

/** Writes exposure and quantity into the output block. `values` is 0 without indicator values. */
export function size(config: usize, state: usize, out: usize, values: usize, price: f64, volBar: f64, mlPresent: bool, equity: f64): void {
  const dc = load<f64>(out + OUT_DIRECTION) * load<f64>(out + OUT_CONFIDENCE);
  const method = load<i32>(config + IC_SIZING);
  const p0 = load<f64>(config + IC_P0);
  const p1 = load<f64>(config + IC_P1);
  const maxLeverage = load<f64>(config + IC_MAX_LEVERAGE);
  let exposure: f64 = 0;
  if (dc != 0) {
    if (method == SIZING_VOL_TARGET) {
      if (volBar > 0) {
        const leverage = p0 / (volBar * Math.sqrt(load<f64>(config + IC_BARS_PER_YEAR)));
        exposure = dc * (leverage < maxLeverage ? leverage : maxLeverage);
      }
    } else if (method == SIZING_FIXED_FRACTIONAL) {
      exposure = dc * p0 / p1;
    } else if (method == SIZING_CAPPED_KELLY) {
      if (mlPresent) {
        const q = state + ST_ML_Q;
        const edge = dc > 0 ? load<f64>(q + 16) : -load<f64>(q + 16);
        const sigma = (load<f64>(q + 32) - load<f64>(q)) / NORMAL_Q10_Q90_SPAN;
        if (edge > 0 && sigma > 0) {
          const kelly = p0 * edge / (sigma * sigma);
          exposure = dc * (kelly < p1 ? kelly : p1);
        }
      }
    } else if (method == SIZING_ATR_STOP) {
      const atr = values == 0 ? NaN : load<f64>(values + (<usize>load<i32>(config + IC_ATR_VALUE) << 3));
      if (isFinite64(atr) && atr > 0 && isFinite64(price) && price > 0) exposure = dc * p0 * price / (p1 * atr);
    }
  }
  if (exposure > maxLeverage) exposure = maxLeverage;
  else if (exposure < -maxLeverage) exposure = -maxLeverage;
  store<f64>(out + OUT_EXPOSURE, exposure);
  store<f64>(out + OUT_QUANTITY, isFinite64(price) && price > 0 ? exposure * equity / price : 0);
}
