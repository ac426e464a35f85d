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
// decides without the ML expert; counted as `noFoldBars`). A bar whose answer comes back with a
// NaN or infinite quantile (a broken graph) is counted as `nonFiniteOutputs`, not as a
// prediction; its record slot was laid out before the answers returned, so it still holds that
// answer, which the core refuses (ERR_DEC_BAD_RECORD): the bar is decided without the ML expert
// at the wait bound. The bar streams read here are
// returned as MemoryStreams, which the run plays instead of the originals: the data is parsed
// once.
//
// With an ahead cache (engine/models AheadCache), each instrument's answers are looked up before
// the features are computed, under a key over everything the features and answers follow from:
//
//   key = sha256( 'quantflow.ahead-bars/2' || model version hash || sha256(core.wasm) (the kernels)
//                 || json(feature tokens) (the plan) || u32le intra-op threads || u32le n || u32le warm-up bars
//                 || i64le open times [n] || i64le close times [n] || f64le open, high, low, close, volume [n] each )
//
//   intra-op threads: the model's `threads` (QuantileModelSet.threads). onnxruntime sums a tree
//   ensemble in another order with 2 threads than with 1 (answers differ by ~1e-8), so a
//   `threads: 1` run (bit for bit with per-bar inference) must never read answers computed with
//   more. Answers computed on the ahead pool use 1 thread whatever `threads` says; whether the
//   pool runs is only known once the features are, so they are stored under `threads` too: a
//   1-thread answer under a key of N threads, never the reverse. (/1 keys left out the threads.)
//
//   value (AheadCache, n x 5 f64): row r = the five quantiles predictAhead gave it (NaNs when no
//   fold was trained at its close), or, for a row with a non-finite feature (never given to the
//   model, no MODEL record), five NaNs carrying the payload NOT_PREDICTED (never an f32 model's
//   output: its NaNs widen with the low 29 bits zero).
//
// So a hit costs hashing the bars (no features, no inference) and gives the same bytes, so the same
// MODEL records; any change of model, kernels, features, bars or times is another key. A change of
// the feature code outside core.wasm must bump AHEAD_BARS_KEY (the 'ahead-bars/2').
import { createHash } from 'node:crypto';
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { writeModelRecord } from '../decision/index.js';
import { QUANTILE_COUNT, type AheadCache, type QuantileModelSet } from '../models/index.js';
import { indicatorColumns } from '../research/labels/index.js';
import { RECORD_BYTES, type MarketStream } from '../replay/index.js';
import { compileCore, coreBuildHash } from '../core/wasm-core.js';
import { MemoryStream } from './memory-stream.js';
import { GatedRecordStream } from './gated-record-stream.js';

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
  /** Predictions: bars with finite features and a fold whose five quantiles came back finite. */
  predictions: number;
  /**
   * Bars whose quantiles came back NaN or infinite (a broken graph): not predictions. The core
   * refuses their MODEL records (ERR_DEC_BAD_RECORD: the record slots are laid out before the
   * answers return) and decides those bars without the ML expert at the wait bound.
   */
  nonFiniteOutputs: number;
  /** Predictions whose quantiles are not non-decreasing (the core sorts them). */
  crossedRows: number;
  /** Predictions per fold (finite outputs). */
  rowsPerFold: number[];
  /** Wall time of the features and the inference (or the cache look-up). */
  elapsedNs: bigint;
  /**
   * Of which: compiling the WASM core (once per process, shared with the engine thread: a run
   * without the model pays it when the engine starts; 0 when already compiled), the features
   * (reading the bars, the cache key when there is a cache, indicatorColumns unless the cache had
   * the answers), and the inference: loading the model when it was loaded with lazySessions,
   * then predictAheadParts until its last part is in (overlapping the replay), then storing; or
   * the cache look-up.
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
  /** The instruments' streams already loaded (loadAheadStreams); absent: loaded here. */
  readonly loaded?: ReadonlyMap<MarketStream, MemoryStream>;
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
  /**
   * MODEL streams to add after every bar stream, for the warm-up and for the run: gated while
   * their answers are being computed (GatedRecordStream: read a part once its answers are in).
   */
  readonly warmupModelStreams: readonly { stream: MemoryStream | GatedRecordStream; instrument: number }[];
  readonly modelStreams: readonly { stream: MemoryStream | GatedRecordStream; instrument: number }[];
  /** Resolves once every answer is in (and stored in the cache): `stats` is then complete. */
  readonly done: Promise<void>;
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
/** The records are little-endian; on a little-endian machine typed views read them directly. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** 32-bit words of a record: kind, instrument, ts_exchange (lo, hi), ts_local (lo, hi); f64 slots 3..7. */
const WORDS = RECORD_BYTES / 4;
const SLOTS = RECORD_BYTES / 8;
const AHEAD_BARS_KEY = 'quantflow.ahead-bars/2';
/** The NaN marking a row that was not given to the model (a non-finite feature) in a cached answer matrix. */
const NOT_PREDICTED_LO = 0x4e4f5450; // 'PTON'
const NOT_PREDICTED_HI = 0x7ff80000;

