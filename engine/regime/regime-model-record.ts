// The saved regime model: parameters plus what is needed to trust and reuse them (feature
// spec, training range, sha256 of the training feature matrix, log-likelihood, state
// labels, fit settings, the bars' timeframe). Serialised as JSON for files and for the LMDB
// registry; parsing checks every field and names the first bad one. A model only describes
// bars of the timeframe it was fitted on (a 1h return and volatility are not a 4h one):
// checkRegimeModelTimeframe refuses other bars. Files written before the timeframe was recorded
// have none; they are read and said once (regimeModelTimeframeNote), not refused.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkGaussianHmm, gaussianHmmToPlain, type CovarianceType, type FeatureMatrix, type GaussianHmm } from './gaussian-hmm.js';
import { REGIME_LABELS, type RegimeLabel } from './regime-label.js';
import { RegimeFeatureBuilder } from './regime-features.js';
import { checkLabelRules, type LabelRules, type StateStatistics } from './regime-state-labels.js';

export const REGIME_MODEL_FORMAT = 'quantflow.regime-hmm';
/** 2: label rules on z-scores (minTrendZ, minReversalZ) and run statistics per state. */
export const REGIME_MODEL_VERSION = 2;

export interface RegimeModelRecord {
  readonly format: typeof REGIME_MODEL_FORMAT;
  readonly version: typeof REGIME_MODEL_VERSION;
  readonly featureSpec: string[];
  /** The interval of the bars it was fitted on (`1h`, `4h`, `15m`); absent in files written before it was recorded. */
  readonly timeframe?: string;
  /** Times (ns since the epoch, as decimal strings) of the first and last training row. */
  readonly trainingRange: { readonly fromNs: string; readonly toNs: string; readonly rows: number; readonly source: string };
  /** `sha256:` + hex digest of the training feature matrix (row-major f64, little-endian). */
  readonly dataHash: string;
  readonly logLikelihood: number;
  readonly model: GaussianHmm;
  readonly labels: RegimeLabel[];
  readonly labelRules: LabelRules;
  readonly minDwellBars: number;
  readonly stateStatistics: StateStatistics[];
  readonly fit: { readonly seed: number; readonly restarts: number; readonly iterations: number; readonly converged: boolean; readonly tolerance: number; readonly maxIterations: number };
}

/** sha256 of the feature matrix bytes (Float64Array, little-endian on every platform Node supports). */
export function featureDataHash(x: FeatureMatrix): string {
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.rows * x.cols * 8);
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function regimeModelToJson(record: RegimeModelRecord): string {
  return `${JSON.stringify({ ...record, model: gaussianHmmToPlain(record.model) }, null, 2)}\n`;
}

type Json = Record<string, unknown>;

const TIMEFRAME_RULE = /^[1-9][0-9]*[smhdw]$/;

/** The file or registry key each parsed record was read from, for messages (not serialised). */
const sources = new WeakMap<RegimeModelRecord, string>();
const noted = new WeakSet<RegimeModelRecord>();

/** Where `record` was read from (file path or `registry NAME@V`), or undefined for one fitted in this process. */
export function regimeModelSource(record: RegimeModelRecord): string | undefined {
  return sources.get(record);
}

/**
 * Throws when `record` was fitted on bars of another timeframe than `barTimeframe` (the bars it
 * is about to filter); a model without a recorded timeframe, or bars of unknown timeframe, pass.
 * `remedy` is what the message tells the user to do (default: fit one on bars of that timeframe).
 */
export function checkRegimeModelTimeframe(record: RegimeModelRecord, barTimeframe: string | undefined, bars: string, remedy?: string): void {
  if (record.timeframe === undefined || barTimeframe === undefined || record.timeframe === barTimeframe) return;
  throw new Error(
    `regime model ${sources.get(record) ?? '(fitted in this run)'} was fitted on ${record.timeframe} bars and ${bars} are ${barTimeframe} bars: a model only describes bars of the timeframe it was fitted on (its returns and volatilities are per ${record.timeframe} bar); ${remedy ?? `fit one on ${barTimeframe} bars`}`,
  );
}

/**
 * Once per record read from a file or the registry: the note that it records no timeframe (written
 * before models recorded one), so its bars cannot be checked; null otherwise or when already said.
 */
export function regimeModelTimeframeNote(record: RegimeModelRecord): string | null {
  const source = sources.get(record);
  if (record.timeframe !== undefined || source === undefined || noted.has(record)) return null;
  noted.add(record);
  return `${source}: the regime model records no \`timeframe\` (it was written before models recorded the bars' interval), so its use on bars of another timeframe cannot be refused; refit it with \`quantflow regime fit\` to record it`;
}

function field(obj: Json, name: string, where: string): unknown {
  if (!(name in obj)) throw new Error(`${where}: field \`${name}\` is missing`);
  return obj[name];
}

