// Turns data sources (a backtest's `--data SOURCE...`, a config's `data:` entries, a sweep's
// data) into market streams:
//   questdb://host:port/table?symbol=...&kind=...&from=...&to=...   QuestDB (adapters/questdb)
//   store:DIR[?symbol=BTCUSDT&kind=trades&interval=1h&from=ISO&to=ISO]   the LMDB market-data store (adapters/store)
//   anything else                                                     a CSV file, plain or gzip (adapters/files)
// A source that cannot be opened is a DataSourceError naming it and why, prefixed with what gave
// it: the flag (`--data` by default; `--in` for the commands that take their file under that
// name), or a configuration's entry (`eth.yaml data[1]`, DataSource.origin).
// The QuestDB and store adapters are loaded when a source needs them: reading CSV files (a
// sweep's main thread, most backtests) does not load the QuestDB client (undici) or LMDB.
import { basename } from 'node:path';
import { BAR_STAMP_REQUIRED, CsvFileError, openCsvStream, parseBarInterval, TimeCellParser, type CsvStreamOptions } from '../files/index.js';
import type { MarketStream } from '../../engine/replay/index.js';

/** A source that cannot be opened: names the source and why. */
export class DataSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataSourceError';
  }
}

const STORE_PREFIX = 'store:';

/** A source and the CSV options of its file (a config `data` entry's mapping, merged with the flags). */
export interface DataSource {
  readonly source: string;
  readonly csv?: CsvStreamOptions;
  /** What named the source, for messages (`config.yaml data[1]`); the flag when absent. */
  readonly origin?: string;
}

export async function openDataSources(sources: readonly (string | DataSource)[], csv: CsvStreamOptions, flag = '--data'): Promise<MarketStream[]> {
  const streams: MarketStream[] = [];
  for (const entry of sources) {
    const source = typeof entry === 'string' ? entry : entry.source;
    const options = typeof entry === 'string' ? csv : { ...entry.csv, ...definedOnly(csv) };
    // A configuration's entry is named `FILE data[i]:`, a flag's value `--data SOURCE:`.
    const named = typeof entry !== 'string' && entry.origin !== undefined ? `${entry.origin}: ${source}` : `${flag} ${source}`;
    try {
      if (source.startsWith('questdb://')) streams.push(await (await import('../questdb/index.js')).openQuestDbStream(source));
      else if (source.startsWith(STORE_PREFIX)) streams.push(...await openStore(source, await import('../store/index.js'), named));
      else streams.push(await openCsvStream(source, options));
    } catch (error) {
      if (error instanceof DataSourceError) throw error;
      // A config entry states its bar stamp in its own `barStamp` field: the flag's and sidecar's
      // wording (BAR_STAMP_REQUIRED) would send the user to a flag they never gave.
      if (error instanceof CsvFileError && typeof entry !== 'string' && entry.origin !== undefined && error.message.includes(BAR_STAMP_REQUIRED)) {
        throw new DataSourceError(`${named}: state whether the time stamps the bar's open or close: \`${entry.origin}.barStamp\` (open or close), or barStamp in ${basename(source)}.meta.json; a bar's time is never guessed`);
      }
      throw new DataSourceError(`${named}: ${(error as Error).message}`);
    }
  }
  return streams;
}

/** The options a flag actually set (an unset flag never overrides a config entry). */
function definedOnly(options: CsvStreamOptions): CsvStreamOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as CsvStreamOptions;
}