/** Positions of BAR records: record `record[k]` of stream `stream[k]`, k < `length`. */
interface BarOrder {
  readonly length: number;
  readonly stream: Int32Array;
  readonly record: Int32Array;
}

/**
 * The BAR records of `streams` in the merger's order (ts_local, ties by stream index). Each
 * stream is already in ts_local order: one stream's order is its own (no sort, no object per bar).
 */
function mergedOrder(streams: readonly MemoryStream[]): BarOrder {
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
  return { length: order.length, stream: Int32Array.from(order, (o) => o.stream), record: Int32Array.from(order, (o) => o.record) };
}

/** The BAR records of one stream, in its order (already ts_local order: no sort). */
function barsOf(s: MemoryStream): BarOrder {
  const record = new Int32Array(s.expectedRows);
  const view = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  let length = 0;
  for (let r = 0; r < s.expectedRows; r++) if ((view.getInt32(r * RECORD_BYTES, true) & KIND_MASK) === EventKind.BAR) record[length++] = r;
  return { length, stream: new Int32Array(length), record };
}

/** One instrument's bars as columns, in the order the core takes them (warm-up first). */
interface BarSeries {
  readonly count: number;
  readonly warmupCount: number;
  readonly openNs: BigInt64Array;
  readonly closeNs: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The instrument's bars (warm-up first) as columns. */
function barSeries(warmup: readonly MemoryStream[], run: readonly MemoryStream[]): BarSeries {
  const parts = [warmup, run].map((streams) => ({ streams, order: mergedOrder(streams) }));
  const n = parts[0].order.length + parts[1].order.length;
  const openNs = new BigInt64Array(n);
  const closeNs = new BigInt64Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const openWords = new Int32Array(openNs.buffer);
  const closeWords = new Int32Array(closeNs.buffer);
  let i = 0;
  for (const { streams, order } of parts) {
    // Little-endian machine, aligned bytes: read the records through typed views (times as two
    // 32-bit words, no BigInt per bar); otherwise through a DataView.
    const fast = LITTLE_ENDIAN && streams.every((s) => s.bytes.byteOffset % 8 === 0);
    const f64s = fast ? streams.map((s) => new Float64Array(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength / 8)) : [];
    const i32s = fast ? streams.map((s) => new Int32Array(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength / 4)) : [];
    const views = fast ? [] : streams.map((s) => new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength));
    for (let k = 0; k < order.length; k++) {
      const stream = order.stream[k];
      const record = order.record[k];
      if (fast) {
        const f64 = f64s[stream];
        const i32 = i32s[stream];
        const slot = record * SLOTS;
        const word = record * WORDS;
        openWords[2 * i] = i32[word + TS_EXCHANGE / 4];
        openWords[2 * i + 1] = i32[word + TS_EXCHANGE / 4 + 1];
        closeWords[2 * i] = i32[word + TS_LOCAL / 4];
        closeWords[2 * i + 1] = i32[word + TS_LOCAL / 4 + 1];
        close[i] = f64[slot + PRICE / 8];
        const size = f64[slot + SIZE / 8];
        volume[i] = size === size ? size : 0; // unknown volume (NaN, no volume column): 0, as the core's indicators read it
        high[i] = f64[slot + A / 8];
        low[i] = f64[slot + B / 8];
        open[i] = f64[slot + ID / 8];
      } else {
        const v = views[stream];
        const at = record * RECORD_BYTES;
        openNs[i] = v.getBigInt64(at + TS_EXCHANGE, true);
        closeNs[i] = v.getBigInt64(at + TS_LOCAL, true);
        close[i] = v.getFloat64(at + PRICE, true);
        const size = v.getFloat64(at + SIZE, true);
        volume[i] = size === size ? size : 0; // unknown volume (NaN): 0, as the core's indicators read it
        high[i] = v.getFloat64(at + A, true);
        low[i] = v.getFloat64(at + B, true);
        open[i] = v.getFloat64(at + ID, true);
      }
      i++;
    }
  }
  return { count: n, warmupCount: parts[0].order.length, openNs, closeNs, open, high, low, close, volume };
}

