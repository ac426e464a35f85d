// model.json of a quantile model directory (the contract `quantflow train` writes, see README):
// parsed and validated field by field, every error naming the file, the JSON path, the value
// and the rule; and the canonical form of the document that the model's version hash covers.
import { IndicatorSpecError, buildPlan } from '../indicators/index.js';
import { ModelContractError, shown } from './model-errors.js';

export const MODEL_SCHEMA = 'quantflow.quantile-model/1';
export const MODEL_QUANTILES: readonly number[] = [0.1, 0.25, 0.5, 0.75, 0.9];
export const QUANTILE_COUNT = 5;
export const FEATURE_BIN_COUNT = 10;
const VERSION_KEYS = ['python', 'lightgbm', 'onnx', 'onnxmltools', 'numpy', 'pyarrow'] as const;
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL_NS = /^(0|[1-9][0-9]{0,19})$/;
const TIMEFRAME = /^[1-9][0-9]*(ms|s|m|h|d|w)$/;
const FRACTION_SUM_TOLERANCE = 1e-6;

export type InputType = 'float32' | 'float64';

export interface TimeRange {
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly rows: number;
}

export interface FeatureBins {
  /** The 9 inner decile edges of the training rows, non-decreasing. */
  readonly edges: readonly number[];
  /** The 10 training fractions; bin k holds the values with exactly k edges at or below them (searchsorted side='right'). */
  readonly fractions: readonly number[];
}

export interface FoldMetadata {
  readonly index: number;
  readonly file: string;
  readonly sha256: string;
  readonly train: TimeRange;
  readonly validation: TimeRange;
  /** The latest label end time of any training row: the fold serves bars closing strictly after it. */
  readonly availableFromNs: bigint;
  readonly metrics: { readonly pinball: Readonly<Record<string, number>>; readonly coverage80: number; readonly crossedFraction: number };
  readonly importance: Readonly<Record<string, number>>;
  readonly featureBins: Readonly<Record<string, FeatureBins>>;
  /** Present when the fold was trained with early stopping (`quantflow train --early-stopping`). */
  readonly earlyStopping?: FoldEarlyStopping;
}

/**
 * A fold's early stopping: the inner validation window (the tail of its training window), the
 * rows fit before it, and per quantile ("0.1" .. "0.9") the boosting rounds chosen there (the
 * trees the fold's graph holds for that quantile, refit on the whole training window) and the
 * inner pinball loss at them.
 */
export interface FoldEarlyStopping {
  readonly validation: TimeRange;
  readonly fitRows: number;
  readonly iterations: Readonly<Record<string, number>>;
  readonly pinball: Readonly<Record<string, number>>;
}

export interface QuantileModelMetadata {
  readonly schema: typeof MODEL_SCHEMA;
  readonly name: string;
  readonly quantiles: readonly number[];
  readonly target: { readonly kind: 'forward_log_return'; readonly horizonBars: number };
  readonly timeframe: string;
  readonly features: readonly string[];
  readonly input: { readonly name: string; readonly type: InputType; readonly columns: number };
  readonly output: { readonly name: string; readonly columns: number };
  readonly data: { readonly source: string; readonly sha256: string; readonly rows: number };
  readonly versions: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly folds: readonly FoldMetadata[];
}

type Json = unknown;
type JsonObject = Record<string, Json>;

/** Walks the document; every failure names the file, the JSON path, the value and the rule. */
class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, value: unknown, rule: string): never {
    throw new ModelContractError(`${this.file}: \`${path}\` ${rule}, was ${shown(value)}`);
  }

  object(value: Json, path: string): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, value, 'must be an object');
    return value as JsonObject;
  }

  string(value: Json, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, value, 'must be a non-empty string');
    return value;
  }

  integer(value: Json, path: string, min: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) this.fail(path, value, `must be an integer >= ${min}`);
    return value;
  }

  finite(value: Json, path: string, min = -Infinity, max = Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(path, value, `must be a finite number${min > -Infinity ? ` in [${min}, ${max}]` : ''}`);
    }
    return value;
  }

  hex(value: Json, path: string): string {
    if (typeof value !== 'string' || !HEX64.test(value)) this.fail(path, value, 'must be a sha256 as 64 lower-case hex digits');
    return value;
  }

  ns(value: Json, path: string): bigint {
    if (typeof value !== 'string' || !DECIMAL_NS.test(value)) this.fail(path, value, 'must be a decimal string of nanoseconds since the epoch (BigInt-safe, e.g. "1704067200000000000")');
    const ns = BigInt(value);
    if (ns > 0x7fffffffffffffffn) this.fail(path, value, 'must fit in a signed 64-bit integer');
    return ns;
  }

  array(value: Json, path: string, length?: number): Json[] {
    if (!Array.isArray(value)) this.fail(path, value, length === undefined ? 'must be an array' : `must be an array of ${length}`);
    if (length !== undefined && value.length !== length) this.fail(path, value, `must have exactly ${length} entries (it has ${value.length})`);
    return value;
  }
}