function numberArray(v: unknown, name: string, where: string): Float64Array {
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'number')) throw new Error(`${where}: \`${name}\` must be an array of numbers, was ${JSON.stringify(v)?.slice(0, 60)}`);
  return Float64Array.from(v as number[]);
}

/** Parses and checks a regime model JSON text; `source` names the file or key in messages. */
export function parseRegimeModelJson(text: string, source: string): RegimeModelRecord {
  let raw: Json;
  try {
    raw = JSON.parse(text) as Json;
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (raw.format !== REGIME_MODEL_FORMAT) throw new Error(`${source}: \`format\` must be '${REGIME_MODEL_FORMAT}', was ${JSON.stringify(raw.format)}`);
  if (raw.version !== REGIME_MODEL_VERSION) throw new Error(`${source}: \`version\` must be ${REGIME_MODEL_VERSION}, was ${JSON.stringify(raw.version)}`);
  const m = field(raw, 'model', source) as Json;
  const model: GaussianHmm = {
    states: field(m, 'states', `${source} model`) as number,
    features: field(m, 'features', `${source} model`) as number,
    covarianceType: field(m, 'covarianceType', `${source} model`) as CovarianceType,
    startProb: numberArray(m.startProb, 'model.startProb', source),
    transMat: numberArray(m.transMat, 'model.transMat', source),
    means: numberArray(m.means, 'model.means', source),
    covars: numberArray(m.covars, 'model.covars', source),
  };
  try {
    checkGaussianHmm(model);
  } catch (error) {
    throw new Error(`${source}: model ${(error as Error).message}`);
  }
  const featureSpec = field(raw, 'featureSpec', source);
  if (!Array.isArray(featureSpec) || featureSpec.length !== model.features || featureSpec.some((t) => typeof t !== 'string')) {
    throw new Error(`${source}: \`featureSpec\` must be ${model.features} indicator tokens, was ${JSON.stringify(featureSpec)}`);
  }
  try {
    new RegimeFeatureBuilder(featureSpec as string[]);
  } catch (error) {
    throw new Error(`${source}: \`featureSpec\` ${JSON.stringify(featureSpec)}: ${(error as Error).message}`);
  }
  const labels = field(raw, 'labels', source);
  if (!Array.isArray(labels) || labels.length !== model.states || labels.some((l) => !REGIME_LABELS.includes(l as RegimeLabel))) {
    throw new Error(`${source}: \`labels\` must be ${model.states} of ${REGIME_LABELS.join(', ')}, was ${JSON.stringify(labels)}`);
  }
  const minDwellBars = field(raw, 'minDwellBars', source);
  if (!Number.isInteger(minDwellBars) || (minDwellBars as number) < 1) throw new Error(`${source}: \`minDwellBars\` must be an integer >= 1, was ${JSON.stringify(minDwellBars)}`);
  const dataHash = field(raw, 'dataHash', source);
  if (typeof dataHash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(dataHash)) throw new Error(`${source}: \`dataHash\` must be 'sha256:' and 64 hex digits, was ${JSON.stringify(dataHash)}`);
  const logLikelihood = field(raw, 'logLikelihood', source);
  if (typeof logLikelihood !== 'number' || !Number.isFinite(logLikelihood)) throw new Error(`${source}: \`logLikelihood\` must be a finite number, was ${JSON.stringify(logLikelihood)}`);
  const range = field(raw, 'trainingRange', source) as Json;
  for (const key of ['fromNs', 'toNs']) {
    if (typeof range?.[key] !== 'string' || !/^-?\d+$/.test(range[key] as string)) throw new Error(`${source}: \`trainingRange.${key}\` must be an integer string of ns, was ${JSON.stringify(range?.[key])}`);
  }
  if (raw.timeframe !== undefined && (typeof raw.timeframe !== 'string' || !TIMEFRAME_RULE.test(raw.timeframe))) {
    throw new Error(`${source}: \`timeframe\` must be a whole number and a unit s, m, h, d or w (e.g. "1h"), was ${JSON.stringify(raw.timeframe)}`);
  }
  const rawRules = field(raw, 'labelRules', source) as LabelRules;
  let labelRules: LabelRules;
  try {
    labelRules = checkLabelRules(rawRules);
  } catch (error) {
    throw new Error(`${source}: labelRules ${(error as Error).message}`);
  }
  const record: RegimeModelRecord = { ...(raw as unknown as RegimeModelRecord), model, labelRules };
  sources.set(record, source);
  return record;
}

export function writeRegimeModelFile(path: string, record: RegimeModelRecord): void {
  writeFileSync(path, regimeModelToJson(record));
}

export function readRegimeModelFile(path: string): RegimeModelRecord {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read the regime model: ${code === 'EISDIR' ? 'it is a directory' : code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseRegimeModelJson(text, path);
}
