// The CSV mapping flags that commands reading market-data CSV files share, and their
// translation into CsvStreamOptions (adapters/files). No flag has a default here: what a flag
// does not say is left to the file's sidecar FILE.meta.json and its recognised header, so a
// default could never silently override a sidecar.
import type { Command } from 'commander';
import {
  CSV_BAD_ROW_POLICIES,
  CSV_BAR_STAMPS,
  CSV_COLUMN_ROLES,
  CSV_DUPLICATE_POLICIES,
  CSV_STREAM_KINDS,
  CSV_TIME_FORMATS,
  parseBarInterval,
  SYMBOL_RULE,
  SYMBOL_RULE_TEXT,
  type CsvColumnRole,
  type CsvStreamOptions,
} from '../../adapters/files/index.js';
import { UserFacingError } from './cli-error.js';

/** The flags as commander hands them over (camelCase). */
export interface CsvMappingFlags {
  kind?: string;
  symbol?: string;
  timeColumn?: string;
  timeFormat?: string;
  timezone?: string;
  barStamp?: string;
  barInterval?: string;
  receiveTimeColumn?: string;
  column?: string[];
  onBadRow?: string;
  onDuplicate?: string;
  gapSeconds?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Adds the CSV mapping flags to `command` and returns it. */
export function withCsvMappingOptions(command: Command): Command {
  return command
    .option('--kind <kind>', `what the CSV files hold: ${CSV_STREAM_KINDS.join(', ')} (default: the sidecar FILE.meta.json, else told from the header)`)
    .option('--symbol <symbol>', 'instrument symbol (default: the sidecar, else the upper-case token in the file name, e.g. BTCUSDT)')
    .option('--time-column <header>', 'the exchange time column (default: recognised by name, e.g. trade_time_ms, datetime_ny, timestamp)')
    .option('--time-format <format>', `time cells: ${CSV_TIME_FORMATS.join(', ')} (default auto: ISO, or epoch digits with the unit told by magnitude)`)
    .option('--timezone <zone>', 'IANA zone for naive times, e.g. America/New_York (default UTC; New York for a datetime_ny column)')
    .option('--bar-stamp <stamp>', "bars: whether the time stamps the bar's open or close: open, close (required unless the sidecar says)")
    .option('--bar-interval <interval>', 'bars: the bar interval, e.g. 1m, 1h, 1d (default: the smallest gap between bars)')
    .option('--receive-time-column <header>', 'ticks: a receive-time column (e.g. local_recv_ns) used as the arrival time')
    .option('--column <role=header>', `a value column under another name, repeatable; roles: ${CSV_COLUMN_ROLES.join(', ')}`, collect)
    .option('--on-bad-row <policy>', 'reject (default): stop at the first bad row naming file:line; skip: skip bad rows and count them')
    .option('--on-duplicate <policy>', 'ticks: a repeated trade id or identical row at the same time: drop (reported; default with a trade id column), keep (reported; default without one), reject')
    .option('--gap-seconds <seconds>', 'ticks: report gaps longer than this (default 60)');
}

/** The CsvStreamOptions the flags state (unstated flags are left out). Throws UserFacingError for a bad value. */
export function csvOptionsFromFlags(flags: CsvMappingFlags | Record<string, unknown>): CsvStreamOptions {
  const f = flags as CsvMappingFlags;
  const options: CsvStreamOptions = {};
  const oneOf = <T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined => {
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UserFacingError(`\`${flag}\` must be one of ${allowed.join(', ')}, was ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  const text = (flag: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (value.trim() === '') throw new UserFacingError(`\`${flag}\` must not be empty`);
    return value.trim();
  };
  const set = <K extends keyof CsvStreamOptions>(key: K, value: CsvStreamOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('kind', oneOf('--kind', f.kind, CSV_STREAM_KINDS));
  const symbol = text('--symbol', f.symbol);
  if (symbol !== undefined && !SYMBOL_RULE.test(symbol)) throw new UserFacingError(`\`--symbol\` ${SYMBOL_RULE_TEXT}, was ${JSON.stringify(f.symbol)}`);
  set('symbol', symbol);
  set('timeColumn', text('--time-column', f.timeColumn));
  set('timeFormat', oneOf('--time-format', f.timeFormat, CSV_TIME_FORMATS));
  const timezone = text('--timezone', f.timezone);
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new UserFacingError(`\`--timezone\` must be an IANA time zone name such as America/New_York, was ${JSON.stringify(timezone)}`);
    }
    options.timezone = timezone;
  }
  set('barStamp', oneOf('--bar-stamp', f.barStamp, CSV_BAR_STAMPS));
  const interval = text('--bar-interval', f.barInterval);
  if (interval !== undefined && parseBarInterval(interval) === null) {
    throw new UserFacingError(`\`--bar-interval\` must be a positive count and a unit (ms, s, m, h, d, w) such as 1h or 15m, was ${JSON.stringify(interval)}`);
  }
  set('barInterval', interval);
  set('receiveTimeColumn', text('--receive-time-column', f.receiveTimeColumn));
  if (f.column !== undefined && f.column.length > 0) {
    const columns: Partial<Record<CsvColumnRole, string>> = {};
    for (const entry of f.column) {
      const eq = entry.indexOf('=');
      const role = eq < 0 ? '' : entry.slice(0, eq).trim();
      const header = eq < 0 ? '' : entry.slice(eq + 1).trim();
      if (eq < 0 || header === '') throw new UserFacingError(`\`--column\` must be ROLE=HEADER (e.g. price=px), was ${JSON.stringify(entry)}`);
      if (!(CSV_COLUMN_ROLES as readonly string[]).includes(role)) {
        throw new UserFacingError(`\`--column\` role must be one of ${CSV_COLUMN_ROLES.join(', ')}, was ${JSON.stringify(role)}`);
      }
      if (columns[role as CsvColumnRole] !== undefined) throw new UserFacingError(`\`--column\` names role ${role} twice`);
      columns[role as CsvColumnRole] = header;
    }
    options.columns = columns;
  }
  set('onBadRow', oneOf('--on-bad-row', f.onBadRow, CSV_BAD_ROW_POLICIES));
  set('onDuplicate', oneOf('--on-duplicate', f.onDuplicate, CSV_DUPLICATE_POLICIES));
  if (f.gapSeconds !== undefined) {
    const gap = Number(f.gapSeconds);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(f.gapSeconds) || !(gap > 0)) {
      throw new UserFacingError(`\`--gap-seconds\` must be a number > 0, was ${JSON.stringify(f.gapSeconds)}`);
    }
    options.gapSeconds = gap;
  }
  return options;
}
