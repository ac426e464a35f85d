// Maps a CSV header (and its first data row) plus the stream options onto a StreamLayout:
// the kind, the symbol, and where each needed column sits. Names match case-insensitively,
// surrounding spaces ignored; `columns` options name headers exactly as written (any case).
//
// Recognised headers (no options needed):
//   trades  Binance trades: trade_time_ms, price, qty, aggressor_side, trade_id (local_recv_ns kept
//           for receiveTimeColumn); LEAN equity trade ticks: datetime_ny, price, size (no side).
//   quotes  Binance bookTicker: bid_price, bid_qty, ask_price, ask_qty; the exchange time is
//           transaction_time_ms (when the matching engine changed the book, the same clock as a
//           trade's trade_time_ms), else event_time_ms; when both are empty on the first data
//           row (spot bookTicker pushes carry no time) the time is local_recv_ns, the capturing
//           machine's clock. LEAN quote ticks: datetime_ny, bid_price, bid_size, ask_price,
//           ask_size, exchange: one-sided updates (quote-stream.ts).
//   bars    a time column as loadBarsCsv finds it (timestamp, datetime, open_time, time, ts,
//           date) and open, high, low, close; volume optional.
// The kind, when not stated: price -> trades; bid and ask -> quotes; open/high/low/close -> bars.
// A `datetime_ny` time column is New York time unless a timezone is stated. A `suspicious`
// column (LEAN) marks rows the stream skips and reports.

import { basename } from 'node:path';
import type { MarketRecordKind } from '../../engine/replay/market-stream.js';
import { CR_ONLY_LINES, CsvFileError } from './csv-errors.js';
import type { CsvColumnRole, CsvStreamOptions } from './csv-stream-options.js';
import { TIME_COLUMN_NAMES } from './time-column.js';

export interface StreamLayout {
  readonly kind: MarketRecordKind;
  readonly symbol: string;
  readonly columnCount: number;
  /** Header names as written. */
  readonly names: readonly string[];
  readonly time: number;
  /** -1: ts_local = ts_exchange. */
  readonly receiveTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly price: number;
  readonly size: number;
  readonly side: number;
  readonly tradeId: number;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly suspicious: number;
  /** LEAN quote ticks: each row updates one side. */
  readonly oneSidedQuotes: boolean;
  /** Zone for naive times (stated, or America/New_York for datetime_ny), undefined for UTC. */
  readonly timezone: string | undefined;
  /** How the time column was chosen, for messages and docs. */
  readonly timeChoice: string;
}

const KIND_ROLES: Record<MarketRecordKind, readonly CsvColumnRole[]> = {
  bars: ['open', 'high', 'low', 'close', 'volume'],
  trades: ['price', 'size', 'side', 'tradeId'],
  quotes: ['bid', 'ask', 'bidSize', 'askSize'],
};
const OPTIONAL_ROLES: ReadonlySet<CsvColumnRole> = new Set(['volume', 'side', 'tradeId', 'bidSize', 'askSize']);
const ROLE_NAMES: Record<CsvColumnRole, readonly string[]> = {
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close'],
  volume: ['volume'],
  price: ['price', 'px'],
  size: ['qty', 'size', 'quantity', 'amount', 'volume'],
  side: ['aggressor_side', 'side', 'taker_side'],
  tradeId: ['trade_id', 'tradeid', 'id'],
  bid: ['bid_price', 'bid', 'bid_px', 'best_bid'],
  ask: ['ask_price', 'ask', 'ask_px', 'best_ask'],
  bidSize: ['bid_qty', 'bid_size', 'bid_sz'],
  askSize: ['ask_qty', 'ask_size', 'ask_sz'],
};
const TIME_NAMES: Record<MarketRecordKind, readonly string[]> = {
  bars: TIME_COLUMN_NAMES,
  trades: ['trade_time_ms', 'trade_time', 'transaction_time_ms', 'event_time_ms', 'datetime_ny', ...TIME_COLUMN_NAMES],
  quotes: ['transaction_time_ms', 'event_time_ms', 'datetime_ny', ...TIME_COLUMN_NAMES],
};
/** Tick time of last resort: a receive clock, used when no exchange time is written. */
const RECEIVE_TIME_NAMES = ['local_recv_ns', 'recv_time_ns', 'local_time_ns'];
const SYMBOLS = /(?:^|[_\-.])([A-Z][A-Z0-9]{2,})(?=$|[_\-.])/g;
/** Upper-case tokens of file names that name a venue or a vendor, not an instrument. */
const NOT_SYMBOLS = new Set(['BINANCE', 'COINBASE', 'KRAKEN', 'BYBIT', 'OKX', 'BITSTAMP', 'BITFINEX', 'DERIBIT', 'KUCOIN', 'GEMINI', 'HUOBI', 'LEAN', 'NASDAQ', 'NYSE', 'ARCA', 'CME', 'SPOT', 'PERP', 'OHLC', 'OHLCV', 'TRADES', 'QUOTES', 'BARS', 'UTC']);

