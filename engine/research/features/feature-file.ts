// The feature file: DIR/features.arrow (an Arrow IPC file, one row per bar) and DIR/manifest.json
// (what each column is, where the bars came from). Written deterministically: the same matrix
// and provenance give the same bytes (no clock, no host in either file).
//
//   manifest.json
//   { "schema": "quantflow.features/1", "file": "features.arrow", "sha256": <hex of features.arrow>,
//     "rows": n, "usableRows": u, "rowPolicy": <how usable is set; rows are never dropped>,
//     "columns": [{ "name", "role": time|feature|target|target_end|flag, "dtype", "token"?, "nullable" }],
//     "features": [tokens], "horizonBars": h, "barrier": {...}, "timeframe": "1h",
//     "source": { "file": <name>, "sha256": <hex of the CSV>, "symbol", "barStamp", "firstCloseNs", "lastCloseNs" },
//     "reserve": { "fraction", "startNs", "included" }, "scaleFree": { "factor", "tolerance", "checked": true } }
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bool, Field, Float64, Int64, Int8, Schema, Table, makeData, makeVector, tableFromIPC, tableToIPC, type DataType, type Vector } from 'apache-arrow';
import { USABLE_RULE, featureColumnInfos, type FeatureColumnInfo } from './feature-columns.js';
import { FeatureFileError } from './feature-file-error.js';
import { NO_LABEL, NO_TIME, type FeatureMatrix } from './feature-matrix.js';
import { checkFeatureManifest, checkFeatureTable } from './feature-manifest-check.js';
import { SCALE_FACTOR, SCALE_TOLERANCE } from './scale-free-check.js';

export const FEATURE_FILE = 'features.arrow';
export const FEATURE_MANIFEST = 'manifest.json';
export const FEATURE_SCHEMA = 'quantflow.features/1';

export interface FeatureProvenance {
  readonly source: { readonly file: string; readonly sha256: string; readonly symbol: string; readonly barStamp: 'open' | 'close' };
  readonly timeframe: string;
  readonly barrier: { readonly volatility: string; readonly profitTake: number; readonly stopLoss: number; readonly zeroAtTime: boolean };
  readonly reserve: { readonly fraction: number; readonly startNs: string; readonly included: boolean };
}

export interface FeatureManifest extends FeatureProvenance {
  readonly schema: typeof FEATURE_SCHEMA;
  readonly file: string;
  readonly sha256: string;
  readonly rows: number;
  readonly usableRows: number;
  readonly rowPolicy: string;
  readonly features: readonly string[];
  readonly horizonBars: number;
  readonly firstCloseNs: string;
  readonly lastCloseNs: string;
  readonly columns: readonly FeatureColumnInfo[];
  readonly scaleFree: { readonly factor: number; readonly tolerance: number; readonly checked: true };
}

function nullBitmap(isValid: (i: number) => boolean, n: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(i)) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}

