// Records TRADE, QUOTE and BAR event records into the three tick-store tables over ILP
// (@questdb/nodejs-client), HTTP by default (the server answers every flush, so a refused row
// is an error here) or TCP.
//
// record() only encodes rows into the sender's buffer and returns; a flush starts (without
// being awaited) every `flushRows` rows and every `flushIntervalMs` ms. flush() and close()
// are the only awaits. A failed flush (server down past the client's retries, rows refused)
// becomes a QuestDbRecorderError naming the endpoint and the rows by table: it goes to
// `onError`, and every later record(), flush() and close() throws it. Rows are never dropped
// silently.
//
// Mapping (README.md): ns -> µs by truncation (floor) for ts and recv_ts; trades and quotes
// store ts_exchange in ts and ts_local in recv_ts; a bar stores its open in ts and
// interval_s = (ts_local - ts_exchange) / 1e9, which must be a whole number of seconds >= 1.
// A quote's mid (price) is not stored: the replay recomputes it as (bid + ask) / 2.
import type { Sender } from '@questdb/nodejs-client';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../../engine/layout/event-record.js';
import { RECORD_BYTES, type MarketRecordKind } from '../../engine/replay/index.js';
import { questDbExec } from './questdb-client.js';
import { QuestDbRecorderError } from './questdb-errors.js';
import { createTableSql, DEFAULT_TABLES } from './questdb-schema.js';
import { SYMBOL_NAME, TABLE_NAME } from './questdb-url.js';

export interface QuestDbRecorderOptions {
  /** Server host (default 127.0.0.1). */
  readonly host?: string;
  /** HTTP port: ILP over HTTP and the CREATE TABLE statements (default 9000). */
  readonly httpPort?: number;
  /** `http` (default) or `tcp`. */
  readonly protocol?: 'http' | 'tcp';
  /** ILP TCP port when protocol is `tcp` (default 9009). */
  readonly ilpTcpPort?: number;
  /** Table names by kind (default trades, quotes, bars). */
  readonly tables?: Partial<Record<MarketRecordKind, string>>;
  /** Start a flush when this many rows are buffered (default 50,000). */
  readonly flushRows?: number;
  /**
   * record() returns false once this many rows are buffered or in flight (default 4 * flushRows):
   * the caller should then `await flush()` before recording more (backpressure, as stream.write).
   */
  readonly highWaterRows?: number;
  /** Start a flush this often when rows are buffered, in ms (default 1000; 0: never on time). */
  readonly flushIntervalMs?: number;
  /** HTTP: how long the client retries a failed request, in ms (default 10,000). */
  readonly retryTimeoutMs?: number;
  /** HTTP: how long to wait for the server's answer, in ms (default 30,000). */
  readonly requestTimeoutMs?: number;
  /** Create the tables (documented schema) when absent, on open (default true). */
  readonly ensureTables?: boolean;
  /** Called once with the first failure (it is also thrown by the next call). */
  readonly onError?: (error: QuestDbRecorderError) => void;
}

export interface QuestDbRecorderStats {
  /** Rows encoded by record(), by table kind. */
  readonly recorded: Readonly<Record<MarketRecordKind, number>>;
  /** Rows the server acknowledged (HTTP) or that were written to the socket (TCP). */
  readonly written: number;
  /** Records of other kinds that record() was given and skipped. */
  readonly skipped: number;
  /** Flushes completed. */
  readonly flushes: number;
}

type Counts = Record<MarketRecordKind, number>;
const zero = (): Counts => ({ trades: 0, quotes: 0, bars: 0 });
const TWO32 = 4294967296;
const MAX_TRADE_ID = BigInt(Number.MAX_SAFE_INTEGER);
type ClientLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string | Error) => void;

/** floor(ns / 1000) of the i64 at `at`, as a Number (exact below 2^53 µs; ns must be >= 0). */
function usOf(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getInt32(at + 4, true);
  if (hi < 0) return -1;
  const hiQ = Math.floor(hi / 1000);
  const rest = (hi - hiQ * 1000) * TWO32 + lo; // < 1000 * 2^32: exact
  return hiQ * TWO32 + Math.floor(rest / 1000);
}

