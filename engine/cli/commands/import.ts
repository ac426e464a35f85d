// `quantflow import`: imports market-data CSV files (bars, trades or quotes, mapped by the CSV
// mapping flags) into the embedded LMDB market-data store (adapters/store), one series per
// file's symbol and kind. Refuses a file imported before (by SHA-256) and an import that
// overlaps stored rows unless --replace. Prints per file: the series, rows, time range, the
// stream's issues (skipped rows, duplicates, gaps) and rows/s; a progress bar on stderr (TTY).
import { basename } from 'node:path';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { UserFacingError } from '../cli-error.js';
import { installStopOnSignal } from '../../shutdown/index.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { CsvFileError, CsvRowError, openCsvStream, type CsvStreamOptions } from '../../../adapters/files/index.js';
import { MarketStore, StoreError, importStream, isoNs, type ImportResult } from '../../../adapters/store/index.js';
import type { MarketStream, StreamIssue } from '../../replay/index.js';

export interface ImportFlags {
  store: string;
  in: string[];
  replace?: boolean;
  json?: boolean;
  progress?: boolean;
  /** The CSV mapping flags (withCsvMappingOptions). */
  [flag: string]: unknown;
}

/** Where the command writes, and how it opens a file (tests substitute both). */
export interface ImportIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Show the progress bar (default: stderr is a TTY, no --json, no --no-progress). */
  progressBar?: boolean;
  openStream?: (file: string, options: CsvStreamOptions) => Promise<MarketStream>;
}

export interface ImportReport {
  readonly store: string;
  readonly files: readonly ImportResult[];
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** Set when a signal stopped the import: which file was not imported, and why. */
  readonly interrupted?: string;
}

export function registerImportCommand(program: Command): void {
  withCsvMappingOptions(program.command('import'))
    .description('Import market-data CSV files (bars, trades, quotes) into the LMDB market-data store, one series per symbol and kind')
    .requiredOption('--store <dir>', 'market-data store directory (created when absent)')
    .requiredOption('--in <files...>', 'CSV files to import')
    .option('--replace', 'replace the stored rows of the series in each file\'s time range (default: refuse an overlap), and allow a file imported before')
    .option('--json', 'print the result as one JSON document on stdout')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (flags: ImportFlags) => {
      await runImport(flags);
    });
}

/**
 * Every --in file is there, a file, and given once, before the store is opened: a missing file
 * used to leave a new empty store behind, and a file given twice was imported once and then
 * refused as imported before, after the store had changed.
 */
function checkInputFiles(files: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    if (!existsSync(file)) throw new UserFacingError(`--in: ${file} does not exist: give a CSV file`);
    if (statSync(file).isDirectory()) throw new UserFacingError(`--in: ${file} is a directory: give a CSV file`);
    if (!statSync(file).isFile()) throw new UserFacingError(`--in: ${file} is not a regular file (a named pipe, socket or device): give a CSV file`);
    const real = realpathSync(file);
    const first = seen.get(real);
    if (first !== undefined) throw new UserFacingError(`--in: ${file} is given twice${first === file ? '' : ` (also as ${first})`}: each file once`);
    seen.set(real, file);
  }
}

