// The final out-of-sample reserve as the research commands that read one bar file take it
// (`features`, `label`, `regime fit`): the `--reserve` / `--final` / `--state` flags, the file
// opened and loaded once, the most recent `--reserve` fraction of its time range cut before
// anything reads it (cutReserve, as `walkforward` cuts it), the look log (LMDB) checked or the
// `--final` recorded, and the lines that say so. The reserve is measured on the time each bar
// becomes available (its close), so the file's bar stamp must be known (its sidecar, or
// `--bar-stamp`), as the look log identifies the data by those times for every command.
// The look log is only read while a run checks its inputs (nothing is created then); the run
// records its reserve start or its `--final` look (`commit`) once it has succeeded, so a refused
// run neither leaves a `.quantflow/research` folder nor counts as a look.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { BarSeries, CsvStreamOptions } from '../../adapters/files/index.js';
import { MemoryStream } from '../backtest/index.js';
import type { MarketStream } from '../replay/index.js';
import { ReserveLog, cutReserve, readTrainingBars, type ResearchData, type TrainingBar } from '../research/walkforward/index.js';
import { UserFacingError } from './cli-error.js';
import { openRunData } from './open-run-data.js';
import { checkOutputDirectory, ensureOutputDirectory } from './output-paths.js';

export const DEFAULT_RESERVE = '0.2';
export const DEFAULT_RESERVE_STATE = '.quantflow/research';

export interface ReserveFlags {
  reserve?: string;
  final?: boolean;
  state?: string;
}

/** Adds --reserve, --final and --state to `command` and returns it. */
export function withReserveOptions(command: Command): Command {
  return command
    .option('--reserve <fraction>', 'the most recent fraction of the data\'s time range held back as the final out-of-sample reserve', DEFAULT_RESERVE)
    .option('--final', 'include the reserve (each use is logged in --state and counted)')
    .option('--state <dir>', 'LMDB directory of the reserve\'s look log', DEFAULT_RESERVE_STATE);
}

/** `--reserve` as a fraction in [0, 1), or a UserFacingError. */
export function parseReserveFlag(text: string | undefined): number {
  const reserveText = text ?? DEFAULT_RESERVE;
  const reserve = Number(reserveText);
  if (!/^\s*\d*\.?\d+\s*$/.test(reserveText) || !(reserve >= 0 && reserve < 1)) throw new UserFacingError(`\`--reserve\` must be a fraction in [0, 1), was ${JSON.stringify(reserveText)}`);
  return reserve;
}

/** What the look log says of a run's data, and how the run records its read once it has succeeded. */
export interface ReserveCheck {
  /** Times this data's reserve has been looked at (--final runs), this run included when it is one. */
  readonly looks: number;
  /** The look log's directory (absolute). */
  readonly state: string;
  /** Records the read: the reserve start the run held back (the first run on the data), or its --final look. */
  commit(): Promise<void>;
}

/**
 * Checks the look log (`--state`) for a run on `data` without creating anything: a read past the
 * reserve that earlier research held back is refused (ReserveReadError), and a --state that could
 * not be written is refused now rather than after the run. Call `commit` once the run succeeded.
 */
export async function checkReserveLog(stateFlag: string | undefined, data: ResearchData, command: string): Promise<ReserveCheck> {
  const state = resolve(stateFlag ?? DEFAULT_RESERVE_STATE);
  checkOutputDirectory('--state', state);
  const existing = ReserveLog.openExisting(state);
  let count = 0;
  if (existing !== null) {
    try {
      if (!data.final) existing.checkHeld(data.identity, data.reserveStartNs);
      count = existing.count(data.identity);
    } finally {
      await existing.close();
    }
  }
  let committed = false;
  return {
    looks: data.final ? count + 1 : count,
    state,
    async commit() {
      if (committed) return;
      committed = true;
      ensureOutputDirectory('--state', state);
      const reserveLog = ReserveLog.open(state);
      try {
        if (data.final) reserveLog.record(data.identity, { time: new Date().toISOString(), command });
        else reserveLog.checkRead(data.identity, data.reserveStartNs, command);
      } finally {
        await reserveLog.close();
      }
    },
  };
}