/** The model's features over the bars (count x F, row-major, in the model's feature order). */
function featuresOf(model: QuantileModelSet, bars: BarSeries): Float64Array {
  const n = bars.count;
  const tokens = model.metadata.features;
  const columns = indicatorColumns({ length: n, timeNs: bars.openNs, open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume }, tokens, 'model.features');
  const f = tokens.length;
  const features = new Float64Array(n * f);
  tokens.forEach((token, j) => {
    const column = columns.get(token)!;
    for (let r = 0; r < n; r++) features[r * f + j] = column[r];
  });
  return features;
}

/** AheadBars whose features are computed on first read (a cache hit never needs them). */
class LazyAheadBars implements AheadBars {
  private computed: Float64Array | undefined;

  constructor(readonly instrument: number, private readonly series: BarSeries, private readonly model: QuantileModelSet, features?: Float64Array) {
    this.computed = features;
  }

  get count(): number { return this.series.count; }
  get warmupCount(): number { return this.series.warmupCount; }
  get openNs(): BigInt64Array { return this.series.openNs; }
  get closeNs(): BigInt64Array { return this.series.closeNs; }
  get features(): Float64Array {
    this.computed ??= featuresOf(this.model, this.series);
    return this.computed;
  }
}

/** The ahead cache key of one instrument's bars for `model` (see the header). */
function aheadBarsKey(model: QuantileModelSet, bars: BarSeries): string {
  const hash = createHash('sha256').update(AHEAD_BARS_KEY).update(model.hash).update(coreBuildHash()).update(JSON.stringify(model.metadata.features));
  const dims = Buffer.alloc(12);
  dims.writeUInt32LE(model.threads, 0);
  dims.writeUInt32LE(bars.count, 4);
  dims.writeUInt32LE(bars.warmupCount, 8);
  hash.update(dims);
  for (const column of [bars.openNs, bars.closeNs, bars.open, bars.high, bars.low, bars.close, bars.volume]) {
    const bytes = new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
    hash.update(LITTLE_ENDIAN ? bytes : leBytes(column));
  }
  return hash.digest('hex');
}

/** A column's values as little-endian bytes (big-endian machines). */
function leBytes(column: BigInt64Array | Float64Array): Uint8Array {
  const out = new Uint8Array(column.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < column.length; i++) {
    if (column instanceof BigInt64Array) view.setBigInt64(i * 8, column[i], true);
    else view.setFloat64(i * 8, column[i], true);
  }
  return out;
}

function isFiniteRow(rows: Float64Array, row: number, f: number): boolean {
  for (let j = 0; j < f; j++) if (!Number.isFinite(rows[row * f + j])) return false;
  return true;
}

const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

