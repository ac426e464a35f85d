// Writes the outputs of `quantflow backtest --out DIR`: report.json, fills.csv, trades.csv,
// equity.csv and report.html. The CSVs are written in blocks (never one string); the
// directory is created when missing; existing files of these names are replaced. A recording
// whose fillsHash is not SHA-256 of the fills.csv written here is refused before any file is written.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BacktestRecording } from '../backtest-recording.js';
import { computeReport } from './compute-report.js';
import { writeBlocks } from './csv-text.js';
import { equityCsvBlocks } from './equity-csv.js';
import { fillsCsvBlocks } from './fills-csv.js';
import { renderReportHtml } from './report-html.js';
import { reportPageData } from './report-page-data.js';
import { tradesCsvBlocks } from './trades-csv.js';

export interface BacktestOutputOptions {
  /** Page and report title (default `QuantFlow backtest`). */
  readonly title?: string;
  /** The run's configuration, copied into report.json as `config`. */
  readonly config?: unknown;
  /** The run's ML expert section (BacktestRun.model), copied into report.json as `model`. */
  readonly model?: unknown;
  /** The sources the run read (a file's absolute path and SHA-256; null for a store or QuestDB), copied into report.json as `data`. */
  readonly data?: readonly RecordedDataSource[];
}

/** A source a run read, as report.json records it (montecarlo --perturb reruns on it). */
export interface RecordedDataSource {
  readonly source: string;
  readonly sha256: string | null;
}

/** Writes the five files into `dir` and returns their absolute paths. */
/** The files a backtest writes into its output folder. */
export const BACKTEST_OUTPUT_FILES: readonly string[] = ['report.json', 'fills.csv', 'trades.csv', 'equity.csv', 'report.html'];

export async function writeBacktestOutputs(dir: string, recording: BacktestRecording, options: BacktestOutputOptions = {}): Promise<{ files: string[] }> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const report = { ...computeReport(recording, options), ...(options.model !== undefined ? { model: options.model } : {}), ...(options.data !== undefined ? { data: options.data } : {}) };
  const files = {
    report: join(out, 'report.json'),
    fills: join(out, 'fills.csv'),
    trades: join(out, 'trades.csv'),
    equity: join(out, 'equity.csv'),
    html: join(out, 'report.html'),
  };
  // The run prints recording.fillsHash as the hash of fills.csv: they must agree (empty: not computed).
  if (recording.fillsHash !== '' && recording.fillsHash !== report.fillsSha256) {
    throw new Error(`recording.fillsHash must be SHA-256 of fills.csv (fillsHash from engine/backtest/report), was ${recording.fillsHash}, fills.csv hashes to ${report.fillsSha256}`);
  }
  await writeFile(files.report, `${JSON.stringify(report, null, 2)}\n`);
  await writeBlocks(files.fills, fillsCsvBlocks(recording));
  await writeBlocks(files.trades, tradesCsvBlocks(recording));
  await writeBlocks(files.equity, equityCsvBlocks(recording));
  await writeFile(files.html, renderReportHtml(reportPageData(recording, report)));
  return { files: Object.values(files) };
}