async function openStore(source: string, store: typeof import('../store/index.js'), named: string): Promise<MarketStream[]> {
  const rest = source.slice(STORE_PREFIX.length);
  const q = rest.indexOf('?');
  const dir = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const key of new Set(params.keys())) {
    if (!['symbol', 'kind', 'interval', 'from', 'to'].includes(key)) throw new DataSourceError(`${named}: unknown parameter \`${key}\` (store sources take symbol, kind, interval, from, to)`);
    if (params.getAll(key).length > 1) throw new DataSourceError(`${named}: \`${key}\` is given ${params.getAll(key).length} times; give it once`);
  }
  const kind = params.get('kind') ?? undefined;
  if (kind !== undefined && kind !== 'bars' && kind !== 'trades' && kind !== 'quotes') throw new DataSourceError(`${named}: kind must be bars, trades or quotes, was ${JSON.stringify(kind)}`);
  // A store holds one series per bar interval of a symbol (1h and 1d bars side by side); without
  // `interval` both played at once, which the run refuses, and nothing could pick one.
  const intervalText = params.get('interval');
  let intervalNs: bigint | undefined;
  if (intervalText !== null) {
    if (kind !== undefined && kind !== 'bars') throw new DataSourceError(`${named}: \`interval\` picks a bar series, so kind must be bars (or left out), was ${JSON.stringify(kind)}`);
    intervalNs = parseBarInterval(intervalText) ?? undefined;
    if (intervalNs === undefined) throw new DataSourceError(`${named}: \`interval\` must be a bar interval such as 1m, 1h or 1d (digits, then ms, s, m, h, d or w), was ${JSON.stringify(intervalText)}`);
  }
  const from = timeParam(named, 'from', params.get('from'));
  const to = timeParam(named, 'to', params.get('to'));
  // A bar is stored under its close (the time it arrives); the window bounds its open, as a
  // questdb:// window does (`ts`, the bar's open): `from=2025-01-01&to=2025-02-01` is January's bars
  // from either source. Ticks are bounded by the time they arrive.
  const barOpen = (bound: bigint | undefined, s: InstanceType<typeof store.StoreStream>): bigint | undefined =>
    (bound === undefined || s.kind !== 'bars' || s.series.intervalNs === undefined ? bound : bound + s.series.intervalNs);
  const streams = store.openStoreStreams(dir, { symbol: params.get('symbol') ?? undefined, kind: intervalNs !== undefined ? 'bars' : kind, intervalNs, from, to })
    .map((s) => (s.kind === 'bars' && (from !== undefined || to !== undefined) ? new store.StoreStream(s.dir, s.series, barOpen(from, s), barOpen(to, s)) : s));
  if (streams.length === 0) throw new DataSourceError(`${named}: the store holds no series matching ${params.toString() || 'anything'} (see \`quantflow data ls --store ${dir}\`)`);
  // A window outside every series' rows would replay nothing and report an empty run as a result.
  const outside = (s: (typeof streams)[number]): boolean => {
    const { firstNs, lastNs } = s.series;
    return firstNs === undefined || lastNs === undefined || (s.from !== undefined && s.from > lastNs) || (s.to !== undefined && s.to <= firstNs);
  };
  // A window inside a series can still fall between two rows: each windowed stream shows its first block.
  const windowed = streams.some((s) => s.from !== undefined || s.to !== undefined);
  if (streams.every(outside) || (windowed && !(await anyHasRows(streams)))) {
    // The rows held, in the times from/to select on (a bar's open), as `data ls` prints them.
    const held = streams.map((s) => (s.series.firstNs === undefined || s.series.lastNs === undefined ? `${s.label}: empty`
      : `${s.label}: ${s.kind === 'bars' && s.series.intervalNs !== undefined ? 'bars opening ' : ''}${store.isoNs(store.selectionNs(s.series, s.series.firstNs))} .. ${store.isoNs(store.selectionNs(s.series, s.series.lastNs))}`));
    throw new DataSourceError(`${named}: from/to select no rows of the matching series (${held.join('; ')})`);
  }
  return streams;
}

/** Whether one of `streams` yields a record (read up to its first block, then closed). */
async function anyHasRows(streams: readonly MarketStream[]): Promise<boolean> {
  for (const stream of streams) {
    const blocks = stream.blocks(0)[Symbol.asyncIterator]();
    try {
      const first = await blocks.next();
      if (!first.done && first.value.count > 0) return true;
    } finally {
      await blocks.return?.();
    }
  }
  return false;
}

/** An ISO 8601 time (UTC unless it has an offset) or integer ns since the epoch (18 or 19 digits). */
function timeParam(named: string, name: string, value: string | null): bigint | undefined {
  if (value === null) return undefined;
  const rule = `\`${name}\` must be an ISO 8601 date or time (2024-04-20, 2024-04-20T05:30:00Z, 2024-04-20T05:30:00%2B02:00: a + in a query is a space, write %2B) or integer ns since the epoch (18 or 19 digits), was ${JSON.stringify(value)}`;
  if (/^[0-9]+$/.test(value)) {
    // Fewer digits are another unit (ms, us) or before 1973: refused rather than read as ns.
    if (value.length < 18 || value.length > 19 || BigInt(value) > 9_223_372_036_854_775_807n) throw new DataSourceError(`${named}: ${rule}`);
    return BigInt(value);
  }
  // Digits were handled above; the rest is an ISO date or time, read by the CSV reader's strict
  // parser (range-checked fields: no 2024-02-30, no 24:00), naive times as UTC.
  const ns = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(value) ? new TimeCellParser().parse(value) : null;
  if (typeof ns !== 'bigint') throw new DataSourceError(`${named}: ${rule}`);
  return ns;
}
