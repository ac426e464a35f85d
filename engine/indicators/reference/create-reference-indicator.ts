// Entry point of the TS reference indicators (the test oracle for the WASM core):
// turns a token such as `ema:20`, `bb:20:2`, `macd:12:26:9`, `ema:20@diff:1` or
// `bb:20:2.pctb@slope:5` into a fresh streaming ReferenceIndicator. Bad tokens throw
// naming the token, the parameter, the value and the rule.

import { ReferenceAdx } from './adx.js';
import { ReferenceAtr } from './atr.js';
import { ReferenceBollingerBands } from './bollinger-bands.js';
import { checkIntegerParameter, checkNumberParameter, checkParameterCount } from './check-parameter.js';
import { ReferenceDonchian } from './donchian.js';
import { ReferenceEma } from './ema.js';
import { ReferenceMacd } from './macd.js';
import { ReferenceObv } from './obv.js';
import { parseIndicatorToken, type TransformToken } from './parse-indicator-token.js';
import { ReferenceRealizedVolatility } from './realized-volatility.js';
import type { ReferenceIndicator } from './reference-indicator.js';
import { ReferenceRelativeVolume } from './relative-volume.js';
import { ReferenceRoc } from './roc.js';
import { ReferenceRollingVwap } from './rolling-vwap.js';
import { ReferenceRsi } from './rsi.js';
import { DiffTransform, LagTransform, SlopeTransform, type SeriesTransform } from './series-transform.js';
import { ReferenceSessionVwap } from './session-vwap.js';
import { ReferenceSma } from './sma.js';
import { ReferenceStochastic } from './stochastic.js';
import { TransformedIndicator } from './transformed-indicator.js';
import { ReferenceTrueRange } from './true-range.js';
import { ReferenceVolumeZscore } from './volume-zscore.js';
import { ReferenceWma } from './wma.js';
import { ReferenceZscore } from './zscore.js';

type Factory = (token: string, p: string[]) => ReferenceIndicator;

const period = (token: string, p: string[], min: number, usage: string): number => {
  checkParameterCount(token, p, [1], usage);
  return checkIntegerParameter(token, 'period', p[0], min);
};

const noParameters = (token: string, p: string[], usage: string): void => checkParameterCount(token, p, [0], usage);

