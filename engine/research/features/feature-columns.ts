// The columns of a feature file (features.arrow, described in manifest.json `columns`), in file
// order: bar close time, one column per feature token, the forward-return and triple-barrier
// targets with their end times, the `usable` flag.
export const USABLE_RULE = 'rows are never dropped (row i is bar i); usable = every feature finite and fwd_end_ns not null (t + horizon inside the data)';

export type ColumnRole = 'time' | 'feature' | 'target' | 'target_end' | 'flag';

export interface FeatureColumnInfo {
  readonly name: string;
  readonly role: ColumnRole;
  readonly dtype: 'int64' | 'float64' | 'int8' | 'bool';
  readonly nullable: boolean;
  readonly token?: string;
  readonly description: string;
}

/** The columns of a matrix with `features`, in file order. */
export function featureColumnInfos(features: readonly string[], horizonBars: number): FeatureColumnInfo[] {
  return [
    { name: 'time_ns', role: 'time', dtype: 'int64', nullable: false, description: 'close time of bar t, ns since the epoch' },
    ...features.map((token): FeatureColumnInfo => ({ name: token, role: 'feature', dtype: 'float64', nullable: false, token, description: `${token} at bar t (WASM indicator plan, batch); NaN during warm-up` })),
    { name: 'fwd_log_return', role: 'target', dtype: 'float64', nullable: false, description: `ln(close[t+${horizonBars}] / close[t]); NaN past the data` },
    { name: 'fwd_end_ns', role: 'target_end', dtype: 'int64', nullable: true, description: `close time of bar t+${horizonBars}; null past the data` },
    { name: 'tb_label', role: 'target', dtype: 'int8', nullable: true, description: 'triple-barrier label -1, 0, 1 (engine/research/labels); null without an event' },
    { name: 'tb_return', role: 'target', dtype: 'float64', nullable: false, description: 'triple-barrier return; NaN without an event' },
    { name: 'tb_end_ns', role: 'target_end', dtype: 'int64', nullable: true, description: 'close time of the bar that ended the triple-barrier event; null without an event' },
    { name: 'usable', role: 'flag', dtype: 'bool', nullable: false, description: USABLE_RULE },
  ];
}