function int64Vector(values: BigInt64Array, nullable: boolean): Vector {
  const n = values.length;
  if (!nullable) return makeVector(values);
  const { bitmap, nulls } = nullBitmap((i) => values[i] !== NO_TIME, n);
  const data = values.map((v) => (v === NO_TIME ? 0n : v));
  return makeVector(makeData({ type: new Int64(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : undefined, data }));
}

/** The matrix as an Arrow table (column order of featureColumnInfos). */
export function featureTable(matrix: FeatureMatrix): Table {
  const n = matrix.rows;
  const labelBits = nullBitmap((i) => matrix.tbLabel[i] !== NO_LABEL, n);
  const tbLabel = makeVector(makeData({ type: new Int8(), length: n, nullCount: labelBits.nulls, nullBitmap: labelBits.nulls > 0 ? labelBits.bitmap : undefined, data: matrix.tbLabel.map((v) => (v === NO_LABEL ? 0 : v)) }));
  const usableBits = nullBitmap((i) => matrix.usable[i] === 1, n).bitmap;
  const usable = makeVector(makeData({ type: new Bool(), length: n, nullCount: 0, data: usableBits }));
  const vectors: Vector[] = [
    makeVector(matrix.timeNs),
    ...matrix.columns.map((c) => makeVector(c)),
    makeVector(matrix.fwdLogReturn),
    int64Vector(matrix.fwdEndNs, true),
    tbLabel,
    makeVector(matrix.tbReturn),
    int64Vector(matrix.tbEndNs, true),
    usable,
  ];
  const infos = featureColumnInfos(matrix.features, matrix.horizonBars);
  const types: Record<FeatureColumnInfo['dtype'], () => DataType> = { int64: () => new Int64(), float64: () => new Float64(), int8: () => new Int8(), bool: () => new Bool() };
  const schema = new Schema(infos.map((info) => new Field(info.name, types[info.dtype](), info.nullable)));
  return new Table(schema, Object.fromEntries(infos.map((info, c) => [info.name, vectors[c]])) as never);
}

/** Writes DIR/features.arrow and DIR/manifest.json; returns the manifest. */
export function writeFeatureFile(dir: string, matrix: FeatureMatrix, provenance: FeatureProvenance): FeatureManifest {
  mkdirSync(dir, { recursive: true });
  const bytes = tableToIPC(featureTable(matrix), 'file');
  writeFileSync(join(dir, FEATURE_FILE), bytes);
  let usableRows = 0;
  for (const u of matrix.usable) usableRows += u;
  const manifest: FeatureManifest = {
    schema: FEATURE_SCHEMA,
    file: FEATURE_FILE,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    rows: matrix.rows,
    usableRows,
    rowPolicy: USABLE_RULE,
    features: matrix.features,
    horizonBars: matrix.horizonBars,
    firstCloseNs: (matrix.rows > 0 ? matrix.timeNs[0] : 0n).toString(),
    lastCloseNs: (matrix.rows > 0 ? matrix.timeNs[matrix.rows - 1] : 0n).toString(),
    columns: featureColumnInfos(matrix.features, matrix.horizonBars),
    scaleFree: { factor: SCALE_FACTOR, tolerance: SCALE_TOLERANCE, checked: true },
    ...provenance,
  };
  writeFileSync(join(dir, FEATURE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export interface FeatureFile {
  readonly manifest: FeatureManifest;
  readonly table: Table;
  readonly bytes: Uint8Array;
}

/**
 * Reads DIR/manifest.json and DIR/features.arrow, checking the schema, every manifest field a
 * reader uses, the hash, the columns and that `horizonBars` is the data's (feature-manifest-check.ts).
 */
export function readFeatureFile(dir: string): FeatureFile {
  const manifestPath = join(dir, FEATURE_MANIFEST);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new FeatureFileError(`${manifestPath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (write it with `quantflow features --out DIR`)' : `not a JSON manifest (${(error as Error).message})`}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FeatureFileError(`${manifestPath}: must be a JSON object (a feature manifest), was ${JSON.stringify(doc).slice(0, 80)}`);
  const schema = (doc as { schema?: unknown }).schema;
  if (schema !== FEATURE_SCHEMA) throw new FeatureFileError(`${manifestPath}: \`schema\` must be ${FEATURE_SCHEMA}, was ${JSON.stringify(schema)}`);
  const manifest = checkFeatureManifest(doc as Record<string, unknown>, manifestPath);
  const arrowPath = join(dir, manifest.file ?? FEATURE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(arrowPath);
  } catch {
    throw new FeatureFileError(`${arrowPath}: no such file (the manifest names it)`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.sha256) throw new FeatureFileError(`${arrowPath}: sha256 must be ${manifest.sha256} (manifest.json \`sha256\`), was ${sha}: the file changed after it was written`);
  const table = tableFromIPC(bytes);
  const names = table.schema.fields.map((f) => f.name);
  const expected = manifest.columns.map((c) => c.name);
  if (names.join('\n') !== expected.join('\n')) throw new FeatureFileError(`${arrowPath}: columns must be ${expected.join(', ')} (manifest.json \`columns\`), were ${names.join(', ')}`);
  checkFeatureTable(table, manifest, manifestPath);
  return { manifest, table, bytes };
}