export class QuestDbRecorder {
  readonly endpoint: string;
  private readonly tables: Readonly<Record<MarketRecordKind, string>>;
  private readonly flushRows: number;
  private readonly httpBase: string;
  private sending: Promise<void> | undefined;
  private flushRequested = false;
  private pending: Counts = zero();
  private inFlightCounts: Counts = zero();
  private inFlightRows = 0;
  private readonly highWaterRows: number;
  private pendingRows = 0;
  private readonly recorded: Counts = zero();
  private written = 0;
  private skipped = 0;
  private flushes = 0;
  private failure: QuestDbRecorderError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly sender: Sender, private readonly options: QuestDbRecorderOptions, endpoint: string) {
    this.endpoint = endpoint;
    this.tables = { ...DEFAULT_TABLES, ...options.tables };
    for (const [kind, table] of Object.entries(this.tables)) {
      if (!TABLE_NAME.test(table)) throw new RangeError(`\`tables.${kind}\` must be letters, digits and _, not starting with a digit, was ${JSON.stringify(table)}`);
    }
    this.flushRows = options.flushRows ?? 50_000;
    if (!Number.isInteger(this.flushRows) || this.flushRows < 1) throw new RangeError(`\`flushRows\` must be an integer >= 1, was ${options.flushRows}`);
    this.highWaterRows = options.highWaterRows ?? 4 * this.flushRows;
    this.httpBase = `http://${options.host ?? '127.0.0.1'}:${options.httpPort ?? 9000}`;
    const interval = options.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.sending) this.flushRequested = true;
        else this.startFlush();
      }, interval);
      this.timer.unref();
    }
  }

  /** Connects (TCP), creates the tables when absent (unless `ensureTables: false`) and returns a recorder. */
  static async open(options: QuestDbRecorderOptions = {}): Promise<QuestDbRecorder> {
    const host = options.host ?? '127.0.0.1';
    const protocol = options.protocol ?? 'http';
    const port = protocol === 'http' ? options.httpPort ?? 9000 : options.ilpTcpPort ?? 9009;
    const endpoint = `${protocol}://${host}:${port}`;
    // protocol_version=2 (binary doubles; QuestDB >= 9) is set, not probed. Over HTTP the
    // client's Node http transport (stdlib_http) is used: its default (undici) transport never
    // settled a flush to a refused connection, and counts retry_timeout as a bound on the whole
    // request, so a large flush on a busy machine timed out though the server was fine.
    const settings = [`addr=${host}:${port}`, 'auto_flush=off', 'init_buf_size=1048576', 'protocol_version=2'];
    if (protocol === 'http') {
      settings.push('stdlib_http=on', `retry_timeout=${options.retryTimeoutMs ?? 10_000}`, `request_timeout=${options.requestTimeoutMs ?? 30_000}`);
    }
    // The client's own log: its errors (over TCP the only sign of a reset connection: the
    // server never answers a TCP flush) fail the recorder; its connection chatter is dropped.
    let recorder: QuestDbRecorder | undefined;
    const log: ClientLog = (level, message) => {
      const text = message instanceof Error ? message.message : message;
      if (level === 'error') recorder?.connectionFailed(text);
      else if (level === 'warn') console.warn(`questdb client: ${text}`);
    };
    let sender: Sender;
    try {
      // Loaded on first use: a process that records nothing (a sweep worker) never pays for the client.
      const { Sender: QuestDbSender } = await import('@questdb/nodejs-client');
      sender = await QuestDbSender.fromConfig(`${protocol}::${settings.join(';')};`, { log });
      if (protocol === 'tcp') await sender.connect();
    } catch (error) {
      throw new QuestDbRecorderError(endpoint, {}, `could not connect: ${(error as Error).message}`);
    }
    recorder = new QuestDbRecorder(sender, options, endpoint);
    if (options.ensureTables ?? true) {
      try {
        await recorder.ensureTables();
      } catch (error) {
        await recorder.close().catch(() => undefined);
        throw error;
      }
    }
    return recorder;
  }

  /** Same as open(). */
  static connect(options: QuestDbRecorderOptions = {}): Promise<QuestDbRecorder> {
    return QuestDbRecorder.open(options);
  }

  /** Creates the three tables with the documented schema when absent (CREATE TABLE IF NOT EXISTS). */
  async ensureTables(): Promise<void> {
    for (const kind of ['trades', 'quotes', 'bars'] as const) {
      await questDbExec(this.httpBase, createTableSql(kind, this.tables[kind]), this.httpBase);
    }
  }

  /**
   * Buffers the TRADE, QUOTE and BAR records of `bytes` (count * 64 bytes) as rows; other kinds
   * are skipped and counted. `symbols[instrument]` names each record's instrument. Checks the
   * whole call first: a bad record (unknown instrument, time before 1970, a bar interval that
   * is not whole seconds, a side not in -1/0/+1, a trade id >= 2^53) throws a RangeError naming
   * the record's index and nothing of the call is buffered.
   *
   * Returns false when `highWaterRows` rows are buffered or in flight: the caller should
   * `await flush()` before recording more, or the buffer grows until the client refuses
   * (max 100 MiB), which fails the recorder.
   */
  record(bytes: Uint8Array, symbols: readonly string[]): boolean {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error(`${this.endpoint}: record() after close()`);
    if (bytes.byteLength % RECORD_BYTES !== 0) throw new RangeError(`\`bytes\` must be a whole number of ${RECORD_BYTES}-byte records, was ${bytes.byteLength} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = bytes.byteLength / RECORD_BYTES;
    for (let i = 0, at = 0; i < count; i++, at += RECORD_BYTES) this.check(view, at, i, symbols);
    try {
      this.encode(view, count, symbols);
    } catch (error) {
      // The client refused to buffer more (max_buf_size) or a value: nothing after this is taken.
      this.fail(new QuestDbRecorderError(this.endpoint, this.pendingByTable(), `rows could not be buffered: ${(error as Error).message}`));
      throw this.failure;
    }
    if (this.pendingRows >= this.flushRows) {
      if (this.sending) this.flushRequested = true;
      else this.startFlush();
    }
    return this.pendingRows + this.inFlightRows < this.highWaterRows;
  }

  private encode(view: DataView, count: number, symbols: readonly string[]): void {
    const sender = this.sender;
    for (let i = 0, at = 0; i < count; i++, at += RECORD_BYTES) {
      const kind = view.getInt32(at + EV_KIND, true) & KIND_MASK;
      if (kind !== EventKind.TRADE && kind !== EventKind.QUOTE && kind !== EventKind.BAR) {
        this.skipped++;
        continue;
      }
      const symbol = symbols[view.getInt32(at + EV_INSTRUMENT, true)];
      const exchangeUs = usOf(view, at + EV_TS_EXCHANGE);
      let table: MarketRecordKind;
      if (kind === EventKind.TRADE) {
        table = 'trades';
        sender
          .table(this.tables.trades)
          .symbol('symbol', symbol)
          .floatColumn('price', view.getFloat64(at + EV_PRICE, true))
          .floatColumn('size', view.getFloat64(at + EV_SIZE, true))
          .intColumn('side', view.getFloat64(at + EV_A, true))
          .intColumn('trade_id', Number(view.getBigUint64(at + EV_ID, true)))
          .timestampColumn('recv_ts', usOf(view, at + EV_TS_LOCAL), 'us');
      } else if (kind === EventKind.QUOTE) {
        table = 'quotes';
        sender
          .table(this.tables.quotes)
          .symbol('symbol', symbol)
          .floatColumn('bid', view.getFloat64(at + EV_A, true))
          .floatColumn('ask', view.getFloat64(at + EV_B, true))
          .floatColumn('bid_size', view.getFloat64(at + EV_SIZE, true))
          .floatColumn('ask_size', view.getFloat64(at + EV_ID, true))
          .timestampColumn('recv_ts', usOf(view, at + EV_TS_LOCAL), 'us');
      } else {
        table = 'bars';
        const intervalNs = view.getBigInt64(at + EV_TS_LOCAL, true) - view.getBigInt64(at + EV_TS_EXCHANGE, true);
        sender
          .table(this.tables.bars)
          .symbol('symbol', symbol)
          .floatColumn('open', view.getFloat64(at + EV_ID, true))
          .floatColumn('high', view.getFloat64(at + EV_A, true))
          .floatColumn('low', view.getFloat64(at + EV_B, true))
          .floatColumn('close', view.getFloat64(at + EV_PRICE, true))
          .floatColumn('volume', view.getFloat64(at + EV_SIZE, true))
          .intColumn('interval_s', Number(intervalNs / 1_000_000_000n));
      }
      // auto_flush is off: at() only closes the row in the buffer (its promise settles at once).
      sender.at(exchangeUs, 'us').catch(this.rowFailed);
      this.pending[table]++;
      this.recorded[table]++;
      this.pendingRows++;
    }
  }

  private pendingByTable(counts: Counts = this.pending): Record<string, number> {
    return { [this.tables.trades]: counts.trades, [this.tables.quotes]: counts.quotes, [this.tables.bars]: counts.bars };
  }

  /** The client reported a broken connection: the rows of the send in flight and those buffered are not known to be stored. */
  private connectionFailed(detail: string): void {
    const counts = zero();
    for (const kind of ['trades', 'quotes', 'bars'] as const) counts[kind] = this.pending[kind] + this.inFlightCounts[kind];
    this.fail(new QuestDbRecorderError(this.endpoint, this.pendingByTable(counts), `the connection failed: ${detail}`));
  }

  private check(view: DataView, at: number, index: number, symbols: readonly string[]): void {
    const kind = view.getInt32(at + EV_KIND, true) & KIND_MASK;
    if (kind !== EventKind.TRADE && kind !== EventKind.QUOTE && kind !== EventKind.BAR) return;
    const instrument = view.getInt32(at + EV_INSTRUMENT, true);
    const symbol = symbols[instrument];
    const where = `record ${index}`;
    if (symbol === undefined) throw new RangeError(`${where}: instrument ${instrument} must have a symbol (symbols has ${symbols.length})`);
    if (!SYMBOL_NAME.test(symbol)) throw new RangeError(`${where}: symbol must be letters, digits and . _ : / @ -, was ${JSON.stringify(symbol)}`);
    const exchange = view.getBigInt64(at + EV_TS_EXCHANGE, true);
    const local = view.getBigInt64(at + EV_TS_LOCAL, true);
    if (exchange < 0n || local < 0n) throw new RangeError(`${where}: ts_exchange and ts_local must be >= 0 (1970-01-01), were ${exchange}, ${local}`);
    if (kind === EventKind.TRADE) {
      const side = view.getFloat64(at + EV_A, true);
      if (side !== 1 && side !== -1 && side !== 0) throw new RangeError(`${where}: a trade's side (a) must be +1, -1 or 0, was ${side}`);
      const id = view.getBigUint64(at + EV_ID, true);
      if (id > MAX_TRADE_ID) throw new RangeError(`${where}: a trade id must be below 2^53 to be stored, was ${id}`);
    } else if (kind === EventKind.BAR) {
      const intervalNs = local - exchange;
      if (intervalNs < 1_000_000_000n || intervalNs % 1_000_000_000n !== 0n || intervalNs / 1_000_000_000n > 2_147_483_647n) {
        throw new RangeError(`${where}: a bar's ts_local - ts_exchange (its interval) must be a whole number of seconds >= 1, was ${intervalNs} ns`);
      }
    }
  }

  /** Starts sending what is buffered, unless a send is in flight (then it follows that send). */
  private startFlush(): void {
    if (this.pendingRows === 0 || this.failure || this.sending) return;
    const counts = this.pending;
    const rows = this.pendingRows;
    this.inFlightCounts = counts;
    this.inFlightRows = rows;
    this.pending = zero();
    this.pendingRows = 0;
    // Sender.flush() copies the buffer before its first await: later rows go to the next send.
    // One send at a time: rows that come meanwhile are sent together when it ends.
    this.sending = this.sender.flush().then(
      () => {
        this.written += rows;
        this.flushes++;
        this.sending = undefined;
        this.inFlightCounts = zero();
        this.inFlightRows = 0;
        if (this.pendingRows >= this.flushRows || this.flushRequested) {
          this.flushRequested = false;
          this.startFlush();
        }
      },
      (error: unknown) => {
        this.sending = undefined;
        this.fail(new QuestDbRecorderError(this.endpoint, this.pendingByTable(counts), (error as Error).message));
      },
    );
  }

  private readonly rowFailed = (error: unknown): void => {
    this.fail(new QuestDbRecorderError(this.endpoint, {}, `a row could not be encoded: ${(error as Error).message}`));
  };

  private fail(error: QuestDbRecorderError): void {
    if (this.failure) return;
    this.failure = error;
    this.options.onError?.(error);
  }

  /** Sends what is buffered and waits for every flush started so far; throws the first failure. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.sending) await this.sending;
      else if (this.pendingRows > 0) this.startFlush();
      else return;
    }
  }

  /** Flushes, stops the timer and closes the sender; throws the first failure (after closing). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.closed) {
      if (this.failure) throw this.failure;
      return;
    }
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.failure) this.sender.reset();
      await this.sender.close().catch(() => undefined);
    }
  }

  stats(): QuestDbRecorderStats {
    return { recorded: { ...this.recorded }, written: this.written, skipped: this.skipped, flushes: this.flushes };
  }
}
