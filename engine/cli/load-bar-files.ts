// Loads the bar CSV files a CLI command was given, with the shared flags
// (--on-bad-row, --timezone, added by withBarFileOptions), turning loader errors into one-line user errors and
// printing the skip report when rows were skipped.
import { CsvFileError, CsvRowError, loadBarsCsv, type BadRowReport, type BarSeries } from '../../adapters/files/index.js';
import type { Command } from 'commander';
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

export interface LoadedBarFiles {
  series: BarSeries[];
  reports: BadRowReport[];
}

export async function loadBarFiles(
  files: readonly string[],
  options: { onBadRow: BadRowPolicy; timezone?: string },
  log: (line: string) => void,
): Promise<LoadedBarFiles> {
  const series: BarSeries[] = [];
  const reports: BadRowReport[] = [];
  for (const file of files) {
    try {
      const loaded = await loadBarsCsv(file, { onBadRow: options.onBadRow, timezone: options.timezone });
      series.push(loaded.series);
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
  return { series, reports };
}

function describeSkips(report: BadRowReport): string {
  const rules = Object.entries(report.skippedByRule)
    .filter(([, count]) => count > 0)
    .map(([rule, count]) => `${rule} ${count}`)
    .join(', ');
  const examples = report.examples.map((issue) => `    line ${issue.line}: ${issue.detail}`).join('\n');
  return `${report.file}: skipped ${report.rowsSkipped} of ${report.rowsRead} rows (${rules})\n${examples}`;
}
