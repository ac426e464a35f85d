// One run of a sweep, wherever it executes (a piscina worker, a `quantflow worker` process, or
// in-process): the run's configuration document validated through engine/config, then
// runBacktest over the sweep's data, held in memory once per worker (DataCache: the sources are
// opened and read with MemoryStream.load on the first run and reused by every later run; a
// local pool's workers are given the data the main thread loaded, shared-run-inputs.ts). The
// engine's core runs in the executing thread (runBacktest `inlineEngine`, its memory kept and
// reset to zeros between runs): a worker does nothing else during a run, and starting an engine
// thread per run cost more than the run itself. A run reads the data before the task's
// `dataEndNs` only (the sweep's final reserve cut, run-sweep.ts). A run
// is a pure function of its document, data and seed; `runMs` is the only field that differs
// between two executions of the same run.
import { EquitySeries, MemoryStream, runBacktest } from '../../backtest/index.js';
import { observedPeriodsPerYear, worstDrawdown } from '../../backtest/report/index.js';
import { loadRunConfig, type ConfigDocument } from './run-config.js';
import type { Parameters } from './constraint-expression.js';

/** What a worker needs to execute a run (plain JSON: it crosses threads and Redis). */
export interface RunTask {
  readonly sweepId: string;
  readonly index: number;
  readonly parameters: Parameters;
  readonly config: ConfigDocument;
  /** The directory `config`'s relative paths resolve against (the base file's, absolute); absent in tasks of an earlier version. */
  readonly configDir?: string;
  readonly data: readonly string[];
  /** Records with ts_local at or after this (ns, decimal) are the final reserve and are not read; absent: every record (--final, or a task of an earlier version). */
  readonly dataEndNs?: string;
  readonly equity: number;
  readonly barTimeframe?: string;
}

/** Where and how often a run executed (set by the queue worker; in-process and pool runs have one attempt). */
export interface RunAttempts {
  /** Executions started, including the one that finished (BullMQ attemptsStarted). */
  readonly started: number;
  /** Earlier executions that threw (their errors in `errors`). */
  readonly failed: number;
  /** Times the run was moved back to the queue because its worker stopped renewing the lock. */
  readonly stalled: number;
  readonly errors: readonly string[];
  /** host:pid of the worker that finished it. */
  readonly worker: string;
}

export interface RunResult {
  readonly index: number;
  readonly parameters: Parameters;
  /** SHA-256 of fills.csv's bytes. */
  readonly fillsHash: string;
  readonly fills: number;
  readonly finalEquity: number;
  /** mean / sample std of the per-period returns (risk-free 0); null when undefined. */
  readonly sharpe: number | null;
  /** sharpe * sqrt(periods per year). */
  readonly sharpeAnnualised: number | null;
  readonly periodsPerYear: number | null;
  /** Largest fall from a running peak of equity, a fraction. */
  readonly maxDrawdown: number;
  /** Round trips closed. */
  readonly trades: number;
  /** Per-period simple returns of the equity after each bar close (for PBO and the moments). */
  readonly returns: Float64Array;
  readonly events: number;
  /** Wall time of the run in the worker (config load + backtest), ms. */
  readonly runMs: number;
  readonly attempts?: RunAttempts;
}

/** The sweep's data, held in memory per worker and keyed by the source list. */
export class DataCache {
  private readonly entries = new Map<string, Promise<MemoryStream[]>>();
  /** The streams cut before an end time, per loaded list (dropped with it). */
  private readonly cuts = new WeakMap<MemoryStream[], Map<bigint, MemoryStream[]>>();

  /** `maxEntries`: data sets kept at once (a long-lived worker serving several sweeps); the oldest is dropped. */
  constructor(private readonly maxEntries = 2) {}

  /** The data of `data`, loaded once; with `endNs`, only its records with ts_local before it (each cut made once). */
  async streams(data: readonly string[], endNs?: bigint): Promise<MemoryStream[]> {
    const whole = await this.loaded(data);
    if (endNs === undefined) return whole;
    let cuts = this.cuts.get(whole);
    if (cuts === undefined) this.cuts.set(whole, (cuts = new Map()));
    let cut = cuts.get(endNs);
    if (cut === undefined) cuts.set(endNs, (cut = whole.map((stream) => stream.slice(-(1n << 63n), endNs))));
    return cut;
  }