function range(c: Checker, value: Json, path: string, minRows: number): TimeRange {
  const o = c.object(value, path);
  const startNs = c.ns(o.startNs, `${path}.startNs`);
  const endNs = c.ns(o.endNs, `${path}.endNs`);
  if (endNs < startNs) c.fail(`${path}.endNs`, o.endNs, `must be >= ${path}.startNs ${o.startNs as string}`);
  return { startNs, endNs, rows: c.integer(o.rows, `${path}.rows`, minRows) };
}

function checkFeatureToken(c: Checker, token: Json, path: string): string {
  const text = c.string(token, path);
  if (text !== text.trim() || text.includes(',')) c.fail(path, token, 'must be one indicator token without spaces or commas');
  try {
    const plan = buildPlan([text]);
    if (plan.columns.length !== 1) c.fail(path, token, `must be a single-output indicator token (it has ${plan.columns.length} outputs: ${plan.columns.map((col) => col.name).join(', ')}; select one with .output)`);
  } catch (error) {
    if (error instanceof IndicatorSpecError) c.fail(path, token, `must be an indicator token of engine/indicators (${error.message})`);
    throw error;
  }
  return text;
}

/** How far before train.endNs a fold's last training label may end: the purge gap and horizonBars bars. */
interface TrainingLag {
  readonly purgeNs: bigint;
  readonly horizonNs: bigint;
}

const UNIT_NS: Readonly<Record<string, bigint>> = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n };

/** A checked `timeframe` ("1h", "15m", ...) in nanoseconds. */
function timeframeNs(timeframe: string): bigint {
  const match = /^([1-9][0-9]*)(ms|s|m|h|d|w)$/.exec(timeframe)!;
  return BigInt(match[1]) * UNIT_NS[match[2]];
}

