// Regime labels and their numeric codes (shared with the WASM core, which stores codes).

export const REGIME_LABELS = ['trending', 'mean_reverting', 'choppy'] as const;
export type RegimeLabel = (typeof REGIME_LABELS)[number];

export const LABEL_TRENDING = 0;
export const LABEL_MEAN_REVERTING = 1;
export const LABEL_CHOPPY = 2;
/** Code of "no label yet" (before the first filtered bar). */
export const LABEL_NONE = -1;

export function labelCode(label: RegimeLabel): number {
  const code = REGIME_LABELS.indexOf(label);
  if (code < 0) throw new Error(`regime label must be one of ${REGIME_LABELS.join(', ')}, was ${String(label)}`);
  return code;
}

export function labelName(code: number): RegimeLabel | 'none' {
  return code === LABEL_NONE ? 'none' : REGIME_LABELS[code];
}
