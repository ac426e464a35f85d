// A MarketStream over one symbol of one QuestDB table (engine/replay/market-stream.ts).
//
// openQuestDbStream(url) parses the URL, checks that the table exists and has the documented
// columns (questdb-schema.ts), counts the rows in range (expectedRows) and, for bars without
// `interval_s`, finds the table's single interval for the symbol. blocks() then reads the rows
// ordered by the designated timestamp (or recv_ts, ts) in pages of PAGE_ROWS: each page is one
// `/exp` CSV export decoded straight into 64-byte records (questdb-csv.ts) and read to its end
// before its records are yielded (the next page is read meanwhile), so memory stays bounded
// (two pages) whatever the row count and no export connection waits on the replay. (One export held open per stream hit QuestDB's
// export connection limit, http.export.connection.limit, 2 on a 2-core server by default: a
// backtest of three QuestDB instruments failed with HTTP 429.) A full page's rows of its last
// key are not yielded: the next page starts at that key (`ts >= key`), so rows that share a time
// always come from one query (QuestDB does not order ties the same way in every query) and are
// neither lost nor repeated.
//
// Why /exp CSV: it was the fastest of the methods measured (tools/questdb/measure-replay.mjs
// and adapters/questdb/README.md): the `postgres` cursor and a Parquet export (`/exp?fmt=parquet`,
// which QuestDB 9.3 offers) decoded in JS were slower and need a dependency.
import { RECORD_BYTES, type MarketStream, type RecordBlock, type StreamIssue } from '../../engine/replay/index.js';
import { EV_TS_EXCHANGE, EV_TS_LOCAL } from '../../engine/layout/event-record.js';
import { questDbExec, questDbExport } from './questdb-client.js';
import { CsvDecodeError, CsvRecordDecoder, CsvRowValueError, csvSelectList, type CsvLayout } from './questdb-csv.js';
import { QuestDbQueryError, QuestDbSchemaError, QuestDbStreamError } from './questdb-errors.js';
import { checkTableColumns, type ColumnInfo } from './questdb-schema.js';
import { parseQuestDbUrl, type QuestDbSource } from './questdb-url.js';
import { TradeIdFilter } from './trade-id-filter.js';

function usLiteral(us: bigint): string {
  return `cast(${us} as timestamp)`;
}

/**
 * The WHERE clause of a source: symbol, time bounds and (bars) the interval. from/to bound the
 * column that becomes ts_local, the time the replay orders and plays the rows by: `ts` (a bar's
 * open), or `recv_ts` with local=recv_ts, as a store:DIR window bounds ticks by their arrival
 * time, so one window selects the same ticks from either. (A bound on recv_ts is not on the
 * designated timestamp: the server scans the symbol's rows instead of only the window's partitions.)
 */
export function sourceFilter(source: QuestDbSource, intervalSeconds?: number): string {
  const terms = [`symbol = '${source.symbol}'`];
  const time = source.local === 'recv_ts' ? 'recv_ts' : 'ts';
  if (source.fromUs !== undefined) terms.push(`${time} >= ${usLiteral(source.fromUs)}`);
  if (source.toUs !== undefined) terms.push(`${time} < ${usLiteral(source.toUs)}`);
  if (intervalSeconds !== undefined) terms.push(`interval_s = ${intervalSeconds}`);
  return terms.join(' and ');
}

/** Rows per page of a replay: 16 MiB of records; a page costs the server ~60 ms over its rows (so pages are large), and two are in memory at once. */
export const PAGE_ROWS = 262_144;

/** Where a page starts: the order key of its first row (µs), `ts` or (`recv_ts`, `ts`). */
export interface PageStart {
  readonly tsUs: bigint;
  /** With local=recv_ts: the recv_ts of the key (its first part). */
  readonly recvUs?: bigint;
}

/** The export query of a source; with `page`, one page of it: from the page's start key, at most `limit` rows. */
export function exportQuery(source: QuestDbSource, intervalSeconds?: number, page?: { start?: PageStart; limit: number }): string {
  const layout: CsvLayout = { kind: source.kind, recvTs: source.local === 'recv_ts' };
  const order = source.local === 'recv_ts' ? 'recv_ts, ts' : 'ts';
  let where = sourceFilter(source, intervalSeconds);
  const start = page?.start;
  if (start !== undefined) {
    where += start.recvUs === undefined
      ? ` and ts >= ${usLiteral(start.tsUs)}`
      : ` and (recv_ts > ${usLiteral(start.recvUs)} or (recv_ts = ${usLiteral(start.recvUs)} and ts >= ${usLiteral(start.tsUs)}))`;
  }
  return `select ${csvSelectList(layout)} from ${source.table} where ${where} order by ${order}${page ? ` limit ${page.limit}` : ''}`;
}

async function tableColumns(source: QuestDbSource): Promise<ColumnInfo[]> {
  try {
    const result = await questDbExec(source.httpBase, `select "column", type, designated from table_columns('${source.table}')`, source.url);
    return result.dataset.map((row) => ({ name: String(row[0]), type: String(row[1]), designated: row[2] === true }));
  } catch (error) {
    if (error instanceof Error && /table does not exist/i.test(error.message)) {
      throw new QuestDbSchemaError(source.url, source.table, undefined, `the table must exist on ${source.httpBase} (${(error as Error & { detail?: string }).detail ?? 'not found'})`);
    }
    throw error;
  }
}