function fold(c: Checker, value: Json, k: number, features: readonly string[], params: JsonObject, lag: TrainingLag): FoldMetadata {
  const path = `folds[${k}]`;
  const o = c.object(value, path);
  const index = c.integer(o.index, `${path}.index`, 0);
  if (index !== k) c.fail(`${path}.index`, o.index, `must be ${k} (folds are listed in index order)`);
  const file = c.string(o.file, `${path}.file`);
  if (file !== `fold-${k}.onnx`) c.fail(`${path}.file`, o.file, `must be "fold-${k}.onnx"`);
  const train = range(c, o.train, `${path}.train`, 1);
  const validation = range(c, o.validation, `${path}.validation`, 0);
  const availableFromNs = c.ns(o.availableFromNs, `${path}.availableFromNs`);
  if (availableFromNs < train.startNs) c.fail(`${path}.availableFromNs`, o.availableFromNs, `must be >= ${path}.train.startNs ${train.startNs} (a training label ends after its bar)`);
  // quantflow train keeps the training rows whose label ends before train.endNs - purgeNs and
  // availableFromNs is the latest of those label ends: with a bar every `timeframe`, the row
  // horizonBars bars before the window's last bar is kept and its label ends at that bar, within
  // one bar of train.endNs - purgeNs. Earlier by more than horizonBars bars (slack for missing
  // bars) means the fold would serve bars inside its own training window.
  const earliest = train.endNs - lag.purgeNs - lag.horizonNs;
  if (availableFromNs < earliest) {
    c.fail(`${path}.availableFromNs`, o.availableFromNs, `must be >= ${path}.train.endNs ${train.endNs} - folding.purgeNs ${lag.purgeNs} - target.horizonBars x timeframe ${lag.horizonNs} = ${earliest} (the fold's training labels end there: an earlier availableFromNs serves bars inside its training window)`);
  }

  const m = c.object(o.metrics, `${path}.metrics`);
  const pinballObject = c.object(m.pinball, `${path}.metrics.pinball`);
  const pinball: Record<string, number> = {};
  for (const q of MODEL_QUANTILES) pinball[String(q)] = c.finite(pinballObject[String(q)], `${path}.metrics.pinball["${q}"]`, 0, Infinity);
  const metrics = {
    pinball,
    coverage80: c.finite(m.coverage80, `${path}.metrics.coverage80`, 0, 1),
    crossedFraction: c.finite(m.crossedFraction, `${path}.metrics.crossedFraction`, 0, 1),
  };

  const importanceObject = c.object(o.importance, `${path}.importance`);
  const importance: Record<string, number> = {};
  for (const [name, gain] of Object.entries(importanceObject)) {
    if (!features.includes(name)) c.fail(`${path}.importance`, name, `must only name listed features (${features.join(', ')})`);
    importance[name] = c.finite(gain, `${path}.importance["${name}"]`, 0, Infinity);
  }

  const binsObject = c.object(o.featureBins, `${path}.featureBins`);
  const featureBins: Record<string, FeatureBins> = {};
  for (const name of Object.keys(binsObject)) {
    if (!features.includes(name)) c.fail(`${path}.featureBins`, name, `must only name listed features (${features.join(', ')})`);
  }
  for (const name of features) {
    const bp = `${path}.featureBins["${name}"]`;
    if (binsObject[name] === undefined) c.fail(bp, undefined, 'must be given for every feature (the drift monitor bins live values with it)');
    const b = c.object(binsObject[name], bp);
    const edges = c.array(b.edges, `${bp}.edges`, FEATURE_BIN_COUNT - 1).map((e, i) => c.finite(e, `${bp}.edges[${i}]`));
    for (let i = 1; i < edges.length; i++) if (edges[i] < edges[i - 1]) c.fail(`${bp}.edges[${i}]`, edges[i], `must be >= edges[${i - 1}] ${edges[i - 1]} (non-decreasing)`);
    const fractions = c.array(b.fractions, `${bp}.fractions`, FEATURE_BIN_COUNT).map((f, i) => c.finite(f, `${bp}.fractions[${i}]`, 0, 1));
    const sum = fractions.reduce((a, f) => a + f, 0);
    if (Math.abs(sum - 1) > FRACTION_SUM_TOLERANCE) c.fail(`${bp}.fractions`, fractions, `must sum to 1 (within ${FRACTION_SUM_TOLERANCE}), sums to ${sum}`);
    featureBins[name] = { edges, fractions };
  }
  const out: FoldMetadata = { index, file, sha256: c.hex(o.sha256, `${path}.sha256`), train, validation, availableFromNs, metrics, importance, featureBins };
  if (o.earlyStopping === undefined) return out;
  const maxRounds = params.num_iterations === undefined ? undefined : c.integer(params.num_iterations, 'params.num_iterations', 1);
  return { ...out, earlyStopping: earlyStopping(c, o.earlyStopping, `${path}.earlyStopping`, train, maxRounds) };
}

function earlyStopping(c: Checker, value: Json, path: string, train: TimeRange, maxRounds: number | undefined): FoldEarlyStopping {
  const o = c.object(value, path);
  const validation = range(c, o.validation, `${path}.validation`, 1);
  if (validation.startNs < train.startNs || validation.endNs > train.endNs) c.fail(`${path}.validation`, o.validation, `must lie within the fold's training window [${train.startNs}, ${train.endNs}) (early stopping holds out the window's tail, never the fold's validation)`);
  const fitRows = c.integer(o.fitRows, `${path}.fitRows`, 1);
  if (fitRows + validation.rows > train.rows) c.fail(`${path}.fitRows`, o.fitRows, `plus the inner validation rows (${validation.rows}) must be <= the fold's training rows (${train.rows})`);
  const iterationsObject = c.object(o.iterations, `${path}.iterations`);
  const pinballObject = c.object(o.pinball, `${path}.pinball`);
  const iterations: Record<string, number> = {};
  const pinball: Record<string, number> = {};
  for (const q of MODEL_QUANTILES) {
    const key = String(q);
    iterations[key] = c.integer(iterationsObject[key], `${path}.iterations["${key}"]`, 1);
    if (maxRounds !== undefined && iterations[key] > maxRounds) c.fail(`${path}.iterations["${key}"]`, iterationsObject[key], `must be <= params.num_iterations ${maxRounds} (early stopping only shortens training)`);
    pinball[key] = c.finite(pinballObject[key], `${path}.pinball["${key}"]`, 0, Infinity);
  }
  return { validation, fitRows, iterations, pinball };
}

/** Parses and validates model.json text; `file` names it in every error. */
export function parseModelMetadata(text: string, file: string): QuantileModelMetadata {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ModelContractError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return checkModelMetadata(doc, file);
}

