// A MarketStream over one symbol of one QuestDB table (engine/replay/market-stream.ts).
//
// openQuestDbStream(url) parses the URL, checks that the table exists and has the documented
// columns (questdb-schema.ts), counts the rows in range (expectedRows) and, for bars without
// `interval_s`, finds the table's single interval for the symbol. blocks() then runs one
// `/exp` CSV export ordered by the designated timestamp and decodes its bytes straight into
// 64-byte records (questdb-csv.ts): one HTTP response read with backpressure, one reused
// block buffer, so memory stays constant whatever the row count.
//
// Why /exp CSV: it was the fastest of the methods measured (tools/questdb/measure-replay.mjs
// and adapters/questdb/README.md): the `postgres` cursor and a Parquet export (`/exp?fmt=parquet`,
// which QuestDB 9.3 offers) decoded in JS were slower and need a dependency.
import { RECORD_BYTES, type MarketStream, type RecordBlock, type StreamIssue } from '../../engine/replay/index.js';
import { questDbExec, questDbExport } from './questdb-client.js';
import { CsvDecodeError, CsvRecordDecoder, csvSelectList, type CsvLayout } from './questdb-csv.js';
import { QuestDbSchemaError, QuestDbStreamError } from './questdb-errors.js';
import { checkTableColumns, type ColumnInfo } from './questdb-schema.js';
import { parseQuestDbUrl, type QuestDbSource } from './questdb-url.js';

function usLiteral(us: bigint): string {
  return `cast(${us} as timestamp)`;
}

/** The WHERE clause of a source: symbol, time bounds and (bars) the interval. */
export function sourceFilter(source: QuestDbSource, intervalSeconds?: number): string {
  const terms = [`symbol = '${source.symbol}'`];
  if (source.fromUs !== undefined) terms.push(`ts >= ${usLiteral(source.fromUs)}`);
  if (source.toUs !== undefined) terms.push(`ts < ${usLiteral(source.toUs)}`);
  if (intervalSeconds !== undefined) terms.push(`interval_s = ${intervalSeconds}`);
  return terms.join(' and ');
}

/** The export query of a source. */
export function exportQuery(source: QuestDbSource, intervalSeconds?: number): string {
  const layout: CsvLayout = { kind: source.kind, recvTs: source.local === 'recv_ts' };
  const order = source.local === 'recv_ts' ? 'recv_ts, ts' : 'ts';
  return `select ${csvSelectList(layout)} from ${source.table} where ${sourceFilter(source, intervalSeconds)} order by ${order}`;
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

/** Opens a replay stream over a `questdb://` URL (see questdb-url.ts for its parameters). */
export async function openQuestDbStream(url: string): Promise<MarketStream> {
  const source = parseQuestDbUrl(url);
  const columns = await tableColumns(source);
  checkTableColumns(source.url, source.table, source.kind, columns, source.local === 'recv_ts' ? ['recv_ts'] : []);
  const intervalSeconds = source.kind === 'bars' ? await barInterval(source) : undefined;
  const count = await questDbExec(source.httpBase, `select count() from ${source.table} where ${sourceFilter(source, intervalSeconds)}`, source.url);
  const expectedRows = Number(count.dataset[0]?.[0] ?? 0);
  return new QuestDbStream(source, intervalSeconds, expectedRows);
}

class QuestDbStream implements MarketStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketStream['kind'];
  readonly barIntervalNs?: bigint;
  /** Rows yielded by the last blocks() run. */
  rows = 0;

  constructor(private readonly source: QuestDbSource, private readonly intervalSeconds: number | undefined, readonly expectedRows: number) {
    this.label = source.url;
    this.symbol = source.symbol;
    this.kind = source.kind;
    if (intervalSeconds !== undefined) this.barIntervalNs = BigInt(intervalSeconds) * 1_000_000_000n;
  }

  issues(): readonly StreamIssue[] {
    return [];
  }

  async *blocks(instrument: number): AsyncIterable<RecordBlock> {
    const source = this.source;
    if (this.expectedRows === 0 && source.kind === 'bars' && !this.intervalSeconds) return;
    const layout: CsvLayout = {
      kind: source.kind,
      recvTs: source.local === 'recv_ts',
      intervalUs: this.intervalSeconds === undefined ? undefined : this.intervalSeconds * 1_000_000,
    };
    const decoder = new CsvRecordDecoder(layout, instrument, source.blockRecords);
    this.rows = 0;
    const response = await questDbExport(source.httpBase, exportQuery(source, this.intervalSeconds), source.url);
    let tail: Buffer | undefined;
    try {
      for await (const piece of response) {
        let chunk = piece as Buffer;
        if (tail) chunk = Buffer.concat([tail, chunk]);
        let pos = 0;
        for (;;) {
          pos = decoder.decode(chunk, pos);
          if (!decoder.full) break;
          this.rows += decoder.count;
          yield { count: decoder.count, bytes: decoder.bytes.subarray(0, decoder.count * RECORD_BYTES) };
          decoder.nextBlock();
        }
        tail = pos < chunk.length ? chunk.subarray(pos) : undefined;
        if (tail && tail.length > 1 << 20) throw new CsvDecodeError(decoder.rows + 1, 'line', `${tail.length} bytes`, 'must be shorter than 1 MiB');
      }
      decoder.finish(tail?.length ?? 0);
    } catch (error) {
      if (error instanceof CsvDecodeError) throw new QuestDbStreamError(source.url, decoder.rows, `the export is malformed: ${error.message}`);
      const err = error as NodeJS.ErrnoException;
      throw new QuestDbStreamError(source.url, decoder.rows, `the connection to QuestDB at ${source.httpBase} broke (${err.code ?? err.message}); is the server still running?`);
    } finally {
      response.destroy();
    }
    if (decoder.count > 0) {
      this.rows += decoder.count;
      yield { count: decoder.count, bytes: decoder.bytes.subarray(0, decoder.count * RECORD_BYTES) };
    }
  }
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