/** Marks row `r` of an n x 5 answer matrix (as 32-bit words) as not given to the model. */
function markNotPredicted(words: Uint32Array, r: number): void {
  for (let k = 0; k < QUANTILE_COUNT; k++) {
    words[(r * QUANTILE_COUNT + k) * 2 + LO] = NOT_PREDICTED_LO;
    words[(r * QUANTILE_COUNT + k) * 2 + HI] = NOT_PREDICTED_HI;
  }
}

function isNotPredicted(words: Uint32Array, r: number): boolean {
  return words[r * QUANTILE_COUNT * 2 + LO] === NOT_PREDICTED_LO && words[r * QUANTILE_COUNT * 2 + HI] === NOT_PREDICTED_HI;
}

/** Rows given to the model per part (the replay may start once the first part's answers are back): 256, 512, 1,024, then 2,048. */
const FIRST_PART_ROWS = 256;
const PART_ROWS = 2048;

/** The ends of the parts predictAheadParts runs `m` rows in (see FIRST_PART_ROWS). */
function partEnds(m: number): Int32Array {
  const ends: number[] = [];
  for (let at = 0, size = FIRST_PART_ROWS; at < m; size = Math.min(size * 2, PART_ROWS)) {
    at = Math.min(m, at + size);
    ends.push(at);
  }
  return Int32Array.from(ends.length > 0 ? ends : [0]);
}

/** Answers still being computed: bar rows [0, rowEnds[k]) have their answers once ready[k] resolves (k ascending). */
interface PendingAnswers {
  readonly rowEnds: Int32Array;
  readonly ready: readonly Promise<void>[];
}

/**
 * Every bar's answers (n x 5, see the header): from the cache when it has them (no features
 * computed), else the features, then predictAheadParts on the rows with finite features; the
 * answers arrive part by part (`pending`) and are stored in the cache once all are there (`done`).
 */
async function answersFor(model: QuantileModelSet, instrument: number, series: BarSeries, cache: AheadCache | undefined, stats: ModelAheadStats): Promise<{ bars: LazyAheadBars; answers: Float64Array; pending?: PendingAnswers; done: Promise<void>; featuresEndNs: bigint }> {
  const n = series.count;
  const f = model.metadata.features.length;
  const key = cache !== undefined ? aheadBarsKey(model, series) : '';
  const lookupStarted = process.hrtime.bigint();
  const cached = cache?.get(key, n);
  if (cached !== undefined) {
    stats.cacheHits++;
    stats.inferenceNs += process.hrtime.bigint() - lookupStarted;
    return { bars: new LazyAheadBars(instrument, series, model), answers: cached, done: Promise.resolve(), featuresEndNs: lookupStarted };
  }
  const features = featuresOf(model, series);
  // Rows with finite features, packed for predictAheadParts; the others are marked now.
  const answers = new Float64Array(n * QUANTILE_COUNT);
  const words = new Uint32Array(answers.buffer);
  const finite = new Int32Array(n);
  let m = 0;
  for (let r = 0; r < n; r++) {
    if (isFiniteRow(features, r, f)) finite[m++] = r;
    else markNotPredicted(words, r);
  }
  const times = new BigInt64Array(m);
  const rows = new Float64Array(m * f);
  for (let k = 0; k < m; k++) {
    const r = finite[k];
    times[k] = series.closeNs[r];
    for (let j = 0; j < f; j++) rows[k * f + j] = features[r * f + j];
  }
  const inferenceStarted = process.hrtime.bigint();
  // A model loaded with lazySessions is loaded now (a ModelContractError when onnxruntime cannot).
  await model.checkLoadable();
  const out = new Float64Array(m * QUANTILE_COUNT);
  const ends = partEnds(m);
  const parts = model.predictAheadParts(times, rows, m, out, ends);
  const rowEnds = new Int32Array(ends.length);
  const ready: Promise<void>[] = [];
  for (let k = 0; k < ends.length; k++) {
    const from = k === 0 ? 0 : ends[k - 1];
    const to = ends[k];
    rowEnds[k] = k === ends.length - 1 ? n : finite[to];
    const copied = parts[k].then(() => {
      for (let p = from; p < to; p++) {
        const r = finite[p];
        for (let q = 0; q < QUANTILE_COUNT; q++) answers[r * QUANTILE_COUNT + q] = out[p * QUANTILE_COUNT + q];
      }
    });
    // Cumulative: part k's gate opens once every earlier part is in too.
    ready.push(k === 0 ? copied : Promise.all([ready[k - 1], copied]).then(() => undefined));
  }
  const done = ready[ready.length - 1].then(() => {
    stats.inferenceNs += process.hrtime.bigint() - inferenceStarted;
    if (cache !== undefined) {
      stats.cacheMisses++;
      cache.put(key, answers, n, model.hash);
    }
  });
  return { bars: new LazyAheadBars(instrument, series, model, features), answers, pending: { rowEnds, ready }, done, featuresEndNs: inferenceStarted };
}

