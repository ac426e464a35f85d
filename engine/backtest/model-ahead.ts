// The ML expert's answers for a backtest, computed ahead of the replay (issue 14): for each
// model instrument that streams bars, its bars are read once (warm-up streams, then the run's,
// in the order the core takes them), the model's features come from the same WASM kernels in
// batch mode (engine/research/labels indicatorColumns: equal bit for bit to the core's per-bar
// values, which it writes as FEATURES records), each bar gets the fold whose training ended
// before its close (QuantileModelSet.foldFor), and predictAhead runs all of them in chunks (the
// same bytes as predictRow per bar with 1 thread). The answers become a MODEL record stream per
// instrument that the StreamMerger plays right after the bar:
//
//   bar streams  (index 0 .. s-1)   BAR  ts_local = close t
//   model streams (index s ..)      MODEL ts_exchange = ts_local = t   (ties: lower index first,
//                                   so the bar, then its MODEL record; the core is waiting for it)
//
// A bar gets no MODEL record when a feature is not finite (the core writes no FEATURES and does
// not wait either) or when no fold is trained yet at its close (the core's wait times out: it
// decides without the ML expert; counted as `noFoldBars`). The bar streams read here are
// returned as MemoryStreams, which the run plays instead of the originals: the data is parsed
// once.
//
// With an ahead cache (engine/models AheadCache), each instrument's answers are looked up by
// sha256(model hash, the exact feature matrix, the bar close times) before running the model,
// and stored after: a hit gives the same bytes, so the same MODEL records.
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { writeModelRecord } from '../decision/index.js';
import { QUANTILE_COUNT, aheadCacheKey, type AheadCache, type QuantileModelSet } from '../models/index.js';
import { indicatorColumns } from '../research/labels/index.js';
import { RECORD_BYTES, type MarketStream } from '../replay/index.js';
import { compileCore } from '../core/wasm-core.js';
import { MemoryStream } from './memory-stream.js';

/** One model instrument: its id in the run and its bar streams (warm-up, run). */
export interface AheadInstrument {
  readonly instrument: number;
  readonly symbol: string;
  readonly barIntervalNs: bigint;
  readonly warmup: readonly MarketStream[];
  readonly run: readonly MarketStream[];
}

export interface ModelAheadStats {
  /** Bars of the model instruments the core takes (warm-up included). */
  bars: number;
  warmupBars: number;
  /** Bars with a non-finite feature (indicator warm-up): no FEATURES, no MODEL, no wait. */
  nonFiniteRows: number;
  /** Bars with finite features that close at or before the first fold's availableFromNs: no MODEL record. */
  noFoldBars: number;
  /** MODEL records written (one per bar with finite features and a fold). */
  predictions: number;
  /** Predictions whose quantiles are not non-decreasing (the core sorts them). */
  crossedRows: number;
  /** Predictions per fold. */
  rowsPerFold: number[];
  /** Wall time of the features and the inference (or the cache look-up). */
  elapsedNs: bigint;
  /**
   * Of which: compiling the WASM core (once per process, shared with the engine thread: a run
   * without the model pays it when the engine starts; 0 when already compiled), the features
   * (indicatorColumns), and predictAhead or the cache.
   */
  coreCompileNs: bigint;
  featuresNs: bigint;
  inferenceNs: bigint;
  /** Instruments whose answers came from the ahead cache, and those computed (and then stored). */
  cacheHits: number;
  cacheMisses: number;
}

export interface ModelAheadOptions {
  /** Look answers up here before running the model, and store computed ones. */
  readonly cache?: AheadCache;
}

/** The bars of one instrument as the core takes them, with the features computed from them. */
export interface AheadBars {
  readonly instrument: number;
  readonly count: number;
  readonly warmupCount: number;
  /** Bar open (ts_exchange) and close (ts_local) times. */
  readonly openNs: BigInt64Array;
  readonly closeNs: BigInt64Array;
  /** count x F, row-major, in the model's feature order. */
  readonly features: Float64Array;
}

