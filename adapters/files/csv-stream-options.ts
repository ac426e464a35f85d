// How a CSV file maps onto a market stream: the options of `openCsvStream`, the same keys as
// a sidecar FILE.meta.json, and their checks. Explicit options override the sidecar; what
// neither states is taken from a recognised header (stream-header.ts) or its default here.

import type { MarketRecordKind } from '../../engine/replay/market-stream.js';

/** Columns a mapping can name (`columns: { price: 'px' }`); which apply depends on the kind. */
export const CSV_COLUMN_ROLES = ['open', 'high', 'low', 'close', 'volume', 'price', 'size', 'side', 'bid', 'ask', 'bidSize', 'askSize', 'tradeId'] as const;
export type CsvColumnRole = (typeof CSV_COLUMN_ROLES)[number];

export const CSV_STREAM_KINDS = ['bars', 'trades', 'quotes'] as const;
export const CSV_TIME_FORMATS = ['auto', 'iso', 'epoch-s', 'epoch-ms', 'epoch-us', 'epoch-ns'] as const;
export const CSV_BAR_STAMPS = ['open', 'close'] as const;
export const CSV_BAD_ROW_POLICIES = ['reject', 'skip'] as const;
export const CSV_DUPLICATE_POLICIES = ['drop', 'keep', 'reject'] as const;

export type CsvTimeFormat = (typeof CSV_TIME_FORMATS)[number];

export interface CsvStreamOptions {
  /** Default: from the file's metadata or a recognised header. */
  kind?: MarketRecordKind;
  /** Default: from metadata, else the first upper-case symbol in the file name (BTCUSDT, IBM). */
  symbol?: string;
  /** The exchange time column, e.g. datetime_ny. */
  timeColumn?: string;
  /** `auto` (default): ISO, or epoch digits with the unit told by magnitude; else the one format accepted. */
  timeFormat?: CsvTimeFormat;
  /** IANA zone for naive times (America/New_York); default UTC (America/New_York for a `datetime_ny` column). */
  timezone?: string;
  /** Bars only, required: whether the time stamps the bar's open or its close. Never guessed. */
  barStamp?: 'open' | 'close';
  /** Bars: '1h', '1m', '30s', '1d' ...; default: the smallest gap between consecutive bars. */
  barInterval?: string;
  /** Ticks: when set, ts_local = this column (e.g. local_recv_ns), else ts_local = ts_exchange. */
  receiveTimeColumn?: string;
  /** Header names for the value columns, when they differ from the recognised ones. */
  columns?: Partial<Record<CsvColumnRole, string>>;
  /** `reject` (default): throw CsvRowError at the first bad row. `skip`: drop bad rows and count them in issues(). */
  onBadRow?: 'reject' | 'skip';
  /** Ticks: a repeated trade id (or an identical row at the same time): `drop` (reported; the default with a trade id column), `keep` (reported; the default without one), `reject`. */
  onDuplicate?: 'drop' | 'keep' | 'reject';
  /** Ticks: a gap in time longer than this is reported (default 60). */
  gapSeconds?: number;
  /** Records per block (default 8192). */
  blockRecords?: number;
}

export const DEFAULT_BLOCK_RECORDS = 8192;
export const DEFAULT_GAP_SECONDS = 60;
export const MAX_BLOCK_RECORDS = 1 << 20;

const OPTION_KEYS = [
  'kind',
  'symbol',
  'timeColumn',
  'timeFormat',
  'timezone',
  'barStamp',
  'barInterval',
  'receiveTimeColumn',
  'columns',
  'onBadRow',
  'onDuplicate',
  'gapSeconds',
  'blockRecords',
] as const;

/**
 * An instrument symbol as venues and data vendors write them (BTCUSDT, BTC/USDT:USDT, BRK.B,
 * ES-202503, ^GSPC): 1 to 64 characters, letters, digits and / : . _ - ^ = @, starting with a letter,
 * a digit or ^. No spaces, quotes, commas, control characters, or + # & ? (they change meaning in
 * a `store:DIR?symbol=` source): a symbol is a key in the market-data store and the configuration,
 * and it appears in CSV outputs.
 */
export const SYMBOL_RULE = /^[A-Za-z0-9^][A-Za-z0-9/:._\-^=@]{0,63}$/;
export const SYMBOL_RULE_TEXT = 'must be 1-64 characters: letters, digits and / : . _ - ^ = @, starting with a letter, a digit or ^';