/** The instruments' bar streams (warm-up and run), each read once into memory. */
export async function loadAheadStreams(instruments: readonly AheadInstrument[]): Promise<Map<MarketStream, MemoryStream>> {
  const loaded = new Map<MarketStream, MemoryStream>();
  for (const entry of instruments) {
    for (const stream of [...entry.warmup, ...entry.run]) if (!loaded.has(stream)) loaded.set(stream, await MemoryStream.load(stream));
  }
  return loaded;
}

/** Loads the instruments' bar streams, computes every bar's features and quantiles, and builds the MODEL streams (every answer in). */
export async function modelRecordsAhead(model: QuantileModelSet, instruments: readonly AheadInstrument[], options: ModelAheadOptions = {}): Promise<ModelAhead> {
  const ahead = await startModelRecordsAhead(model, instruments, options);
  await ahead.done;
  return ahead;
}

/**
 * modelRecordsAhead for a replay that starts before every answer is in: it returns once the
 * inference is under way. A MODEL stream whose answers are still being computed is a
 * GatedRecordStream that yields each part's records once they are written (the replay source
 * awaits there the answers it needs next); `done` resolves once every answer is in (and stored
 * in the cache) and `stats` is complete. The records are the same bytes modelRecordsAhead gives.
 */
export async function startModelRecordsAhead(model: QuantileModelSet, instruments: readonly AheadInstrument[], options: ModelAheadOptions = {}): Promise<ModelAhead> {
  const loaded = options.loaded ?? await loadAheadStreams(instruments);
  const started = process.hrtime.bigint();
  // The core's one-time compile (cached per process and shared with the engine thread, which
  // would pay it at start otherwise): timed apart from the features.
  compileCore();
  const compiled = process.hrtime.bigint();
  const stats: ModelAheadStats = { bars: 0, warmupBars: 0, nonFiniteRows: 0, noFoldBars: 0, predictions: 0, nonFiniteOutputs: 0, crossedRows: 0, rowsPerFold: model.metadata.folds.map(() => 0), elapsedNs: 0n, coreCompileNs: compiled - started, featuresNs: 0n, inferenceNs: 0n, cacheHits: 0, cacheMisses: 0 };
  const warmupModelStreams: { stream: MemoryStream | GatedRecordStream; instrument: number }[] = [];
  const modelStreams: { stream: MemoryStream | GatedRecordStream; instrument: number }[] = [];
  const allBars: AheadBars[] = [];
  const dones: Promise<void>[] = [];
  for (const entry of instruments) {
    const featuresStarted = process.hrtime.bigint();
    const series = barSeries(entry.warmup.map((s) => loaded.get(s)!), entry.run.map((s) => loaded.get(s)!));
    const { bars, answers, pending, done, featuresEndNs } = await answersFor(model, entry.instrument, series, options.cache, stats);
    // The features and the cache key; the cache look-up, loading the model (lazySessions) and the
    // inference until its last part is in count as inference.
    stats.featuresNs += featuresEndNs - featuresStarted;
    allBars.push(bars);
    const n = series.count;
    stats.bars += n;
    stats.warmupBars += series.warmupCount;
    // One MODEL record per bar with finite features and a fold, split at the warm-up's end.
    const words = new Uint32Array(answers.buffer, answers.byteOffset, n * QUANTILE_COUNT * 2);
    const folds = model.foldsFor(series.closeNs, n, new Int32Array(n));
    // recordsBefore[r]: MODEL records of the bars before bar r.
    const recordsBefore = new Int32Array(n + 1);
    let warmupRecords = 0;
    for (let r = 0; r < n; r++) {
      let record = 0;
      if (isNotPredicted(words, r)) stats.nonFiniteRows++;
      else if (folds[r] < 0) stats.noFoldBars++;
      else {
        record = 1;
        stats.rowsPerFold[folds[r]]++;
        stats.predictions++;
        if (r < series.warmupCount) warmupRecords++;
      }
      recordsBefore[r + 1] = recordsBefore[r] + record;
    }
    const records = recordsBefore[n];
    const all = new Uint8Array(records * RECORD_BYTES);
    // Every record's kind, instrument and times now (the merger orders by them); the quantiles
    // of pending rows are written again as their part comes back.
    const written = writeModelRecords(all, entry.instrument, series, answers, words, folds, 0, n, 0);
    if (written !== records) throw new Error(`model ahead for ${entry.symbol}: ${written} MODEL records, expected ${records}`);
    const like = { symbol: entry.symbol, kind: 'bars' as const, barIntervalNs: entry.barIntervalNs };
    const name = `model ${model.metadata.name} for ${entry.symbol}`;
    if (pending === undefined) {
      stats.crossedRows += crossedIn(answers, words, folds, 0, n);
      countNonFiniteOutputs(answers, words, folds, 0, n, stats);
      if (entry.warmup.length > 0) warmupModelStreams.push({ stream: MemoryStream.fromRecords({ ...like, label: `${name} (warm-up)` }, all.subarray(0, warmupRecords * RECORD_BYTES)), instrument: entry.instrument });
      modelStreams.push({ stream: MemoryStream.fromRecords({ ...like, label: name }, all.subarray(warmupRecords * RECORD_BYTES)), instrument: entry.instrument });
    } else {
      const gates = pending.ready.map((ready, k) => {
        const from = k === 0 ? 0 : pending.rowEnds[k - 1];
        const to = pending.rowEnds[k];
        return {
          records: recordsBefore[to],
          ready: ready.then(() => {
            writeModelRecords(all, entry.instrument, series, answers, words, folds, from, to, recordsBefore[from]);
            stats.crossedRows += crossedIn(answers, words, folds, from, to);
            countNonFiniteOutputs(answers, words, folds, from, to, stats);
          }),
        };
      });
      // Each part's records are written before its gate opens (ready[k] is cumulative: in order).
      const stream = new GatedRecordStream({ ...like, label: name }, all, gates);
      if (entry.warmup.length > 0) warmupModelStreams.push({ stream: stream.slice(0, warmupRecords), instrument: entry.instrument });
      modelStreams.push({ stream: stream.slice(warmupRecords, records), instrument: entry.instrument });
      dones.push(Promise.all([done, gates[gates.length - 1].ready]).then(() => undefined));
    }
  }
  const done = Promise.all(dones).then(() => { stats.elapsedNs = process.hrtime.bigint() - started; });
  done.catch(() => undefined); // awaited by the caller
  return { loaded, warmupModelStreams, modelStreams, bars: allBars, stats, done };
}