export interface ModelAhead {
  /** The instruments' bar streams, loaded: play these instead of the originals (same labels, same records). */
  readonly loaded: ReadonlyMap<MarketStream, MemoryStream>;
  /** MODEL streams to add after every bar stream, for the warm-up and for the run. */
  readonly warmupModelStreams: readonly { stream: MemoryStream; instrument: number }[];
  readonly modelStreams: readonly { stream: MemoryStream; instrument: number }[];
  readonly bars: readonly AheadBars[];
  readonly stats: ModelAheadStats;
}

const TS_EXCHANGE = 8;
const TS_LOCAL = 16;
const PRICE = 24;
const SIZE = 32;
const A = 40;
const B = 48;
const ID = 56;
const MODEL_KIND_BITS = EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;

/**
 * The BAR records of `streams` in the merger's order (ts_local, ties by stream index): returns
 * the positions [stream, record] sorted. Each stream is already in ts_local order.
 */
function mergedOrder(streams: readonly MemoryStream[]): { stream: number; record: number }[] {
  if (streams.length === 1) return barsOf(streams[0]);
  const order: { stream: number; record: number; ts: bigint }[] = [];
  streams.forEach((s, index) => {
    const view = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
    for (let r = 0; r < s.expectedRows; r++) {
      if ((view.getInt32(r * RECORD_BYTES, true) & KIND_MASK) !== EventKind.BAR) continue;
      order.push({ stream: index, record: r, ts: view.getBigInt64(r * RECORD_BYTES + TS_LOCAL, true) });
    }
  });
  // Array.prototype.sort is stable: equal times keep stream order, then record order.
  order.sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : x.stream - y.stream));
  return order;
}

/** The BAR records of one stream, in its order (already ts_local order: no sort). */
function barsOf(s: MemoryStream): { stream: number; record: number }[] {
  const order: { stream: number; record: number }[] = [];
  const view = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  for (let r = 0; r < s.expectedRows; r++) if ((view.getInt32(r * RECORD_BYTES, true) & KIND_MASK) === EventKind.BAR) order.push({ stream: 0, record: r });
  return order;
}

/** The instrument's bars (warm-up first) and the model's features over them. */
function barsAndFeatures(model: QuantileModelSet, instrument: number, warmup: readonly MemoryStream[], run: readonly MemoryStream[]): AheadBars {
  const parts = [warmup, run].map((streams) => ({ streams, order: mergedOrder(streams) }));
  const n = parts[0].order.length + parts[1].order.length;
  const openNs = new BigInt64Array(n);
  const closeNs = new BigInt64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  let i = 0;
  for (const { streams, order } of parts) {
    const views = streams.map((s) => new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength));
    for (const { stream, record } of order) {
      const v = views[stream];
      const at = record * RECORD_BYTES;
      openNs[i] = v.getBigInt64(at + TS_EXCHANGE, true);
      closeNs[i] = v.getBigInt64(at + TS_LOCAL, true);
      close[i] = v.getFloat64(at + PRICE, true);
      volume[i] = v.getFloat64(at + SIZE, true);
      high[i] = v.getFloat64(at + A, true);
      low[i] = v.getFloat64(at + B, true);
      open[i] = v.getFloat64(at + ID, true);
      i++;
    }
  }
  const tokens = model.metadata.features;
  const columns = indicatorColumns({ length: n, timeNs: openNs, open, high, low, close, volume }, tokens, 'model.features');
  const f = tokens.length;
  const features = new Float64Array(n * f);
  tokens.forEach((token, j) => {
    const column = columns.get(token)!;
    for (let r = 0; r < n; r++) features[r * f + j] = column[r];
  });
  return { instrument, count: n, warmupCount: parts[0].order.length, openNs, closeNs, features };
}

function isFiniteRow(rows: Float64Array, row: number, f: number): boolean {
  for (let j = 0; j < f; j++) if (!Number.isFinite(rows[row * f + j])) return false;
  return true;
}