/**
 * The symbol in a file name: the first upper-case token that does not name a venue or vendor
 * (binance_spot_BTCUSDT_1h_... -> BTCUSDT, BINANCE_ETHUSDT_1h -> ETHUSDT), or undefined (the
 * stream then uses the file's stem).
 */
export function symbolFromFileName(file: string): string | undefined {
  let first: string | undefined;
  for (const match of fileStem(file).matchAll(SYMBOLS)) {
    const token = match[1]!;
    first ??= token;
    if (!NOT_SYMBOLS.has(token)) return token;
  }
  return first;
}

/** The file name without its directory, `.gz` and extension. */
function fileStem(file: string): string {
  return basename(file).replace(/\.gz$/i, '').replace(/\.[^.]*$/, '');
}

/** `headers` as written (trimmed); `firstRow` the first data row's cells (trimmed), for choosing among time columns. */
export function resolveStreamLayout(file: string, headers: readonly string[], firstRow: readonly string[], options: CsvStreamOptions): StreamLayout {
  if (headers.some((h) => h.includes('\r'))) throw new CsvFileError(file, 'bad-header', CR_ONLY_LINES);
  const names = headers.map((h) => h.trim());
  const lower = names.map((n) => n.toLowerCase());
  const found = `found headers ${names.map((n) => `'${n}'`).join(', ')}`;
  const has = (name: string): boolean => lower.includes(name);
  const fail = (detail: string): never => {
    throw new CsvFileError(file, 'missing-column', `${detail}; ${found}`);
  };

  // The same header name twice: which column a role reads would be a guess.
  const twice = lower.findIndex((name, i) => name !== '' && lower.indexOf(name) !== i);
  if (twice >= 0) throw new CsvFileError(file, 'bad-header', `column '${names[twice]}' appears more than once in the header (columns ${lower.indexOf(lower[twice]) + 1} and ${twice + 1}); ${found}`);
  const kinds = detectKinds(lower);
  if (options.kind === undefined && kinds.length > 1) {
    // A bar file with a price column read as trades would trade each bar's close at its open.
    throw new CsvFileError(file, 'bad-option', `the header fits ${kinds.join(' and ')} (price -> trades, bid and ask -> quotes, open/high/low/close -> bars): state --kind ${kinds.join('|')}, or kind in ${basename(file)}.meta.json; ${found}`);
  }
  const kind = options.kind ?? kinds[0];
  if (kind === undefined) {
    throw new CsvFileError(
      file,
      'bad-option',
      `cannot tell the kind of the file from its header (price -> trades, bid and ask -> quotes, open/high/low/close -> bars): state --kind bars|trades|quotes, or kind in ${basename(file)}.meta.json; ${found}`,
    );
  }
  for (const role of Object.keys(options.columns ?? {}) as CsvColumnRole[]) {
    if (!KIND_ROLES[kind].includes(role)) {
      throw new CsvFileError(file, 'bad-option', `column \`${role}\` does not apply to ${kind}: ${kind} take ${KIND_ROLES[kind].join(', ')}`);
    }
  }
  const named = (what: string, header: string): number => {
    const index = lower.indexOf(header.trim().toLowerCase());
    if (index < 0) fail(`missing column '${header}' named by ${what}`);
    return index;
  };
  const column = (role: CsvColumnRole): number => {
    const stated = options.columns?.[role];
    if (stated !== undefined) return named(`columns.${role}`, stated);
    for (const name of ROLE_NAMES[role]) {
      const index = lower.indexOf(name);
      if (index >= 0) return index;
    }
    if (OPTIONAL_ROLES.has(role)) return -1;
    return fail(`missing required column for \`${role}\` (one of ${ROLE_NAMES[role].join(', ')}, or --column ${role}=HEADER) in a ${kind} file`);
  };

  const indices: Partial<Record<CsvColumnRole, number>> = {};
  for (const role of KIND_ROLES[kind]) indices[role] = column(role);

  let time: number;
  let timeChoice: string;
  if (options.timeColumn !== undefined) {
    time = named('timeColumn', options.timeColumn);
    timeChoice = `time column '${names[time]}' (stated)`;
  } else {
    const candidates = TIME_NAMES[kind].filter(has).map((n) => lower.indexOf(n));
    const filled = candidates.find((i) => (firstRow[i] ?? '') !== '');
    if (filled !== undefined) {
      time = filled;
      timeChoice = `time column '${names[time]}'`;
    } else if (kind !== 'bars' && RECEIVE_TIME_NAMES.some(has)) {
      time = lower.indexOf(RECEIVE_TIME_NAMES.find(has)!);
      timeChoice =
        candidates.length > 0
          ? `time column '${names[time]}' (the receive clock: ${candidates.map((i) => `'${names[i]}'`).join(' and ')} empty on the first row)`
          : `time column '${names[time]}' (the receive clock: no exchange time column)`;
    } else if (candidates.length > 0) {
      time = candidates[0]!;
      timeChoice = `time column '${names[time]}'`;
    } else {
      return fail(`missing a time column (one of ${TIME_NAMES[kind].join(', ')}, or --time-column HEADER) in a ${kind} file`);
    }
  }
  let receiveTime = -1;
  if (options.receiveTimeColumn !== undefined) {
    if (kind === 'bars') throw new CsvFileError(file, 'bad-option', '`receiveTimeColumn` applies to trades and quotes, not bars: a bar is known at its close');
    receiveTime = named('receiveTimeColumn', options.receiveTimeColumn);
  }
  if (kind !== 'bars' && options.barStamp !== undefined) {
    throw new CsvFileError(file, 'bad-option', `\`barStamp\` applies to bars, not ${kind}`);
  }
  if (kind !== 'bars' && options.barInterval !== undefined) {
    throw new CsvFileError(file, 'bad-option', `\`barInterval\` applies to bars, not ${kind}`);
  }

  const symbol = options.symbol ?? symbolFromFileName(file) ?? fileStem(file);
  const timezone = options.timezone ?? (lower[time] === 'datetime_ny' ? 'America/New_York' : undefined);
  const oneSidedQuotes = kind === 'quotes' && has('exchange') && has('bid_size') && has('ask_size');

  return {
    kind,
    symbol,
    columnCount: names.length,
    names,
    time,
    receiveTime,
    open: indices.open ?? -1,
    high: indices.high ?? -1,
    low: indices.low ?? -1,
    close: indices.close ?? -1,
    volume: indices.volume ?? -1,
    price: indices.price ?? -1,
    size: indices.size ?? -1,
    side: indices.side ?? -1,
    tradeId: indices.tradeId ?? -1,
    bid: indices.bid ?? -1,
    ask: indices.ask ?? -1,
    bidSize: indices.bidSize ?? -1,
    askSize: indices.askSize ?? -1,
    suspicious: kind === 'bars' ? -1 : lower.indexOf('suspicious'),
    oneSidedQuotes,
    timezone,
    timeChoice,
  };
}

/** Every kind the header's names fit (none, one, or more: then the kind must be stated). */
function detectKinds(lower: readonly string[]): MarketRecordKind[] {
  const any = (names: readonly string[]): boolean => names.some((n) => lower.includes(n));
  const kinds: MarketRecordKind[] = [];
  if (any(ROLE_NAMES.price)) kinds.push('trades');
  if (any(ROLE_NAMES.bid) && any(ROLE_NAMES.ask)) kinds.push('quotes');
  if (['open', 'high', 'low', 'close'].every((n) => lower.includes(n))) kinds.push('bars');
  return kinds;
}