/** Predicted rows in [from, to) whose quantiles are not non-decreasing. */
function crossedIn(answers: Float64Array, words: Uint32Array, folds: Int32Array, from: number, to: number): number {
  let crossed = 0;
  for (let r = from; r < to; r++) {
    if (folds[r] < 0 || isNotPredicted(words, r)) continue;
    const b = r * QUANTILE_COUNT;
    for (let k = 1; k < QUANTILE_COUNT; k++) if (answers[b + k] < answers[b + k - 1]) { crossed++; break; }
  }
  return crossed;
}

/**
 * Predicted rows in [from, to) with a NaN or infinite quantile: moved from `predictions` (and
 * their fold's count, both counted as the records were laid out) to `nonFiniteOutputs`.
 */
function countNonFiniteOutputs(answers: Float64Array, words: Uint32Array, folds: Int32Array, from: number, to: number, stats: ModelAheadStats): void {
  for (let r = from; r < to; r++) {
    if (folds[r] < 0 || isNotPredicted(words, r)) continue;
    const b = r * QUANTILE_COUNT;
    for (let k = 0; k < QUANTILE_COUNT; k++) {
      if (!Number.isFinite(answers[b + k])) {
        stats.nonFiniteOutputs++;
        stats.predictions--;
        stats.rowsPerFold[folds[r]]--;
        break;
      }
    }
  }
}