/** Loads the instruments' bar streams, computes every bar's features and quantiles, and builds the MODEL streams. */
export async function modelRecordsAhead(model: QuantileModelSet, instruments: readonly AheadInstrument[], options: ModelAheadOptions = {}): Promise<ModelAhead> {
  const loaded = new Map<MarketStream, MemoryStream>();
  for (const entry of instruments) {
    for (const stream of [...entry.warmup, ...entry.run]) if (!loaded.has(stream)) loaded.set(stream, await MemoryStream.load(stream));
  }
  const started = process.hrtime.bigint();
  // The core's one-time compile (cached per process and shared with the engine thread, which
  // would pay it at start otherwise): timed apart from the features.
  compileCore();
  const compiled = process.hrtime.bigint();
  const f = model.metadata.features.length;
  const stats: ModelAheadStats = { bars: 0, warmupBars: 0, nonFiniteRows: 0, noFoldBars: 0, predictions: 0, crossedRows: 0, rowsPerFold: model.metadata.folds.map(() => 0), elapsedNs: 0n, coreCompileNs: compiled - started, featuresNs: 0n, inferenceNs: 0n, cacheHits: 0, cacheMisses: 0 };
  const warmupModelStreams: { stream: MemoryStream; instrument: number }[] = [];
  const modelStreams: { stream: MemoryStream; instrument: number }[] = [];
  const allBars: AheadBars[] = [];
  for (const entry of instruments) {
    const featuresStarted = process.hrtime.bigint();
    const bars = barsAndFeatures(model, entry.instrument, entry.warmup.map((s) => loaded.get(s)!), entry.run.map((s) => loaded.get(s)!));
    allBars.push(bars);
    const { count, closeNs, features } = bars;
    stats.bars += count;
    stats.warmupBars += bars.warmupCount;
    // Rows with finite features, packed for predictAhead.
    const finite = new Int32Array(count);
    let m = 0;
    for (let r = 0; r < count; r++) if (isFiniteRow(features, r, f)) finite[m++] = r;
    stats.nonFiniteRows += count - m;
    const times = new BigInt64Array(m);
    const rows = new Float64Array(m * f);
    for (let k = 0; k < m; k++) {
      const r = finite[k];
      times[k] = closeNs[r];
      rows.set(features.subarray(r * f, (r + 1) * f), k * f);
    }
    const inferenceStarted = process.hrtime.bigint();
    stats.featuresNs += inferenceStarted - featuresStarted;
    const inferred = await answersOf(model, times, rows, m, f, options.cache, stats);
    const out = inferred.out;
    stats.inferenceNs += process.hrtime.bigint() - inferenceStarted;
    stats.noFoldBars += inferred.noFoldRows;
    stats.crossedRows += inferred.crossedRows;
    // One MODEL record per predicted row, split at the warm-up's end.
    const all = new Uint8Array((m - inferred.noFoldRows) * RECORD_BYTES);
    const allView = new DataView(all.buffer);
    let written = 0;
    let warmupRecords = 0;
    for (let k = 0; k < m; k++) {
      const fold = model.foldFor(times[k]);
      if (fold < 0) continue;
      stats.rowsPerFold[fold]++;
      stats.predictions++;
      const q = out.subarray(k * QUANTILE_COUNT, (k + 1) * QUANTILE_COUNT);
      writeModelRecord(allView, written * RECORD_BYTES, { instrument: entry.instrument, tsNs: times[k], quantiles: [q[0], q[1], q[2], q[3], q[4]] }, MODEL_KIND_BITS);
      written++;
      if (finite[k] < bars.warmupCount) warmupRecords++;
    }
    const like = { symbol: entry.symbol, kind: 'bars' as const, barIntervalNs: entry.barIntervalNs };
    if (written !== m - inferred.noFoldRows) throw new Error(`model ahead for ${entry.symbol}: ${written} MODEL records, expected ${m - inferred.noFoldRows} (foldFor and predictAhead disagree)`);
    const name = `model ${model.metadata.name} for ${entry.symbol}`;
    if (entry.warmup.length > 0) warmupModelStreams.push({ stream: MemoryStream.fromRecords({ ...like, label: `${name} (warm-up)` }, all.subarray(0, warmupRecords * RECORD_BYTES)), instrument: entry.instrument });
    modelStreams.push({ stream: MemoryStream.fromRecords({ ...like, label: name }, all.subarray(warmupRecords * RECORD_BYTES)), instrument: entry.instrument });
  }
  stats.elapsedNs = process.hrtime.bigint() - started;
  return { loaded, warmupModelStreams, modelStreams, bars: allBars, stats };
}

