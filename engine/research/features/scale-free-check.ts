// The scale-free check of feature tokens: the features are computed a second time on the same
// bars with every price (open, high, low, close) multiplied by 1000 and volumes unchanged; a
// token whose finite values move by more than 1e-9 relative (or whose NaN pattern changes) is
// not scale-free. Models see raw feature values, so a price-scaled feature (ema:10, atr:14,
// a raw price) would not carry from one price level to another: such tokens are refused.
import { featureColumns, type FeatureBars } from './feature-matrix.js';
import { FeatureOptionError } from './feature-option-error.js';

export const SCALE_FACTOR = 1000;
export const SCALE_TOLERANCE = 1e-9;

export interface ScaleFreeViolation {
  readonly token: string;
  readonly row: number;
  readonly value: number;
  readonly scaledValue: number;
}

/** Relative difference with a floor of 1 on the scale (values near 0 compare absolutely). */
function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

/** The tokens of `columns` (computed on `bars`) that change when prices are scaled: the first offending row of each. */
export function scaleFreeViolations(bars: FeatureBars, tokens: readonly string[], columns: readonly Float64Array[]): ScaleFreeViolation[] {
  const scale = (a: Float64Array) => a.map((x) => x * SCALE_FACTOR);
  const scaled = featureColumns({ ...bars, open: scale(bars.open), high: scale(bars.high), low: scale(bars.low), close: scale(bars.close) }, tokens);
  const out: ScaleFreeViolation[] = [];
  tokens.forEach((token, c) => {
    const a = columns[c];
    const b = scaled[c];
    for (let i = 0; i < a.length; i++) {
      const bothNaN = Number.isNaN(a[i]) && Number.isNaN(b[i]);
      if (bothNaN) continue;
      if (Number.isNaN(a[i]) || Number.isNaN(b[i]) || relativeDifference(a[i], b[i]) > SCALE_TOLERANCE) {
        out.push({ token, row: i, value: a[i], scaledValue: b[i] });
        return;
      }
    }
  });
  return out;
}

/** Throws a FeatureOptionError naming every token that is not scale-free. */
export function checkScaleFree(bars: FeatureBars, tokens: readonly string[], columns: readonly Float64Array[]): void {
  const bad = scaleFreeViolations(bars, tokens, columns);
  if (bad.length === 0) return;
  const list = bad.map((v) => `\`${v.token}\` (row ${v.row}: ${v.value} becomes ${v.scaledValue} with prices x${SCALE_FACTOR})`).join(', ');
  throw new FeatureOptionError(`\`features\` must be scale-free (unchanged when prices are multiplied by ${SCALE_FACTOR}, within ${SCALE_TOLERANCE} relative); not scale-free: ${list}`, 'features');
}