/** Every indicator name the reference knows, with how it reads its parameters. */
export const REFERENCE_FACTORIES: Readonly<Record<string, Factory>> = {
  sma: (t, p) => new ReferenceSma(period(t, p, 1, '`sma:N`')),
  ema: (t, p) => new ReferenceEma(period(t, p, 1, '`ema:N`')),
  wma: (t, p) => new ReferenceWma(period(t, p, 1, '`wma:N`')),
  rsi: (t, p) => new ReferenceRsi(period(t, p, 1, '`rsi:N`')),
  tr: (t, p) => (noParameters(t, p, '`tr` (no parameters)'), new ReferenceTrueRange()),
  atr: (t, p) => new ReferenceAtr(period(t, p, 1, '`atr:N`')),
  bb: (t, p) => {
    checkParameterCount(t, p, [2], '`bb:N:K`');
    return new ReferenceBollingerBands(checkIntegerParameter(t, 'period', p[0], 2), checkNumberParameter(t, 'deviations', p[1], 0));
  },
  vwap: (t, p) => {
    checkParameterCount(t, p, [0, 1], '`vwap` (session VWAP from 00:00 UTC) or `vwap:N` (rolling)');
    return p.length === 0 ? new ReferenceSessionVwap(0) : new ReferenceRollingVwap(checkIntegerParameter(t, 'period', p[0], 1));
  },
  svwap: (t, p) => {
    checkParameterCount(t, p, [0, 1], '`svwap` or `svwap:HH` (session start hour UTC)');
    return new ReferenceSessionVwap(p.length === 0 ? 0 : checkIntegerParameter(t, 'session start hour', p[0], 0, 23));
  },
  rvol: (t, p) => new ReferenceRealizedVolatility(period(t, p, 2, '`rvol:N`')),
  zscore: (t, p) => new ReferenceZscore(period(t, p, 2, '`zscore:N`')),
  macd: (t, p) => {
    checkParameterCount(t, p, [3], '`macd:F:S:G`');
    const fast = checkIntegerParameter(t, 'fast', p[0], 1);
    const slow = checkIntegerParameter(t, 'slow', p[1], 2);
    const signal = checkIntegerParameter(t, 'signal', p[2], 1);
    if (fast >= slow) throw new Error(`indicator token \`${t}\`: \`fast\` must be < \`slow\` (${slow}), was ${fast}`);
    return new ReferenceMacd(fast, slow, signal);
  },
  roc: (t, p) => new ReferenceRoc(period(t, p, 1, '`roc:N`')),
  donchian: (t, p) => new ReferenceDonchian(period(t, p, 1, '`donchian:N`')),
  stoch: (t, p) => {
    checkParameterCount(t, p, [2, 3], '`stoch:K:D` or `stoch:K:S:D`');
    const k = checkIntegerParameter(t, 'k period', p[0], 1);
    const smoothing = p.length === 3 ? checkIntegerParameter(t, 'smoothing', p[1], 1) : 1;
    const d = checkIntegerParameter(t, 'd period', p[p.length - 1], 1);
    return new ReferenceStochastic(k, smoothing, d);
  },
  adx: (t, p) => new ReferenceAdx(period(t, p, 2, '`adx:N`')),
  obv: (t, p) => (noParameters(t, p, '`obv` (no parameters)'), new ReferenceObv()),
  relvol: (t, p) => new ReferenceRelativeVolume(period(t, p, 1, '`relvol:N`')),
  volz: (t, p) => new ReferenceVolumeZscore(period(t, p, 2, '`volz:N`')),
};

function createTransform(token: string, transform: TransformToken): SeriesTransform {
  const { name, parameter } = transform;
  switch (name) {
    case 'diff':
      return new DiffTransform(checkIntegerParameter(token, '@diff bars', parameter, 1));
    case 'lag':
      return new LagTransform(checkIntegerParameter(token, '@lag bars', parameter, 1));
    case 'slope':
      return new SlopeTransform(checkIntegerParameter(token, '@slope bars', parameter, 2));
    default:
      throw new Error(`indicator token \`${token}\`: transform must be one of diff, slope, lag, was ${JSON.stringify(name)}`);
  }
}

/** A fresh reference indicator for `token`; throws on an unknown name or a bad parameter. */
export function createReferenceIndicator(token: string): ReferenceIndicator {
  const parsed = parseIndicatorToken(token);
  const factory = Object.hasOwn(REFERENCE_FACTORIES, parsed.name) ? REFERENCE_FACTORIES[parsed.name] : undefined;
  if (!factory) {
    throw new Error(`indicator token \`${token}\`: unknown indicator ${JSON.stringify(parsed.name)}; known: ${Object.keys(REFERENCE_FACTORIES).join(', ')}`);
  }
  const source = factory(token, parsed.parameters);
  let selected = source.outputs.map((_, i) => i);
  if (parsed.output !== undefined) {
    const index = source.outputs.indexOf(parsed.output);
    if (index < 0) {
      throw new Error(`indicator token \`${token}\`: output must be one of ${source.outputs.join(', ')}, was ${JSON.stringify(parsed.output)}`);
    }
    selected = [index];
  }
  if (parsed.transforms.length === 0 && parsed.output === undefined) return source;
  // A selection without transforms passes the output through a lag of 0 bars (identity).
  const chains = selected.map(() =>
    parsed.transforms.length === 0 ? [new LagTransform(0)] : parsed.transforms.map((t) => createTransform(token, t)),
  );
  return new TransformedIndicator(source, selected, chains);
}
