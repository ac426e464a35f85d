// `quantflow data ls`: the series of the LMDB market-data store (adapters/store): symbol,
// kind, bar interval, rows, the first and last row's time and the files imported into each.
// The times are those a `store:DIR?from=&to=` window selects on (selectionNs): a bar's open
// time (the store keys a bar by its close), a tick's own time; a line under the table says so,
// so `from=` copied from the table starts at the series' first row.
import { basename } from 'node:path';
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { StoreError, formatInterval, isoNs, listSeries, selectionNs, type SeriesInfo } from '../../../adapters/store/index.js';

export interface DataLsFlags {
  store: string;
  json?: boolean;
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('Inspect the LMDB market-data store filled by `quantflow import`');
  data
    .command('ls')
    .description('List the series of a market-data store: symbol, kind, interval, rows, first and last row (a bar\'s open time, a tick\'s time: what store:DIR?from=&to= select on), sources')
    .requiredOption('--store <dir>', 'market-data store directory')
    .option('--json', 'print the series as one JSON document on stdout')
    .action((flags: DataLsFlags) => {
      runDataLs(flags);
    });
}

/** The line under the table: what its times are. */
export const LS_TIMES_NOTE = 'first, last: the first and last bar\'s open time (a tick\'s own time), what store:DIR?from=&to= select on (from inclusive, to exclusive)';

export function runDataLs(flags: DataLsFlags, out: (text: string) => void = (text) => void process.stdout.write(text)): SeriesInfo[] {
  let series: SeriesInfo[];
  try {
    series = listSeries(flags.store);
  } catch (error) {
    if (error instanceof StoreError) throw new UserFacingError(error.message);
    throw error;
  }
  if (flags.json) {
    out(`${JSON.stringify({ store: flags.store, series: series.map(seriesJson) }, null, 2)}\n`);
    return series;
  }
  if (series.length === 0) {
    out(`store ${flags.store}: no series (import some with \`quantflow import\`)\n`);
    return series;
  }
  const header = ['symbol', 'kind', 'interval', 'rows', 'first', 'last', 'sources'];
  const rows = series.map((s) => [
    s.symbol,
    s.kind,
    s.intervalNs !== undefined ? formatInterval(s.intervalNs) : '-',
    s.rows.toLocaleString('en-US'),
    s.firstNs !== undefined ? isoNs(selectionNs(s, s.firstNs)) : '-',
    s.lastNs !== undefined ? isoNs(selectionNs(s, s.lastNs)) : '-',
    sourcesCell(s),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const numeric = new Set([3]);
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  out(`${[line(header), ...rows.map(line)].join('\n')}\n${LS_TIMES_NOTE}\n`);
  return series;
}

function sourcesCell(series: SeriesInfo): string {
  const names = series.sources.map((s) => basename(s.label));
  const text = `${names.length}: ${names.join(', ')}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function seriesJson(s: SeriesInfo): unknown {
  const first = s.firstNs !== undefined ? selectionNs(s, s.firstNs) : undefined;
  const last = s.lastNs !== undefined ? selectionNs(s, s.lastNs) : undefined;
  return {
    symbol: s.symbol,
    kind: s.kind,
    interval: s.intervalNs !== undefined ? formatInterval(s.intervalNs) : null,
    intervalNs: s.intervalNs?.toString() ?? null,
    rows: s.rows,
    /** What first and last are: the times a store:DIR?from=&to= window selects on. */
    times: s.kind === 'bars' && s.intervalNs !== undefined ? 'bar open' : 'row time',
    first: first !== undefined ? isoNs(first) : null,
    last: last !== undefined ? isoNs(last) : null,
    firstNs: first?.toString() ?? null,
    lastNs: last?.toString() ?? null,
    sources: s.sources.map((src) => ({
      ...src, firstNs: selectionNs(s, src.firstNs).toString(), lastNs: selectionNs(s, src.lastNs).toString(), first: isoNs(selectionNs(s, src.firstNs)), last: isoNs(selectionNs(s, src.lastNs)),
    })),
  };
}
