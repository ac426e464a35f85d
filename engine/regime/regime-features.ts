// The regime model's feature vector, built bar by bar from indicator outputs. A feature
// spec is a list of indicator tokens: `logret` (ln(close_t / close_{t-1}), the return
// series that `rvol` is built on, which the reference registry keeps hidden) or any
// token createReferenceIndicator accepts (default spec: logret, rvol:20, volz:20).
// Bars where any feature is still warming up (NaN) give no row.
import { createReferenceIndicator, type ReferenceIndicator } from '../indicators/reference/index.js';
import type { FeatureMatrix } from './gaussian-hmm.js';
import type { OhlcvColumns } from '../../adapters/files/index.js';

export const DEFAULT_FEATURE_SPEC: readonly string[] = ['logret', 'rvol:20', 'volz:20'];

/** Bars as columns (adapters/files OhlcvColumns; a loaded BarSeries is one). */
export type BarColumns = OhlcvColumns;

export interface RegimeFeatures extends FeatureMatrix {
  /** Time of the bar each row was computed on. */
  readonly timeNs: BigInt64Array;
  readonly spec: readonly string[];
}

class LogReturn {
  private previous = Number.NaN;
  current = Number.NaN;
  update(close: number): void {
    this.current = Math.log(close / this.previous);
    this.previous = close;
  }
}

/** Streaming builder of one feature row per bar; `row` is filled when `update` returns true. */
export class RegimeFeatureBuilder {
  readonly row: Float64Array;
  private readonly sources: (ReferenceIndicator | LogReturn)[];

  constructor(readonly spec: readonly string[] = DEFAULT_FEATURE_SPEC) {
    if (spec.length < 1) throw new Error('feature spec must name at least one indicator token, was empty');
    // A repeated token is one signal counted twice: a diagonal fit weighs it double, a full
    // covariance is singular in it (the fit degenerates: empty states, an unbounded likelihood).
    spec.forEach((token, f) => {
      const first = spec.indexOf(token);
      if (first !== f) throw new Error(`feature spec must not repeat a token, was ${JSON.stringify(spec.join(','))}: \`${token}\` is feature ${first + 1} and ${f + 1}`);
    });
    this.sources = spec.map((token) => {
      if (token === 'logret') return new LogReturn();
      const indicator = createReferenceIndicator(token);
      if (indicator.outputs.length !== 1) {
        throw new Error(`feature token \`${token}\` must select one output (e.g. \`${token}.${indicator.outputs[0]}\`), had ${indicator.outputs.length}: ${indicator.outputs.join(', ')}`);
      }
      return indicator;
    });
    this.row = new Float64Array(spec.length);
  }

  /** Feeds one bar; returns true when every feature has a finite value. */
  update(open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): boolean {
    let ready = true;
    for (let f = 0; f < this.sources.length; f++) {
      const s = this.sources[f];
      let v: number;
      if (s instanceof LogReturn) {
        s.update(close);
        v = s.current;
      } else {
        s.update(open, high, low, close, volume, timeNs);
        v = s.value(0);
      }
      this.row[f] = v;
      if (!Number.isFinite(v)) ready = false;
    }
    return ready;
  }
}

/** Feature rows for every bar past the warm-up of all features. */
export function buildRegimeFeatures(bars: BarColumns, spec: readonly string[] = DEFAULT_FEATURE_SPEC): RegimeFeatures {
  const builder = new RegimeFeatureBuilder(spec);
  const d = spec.length;
  const data = new Float64Array(bars.length * d);
  const timeNs = new BigInt64Array(bars.length);
  let rows = 0;
  for (let i = 0; i < bars.length; i++) {
    if (builder.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i], bars.timeNs[i])) {
      data.set(builder.row, rows * d);
      timeNs[rows] = bars.timeNs[i];
      rows++;
    }
  }
  return { rows, cols: d, data: data.slice(0, rows * d), timeNs: timeNs.slice(0, rows), spec: [...spec] };
}