  private loaded(data: readonly string[]): Promise<MemoryStream[]> {
    const key = JSON.stringify(data);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      entry = (async () => {
        // Loaded on first use: a pool worker gets its data from the main thread (shared-run-inputs.ts)
        // and never loads the sources' modules (the QuestDB client, the LMDB store ...).
        const { openDataSources } = await import('../../../adapters/sources/index.js');
        const opened = await openDataSources([...data], {});
        const loaded: MemoryStream[] = [];
        for (const stream of opened) loaded.push(await MemoryStream.load(stream));
        return loaded;
      })();
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Whether the data of `data` is held (or being loaded). */
  has(data: readonly string[]): boolean {
    return this.entries.has(JSON.stringify(data));
  }

  /** Holds `streams` (loaded elsewhere, e.g. shared by the main thread) as the data of `data`. */
  adopt(data: readonly string[], streams: MemoryStream[]): void {
    const key = JSON.stringify(data);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, Promise.resolve(streams));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** simpleReturns (engine/backtest/report) written straight into a Float64Array. */
function simpleReturnsOf(values: ArrayLike<number>): Float64Array {
  const returns = new Float64Array(Math.max(0, values.length - 1));
  for (let i = 1; i < values.length; i++) returns[i - 1] = values[i] / values[i - 1] - 1;
  return returns;
}

function sharpeOf(returns: Float64Array): number | null {
  const n = returns.length;
  if (n < 2) return null;
  let sum = 0;
  // Indexed loops: an iterator allocates per element until the JIT optimises the function.
  for (let i = 0; i < n; i++) sum += returns[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (returns[i] - mean) * (returns[i] - mean);
  const std = Math.sqrt(squares / (n - 1));
  return std > 0 && Number.isFinite(std) ? mean / std : null;
}

/** `localRun`: executed by the process that built the task (a pool worker), over the same defaults (loadRunConfig `holdsDefaults`). */
export async function executeRun(task: RunTask, cache: DataCache, localRun = false): Promise<RunResult> {
  const started = performance.now();
  const config = loadRunConfig(task.config, task.configDir, `sweep ${task.sweepId} run ${task.index}`, localRun);
  const streams = await cache.streams(task.data, task.dataEndNs === undefined ? undefined : BigInt(task.dataEndNs));
  // No bars for the price chart: a sweep keeps the fills, the trades and the equity.
  const run = await runBacktest({ streams, config, equity: task.equity, barTimeframe: task.barTimeframe, inlineEngine: true, recordBars: false });
  const { recording } = run;
  // The equity as columns (no object or BigInt per bar).
  const series = recording.equitySeries ?? EquitySeries.fromPoints(recording.equity);
  const values = series.equity();
  const returns = simpleReturnsOf(values);
  // Annualised as the backtest report does: the series' intervals over its span in years.
  const perYear = observedPeriodsPerYear(series.length - 1, series.spanNs());
  const sharpe = sharpeOf(returns);
  return {
    index: task.index,
    parameters: task.parameters,
    fillsHash: recording.fillsHash,
    fills: recording.fills.length,
    finalEquity: recording.totals.finalEquity,
    sharpe,
    sharpeAnnualised: sharpe === null || perYear === null ? null : sharpe * Math.sqrt(perYear),
    periodsPerYear: perYear,
    maxDrawdown: worstDrawdown(values).worst,
    trades: recording.trades.length,
    returns,
    events: recording.events,
    runMs: performance.now() - started,
  };
}

/** A result as plain JSON (returns as base64 of their float64 bytes: exact, about 11 bytes per period). */
export interface EncodedRunResult extends Omit<RunResult, 'returns'> {
  readonly returns: string;
}

export function encodeRunResult(result: RunResult): EncodedRunResult {
  const bytes = Buffer.from(result.returns.buffer, result.returns.byteOffset, result.returns.byteLength);
  return { ...result, returns: bytes.toString('base64') };
}

export function decodeRunResult(encoded: EncodedRunResult): RunResult {
  const bytes = Buffer.from(encoded.returns, 'base64');
  const returns = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(returns.buffer).set(bytes);
  return { ...encoded, returns };
}