/**
 * Writes the MODEL records of the predicted bars (not marked, a fold) among bars [from, to) into
 * `all` from record `firstRecord`, in bar order (the same bytes as writeModelRecord). Returns the
 * records written.
 */
function writeModelRecords(all: Uint8Array, instrument: number, series: BarSeries, answers: Float64Array, words: Uint32Array, folds: Int32Array, from: number, to: number, firstRecord: number): number {
  const n = series.count;
  const kind = EventKind.MODEL | MODEL_KIND_BITS;
  const i32 = LITTLE_ENDIAN ? new Int32Array(all.buffer, all.byteOffset, all.byteLength / 4) : undefined;
  const f64 = LITTLE_ENDIAN ? new Float64Array(all.buffer, all.byteOffset, all.byteLength / 8) : undefined;
  const view = new DataView(all.buffer, all.byteOffset, all.byteLength);
  const closeWords = new Int32Array(series.closeNs.buffer, series.closeNs.byteOffset, n * 2);
  let written = firstRecord;
  for (let r = from; r < to; r++) {
    const fold = folds[r];
    if (fold < 0 || isNotPredicted(words, r)) continue;
    const b = r * QUANTILE_COUNT;
    if (i32 !== undefined && f64 !== undefined) {
      // kind, instrument, ts_exchange = ts_local = the bar's close, then q10 q25 q50 q75 q90 in price, size, a, b, id.
      const w = written * WORDS;
      i32[w] = kind;
      i32[w + 1] = instrument;
      i32[w + 2] = closeWords[2 * r];
      i32[w + 3] = closeWords[2 * r + 1];
      i32[w + 4] = closeWords[2 * r];
      i32[w + 5] = closeWords[2 * r + 1];
      const slot = written * SLOTS + PRICE / 8;
      for (let k = 0; k < QUANTILE_COUNT; k++) f64[slot + k] = answers[b + k];
    } else {
      writeModelRecord(view, written * RECORD_BYTES, { instrument, tsNs: series.closeNs[r], quantiles: [answers[b], answers[b + 1], answers[b + 2], answers[b + 3], answers[b + 4]] }, MODEL_KIND_BITS);
    }
    written++;
  }
  return written - firstRecord;
}

/** The bytes of records as 32-bit words (copied first when not 4-byte aligned). */
function wordsOf(bytes: Uint8Array): Int32Array {
  return bytes.byteOffset % 4 === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2) : new Int32Array(bytes.slice().buffer);
}

/** Copies `count` records from record `from` of `source` to record `to` of `target` (both as words). */
function copyRecords(source: Int32Array, from: number, target: Int32Array, to: number, count: number): void {
  for (let w = from * WORDS, end = (from + count) * WORDS, t = to * WORDS; w < end; w++, t++) target[t] = source[w];
}

/**
 * One stream of `bars` with `models`' records merged in, in the order the StreamMerger gives the
 * two (ts_local, ties: the bar first): a run whose only streams are one instrument's bars and its
 * MODEL records plays this instead, so the merger copies long runs, not one record at a time.
 * With MODEL records still being computed (a GatedRecordStream), the result is gated too: the
 * bars are copied now, each gate's MODEL records once it opens, and a gate opens the merged
 * stream up to that gate's first record still pending.
 */
