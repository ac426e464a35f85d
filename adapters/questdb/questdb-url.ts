// Parses the `questdb://` URL of a replay source (pure, no I/O):
//
//   questdb://HOST[:PORT]/TABLE?symbol=BTCUSDT&kind=trades[&from=T][&to=T][&local=ts|recv_ts][&interval_s=N][&block=N]
//
// - PORT is QuestDB's HTTP port (default 9000): the stream reads through `/exec` and `/exp`.
// - `kind`: trades | quotes | bars (the table's schema, see README.md); may be left out when
//   the table is named after its kind (`questdb://h/trades?symbol=X`).
// - `from` (inclusive) and `to` (exclusive) bound the column that becomes ts_local: the table's
//   designated `ts` (trade or quote time; a bar's OPEN time), or `recv_ts` with local=recv_ts. Each is an ISO 8601 time (`2024-08-08`,
//   `2024-08-08T23:54:15.342Z`, up to 9 fraction digits, `Z` or `+HH:MM`; no zone = UTC) or an
//   integer of ns since the epoch. QuestDB keeps microseconds: a bound with a sub-µs part is
//   rounded up to the next µs (a row at µs t is in [from, to) exactly when t*1000 is).
// - `local`: which column becomes ts_local for trades and quotes: `ts` (default: the exchange
//   time) or `recv_ts` (the receive time the recorder stores; rows are then ordered by it).
// - `interval_s`: bars only, the bar interval in seconds, needed when the table holds several
//   intervals for the symbol.
// - `block`: records per block (default 4096, 1..65536).
import { QuestDbUrlError } from './questdb-errors.js';
import type { MarketRecordKind } from '../../engine/replay/index.js';

export interface QuestDbSource {
  /** The URL as given (for messages and the stream's label). */
  readonly url: string;
  readonly host: string;
  /** The HTTP port. */
  readonly port: number;
  /** `http://host:port`. */
  readonly httpBase: string;
  readonly table: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  /** Inclusive lower bound on `ts`, in µs (rounded up from ns), or undefined. */
  readonly fromUs?: bigint;
  /** Exclusive upper bound on `ts`, in µs (rounded up from ns), or undefined. */
  readonly toUs?: bigint;
  readonly local: 'ts' | 'recv_ts';
  readonly intervalSeconds?: number;
  readonly blockRecords: number;
}

const KINDS: readonly MarketRecordKind[] = ['trades', 'quotes', 'bars'];
const PARAMS = new Set(['symbol', 'kind', 'from', 'to', 'local', 'interval_s', 'block']);
/** Table names the adapter accepts (it puts them in SQL unquoted). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,126}$/;
/** Symbols the adapter accepts (it puts them in SQL between single quotes). */
export const SYMBOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$/;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** An ISO 8601 time or integer ns as ns since the epoch, or a string saying why not. */
export function parseTimeBound(text: string): bigint | string {
  if (/^-?\d+$/.test(text)) return BigInt(text);
  const m = ISO.exec(text);
  if (!m) return 'must be an ISO 8601 time (2024-08-08T23:54:15.342Z) or integer ns since the epoch';
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return 'must be a valid date and time';
  const days = daysFromCivil(Number(y), month, day);
  if (day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return 'must be a valid date and time';
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMinutes = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const seconds = BigInt(days) * 86_400n + BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(s) - offsetMinutes * 60);
  return seconds * 1_000_000_000n + BigInt(frac.padEnd(9, '0') || '0');
}

/** ns -> µs, rounded up (so `ts_us * 1000 >= ns` exactly when `ts_us >= result`). */
export function nsToUsCeil(ns: bigint): bigint {
  const q = ns / 1000n;
  return q * 1000n < ns ? q + 1n : q;
}

