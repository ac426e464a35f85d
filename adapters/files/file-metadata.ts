// The sidecar of a CSV file: FILE.meta.json next to it (for FILE.csv.gz, FILE.csv.gz.meta.json,
// else FILE.csv.meta.json), holding the same keys as CsvStreamOptions, e.g.
//   {"kind":"bars","barStamp":"open","symbol":"BTCUSDT"}
// It states what the file itself cannot: what a bar's time stamps, the symbol, the zone.

import { existsSync, readFileSync } from 'node:fs';
import { CsvFileError } from './csv-errors.js';
import { checkCsvStreamOptions, type CsvStreamOptions } from './csv-stream-options.js';

/** The sidecar paths tried for `file`, in order. */
export function sidecarPaths(file: string): string[] {
  const paths = [`${file}.meta.json`];
  if (/\.gz$/i.test(file)) paths.push(`${file.slice(0, -3)}.meta.json`);
  return paths;
}

/** The sidecar's options (checked), and where they came from; `{}` and null when there is none. */
export function readFileMetadata(file: string): { options: CsvStreamOptions; path: string | null } {
  for (const candidate of sidecarPaths(file)) {
    if (!existsSync(candidate)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(candidate, 'utf8').replace(/^\uFEFF/, '')); // a BOM, as CSV files may have
    } catch (error) {
      throw new CsvFileError(file, 'bad-option', `sidecar ${candidate} must be valid JSON: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CsvFileError(file, 'bad-option', `sidecar ${candidate} must hold one JSON object with CsvStreamOptions keys`);
    }
    const problem = checkCsvStreamOptions(parsed as Record<string, unknown>, `sidecar ${candidate}`);
    if (problem !== null) throw new CsvFileError(file, 'bad-option', problem);
    return { options: parsed as CsvStreamOptions, path: candidate };
  }
  return { options: {}, path: null };
}