export interface ResearchFile {
  /** The opened source (symbol, bar interval). */
  readonly stream: MarketStream;
  readonly data: ResearchData;
  /** The bars research may read: before the reserve, or all of them with --final. */
  readonly bars: TrainingBar[];
  /** Bars of the reserve left out (0 with --final). */
  readonly heldBackBars: number;
  /** Times this data's reserve has been looked at (--final runs), this one included. */
  readonly looks: number;
  /** The look log's directory (absolute). */
  readonly state: string;
  /** Records this run's read in the look log: call once the run has succeeded, before writing its outputs. */
  commit(): Promise<void>;
}

export interface ResearchFileOptions {
  /** The flag that named the file, prefixed to its errors (`--data`, `--in`). */
  readonly flag: string;
  /** The command line logged with a --final look or a reserve start (`quantflow label ...`). */
  readonly command: string;
  readonly log: (line: string) => void;
  /** Instrumentation for tests: wraps the research stream the bars are read from. */
  readonly observe?: (stream: MarketStream) => MarketStream;
}

/** Opens and loads `file`, cuts its reserve unless --final, checks the look log (module header). */
export async function openResearchFile(file: string, csv: CsvStreamOptions, flags: ReserveFlags, options: ResearchFileOptions): Promise<ResearchFile> {
  const reserve = parseReserveFlag(flags.reserve);
  const final = flags.final === true;
  const [stream] = await openRunData([{ source: file }], csv, options.flag);
  if (stream.kind !== 'bars') throw new UserFacingError(`${options.flag}: ${file} must hold bars (time, open, high, low, close, volume), it holds ${stream.kind}`);
  let data: ResearchData;
  let loadedRows: number;
  try {
    const loaded = await MemoryStream.load(stream);
    loadedRows = loaded.expectedRows;
    data = cutReserve([loaded], { reserve, final });
  } catch (error) {
    throw new UserFacingError(`${options.flag}: ${(error as Error).message}`);
  }
  const check = await checkReserveLog(flags.state, data, options.command);
  const from = new Date(Number(data.reserveStartNs / 1_000_000n)).toISOString();
  if (final) options.log(`--final: the reserve from ${from} is included; looks at this data's reserve: ${check.looks} (logged in ${check.state} once the run succeeds)`);
  const research = options.observe ? options.observe(data.streams[0]) : data.streams[0];
  const bars = await readTrainingBars(research, [{ startNs: data.identity.firstNs, endNs: data.endNs }]);
  return { stream, data, bars, heldBackBars: loadedRows - data.streams[0].expectedRows, looks: check.looks, state: check.state, commit: () => check.commit() };
}

/** One line on what was held back and how often the reserve was looked at. */
export function describeReserve(file: ResearchFile): string {
  const from = new Date(Number(file.data.reserveStartNs / 1_000_000n)).toISOString();
  const use = file.data.final
    ? `reserve from ${from} INCLUDED (--final)`
    : file.data.reserve === 0 ? 'no reserve held back (--reserve 0)' : `${file.heldBackBars} bars held back as the final reserve (from ${from}, --reserve ${file.data.reserve}; --final reads them)`;
  return `${use}; reserve looked at ${file.looks} time(s) (--state ${file.state})`;
}

/** `bars` as the columns the labeller and the regime fit take, each bar stamped with its open or its close. */
export function barSeriesOf(file: string, bars: readonly TrainingBar[], stamp: 'open' | 'close'): BarSeries {
  return {
    file,
    length: bars.length,
    timeNs: BigInt64Array.from(bars, (b) => (stamp === 'open' ? b.startNs : b.endNs)),
    open: Float64Array.from(bars, (b) => b.open),
    high: Float64Array.from(bars, (b) => b.high),
    low: Float64Array.from(bars, (b) => b.low),
    close: Float64Array.from(bars, (b) => b.close),
    volume: Float64Array.from(bars, (b) => b.volume),
  };
}