/** Validates a parsed model.json document. */
export function checkModelMetadata(doc: Json, file: string): QuantileModelMetadata {
  const c = new Checker(file);
  const o = c.object(doc, '$');
  if (o.schema !== MODEL_SCHEMA) c.fail('schema', o.schema, `must be "${MODEL_SCHEMA}"`);
  const name = c.string(o.name, 'name');
  const quantiles = c.array(o.quantiles, 'quantiles', QUANTILE_COUNT);
  quantiles.forEach((q, i) => {
    if (q !== MODEL_QUANTILES[i]) c.fail(`quantiles[${i}]`, q, `must be ${MODEL_QUANTILES[i]} (the quantiles are ${MODEL_QUANTILES.join(', ')} in that order)`);
  });
  const t = c.object(o.target, 'target');
  if (t.kind !== 'forward_log_return') c.fail('target.kind', t.kind, 'must be "forward_log_return"');
  const horizonBars = c.integer(t.horizonBars, 'target.horizonBars', 1);
  const timeframe = c.string(o.timeframe, 'timeframe');
  if (!TIMEFRAME.test(timeframe)) c.fail('timeframe', o.timeframe, 'must be a positive count and a unit (ms, s, m, h, d, w) such as "1h"');

  const featureList = c.array(o.features, 'features');
  if (featureList.length === 0) c.fail('features', o.features, 'must list at least one feature');
  const features = featureList.map((f, i) => checkFeatureToken(c, f, `features[${i}]`));
  features.forEach((f, i) => {
    const first = features.indexOf(f);
    if (first !== i) c.fail(`features[${i}]`, f, `must be unique (also features[${first}])`);
  });

  const inp = c.object(o.input, 'input');
  const inputName = c.string(inp.name, 'input.name');
  if (inp.type !== 'float32' && inp.type !== 'float64') c.fail('input.type', inp.type, 'must be "float32" or "float64"');
  const columns = c.integer(inp.columns, 'input.columns', 1);
  if (columns !== features.length) c.fail('input.columns', inp.columns, `must equal the number of features (${features.length})`);
  const out = c.object(o.output, 'output');
  const outputName = c.string(out.name, 'output.name');
  if (out.columns !== QUANTILE_COUNT) c.fail('output.columns', out.columns, `must be ${QUANTILE_COUNT} (q10 q25 q50 q75 q90)`);

  const d = c.object(o.data, 'data');
  const data = { source: c.string(d.source, 'data.source'), sha256: c.hex(d.sha256, 'data.sha256'), rows: c.integer(d.rows, 'data.rows', 1) };
  const v = c.object(o.versions, 'versions');
  const versions: Record<string, string> = {};
  for (const key of VERSION_KEYS) versions[key] = c.string(v[key], `versions.${key}`);
  const params = c.object(o.params, 'params');

  const foldList = c.array(o.folds, 'folds');
  if (foldList.length === 0) c.fail('folds', o.folds, 'must hold at least one fold');
  // `folding` (written by quantflow train, optional in the contract): its purge gap, else none.
  const folding = o.folding === undefined ? undefined : c.object(o.folding, 'folding');
  const purgeNs = folding?.purgeNs === undefined ? 0n : c.ns(folding.purgeNs, 'folding.purgeNs');
  const lag: TrainingLag = { purgeNs, horizonNs: BigInt(horizonBars) * timeframeNs(timeframe) };
  const folds = foldList.map((f, k) => fold(c, f, k, features, params, lag));
  for (let k = 1; k < folds.length; k++) {
    if (folds[k].availableFromNs <= folds[k - 1].availableFromNs) {
      c.fail(`folds[${k}].availableFromNs`, String(folds[k].availableFromNs), `must be > folds[${k - 1}].availableFromNs ${folds[k - 1].availableFromNs} (folds are in walk-forward order)`);
    }
  }
  return {
    schema: MODEL_SCHEMA,
    name,
    quantiles: MODEL_QUANTILES,
    target: { kind: 'forward_log_return', horizonBars },
    timeframe,
    features,
    input: { name: inputName, type: inp.type as InputType, columns },
    output: { name: outputName, columns: QUANTILE_COUNT },
    data,
    versions,
    params,
    folds,
  };
}

/**
 * The canonical text of a JSON document: object keys sorted in UTF-16 code-unit order at every level, no
 * whitespace, numbers and strings as JSON.stringify writes them. The version hash covers these
 * bytes (UTF-8), so re-indenting or reordering model.json keeps the hash.
 */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new ModelContractError(`cannot write ${typeof value} in canonical JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as JsonObject)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as JsonObject)[k])}`).join(',')}}`;
}
