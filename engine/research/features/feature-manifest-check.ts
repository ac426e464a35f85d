// Checks of a feature file read back (readFeatureFile): manifest.json is a file users can edit,
// and `quantflow train` builds its plan and model.json from it, so every field a reader uses is
// checked (a missing `columns` or a null `reserve` was a TypeError with a stack), the columns
// must be the layout of `features` (feature-file.ts featureColumnInfos), and `horizonBars` must
// be the data's: each row's fwd_end_ns is the close time `horizonBars` bars later (null past the
// data), so an edited horizon cannot label a model trained on another target. Each refusal is
// one FeatureFileError line: the file, the field, the value, the rule.
import type { Table } from 'apache-arrow';
import { featureColumnInfos } from './feature-columns.js';
import { FeatureFileError } from './feature-file-error.js';
import type { FeatureManifest } from './feature-file.js';

/** A value as shown in a message: JSON, cut to 80 characters. */
function shown(value: unknown): string {
  const text = value === undefined ? 'missing' : typeof value === 'bigint' ? value.toString() : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isNsText = (v: unknown): v is string => typeof v === 'string' && /^-?[0-9]{1,19}$/.test(v);

/** `doc` (manifest.json parsed, its schema already checked) as a manifest whose fields are what a reader relies on. */
export function checkFeatureManifest(doc: Record<string, unknown>, manifestPath: string): FeatureManifest {
  const fail = (field: string, rule: string, value: unknown): never => {
    throw new FeatureFileError(`${manifestPath}: \`${field}\` must be ${rule}, was ${shown(value)}`);
  };
  if (doc.file !== undefined && !isText(doc.file)) fail('file', 'the name of the Arrow file beside it', doc.file);
  if (typeof doc.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(doc.sha256)) fail('sha256', '64 lowercase hex digits (of the Arrow file)', doc.sha256);
  if (!isCount(doc.rows)) fail('rows', 'an integer >= 0', doc.rows);
  if (!isCount(doc.usableRows) || doc.usableRows > (doc.rows as number)) fail('usableRows', `an integer from 0 to \`rows\` (${String(doc.rows)})`, doc.usableRows);
  const features = doc.features;
  if (!Array.isArray(features) || features.length === 0) fail('features', 'a non-empty list of indicator tokens', features);
  (features as unknown[]).forEach((token, k) => {
    if (!isText(token)) fail(`features[${k}]`, 'an indicator token (a non-empty string)', token);
  });
  if (typeof doc.horizonBars !== 'number' || !Number.isInteger(doc.horizonBars) || doc.horizonBars < 1) fail('horizonBars', 'an integer >= 1 (bars)', doc.horizonBars);
  const layout = featureColumnInfos(features as string[], doc.horizonBars as number).map((c) => c.name);
  const columns = doc.columns;
  if (!Array.isArray(columns)) fail('columns', `the list of column descriptions (${layout.join(', ')})`, columns);
  const names = (columns as unknown[]).map((c) => (isObject(c) ? c.name : undefined));
  if (names.join('\n') !== layout.join('\n')) fail('columns', `named ${layout.join(', ')} (time, \`features\` in order, targets, flag)`, names);
  if (!isText(doc.timeframe)) fail('timeframe', 'the bars\' timeframe (e.g. "1h")', doc.timeframe);
  const source = doc.source;
  if (!isObject(source)) fail('source', 'an object { file, sha256, symbol, barStamp }', source);
  const src = source as Record<string, unknown>;
  if (!isText(src.file)) fail('source.file', 'the name of the bar file the features came from', src.file);
  if (typeof src.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(src.sha256)) fail('source.sha256', '64 lowercase hex digits (of the bar file)', src.sha256);
  const reserve = doc.reserve;
  if (!isObject(reserve)) fail('reserve', 'an object { fraction, startNs, included }', reserve);
  const res = reserve as Record<string, unknown>;
  if (typeof res.included !== 'boolean') fail('reserve.included', 'true or false', res.included);
  if (!isNsText(res.startNs)) fail('reserve.startNs', 'ns since the epoch as a decimal string', res.startNs);
  return doc as unknown as FeatureManifest;
}

/**
 * Refuses a table that disagrees with its manifest: a row count other than `rows`, or forward
 * returns whose span is not `horizonBars` (row i's fwd_end_ns must be time_ns[i + h], null when
 * i + h is past the data).
 */
export function checkFeatureTable(table: Table, manifest: FeatureManifest, manifestPath: string): void {
  const n = table.numRows;
  if (manifest.rows !== n) throw new FeatureFileError(`${manifestPath}: \`rows\` must be the Arrow file's row count (${n}), was ${manifest.rows}`);
  const timeNs = table.getChild('time_ns')!.toArray() as BigInt64Array;
  const fwdEnd = table.getChild('fwd_end_ns')!;
  const h = manifest.horizonBars;
  for (let i = 0; i < n; i++) {
    const end = fwdEnd.get(i) as bigint | null;
    const expected = i + h < n ? timeNs[i + h] : null;
    if (end === expected) continue;
    const found = end === null ? -1 : timeNs.indexOf(end);
    const dataHorizon = found > i ? `; the data's forward returns span ${found - i} bars` : '';
    const at = (ns: bigint | null): string => (ns === null ? 'null (past the data)' : new Date(Number(ns / 1_000_000n)).toISOString());
    throw new FeatureFileError(`${manifestPath}: \`horizonBars\` must be the span of the data's forward returns (fwd_end_ns = the close time horizonBars bars later), was ${h}: row ${i} ends at ${at(end)}, ${h} bars later is ${at(expected)}${dataHorizon}`);
  }
}