/**
 * Checks `options` (from code or a sidecar) key by key. Returns null when they are valid, else
 * one sentence naming the key, the value and the rule. `where` names the source in messages.
 */
export function checkCsvStreamOptions(options: Record<string, unknown>, where: string): string | null {
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      return `${where}: unknown key \`${key}\`; the keys are ${OPTION_KEYS.join(', ')}`;
    }
  }
  const oneOf = (key: string, allowed: readonly string[]): string | null => {
    const value = options[key];
    if (value === undefined || (typeof value === 'string' && allowed.includes(value))) return null;
    return `${where}: \`${key}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, was ${JSON.stringify(value)}`;
  };
  const text = (key: string): string | null => {
    const value = options[key];
    if (value === undefined || (typeof value === 'string' && value.trim() !== '')) return null;
    return `${where}: \`${key}\` must be a non-empty string, was ${JSON.stringify(value)}`;
  };
  const problem =
    oneOf('kind', CSV_STREAM_KINDS) ??
    oneOf('timeFormat', CSV_TIME_FORMATS) ??
    oneOf('barStamp', CSV_BAR_STAMPS) ??
    oneOf('onBadRow', CSV_BAD_ROW_POLICIES) ??
    oneOf('onDuplicate', CSV_DUPLICATE_POLICIES) ??
    text('symbol') ??
    text('timeColumn') ??
    text('timezone') ??
    text('barInterval') ??
    text('receiveTimeColumn');
  if (problem !== null) return problem;
  if (options.symbol !== undefined && !SYMBOL_RULE.test((options.symbol as string).trim())) {
    return `${where}: \`symbol\` ${SYMBOL_RULE_TEXT}, was ${JSON.stringify(options.symbol)}`;
  }
  if (options.barInterval !== undefined && parseBarInterval(options.barInterval as string) === null) {
    return `${where}: \`barInterval\` must be a positive count and a unit (ms, s, m, h, d, w) such as '1h' or '15m', was ${JSON.stringify(options.barInterval)}`;
  }
  const gap = options.gapSeconds;
  if (gap !== undefined && !(typeof gap === 'number' && Number.isFinite(gap) && gap > 0)) {
    return `${where}: \`gapSeconds\` must be a finite number > 0, was ${JSON.stringify(gap)}`;
  }
  const block = options.blockRecords;
  if (block !== undefined && !(typeof block === 'number' && Number.isInteger(block) && block >= 1 && block <= MAX_BLOCK_RECORDS)) {
    return `${where}: \`blockRecords\` must be an integer in [1, ${MAX_BLOCK_RECORDS}], was ${JSON.stringify(block)}`;
  }
  const columns = options.columns;
  if (columns !== undefined) {
    if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
      return `${where}: \`columns\` must be an object of role -> header name, was ${JSON.stringify(columns)}`;
    }
    for (const [role, header] of Object.entries(columns)) {
      if (!(CSV_COLUMN_ROLES as readonly string[]).includes(role)) {
        return `${where}: \`columns.${role}\` is not a column role; the roles are ${CSV_COLUMN_ROLES.join(', ')}`;
      }
      if (typeof header !== 'string' || header.trim() === '') {
        return `${where}: \`columns.${role}\` must be a non-empty header name, was ${JSON.stringify(header)}`;
      }
    }
  }
  return null;
}

const INTERVAL_NS: Record<string, bigint> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/** A bar interval such as '1h', '15m', '30s', '1d' in ns, or null when it is not one. */
export function parseBarInterval(text: string): bigint | null {
  const match = /^\s*(\d{1,9})\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (match === null) return null;
  const ns = BigInt(match[1]!) * INTERVAL_NS[match[2]!]!;
  return ns > 0n ? ns : null;
}

/** Sidecar keys first, explicit options over them (`columns` merged role by role). */
export function mergeCsvStreamOptions(sidecar: CsvStreamOptions, explicit: CsvStreamOptions): CsvStreamOptions {
  const merged: CsvStreamOptions = { ...sidecar };
  for (const [key, value] of Object.entries(explicit)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (sidecar.columns !== undefined || explicit.columns !== undefined) {
    merged.columns = { ...sidecar.columns, ...explicit.columns };
  }
  return merged;
}
