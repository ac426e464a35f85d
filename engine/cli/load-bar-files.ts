// Loads the bar CSV files a CLI command was given, with the shared flags
// (--on-bad-row, --timezone, added by withBarFileOptions), turning loader errors into one-line user errors and
// printing the skip report when rows were skipped. A file's sidecar (FILE.meta.json, as `quantflow
// backtest` reads it) gives its symbol, its zone for naive times (when --timezone is not given)
// and whether its times stamp the bar's open or close: close-stamped bars are moved to their open
// (minus `barInterval`, else the smallest gap), the time the series here are labelled by.
import { CsvFileError, CsvRowError, loadBarsCsv, parseBarInterval, readFileMetadata, type BadRowReport, type BarSeries } from '../../adapters/files/index.js';
import { barIntervalNs } from '../replay/index.js';
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { UserFacingError } from './cli-error.js';

export type BadRowPolicy = 'reject' | 'skip';

/** Adds the flags every command that reads bar files takes: --on-bad-row and --timezone. */
export function withBarFileOptions(command: Command): Command {
  return command
    .option('--on-bad-row <policy>', 'reject: stop at the first bad row; skip: skip bad rows and report them', 'reject')
    .option('--timezone <zone>', 'IANA time zone for naive timestamps (default: UTC)');
}

export function checkBadRowPolicy(value: string): BadRowPolicy {
  if (value === 'reject' || value === 'skip') return value;
  throw new UserFacingError(`\`--on-bad-row\` must be reject or skip, was ${JSON.stringify(value)}`);
}

/** Refuses a bar file that is not there or is a directory, naming the flag that gave it (before its sidecar or its rows are asked about). */
export function checkBarFileExists(flag: string, file: string): void {
  if (!existsSync(file)) throw new UserFacingError(`${flag}: ${file} does not exist: give a bar CSV file`);
  if (statSync(file).isDirectory()) throw new UserFacingError(`${flag}: ${file} is a directory: give a bar CSV file`);
}

export interface LoadedBarFiles {
  series: BarSeries[];
  reports: BadRowReport[];
  /** Per file: the symbol its sidecar names, or undefined. */
  symbols: (string | undefined)[];
  /** Per file: the bar interval its sidecar states (ns), or undefined. */
  statedIntervals: (bigint | undefined)[];
}

export async function loadBarFiles(
  files: readonly string[],
  options: { onBadRow: BadRowPolicy; timezone?: string },
  log: (line: string) => void,
): Promise<LoadedBarFiles> {
  const series: BarSeries[] = [];
  const reports: BadRowReport[] = [];
  const symbols: (string | undefined)[] = [];
  const statedIntervals: (bigint | undefined)[] = [];
  for (const file of files) {
    checkBarFileExists('--in', file);
    try {
      const { options: sidecar } = readFileMetadata(file);
      const loaded = await loadBarsCsv(file, { onBadRow: options.onBadRow, timezone: options.timezone ?? sidecar.timezone });
      if (sidecar.barStamp === 'close') toOpenStamps(loaded.series, sidecar.barInterval);
      series.push(loaded.series);
      symbols.push(sidecar.symbol);
      statedIntervals.push(sidecar.barInterval !== undefined ? parseBarInterval(sidecar.barInterval) ?? undefined : undefined);
      reports.push(loaded.report);
      if (loaded.report.rowsSkipped > 0) log(describeSkips(loaded.report));
      if (loaded.report.blankLines > 0) log(`${file}: skipped ${loaded.report.blankLines} blank line${loaded.report.blankLines === 1 ? '' : 's'} between rows (the first at line ${loaded.report.firstBlankLine})`);
    } catch (error) {
      if (error instanceof CsvRowError) {
        throw new UserFacingError(`${error.message}\n  (use --on-bad-row skip to skip bad rows and get a report instead)`);
      }
      if (error instanceof CsvFileError || error instanceof RangeError) throw new UserFacingError(error.message);
      throw error;
    }
  }
  return { series, reports, symbols, statedIntervals };
}

/** Moves close-stamped bars to their open: minus the stated interval, else the smallest gap between bars. */
function toOpenStamps(series: BarSeries, stated: string | undefined): void {
  const interval = stated !== undefined ? parseBarInterval(stated) : barIntervalNs(series);
  if (interval === null || interval <= 0n) {
    throw new UserFacingError(`${series.file}: its sidecar says barStamp close, and the bar interval cannot be told from one bar; state barInterval in the sidecar`);
  }
  for (let i = 0; i < series.length; i++) series.timeNs[i] -= interval;
}

function describeSkips(report: BadRowReport): string {
  const rules = Object.entries(report.skippedByRule)
    .filter(([, count]) => count > 0)
    .map(([rule, count]) => `${rule} ${count}`)
    .join(', ');
  const examples = report.examples.map((issue) => `    line ${issue.line}: ${issue.detail}`).join('\n');
  return `${report.file}: skipped ${report.rowsSkipped} of ${report.rowsRead} rows (${rules})\n${examples}`;
}