/**
 * One stream of `bars` with `models`' records merged in, in the order the StreamMerger gives the
 * two (ts_local, ties: the bar first): a run whose only streams are one instrument's bars and its
 * MODEL records plays this instead, so the merger copies long runs, not one record at a time.
 */
export function interleaveModelRecords(bars: MemoryStream, models: MemoryStream): MemoryStream {
  const out = new Uint8Array(bars.bytes.byteLength + models.bytes.byteLength);
  const b = new DataView(bars.bytes.buffer, bars.bytes.byteOffset, bars.bytes.byteLength);
  const m = new DataView(models.bytes.buffer, models.bytes.byteOffset, models.bytes.byteLength);
  const nb = bars.expectedRows;
  const nm = models.expectedRows;
  let i = 0;
  let j = 0;
  let at = 0;
  while (i < nb || j < nm) {
    // Copy the bars' run up to the next MODEL record's time (equal times: bars first), then one MODEL record.
    const until = j < nm ? m.getBigInt64(j * RECORD_BYTES + TS_LOCAL, true) : undefined;
    let end = i;
    while (end < nb && (until === undefined || b.getBigInt64(end * RECORD_BYTES + TS_LOCAL, true) <= until)) end++;
    out.set(bars.bytes.subarray(i * RECORD_BYTES, end * RECORD_BYTES), at);
    at += (end - i) * RECORD_BYTES;
    i = end;
    if (j < nm) {
      out.set(models.bytes.subarray(j * RECORD_BYTES, (j + 1) * RECORD_BYTES), at);
      at += RECORD_BYTES;
      j++;
    }
  }
  return MemoryStream.fromRecords({ label: bars.label, symbol: bars.symbol, kind: bars.kind, barIntervalNs: bars.barIntervalNs }, out);
}

/** predictAhead's answers for the rows, from the cache when it has them (then stats from the answers). */
async function answersOf(model: QuantileModelSet, times: BigInt64Array, rows: Float64Array, m: number, f: number, cache: AheadCache | undefined, stats: ModelAheadStats): Promise<{ out: Float64Array; noFoldRows: number; crossedRows: number }> {
  const key = cache !== undefined ? aheadCacheKey(model.hash, times, rows, m, f) : '';
  const cached = cache?.get(key, m);
  if (cached !== undefined) {
    stats.cacheHits++;
    let noFoldRows = 0;
    let crossedRows = 0;
    for (let k = 0; k < m; k++) {
      if (model.foldFor(times[k]) < 0) { noFoldRows++; continue; }
      for (let j = 1; j < QUANTILE_COUNT; j++) if (cached[k * QUANTILE_COUNT + j] < cached[k * QUANTILE_COUNT + j - 1]) { crossedRows++; break; }
    }
    return { out: cached, noFoldRows, crossedRows };
  }
  const out = new Float64Array(m * QUANTILE_COUNT);
  const inferred = await model.predictAhead(times, rows, m, out);
  if (cache !== undefined) {
    stats.cacheMisses++;
    cache.put(key, out, m);
  }
  return { out, noFoldRows: inferred.noFoldRows, crossedRows: inferred.crossedRows };
}