export function interleaveModelRecords(bars: MemoryStream, models: MemoryStream): MemoryStream;
export function interleaveModelRecords(bars: MemoryStream, models: MemoryStream | GatedRecordStream): MemoryStream | GatedRecordStream;
export function interleaveModelRecords(bars: MemoryStream, models: MemoryStream | GatedRecordStream): MemoryStream | GatedRecordStream {
  const out = new Uint8Array(bars.bytes.byteLength + models.bytes.byteLength);
  const b = new DataView(bars.bytes.buffer, bars.bytes.byteOffset, bars.bytes.byteLength);
  const m = new DataView(models.bytes.buffer, models.bytes.byteOffset, models.bytes.byteLength);
  // Records are copied as 32-bit words (no typed-array view per record).
  const outWords = new Int32Array(out.buffer);
  const barWords = wordsOf(bars.bytes);
  const modelWords = wordsOf(models.bytes);
  const nb = bars.expectedRows;
  const nm = models.expectedRows;
  const gated = models instanceof GatedRecordStream;
  // Where each MODEL record goes in `out` (gated: copied when its gate opens).
  const modelAt = new Int32Array(gated ? nm : 0);
  // ts_local as (high, low) 32-bit words, no BigInt per record (read from the words on a
  // little-endian machine, through a DataView otherwise).
  const hiOf = LITTLE_ENDIAN
    ? (words: Int32Array, _v: DataView, row: number): number => words[row * WORDS + TS_LOCAL / 4 + 1]
    : (_words: Int32Array, v: DataView, row: number): number => v.getInt32(row * RECORD_BYTES + TS_LOCAL + 4, true);
  const loOf = LITTLE_ENDIAN
    ? (words: Int32Array, _v: DataView, row: number): number => words[row * WORDS + TS_LOCAL / 4] >>> 0
    : (_words: Int32Array, v: DataView, row: number): number => v.getUint32(row * RECORD_BYTES + TS_LOCAL, true);
  let i = 0;
  let j = 0;
  let at = 0;
  while (i < nb || j < nm) {
    // Copy the bars' run up to the next MODEL record's time (equal times: bars first), then one MODEL record.
    const last = j >= nm;
    const untilHi = last ? 0 : hiOf(modelWords, m, j);
    const untilLo = last ? 0 : loOf(modelWords, m, j);
    let end = last ? nb : i;
    while (end < nb) {
      const hi = hiOf(barWords, b, end);
      if (hi > untilHi || (hi === untilHi && loOf(barWords, b, end) > untilLo)) break;
      end++;
    }
    if (end - i > 64) out.set(bars.bytes.subarray(i * RECORD_BYTES, end * RECORD_BYTES), at * RECORD_BYTES);
    else copyRecords(barWords, i, outWords, at, end - i);
    at += end - i;
    i = end;
    if (j < nm) {
      if (gated) modelAt[j] = at;
      else copyRecords(modelWords, j, outWords, at, 1);
      at++;
      j++;
    }
  }
  const like = { label: bars.label, symbol: bars.symbol, kind: bars.kind, barIntervalNs: bars.barIntervalNs };
  if (!gated) return MemoryStream.fromRecords(like, out);
  const total = nb + nm;
  let copiedUpTo = 0;
  let chain: Promise<void> = Promise.resolve();
  const gates = models.gates.map((gate) => {
    // In gate order: copy the MODEL records this gate covers once it (and every earlier one) opened.
    chain = chain.then(() => gate.ready).then(() => {
      for (; copiedUpTo < gate.records; copiedUpTo++) copyRecords(modelWords, copiedUpTo, outWords, modelAt[copiedUpTo], 1);
    });
    // Open up to the first MODEL record this gate does not cover (all when it covers every one).
    return { records: gate.records < nm ? modelAt[gate.records] : total, ready: chain };
  });
  if (gates.length === 0 || gates[gates.length - 1].records !== total) gates.push({ records: total, ready: gates.length > 0 ? gates[gates.length - 1].ready : Promise.resolve() });
  return new GatedRecordStream(like, out, gates);
}