async function barInterval(source: QuestDbSource): Promise<number> {
  if (source.intervalSeconds !== undefined) return source.intervalSeconds;
  const result = await questDbExec(source.httpBase, `select interval_s, count() n from ${source.table} where ${sourceFilter(source)} group by interval_s order by interval_s`, source.url);
  const intervals = result.dataset.map((row) => Number(row[0]));
  if (intervals.length === 1 && intervals[0] > 0) return intervals[0];
  if (intervals.length === 0) return 0; // no rows: nothing to stream, any interval
  throw new QuestDbSchemaError(
    source.url,
    source.table,
    'interval_s',
    intervals.some((i) => !(i > 0))
      ? `must be >= 1 on every bar of ${source.symbol}, found ${intervals.join(', ')}`
      : `${source.symbol} has bars of several intervals (${intervals.join(', ')} s): choose one with interval_s=`,
  );
}

export interface QuestDbStreamOptions {
  /** Rows per page (default PAGE_ROWS; tests read small pages). */
  readonly pageRows?: number;
}

/** Opens a replay stream over a `questdb://` URL (see questdb-url.ts for its parameters). */
export async function openQuestDbStream(url: string, options: QuestDbStreamOptions = {}): Promise<MarketStream> {
  const source = parseQuestDbUrl(url);
  const columns = await tableColumns(source);
  checkTableColumns(source.url, source.table, source.kind, columns, source.local === 'recv_ts' ? ['recv_ts'] : []);
  const intervalSeconds = source.kind === 'bars' ? await barInterval(source) : undefined;
  const count = await questDbExec(source.httpBase, `select count() from ${source.table} where ${sourceFilter(source, intervalSeconds)}`, source.url);
  const expectedRows = Number(count.dataset[0]?.[0] ?? 0);
  const pageRows = options.pageRows ?? PAGE_ROWS;
  if (!Number.isInteger(pageRows) || pageRows < 1) throw new RangeError(`pageRows must be an integer >= 1, was ${pageRows}`);
  return new QuestDbStream(source, intervalSeconds, expectedRows, pageRows);
}

class QuestDbStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketStream['kind'];
  readonly barIntervalNs?: bigint;
  /** Rows yielded by the last blocks() run. */
  rows = 0;
  /** Trades: drops repeated trade ids as the CSV reader does (trade-id-filter.ts). */
  private readonly tradeIds: TradeIdFilter | undefined;

  constructor(private readonly source: QuestDbSource, private readonly intervalSeconds: number | undefined, readonly expectedRows: number, private readonly pageRows: number) {
    this.label = source.url;
    this.symbol = source.symbol;
    this.kind = source.kind;
    if (intervalSeconds !== undefined) this.barIntervalNs = BigInt(intervalSeconds) * 1_000_000_000n;
    if (source.kind === 'trades') this.tradeIds = new TradeIdFilter(source.table);
  }

  issues(): readonly StreamIssue[] {
    return this.tradeIds?.issues() ?? [];
  }

  async *blocks(instrument: number): AsyncIterable<RecordBlock> {
    const source = this.source;
    if (this.expectedRows === 0 && source.kind === 'bars' && !this.intervalSeconds) return;
    const layout: CsvLayout = {
      kind: source.kind,
      recvTs: source.local === 'recv_ts',
      intervalUs: this.intervalSeconds === undefined ? undefined : this.intervalSeconds * 1_000_000,
    };
    this.rows = 0;
    this.tradeIds?.reset();
    let start: PageStart | undefined;
    let limit = this.pageRows;
    const read = (from: PageStart | undefined, rows: number) => {
      const page = this.readPage(layout, instrument, exportQuery(source, this.intervalSeconds, { start: from, limit: rows }));
      page.catch(() => undefined); // awaited below, unless the consumer stops first
      return page;
    };
    let next = read(start, limit);
    for (;;) {
      let page: Awaited<typeof next>;
      try {
        page = await next;
      } catch (error) {
        // A page read ahead failed while the one before was replayed: count what was replayed since.
        if (error instanceof QuestDbStreamError) throw new QuestDbStreamError(source.url, this.rows, error.detail);
        throw error;
      }
      const records = page.records;
      if (start !== undefined && records > 0 && keyBefore(page.view, 0, start, layout.recvTs)) {
        throw new QuestDbStreamError(source.url, this.rows, 'the table changed while it was read (a page went back in time); replay a table that is not being written');
      }
      // A full page may stop inside the rows of its last key: those are read again, whole, with the
      // next page (which starts at that key), so rows sharing a time always come from one query.
      const last = records < limit ? records : firstOfLastKey(page.view, records, layout.recvTs);
      if (last === 0) {
        limit *= 2; // the whole page is one key: read more of it at once
        next = read(start, limit);
        continue;
      }
      const more = records === limit;
      if (more) {
        // The next page is read while this one is yielded (the replay and the server's export overlap).
        start = keyOf(page.view, last, layout.recvTs);
        limit = this.pageRows;
        next = read(start, limit);
      }
      const kept = this.tradeIds === undefined ? last : this.tradeIds.keepNew(page.bytes, last);
      for (let from = 0; from < kept; from += source.blockRecords) {
        const count = Math.min(kept - from, source.blockRecords);
        this.rows += count;
        yield { count, bytes: page.bytes.subarray(from * RECORD_BYTES, (from + count) * RECORD_BYTES) };
      }
      if (!more) return;
    }
  }

  /** One page: the whole `/exp` answer of `query` decoded into records, the connection closed before any is yielded. */
  private async readPage(layout: CsvLayout, instrument: number, query: string): Promise<{ bytes: Uint8Array; view: DataView; records: number }> {
    const source = this.source;
    const decoder = new CsvRecordDecoder(layout, instrument, source.blockRecords);
    const parts: Uint8Array[] = [];
    const keep = (): void => {
      parts.push(decoder.bytes.slice(0, decoder.count * RECORD_BYTES));
      decoder.nextBlock();
    };
    let response: Awaited<ReturnType<typeof questDbExport>>;
    try {
      response = await questDbExport(source.httpBase, query, source.url);
    } catch (error) {
      // The server went away between two pages: the replay broke off, like a cut connection.
      if (error instanceof QuestDbQueryError && error.status === undefined && this.rows > 0) {
        throw new QuestDbStreamError(source.url, this.rows, `the connection to QuestDB at ${source.httpBase} broke (${error.detail}); is the server still running?`);
      }
      throw error;
    }
    let tail: Buffer | undefined;
    try {
      for await (const piece of response) {
        let chunk = piece as Buffer;
        if (tail) chunk = Buffer.concat([tail, chunk]);
        let pos = 0;
        for (;;) {
          pos = decoder.decode(chunk, pos);
          if (!decoder.full) break;
          keep();
        }
        tail = pos < chunk.length ? chunk.subarray(pos) : undefined;
        if (tail && tail.length > 1 << 20) throw new CsvDecodeError(decoder.rows + 1, 'line', `${tail.length} bytes`, 'must be shorter than 1 MiB');
      }
      decoder.finish(tail?.length ?? 0);
    } catch (error) {
      if (error instanceof CsvRowValueError) throw new QuestDbStreamError(source.url, this.rows, `table ${source.table}: ${error.message}; fix or delete that row (the CSV reader refuses it too)`);
      if (error instanceof CsvDecodeError) throw new QuestDbStreamError(source.url, this.rows, `the export is malformed: ${error.message}`);
      const err = error as NodeJS.ErrnoException;
      throw new QuestDbStreamError(source.url, this.rows, `the connection to QuestDB at ${source.httpBase} broke (${err.code ?? err.message}); is the server still running?`);
    } finally {
      response.destroy();
    }
    if (decoder.count > 0) keep();
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), records: bytes.byteLength / RECORD_BYTES };
  }
}

function tsUsOf(view: DataView, record: number): bigint {
  return view.getBigInt64(record * RECORD_BYTES + EV_TS_EXCHANGE, true) / 1000n;
}

function recvUsOf(view: DataView, record: number): bigint {
  return view.getBigInt64(record * RECORD_BYTES + EV_TS_LOCAL, true) / 1000n;
}

function keyOf(view: DataView, record: number, recvTs: boolean): PageStart {
  return { tsUs: tsUsOf(view, record), ...(recvTs ? { recvUs: recvUsOf(view, record) } : {}) };
}

function sameKey(view: DataView, record: number, key: PageStart, recvTs: boolean): boolean {
  return tsUsOf(view, record) === key.tsUs && (!recvTs || recvUsOf(view, record) === key.recvUs);
}

function keyBefore(view: DataView, record: number, key: PageStart, recvTs: boolean): boolean {
  if (recvTs) {
    const recv = recvUsOf(view, record);
    return recv < key.recvUs! || (recv === key.recvUs && tsUsOf(view, record) < key.tsUs);
  }
  return tsUsOf(view, record) < key.tsUs;
}

/** Index of the first of the records that share the last record's key. */
function firstOfLastKey(view: DataView, records: number, recvTs: boolean): number {
  const key = keyOf(view, records - 1, recvTs);
  let first = records - 1;
  while (first > 0 && sameKey(view, first - 1, key, recvTs)) first--;
  return first;
}

/** Replays a URL as fast as it comes (records discarded) and times it: for the bench suite. */
export async function measureQuestDbReplay(url: string): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const started = performance.now();
  const stream = await openQuestDbStream(url);
  let rows = 0;
  let checksum = 0;
  for await (const block of stream.blocks(0)) {
    rows += block.count;
    checksum ^= block.bytes[block.bytes.length - 40]; // touch the data so nothing is optimised away
  }
  const seconds = (performance.now() - started) / 1000;
  if (checksum < 0) throw new Error('unreachable');
  return { rows, seconds, rowsPerSecond: rows / seconds };
}
