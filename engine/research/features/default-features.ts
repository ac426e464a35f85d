// The default feature set of `quantflow features` and of the committed default model: single-
// output indicator tokens that are scale-free (a price multiplied by a constant leaves them
// unchanged; volumes enter only as ratios), checked on every export (scale-free-check.ts).
export const DEFAULT_FEATURE_TOKENS: readonly string[] = [
  'roc:1', 'roc:6', 'roc:24', 'rsi:14', 'bb:20:2.pctb', 'zscore:20', 'rvol:20', 'adx:14.adx', 'relvol:20',
];

/** Bars ahead of the forward-return target by default (12 bars: half a day of 1h bars). */
export const DEFAULT_FEATURE_HORIZON = 12;
