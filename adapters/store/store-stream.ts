// Reading the store: openStoreStreams gives one MarketStream per matching series. Its blocks()
// walks the series' LMDB key range one block at a time (a fresh cursor from the last key seen,
// so nothing is held across the consumer's awaits and memory stays one block), copies each
// block into one reused buffer, cuts the edge blocks to exactly [from, to) and writes the run's
// instrument id into every record. Blocks of an import still in progress are skipped; an import
// a crash left pending is rolled back first, and a series a --replace import is rewriting is
// refused (settlePendingImport). Trades are held to the CSV loader's row rules (engine/replay
// trade-record-rules.ts: price > 0, size > 0), which a store imported before them may break: a
// bad one stops the read with a BadTradeRecordError naming the series, the row, its time, the
// field, the value and the rule.
//
//   from                                                   to (exclusive)
//    |                                                      |
//   [ block k: cut ][ block k+1 ][ ... ][ block m: cut ]
//   block k = the last block whose key is <= (series, from, 0): it may hold rows before `from`
import { BadTradeRecordError, RECORD_BYTES, tradeRecordProblem, type MarketRecordKind, type MarketStream, type RecordBlock, type StreamIssue } from '../../engine/replay/index.js';
import { EV_PRICE, EV_SIZE, EV_TS_EXCHANGE } from '../../engine/layout/event-record.js';
import { MarketStore, type SeriesInfo } from './market-store.js';
import { settlePendingImport } from './store-import.js';
import { blockKey, compareKeys, formatInterval, keyAfter, seriesEndKey, seriesStartKey } from './series-key.js';
import { tsLocalAt } from './block-packer.js';

export interface StoreQuery {
  /** Only this symbol (exact). */
  symbol?: string;
  kind?: MarketRecordKind;
  /** Bars: only this interval (ns). */
  intervalNs?: bigint;
  /** Rows with ts_local >= from (ns). */
  from?: bigint;
  /** Rows with ts_local < to (ns). */
  to?: bigint;
}

const WORDS = RECORD_BYTES / 4;

/** One MarketStream per series of the store in `dir` matching `query`, ordered by symbol, kind and interval. */
export function openStoreStreams(dir: string, query: StoreQuery = {}): StoreStream[] {
  if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
    throw new RangeError(`store query \`to\` must be >= \`from\`, was from ${query.from} to ${query.to}`);
  }
  const store = MarketStore.open(dir);
  try {
    const matching = (): SeriesInfo[] => store
      .listSeries()
      .filter((s) => (query.symbol === undefined || s.symbol === query.symbol) && (query.kind === undefined || s.kind === query.kind)
        && (query.intervalNs === undefined || s.intervalNs === query.intervalNs));
    settlePendingImport(store, matching());
    return matching().map((s) => new StoreStream(dir, s, query.from, query.to));
  } finally {
    void store.close();
  }
}

export class StoreStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  readonly barIntervalNs?: bigint;
  readonly expectedRows?: number;

  constructor(
    readonly dir: string,
    readonly series: SeriesInfo,
    readonly from?: bigint,
    readonly to?: bigint,
  ) {
    this.symbol = series.symbol;
    this.kind = series.kind;
    if (series.intervalNs !== undefined) this.barIntervalNs = series.intervalNs;
    this.label = `store:${dir}/${series.symbol}/${series.kind}${series.intervalNs !== undefined ? `/${formatInterval(series.intervalNs)}` : ''}`;
    const whole = (from === undefined || (series.firstNs !== undefined && from <= series.firstNs)) && (to === undefined || (series.lastNs !== undefined && to > series.lastNs));
    if (whole) this.expectedRows = series.rows;
  }

  issues(): readonly StreamIssue[] {
    return [];
  }

  async *blocks(instrument: number): AsyncIterable<RecordBlock> {
    const store = MarketStore.open(this.dir);
    try {
      const id = this.series.id;
      const { from, to } = this;
      let start = seriesStartKey(id);
      if (from !== undefined) {
        start = blockKey(id, from, 0);
        for (const { key } of store.blocks.getRange({ start, end: seriesStartKey(id), reverse: true, limit: 1 })) start = Buffer.from(key);
      }
      const end = to !== undefined ? blockKey(id, to, 0) : seriesEndKey(id);
      let buffer = new Uint8Array(64 * RECORD_BYTES);
      let rows = 0;
      for (;;) {
        let key: Buffer | undefined;
        let count = 0;
        for (const entry of store.blocks.getRange({ start, end, limit: 1 })) {
          key = Buffer.from(entry.key);
          count = entry.value.length / RECORD_BYTES;
          if (entry.value.length > buffer.length) buffer = new Uint8Array(entry.value.length);
          buffer.set(entry.value, 0);
        }
        if (key === undefined) return;
        start = keyAfter(key);
        if (this.inPendingImport(store, key)) continue;
        let first = 0;
        let last = count;
        if (from !== undefined) while (first < last && tsLocalAt(buffer, first) < from) first++;
        if (to !== undefined) while (last > first && tsLocalAt(buffer, last - 1) >= to) last--;
        if (first === last) continue;
        if (this.kind === 'trades') this.checkTrades(buffer, first, last, rows);
        rows += last - first;
        const words = new Int32Array(buffer.buffer, 0, count * WORDS);
        for (let w = first * WORDS + 1, stop = last * WORDS; w < stop; w += WORDS) words[w] = instrument;
        yield { count: last - first, bytes: buffer.subarray(first * RECORD_BYTES, last * RECORD_BYTES) };
      }
    } finally {
      await store.close();
    }
  }

  /** The trade rules over records [first, last) of `buffer`; `before`: rows read before them. */
  private checkTrades(buffer: Uint8Array, first: number, last: number, before: number): void {
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    for (let r = first; r < last; r++) {
      const at = r * RECORD_BYTES;
      const problem = tradeRecordProblem(view.getFloat64(at + EV_PRICE, true), view.getFloat64(at + EV_SIZE, true));
      if (problem !== null) throw new BadTradeRecordError(this.label, before + r - first + 1, view.getBigInt64(at + EV_TS_EXCHANGE, true), problem);
    }
  }

  private inPendingImport(store: MarketStore, key: Buffer): boolean {
    const pending = store.pending();
    if (!pending || pending.seriesId !== this.series.id || pending.fromKey === null || pending.lastKey === null) return false;
    return compareKeys(key, Buffer.from(pending.fromKey, 'hex')) >= 0 && compareKeys(key, Buffer.from(pending.lastKey, 'hex')) <= 0;
  }
}

export interface StoreReadMeasure {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** Reads every matching series to the end (as a backtest would, without a ring) and times it. */
export async function measureStoreRead(dir: string, query: StoreQuery = {}): Promise<StoreReadMeasure> {
  const streams = openStoreStreams(dir, query);
  const started = process.hrtime.bigint();
  let rows = 0;
  for (const [index, stream] of streams.entries()) {
    for await (const block of stream.blocks(index)) rows += block.count;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : 0 };
}