export async function runImport(flags: ImportFlags, io: ImportIo = {}): Promise<ImportReport> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const err = io.err ?? ((text: string) => void process.stderr.write(text));
  const json = flags.json === true;
  const showBar = io.progressBar ?? (flags.progress !== false && !json && process.stderr.isTTY === true);
  const open = io.openStream ?? openCsvStream;
  if (!flags.in || flags.in.length === 0) throw new UserFacingError('`--in` needs at least one CSV file');
  checkInputFiles(flags.in);
  const csvOptions = csvOptionsFromFlags(flags);
  const store = storeErrors(() => MarketStore.open(flags.store, { create: true }));
  const files: ImportResult[] = [];
  const started = process.hrtime.bigint();
  // SIGINT/SIGTERM stop the file being imported at its next block: it is rolled back, the files
  // before it stay, the command says which and the signal handler exits (130/143) once it has.
  // (Without this the process died mid-file, saying nothing, its import left for the next one to roll back.)
  let interrupted: string | undefined;
  const stop = installStopOnSignal(() => 'the file being imported is rolled back by the next import or read of the store.');
  try {
    for (const file of flags.in) {
      if (stop.requested) {
        interrupted ??= `stopped before ${file}`;
        break;
      }
      let stream: MarketStream;
      try {
        stream = await open(file, csvOptions);
      } catch (error) {
        if (error instanceof CsvFileError || error instanceof CsvRowError) throw new UserFacingError(error.message);
        throw error;
      }
      const bar = showBar ? progressBar(stream) : undefined;
      let result: ImportResult;
      try {
        result = await importStream(store, stream, { replace: flags.replace === true, onProgress: (rows) => bar?.tick(rows), shouldStop: () => stop.requested });
      } catch (error) {
        bar?.stop();
        if (error instanceof StoreError && error.rule === 'interrupted') {
          interrupted = error.message;
          break;
        }
        if (files.length > 0 && !json) err(`quantflow: ${files.length} file(s) before ${file} were imported\n`);
        if (error instanceof StoreError) throw new UserFacingError(error.message);
        throw error;
      }
      bar?.stop();
      files.push(result);
      if (!json) out(describeImport(result));
    }
  } catch (error) {
    stop.dispose();
    throw error;
  } finally {
    await store.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = files.reduce((sum, f) => sum + f.rows, 0);
  const report = { store: flags.store, files, rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : 0, ...(interrupted !== undefined ? { interrupted } : {}) };
  if (interrupted !== undefined) {
    const left = flags.in.slice(files.length);
    err(`quantflow: import interrupted: ${interrupted}; ${files.length} file(s) imported, ${left.length} not: ${left.join(', ')}\n`);
  }
  if (json) out(`${JSON.stringify(importJson(report), null, 2)}\n`);
  else out(`store ${flags.store}: ${files.length} file(s), ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s (${Math.round(report.rowsPerSecond).toLocaleString('en-US')} rows/s)${interrupted !== undefined ? ', INTERRUPTED' : ''}\n`);
  stop.dispose();
  stop.reported();
  return report;
}

function storeErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StoreError) throw new UserFacingError(error.message);
    throw error;
  }
}

function progressBar(stream: MarketStream): { tick(rows: number): void; stop(): void } {
  const total = stream.expectedRows;
  const format = total !== undefined
    ? `import |{bar}| {value}/{total} rows | {rate} rows/s | ${basename(stream.label)}`
    : `import {value} rows | {rate} rows/s | ${basename(stream.label)}`;
  const bar = new cliProgress.SingleBar({ format, stream: process.stderr, fps: 5 }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  bar.start(total ?? 0, 0, { rate: 0 });
  return {
    tick(rows: number) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(rows, { rate: seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : 0 });
    },
    stop: () => bar.stop(),
  };
}

function describeIssue(issue: StreamIssue): string {
  const examples = issue.examples.length > 0 ? ` (e.g. ${issue.examples.slice(0, 2).join('; ')})` : '';
  return `${issue.rule}: ${issue.count.toLocaleString('en-US')} ${issue.action}${examples}`;
}

export function describeImport(result: ImportResult): string {
  const range = result.firstNs !== undefined ? `${isoNs(result.firstNs)} .. ${isoNs(result.lastNs!)}` : 'no rows';
  const lines = [
    `${result.seriesName} <- ${result.label}`,
    `  ${result.rows.toLocaleString('en-US')} rows, ${range}, ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s`,
  ];
  if (result.replacedRows > 0) lines.push(`  replaced ${result.replacedRows.toLocaleString('en-US')} stored rows`);
  lines.push(result.issues.length > 0 ? `  issues: ${result.issues.map(describeIssue).join('; ')}` : '  issues: none (no skipped rows, duplicates or gaps)');
  if (result.series) lines.push(`  series now ${result.series.rows.toLocaleString('en-US')} rows, ${isoNs(result.series.firstNs!)} .. ${isoNs(result.series.lastNs!)}`);
  return `${lines.join('\n')}\n`;
}

function importJson(report: ImportReport): unknown {
  return {
    store: report.store,
    rows: report.rows,
    seconds: report.seconds,
    rowsPerSecond: report.rowsPerSecond,
    ...(report.interrupted !== undefined ? { interrupted: report.interrupted } : {}),
    files: report.files.map((f) => ({
      file: f.label,
      series: f.seriesName,
      rows: f.rows,
      replacedRows: f.replacedRows,
      from: f.firstNs !== undefined ? isoNs(f.firstNs) : null,
      to: f.lastNs !== undefined ? isoNs(f.lastNs) : null,
      fromNs: f.firstNs?.toString() ?? null,
      toNs: f.lastNs?.toString() ?? null,
      sha256: f.sha256,
      seconds: f.seconds,
      rowsPerSecond: f.rowsPerSecond,
      issues: f.issues,
      seriesRows: f.series?.rows ?? 0,
    })),
  };
}
