// The alert record of the model monitors (feature drift, quantile calibration): a plain object
// that the server sends to clients and the journal stores as it is.

export type MonitorAlertKind = 'feature-drift' | 'quantile-calibration';

export interface MonitorAlert {
  readonly kind: MonitorAlertKind;
  readonly instrument: string;
  /** The drifting feature (feature-drift only). */
  readonly feature?: string;
  /** The PSI (feature-drift) or the rolling [q10, q90] coverage (quantile-calibration). */
  readonly value: number;
  /** The threshold passed: PSI > threshold, or |coverage - nominal| > threshold. */
  readonly threshold: number;
  /** Bar close time of the observation that raised it, ns since the epoch. */
  readonly atNs: bigint;
}
