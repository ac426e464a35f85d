// `quantflow data ls`: the series of the LMDB market-data store (adapters/store): symbol,
// kind, bar interval, rows, first and last ts_local, and the files imported into each.
import { basename } from 'node:path';
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { StoreError, formatInterval, isoNs, listSeries, type SeriesInfo } from '../../../adapters/store/index.js';

export interface DataLsFlags {
  store: string;
  json?: boolean;
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('Inspect the LMDB market-data store filled by `quantflow import`');
  data
    .command('ls')
    .description('List the series of a market-data store: symbol, kind, interval, rows, from, to, sources')
    .requiredOption('--store <dir>', 'market-data store directory')
    .option('--json', 'print the series as one JSON document on stdout')
    .action((flags: DataLsFlags) => {
      runDataLs(flags);
    });
}

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
  const header = ['symbol', 'kind', 'interval', 'rows', 'from', 'to', 'sources'];
  const rows = series.map((s) => [
    s.symbol,
    s.kind,
    s.intervalNs !== undefined ? formatInterval(s.intervalNs) : '-',
    s.rows.toLocaleString('en-US'),
    s.firstNs !== undefined ? isoNs(s.firstNs) : '-',
    s.lastNs !== undefined ? isoNs(s.lastNs) : '-',
    sourcesCell(s),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const numeric = new Set([3]);
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  out(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return series;
}

function sourcesCell(series: SeriesInfo): string {
  const names = series.sources.map((s) => basename(s.label));
  const text = `${names.length}: ${names.join(', ')}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function seriesJson(s: SeriesInfo): unknown {
  return {
    symbol: s.symbol,
    kind: s.kind,
    interval: s.intervalNs !== undefined ? formatInterval(s.intervalNs) : null,
    intervalNs: s.intervalNs?.toString() ?? null,
    rows: s.rows,
    from: s.firstNs !== undefined ? isoNs(s.firstNs) : null,
    to: s.lastNs !== undefined ? isoNs(s.lastNs) : null,
    fromNs: s.firstNs?.toString() ?? null,
    toNs: s.lastNs?.toString() ?? null,
    sources: s.sources.map((src) => ({ ...src, firstNs: src.firstNs.toString(), lastNs: src.lastNs.toString(), from: isoNs(src.firstNs), to: isoNs(src.lastNs) })),
  };
}
