// Turns data sources (a backtest's `--data SOURCE...`, a config's `data:` entries, a sweep's
// data) into market streams:
//   questdb://host:port/table?symbol=...&kind=...&from=...&to=...   QuestDB (adapters/questdb)
//   store:DIR[?symbol=BTCUSDT&kind=trades&from=ISO&to=ISO]          the LMDB market-data store (adapters/store)
//   anything else                                                     a CSV file, plain or gzip (adapters/files)
// A source that cannot be opened is a DataSourceError naming it and why.
// The QuestDB and store adapters are loaded when a source needs them: reading CSV files (a
// sweep's main thread, most backtests) does not load the QuestDB client (undici) or LMDB.
import { openCsvStream, type CsvStreamOptions } from '../files/index.js';
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
}

export async function openDataSources(sources: readonly (string | DataSource)[], csv: CsvStreamOptions): Promise<MarketStream[]> {
  const streams: MarketStream[] = [];
  for (const entry of sources) {
    const source = typeof entry === 'string' ? entry : entry.source;
    const options = typeof entry === 'string' ? csv : { ...entry.csv, ...definedOnly(csv) };
    try {
      if (source.startsWith('questdb://')) streams.push(await (await import('../questdb/index.js')).openQuestDbStream(source));
      else if (source.startsWith(STORE_PREFIX)) streams.push(...openStore(source, await import('../store/index.js')));
      else streams.push(await openCsvStream(source, options));
    } catch (error) {
      if (error instanceof DataSourceError) throw error;
      throw new DataSourceError(`--data ${source}: ${(error as Error).message}`);
    }
  }
  return streams;
}

/** The options a flag actually set (an unset flag never overrides a config entry). */
function definedOnly(options: CsvStreamOptions): CsvStreamOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as CsvStreamOptions;
}

function openStore(source: string, store: typeof import('../store/index.js')): MarketStream[] {
  const rest = source.slice(STORE_PREFIX.length);
  const q = rest.indexOf('?');
  const dir = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const key of params.keys()) {
    if (!['symbol', 'kind', 'from', 'to'].includes(key)) throw new DataSourceError(`--data ${source}: unknown parameter \`${key}\` (store sources take symbol, kind, from, to)`);
  }
  const kind = params.get('kind') ?? undefined;
  if (kind !== undefined && kind !== 'bars' && kind !== 'trades' && kind !== 'quotes') throw new DataSourceError(`--data ${source}: kind must be bars, trades or quotes, was ${JSON.stringify(kind)}`);
  const streams = store.openStoreStreams(dir, {
    symbol: params.get('symbol') ?? undefined,
    kind,
    from: timeParam(source, 'from', params.get('from')),
    to: timeParam(source, 'to', params.get('to')),
  });
  if (streams.length === 0) throw new DataSourceError(`--data ${source}: the store holds no series matching ${params.toString() || 'anything'} (see \`quantflow data ls --store ${dir}\`)`);
  // A window outside every series' rows would replay nothing and report an empty run as a result.
  const outside = (s: (typeof streams)[number]): boolean => {
    const { firstNs, lastNs } = s.series;
    return firstNs === undefined || lastNs === undefined || (s.from !== undefined && s.from > lastNs) || (s.to !== undefined && s.to <= firstNs);
  };
  if (streams.every(outside)) {
    const held = streams.map((s) => (s.series.firstNs === undefined || s.series.lastNs === undefined ? `${s.label}: empty` : `${s.label}: ${store.isoNs(s.series.firstNs)} .. ${store.isoNs(s.series.lastNs)}`));
    throw new DataSourceError(`--data ${source}: from/to select no rows of the matching series (${held.join('; ')})`);
  }
  return streams;
}

/** An ISO 8601 time (UTC unless it has an offset) or integer ns since the epoch. */
function timeParam(source: string, name: string, value: string | null): bigint | undefined {
  if (value === null) return undefined;
  if (/^-?[0-9]+$/.test(value)) return BigInt(value);
  const withZone = /([zZ]|[+-][0-9]{2}:?[0-9]{2})$/.test(value) || /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  if (!Number.isFinite(ms)) throw new DataSourceError(`--data ${source}: \`${name}\` must be an ISO 8601 time or integer ns, was ${JSON.stringify(value)}`);
  return BigInt(ms) * 1_000_000n;
}
