// Realised volatility per instrument at the bar's timeframe: an exponentially weighted
// mean of squared simple returns of the close, var += alpha (r^2 - var) (the first return
// sets var = r^2), updated once per new bar of the instrument's indicator slot (detected
// by the slot's bar count). Ready after CFG_VOL_MIN_BARS returns; the per-bar volatility
// is sqrt(var), 0 before that.
import { isFinite64 } from './decision-math';
import { CFG_VOL_ALPHA, CFG_VOL_MIN_BARS, DEC_CONFIG_OFFSET, ST_LAST_BAR_COUNT, ST_LAST_CLOSE, ST_VOL_BARS, ST_VOL_VARIANCE } from './decision-layout';

/** Feeds the close of bar number `barCount` once; returns the per-bar volatility (0 while warming up). */
export function updateRealisedVol(state: usize, barCount: i64, close: f64): f64 {
  if (barCount != load<i64>(state + ST_LAST_BAR_COUNT)) {
    store<i64>(state + ST_LAST_BAR_COUNT, barCount);
    const last = load<f64>(state + ST_LAST_CLOSE);
    if (isFinite64(close) && close > 0) {
      if (last > 0) {
        const r = close / last - 1;
        const bars = load<i32>(state + ST_VOL_BARS);
        const variance = load<f64>(state + ST_VOL_VARIANCE);
        const alpha = load<f64>(<usize>DEC_CONFIG_OFFSET + CFG_VOL_ALPHA);
        store<f64>(state + ST_VOL_VARIANCE, bars == 0 ? r * r : variance + alpha * (r * r - variance));
        store<i32>(state + ST_VOL_BARS, bars + 1);
      }
      store<f64>(state + ST_LAST_CLOSE, close);
    }
  }
  return load<i32>(state + ST_VOL_BARS) >= load<i32>(<usize>DEC_CONFIG_OFFSET + CFG_VOL_MIN_BARS)
    ? Math.sqrt(load<f64>(state + ST_VOL_VARIANCE))
    : 0;
}
