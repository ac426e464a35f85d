// The `model` section: the quantile model the ML expert of fusion strategies reads (issue 14).
// Absent (null) by default: fusion then runs without the ML expert. The model is a directory
// in the `quantflow.quantile-model/1` contract (engine/models), named by path (relative to
// the configuration file that names it), or a version in a model registry, by hash or by the
// version promoted to a strategy. Which fold serves a bar is decided by time (engine/models:
// the fold whose training ended before the bar).
//
//   model:
//     path: ../../data/models/btc-1h-q5   # or: registry: DIR, with version: HASH | promoted: NAME
//     instruments: [BTCUSDT]              # default: every instrument a fusion strategy trades
//     waitMs: 250                         # how long the core waits for a bar's MODEL record
//     threads: 1                          # onnxruntime intra-op threads
//     monitor: { driftWindow: 500, driftAlertPsi: 0.25, calibrationWindow: 500, coverageTolerance: 0.15, minObservations: 100 }
import path from 'node:path';
import { ConfigError } from './config-error.js';

export interface ModelMonitorConfig {
  /** Observations per feature in the rolling window the PSI is taken over. */
  readonly driftWindow: number;
  /** PSI above which a feature's drift raises an alert. */
  readonly driftAlertPsi: number;
  /** Realised predictions in the rolling window of the [q10, q90] coverage and pinball loss. */
  readonly calibrationWindow: number;
  /** |coverage - 0.8| above which calibration raises an alert. */
  readonly coverageTolerance: number;
  /** Observations before either monitor may alert. */
  readonly minObservations: number;
}

export interface ModelConfig {
  /** A model directory, resolved against the configuration file; absent when the model comes from a registry. */
  readonly path?: string;
  /** A model registry directory (engine/models ModelRegistry), resolved against the configuration file. */
  readonly registry?: string;
  /** With `registry`: the version hash to load. */
  readonly version?: string;
  /** With `registry`: load the version promoted to this strategy. */
  readonly promoted?: string;
  /** Symbols that get the ML expert; absent = every instrument of a fusion strategy. */
  readonly instruments?: readonly string[];
  /** Bound on the core's wait for a bar's MODEL record, milliseconds. */
  readonly waitMs: number;
  /** onnxruntime intra-op threads. */
  readonly threads: number;
  readonly monitor: ModelMonitorConfig;
}

export const DEFAULT_MODEL_MONITOR: ModelMonitorConfig = { driftWindow: 500, driftAlertPsi: 0.25, calibrationWindow: 500, coverageTolerance: 0.15, minObservations: 100 };
export const DEFAULT_MODEL_WAIT_MS = 250;

const text = { type: 'string', minLength: 1 } as const;
const positiveInteger = { type: 'integer', minimum: 1 } as const;

export const MODEL_CONFIG_SCHEMA = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    path: text,
    registry: text,
    version: { type: 'string', pattern: '^[0-9a-f]{8,64}$' },
    promoted: text,
    instruments: { type: 'array', minItems: 1, items: text },
    waitMs: { type: 'number', minimum: 0, maximum: 3_600_000 },
    threads: { type: 'integer', minimum: 1, maximum: 64 },
    monitor: {
      type: 'object',
      additionalProperties: false,
      properties: {
        driftWindow: positiveInteger,
        driftAlertPsi: { type: 'number', exclusiveMinimum: 0 },
        calibrationWindow: positiveInteger,
        coverageTolerance: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        minObservations: positiveInteger,
      },
    },
  },
} as const;

type RawModel = Partial<Omit<ModelConfig, 'monitor'>> & { monitor?: Partial<ModelMonitorConfig> };

/**
 * The checked `model` section (already schema-valid), paths resolved against `dir` (the
 * directory of the configuration that names them; absent: the current directory); null when absent. Exactly one source: `path`, or `registry` with one of `version` / `promoted`.
 */
export function resolveModelConfig(raw: RawModel | null | undefined, dir: string | undefined): ModelConfig | null {
  if (raw === null || raw === undefined) return null;
  const given = (['path', 'registry'] as const).filter((key) => raw[key] !== undefined);
  if (given.length !== 1) {
    throw new ConfigError(`invalid configuration:\n  \`model\` must name one model source, \`model.path\` or \`model.registry\`, was ${given.length === 0 ? 'neither' : 'both'}`, 'model');
  }
  if (raw.registry !== undefined && (raw.version === undefined) === (raw.promoted === undefined)) {
    throw new ConfigError(`invalid configuration:\n  \`model.registry\` needs exactly one of \`model.version\` (a version hash) or \`model.promoted\` (a strategy name), was ${raw.version === undefined ? 'neither' : 'both'}`, 'model.registry');
  }
  if (raw.path !== undefined && (raw.version !== undefined || raw.promoted !== undefined)) {
    const key = raw.version !== undefined ? 'version' : 'promoted';
    throw new ConfigError(`invalid configuration:\n  \`model.${key}\` applies to \`model.registry\`, not to \`model.path\``, `model.${key}`);
  }
  const resolve = (p: string): string => (dir === undefined ? path.resolve(p) : path.resolve(dir, p));
  return {
    ...(raw.path !== undefined ? { path: resolve(raw.path) } : {}),
    ...(raw.registry !== undefined ? { registry: resolve(raw.registry) } : {}),
    ...(raw.version !== undefined ? { version: raw.version } : {}),
    ...(raw.promoted !== undefined ? { promoted: raw.promoted } : {}),
    ...(raw.instruments !== undefined ? { instruments: [...raw.instruments] } : {}),
    waitMs: raw.waitMs ?? DEFAULT_MODEL_WAIT_MS,
    threads: raw.threads ?? 1,
    monitor: { ...DEFAULT_MODEL_MONITOR, ...(raw.monitor ?? {}) },
  };
}

/**
 * Refuses a `model.instruments` symbol that is not an instrument of the run (`instrumentNames`),
 * as `strategies[].instruments` are refused: a typo would otherwise leave the run without the ML
 * expert on every instrument. Each run that trades with the configuration checks it (backtest,
 * walkforward, paper, run, replay: engine/replay trading-pipeline.ts).
 */
export function checkModelInstruments(model: ModelConfig | null | undefined, instrumentNames: readonly string[]): void {
  model?.instruments?.forEach((symbol, k) => {
    if (!instrumentNames.includes(symbol)) {
      throw new ConfigError(`\`model.instruments[${k}]\` must be an instrument of the run (${instrumentNames.join(', ')}), was ${JSON.stringify(symbol)}`, `model.instruments[${k}]`);
    }
  });
}
