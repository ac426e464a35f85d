// The data a research command may read, with the final out-of-sample reserve cut away.
//
// The sources are loaded once into memory (MemoryStream.load): that is the only pass over the
// raw sources, and it is needed to learn the data's time range, which the reserve is a
// fraction of. The reserve, the most recent `reserve` fraction of that range (ts_local at or
// after `reserveStartNs`), is then cut with MemoryStream.slice before anything else runs, and
// the full buffers are dropped: every later reader (bar columns for the regime fit, the fold
// backtests) gets only the cut streams. With `final` nothing is cut.
//
// The data's identity (the key of the reserve's look log) is its sources' labels (file paths
// resolved to absolute paths), symbols, kinds and first and last times. Each source is also a
// series (label, symbol, kind, first time: not the last), which stays the same when newer bars
// are appended to it or it is read with other sources: the reserve log keeps where a series'
// reserve starts, and its looks, under the series too (reserve-log.ts).
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { MemoryStream } from '../../backtest/index.js';
import { RECORD_BYTES, type MarketStream } from '../../replay/index.js';

export interface SourceIdentity {
  readonly label: string;
  readonly symbol: string;
  readonly kind: string;
  readonly firstNs: string;
  readonly lastNs: string;
}

export interface DataIdentity {
  /** SHA-256 of the sources' identities (hex). */
  readonly key: string;
  readonly sources: readonly SourceIdentity[];
  /** First and last ts_local over every source. */
  readonly firstNs: bigint;
  readonly lastNs: bigint;
  /** Per source, SHA-256 (hex) of its label, symbol, kind and first time: the same after newer records are appended. */
  readonly seriesKeys: readonly string[];
}

export interface ResearchData {
  readonly identity: DataIdentity;
  /** The fraction of the time range held back (0 = none). */
  readonly reserve: number;
  /** Records with ts_local >= this are the reserve. */
  readonly reserveStartNs: bigint;
  /** Whether the reserve is included (--final). */
  readonly final: boolean;
  /** What research may read: [firstNs, reserveStartNs) without `final`, everything with it. */
  readonly streams: readonly MemoryStream[];
  /** The end of what `streams` hold (exclusive): reserveStartNs, or lastNs + 1 with `final`. */
  readonly endNs: bigint;
}

/** ts_local of a loaded stream's first and last record (undefined when empty). */
export function recordTimeRange(stream: MemoryStream): { firstNs: bigint; lastNs: bigint } | undefined {
  const n = stream.expectedRows;
  if (n === 0) return undefined;
  const view = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
  return { firstNs: view.getBigInt64(16, true), lastNs: view.getBigInt64((n - 1) * RECORD_BYTES + 16, true) };
}

export function dataIdentity(streams: readonly MemoryStream[]): DataIdentity {
  const sources: SourceIdentity[] = [];
  let firstNs: bigint | undefined;
  let lastNs: bigint | undefined;
  for (const stream of streams) {
    const range = recordTimeRange(stream);
    if (!range) throw new RangeError(`${stream.label}: the source holds no records`);
    const label = /^[a-z]+:/i.test(stream.label) || isAbsolute(stream.label) ? stream.label : resolve(stream.label);
    sources.push({ label, symbol: stream.symbol, kind: stream.kind, firstNs: range.firstNs.toString(), lastNs: range.lastNs.toString() });
    if (firstNs === undefined || range.firstNs < firstNs) firstNs = range.firstNs;
    if (lastNs === undefined || range.lastNs > lastNs) lastNs = range.lastNs;
  }
  if (firstNs === undefined || lastNs === undefined) throw new RangeError('no data: give at least one source');
  const key = createHash('sha256').update(JSON.stringify(sources)).digest('hex');
  const seriesKeys = sources.map(({ label, symbol, kind, firstNs: first }) => createHash('sha256').update(JSON.stringify({ label, symbol, kind, firstNs: first })).digest('hex'));
  return { key, sources, firstNs, lastNs, seriesKeys };
}

/** The reserve's first time: the last `reserve` fraction of [firstNs, lastNs]. */
export function reserveStart(identity: Pick<DataIdentity, 'firstNs' | 'lastNs'>, reserve: number): bigint {
  if (!(reserve >= 0 && reserve < 1)) throw new RangeError(`the reserve must be a fraction in [0, 1), was ${reserve}`);
  const span = identity.lastNs - identity.firstNs;
  const kept = BigInt(Math.round((1 - reserve) * 1_000_000));
  return reserve === 0 ? identity.lastNs + 1n : identity.firstNs + (span * kept) / 1_000_000n;
}

/** Loads `streams` once and cuts the reserve (see the header). */
export async function loadResearchData(streams: readonly MarketStream[], options: { readonly reserve: number; readonly final: boolean }): Promise<ResearchData> {
  const loaded: MemoryStream[] = [];
  for (const stream of streams) loaded.push(await MemoryStream.load(stream));
  return cutReserve(loaded, options);
}

/** The research view of loaded streams: the reserve cut unless `final`. */
export function cutReserve(loaded: readonly MemoryStream[], options: { readonly reserve: number; readonly final: boolean }): ResearchData {
  const identity = dataIdentity(loaded);
  const reserveStartNs = reserveStart(identity, options.reserve);
  const endNs = options.final ? identity.lastNs + 1n : reserveStartNs;
  const streams = loaded.map((stream) => stream.slice(identity.firstNs, endNs));
  return { identity, reserve: options.reserve, reserveStartNs, final: options.final, streams, endNs };
}
