// buildFeatureMatrix: a point-in-time feature matrix over a bar series. Feature columns come
// from the same indicator plans and WASM kernels the engine runs per bar (indicatorColumns of
// engine/research/labels, batch mode), so the value at row t uses bars 0..t only. Beside them:
//
//   time_ns         close time of bar t (the moment the features are known)
//   <token>         one float64 column per feature token, NaN during its warm-up
//   fwd_log_return  ln(close[t+h] / close[t])            NaN when t + h is past the data
//   fwd_end_ns      close time of bar t + h              null when t + h is past the data
//   tb_label        triple-barrier label (-1, 0, 1)      null when bar t has no event
//   tb_return       the event's return                   NaN when bar t has no event
//   tb_end_ns       close time of the bar that ended it  null when bar t has no event
//   usable          every feature finite and fwd_end_ns known: the rows training may use
//
// Rows are never dropped (row i is bar i); `usable` marks them. The triple-barrier targets are
// tripleBarrierLabels' (engine/research/labels) with the same horizon, not a reimplementation.
import { indicatorColumns, tripleBarrierLabels, LabelOptionError, toBarColumns, type LabelBars, type TripleBarrierOptions } from '../labels/index.js';
import { FeatureOptionError } from './feature-option-error.js';

/** Bars with timeNs the bar CLOSE times, in time order; volume as traded. */
export interface FeatureBars extends LabelBars {
  readonly timeNs: BigInt64Array;
  readonly volume: Float64Array;
}

export interface FeatureMatrixOptions {
  /** Single-output indicator tokens, in column order. */
  readonly features: readonly string[];
  /** Bars ahead of the forward-return and triple-barrier targets. */
  readonly horizonBars: number;
  /** Triple-barrier options (horizon comes from horizonBars; closeOffsetNs is 0: timeNs are closes). */
  readonly barrier?: Pick<TripleBarrierOptions, 'volatility' | 'profitTake' | 'stopLoss' | 'zeroAtTime'>;
}

export interface FeatureMatrix {
  readonly rows: number;
  readonly features: readonly string[];
  readonly horizonBars: number;
  readonly timeNs: BigInt64Array;
  /** One column per token, in `features` order. */
  readonly columns: readonly Float64Array[];
  readonly fwdLogReturn: Float64Array;
  /** -1n where null (t + h past the data). */
  readonly fwdEndNs: BigInt64Array;
  /** 2 where null (no event). */
  readonly tbLabel: Int8Array;
  readonly tbReturn: Float64Array;
  /** -1n where null (no event). */
  readonly tbEndNs: BigInt64Array;
  readonly usable: Uint8Array;
}

export const NO_TIME = -1n;
export const NO_LABEL = 2;

/** Checks the token list: non-empty, no blanks, no repeats. */
export function checkFeatureTokens(tokens: readonly string[]): string[] {
  if (tokens.length === 0) throw new FeatureOptionError('`features` must list at least one indicator token, was empty', 'features');
  const seen = new Set<string>();
  for (const raw of tokens) {
    const token = raw.trim();
    if (token === '') throw new FeatureOptionError(`\`features\` must not hold an empty token, was ${JSON.stringify(tokens.join(','))}`, 'features');
    if (seen.has(token)) throw new FeatureOptionError(`\`features\` lists \`${token}\` twice`, 'features');
    seen.add(token);
  }
  return [...seen];
}

/** The feature columns alone (what the scale-free check reruns). */
export function featureColumns(bars: FeatureBars, tokens: readonly string[]): Float64Array[] {
  let values: Map<string, Float64Array>;
  try {
    values = indicatorColumns(toBarColumns(bars), tokens, 'features');
  } catch (error) {
    if (error instanceof LabelOptionError) throw new FeatureOptionError(error.message, 'features');
    throw error;
  }
  return tokens.map((token) => values.get(token)!);
}

export function buildFeatureMatrix(bars: FeatureBars, options: FeatureMatrixOptions): FeatureMatrix {
  const features = checkFeatureTokens(options.features);
  const h = options.horizonBars;
  if (!Number.isInteger(h) || h < 1) throw new FeatureOptionError(`\`horizon\` must be an integer >= 1 (bars), was ${String(h)}`, 'horizon');
  const n = bars.close.length;
  for (let i = 1; i < n; i++) {
    if (bars.timeNs[i] <= bars.timeNs[i - 1]) throw new FeatureOptionError(`\`bars.timeNs\` must increase, bar ${i} (${bars.timeNs[i]}) is not after bar ${i - 1} (${bars.timeNs[i - 1]})`, 'bars');
  }
  const columns = featureColumns(bars, features);
  const fwdLogReturn = new Float64Array(n).fill(NaN);
  const fwdEndNs = new BigInt64Array(n).fill(NO_TIME);
  for (let i = 0; i + h < n; i++) {
    fwdLogReturn[i] = Math.log(bars.close[i + h] / bars.close[i]);
    fwdEndNs[i] = bars.timeNs[i + h];
  }
  const tbLabel = new Int8Array(n).fill(NO_LABEL);
  const tbReturn = new Float64Array(n).fill(NaN);
  const tbEndNs = new BigInt64Array(n).fill(NO_TIME);
  let labels;
  try {
    labels = tripleBarrierLabels(bars, { ...options.barrier, horizon: h, closeOffsetNs: 0n });
  } catch (error) {
    if (error instanceof LabelOptionError) throw new FeatureOptionError(error.message, error.option);
    throw error;
  }
  for (const label of labels) {
    tbLabel[label.eventIndex] = label.label;
    tbReturn[label.eventIndex] = label.ret;
    tbEndNs[label.eventIndex] = label.endNs;
  }
  const usable = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let ok = fwdEndNs[i] !== NO_TIME && Number.isFinite(fwdLogReturn[i]);
    for (let c = 0; ok && c < columns.length; c++) ok = Number.isFinite(columns[c][i]);
    usable[i] = ok ? 1 : 0;
  }
  return { rows: n, features, horizonBars: h, timeNs: bars.timeNs, columns, fwdLogReturn, fwdEndNs, tbLabel, tbReturn, tbEndNs, usable };
}