/** Parses and checks a `questdb://` replay URL; throws QuestDbUrlError naming the part, the value and the rule. */
export function parseQuestDbUrl(url: string): QuestDbSource {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QuestDbUrlError(url, 'url', url, 'must be questdb://HOST[:PORT]/TABLE?symbol=SYMBOL&kind=trades|quotes|bars');
  }
  if (parsed.protocol !== 'questdb:') throw new QuestDbUrlError(url, 'scheme', parsed.protocol.replace(/:$/, ''), 'must be `questdb`');
  const host = parsed.hostname;
  if (!host) throw new QuestDbUrlError(url, 'host', host, 'must be given');
  const port = parsed.port === '' ? 9000 : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new QuestDbUrlError(url, 'port', parsed.port, 'must be an integer in 1..65535');
  const table = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!TABLE_NAME.test(table)) throw new QuestDbUrlError(url, 'table', table, 'must be one path segment of letters, digits and `_`, not starting with a digit');
  for (const key of parsed.searchParams.keys()) {
    if (!PARAMS.has(key)) throw new QuestDbUrlError(url, key, parsed.searchParams.get(key) ?? '', `is not a parameter (known: ${[...PARAMS].join(', ')})`);
  }
  const param = (name: string): string | undefined => {
    const values = parsed.searchParams.getAll(name);
    if (values.length > 1) throw new QuestDbUrlError(url, name, values.join(','), 'must be given at most once');
    return values[0];
  };
  const symbol = param('symbol');
  if (symbol === undefined) throw new QuestDbUrlError(url, 'symbol', '', 'must be given');
  if (!SYMBOL_NAME.test(symbol)) throw new QuestDbUrlError(url, 'symbol', symbol, 'must be letters, digits and . _ : / @ - (at most 64)');
  // Without `kind`, a table named trades, quotes or bars is of that kind.
  const kind = param('kind') ?? ((KINDS as readonly string[]).includes(table) ? table : undefined);
  if (kind === undefined) throw new QuestDbUrlError(url, 'kind', '', `must be given (${KINDS.join(', ')}) unless the table is named after its kind`);
  if (!(KINDS as readonly string[]).includes(kind)) throw new QuestDbUrlError(url, 'kind', kind, `must be one of ${KINDS.join(', ')}`);
  const bound = (name: 'from' | 'to'): bigint | undefined => {
    const text = param(name);
    if (text === undefined) return undefined;
    const ns = parseTimeBound(text);
    if (typeof ns === 'string') throw new QuestDbUrlError(url, name, text, ns);
    if (ns < 0n) throw new QuestDbUrlError(url, name, text, 'must not be before 1970-01-01');
    return nsToUsCeil(ns);
  };
  const fromUs = bound('from');
  const toUs = bound('to');
  if (fromUs !== undefined && toUs !== undefined && toUs < fromUs) {
    throw new QuestDbUrlError(url, 'to', param('to') ?? '', `must not be before \`from\` (${param('from')})`);
  }
  const local = param('local') ?? 'ts';
  if (local !== 'ts' && local !== 'recv_ts') throw new QuestDbUrlError(url, 'local', local, 'must be `ts` or `recv_ts`');
  if (local === 'recv_ts' && kind === 'bars') throw new QuestDbUrlError(url, 'local', local, 'applies to trades and quotes only (a bar is known at its close)');
  const intervalText = param('interval_s');
  let intervalSeconds: number | undefined;
  if (intervalText !== undefined) {
    if (kind !== 'bars') throw new QuestDbUrlError(url, 'interval_s', intervalText, 'applies to bars only');
    intervalSeconds = Number(intervalText);
    if (!/^\d+$/.test(intervalText) || intervalSeconds < 1 || intervalSeconds > 2_147_483_647) {
      throw new QuestDbUrlError(url, 'interval_s', intervalText, 'must be an integer number of seconds >= 1');
    }
  }
  const blockText = param('block');
  const blockRecords = blockText === undefined ? 4096 : Number(blockText);
  if (!/^\d+$/.test(blockText ?? '1') || blockRecords < 1 || blockRecords > 65536) throw new QuestDbUrlError(url, 'block', blockText ?? '', 'must be an integer in 1..65536');
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url,
    host,
    port,
    httpBase: `http://${hostPart}:${port}`,
    table,
    symbol,
    kind: kind as MarketRecordKind,
    fromUs,
    toUs,
    local,
    intervalSeconds,
    blockRecords,
  };
}
