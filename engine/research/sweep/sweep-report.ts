// The sweep's report (sweep.json, runs.csv and a summary for stdout) from its stored runs:
//   ranking     runs by Deflated Sharpe Ratio (engine/research/stats), each run's per-period
//               Sharpe deflated over trials = the number of finished runs and trialSharpeVariance =
//               the sample variance (n - 1) of their per-period Sharpes (finite ones);
//   pbo         Probability of Backtest Overfitting by CSCV over the runs' per-period return
//               series (all the same length: the same bars), S = `partitions` blocks;
//   stability   the best run's neighbours in the grid (each parameter one step up and one step
//               down in its value list, the others unchanged) and their Sharpe against the best's;
//   retries     runs that failed an attempt or stalled before finishing, and final failures.
// Sharpe here is per period: mean / sample std of the per-period returns (risk-free 0), as
// stats.sharpeRatio and report.json before annualising; `sharpeAnnualised` multiplies it by
// sqrt(periods per year).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflatedSharpeRatio, probabilityOfBacktestOverfitting, returnMoments, sharpeRatio } from '../stats/index.js';
import type { RunResult } from './execute-run.js';
import type { Parameters, ParameterValue } from './constraint-expression.js';
import type { SweepPlan } from './sweep-plan.js';
import type { SweepSpec } from './sweep-spec.js';
import type { RunEvent } from './sweep-store.js';

export interface RankedRun {
  readonly rank: number;
  readonly index: number;
  readonly parameters: Parameters;
  readonly dsr: number | null;
  readonly sharpe: number | null;
  readonly sharpeAnnualised: number | null;
  readonly skewness: number | null;
  readonly kurtosis: number | null;
  readonly periods: number;
  readonly finalEquity: number;
  readonly maxDrawdown: number;
  readonly trades: number;
  readonly fills: number;
  readonly fillsHash: string;
  readonly runMs: number;
  readonly attempts?: RunResult['attempts'];
}

export interface Neighbour {
  readonly parameter: string;
  readonly step: -1 | 1;
  readonly parameters: Parameters;
  readonly index: number | null;
  /** Why there is no run: `edge of the grid`, `skipped by constraint ...`, `failed`, `not in the sample`. */
  readonly missing?: string;
  readonly sharpe: number | null;
  /** neighbour Sharpe - best Sharpe (per period). */
  readonly difference: number | null;
}

export interface SweepReport {
  readonly id: string;
  readonly generatedAt: string;
  readonly spec: { readonly file: string; readonly base: string; readonly data: readonly string[]; readonly equity: number; readonly search: SweepSpec['search']; readonly parameters: Record<string, unknown>; readonly constraints: readonly string[] };
  readonly runs: { readonly planned: number; readonly finished: number; readonly failed: number; readonly skippedByConstraints: number };
  /** The final reserve: where it starts, whether the runs read it (--final) and how often it has been looked at. */
  readonly reserve?: SweepReserve;
  readonly execution?: Record<string, unknown>;
  readonly selection: { readonly trials: number; readonly trialSharpeVariance: number | null; readonly expectedMaxSharpe: number | null };
  readonly ranking: readonly RankedRun[];
  readonly pbo: { readonly pbo: number; readonly partitions: number; readonly combinations: number; readonly medianLogit: number; readonly periods: number } | { readonly skipped: string };
  readonly stability: {
    readonly best: number | null;
    readonly neighbours: readonly Neighbour[];
    readonly meanNeighbourSharpe: number | null;
    readonly worstNeighbourSharpe: number | null;
    /**
     * mean neighbour Sharpe / best Sharpe (1 = a plateau, near 0 or below = an isolated peak);
     * null unless the best Sharpe is > 0 (below it the ratio reads backwards: worse neighbours
     * give more than 1).
     */
    readonly meanRatio: number | null;
  } | { readonly skipped: string };
  readonly retries: readonly { readonly index: number; readonly started: number; readonly failedAttempts: number; readonly stalled: number; readonly worker: string; readonly errors: readonly string[] }[];
  readonly failures: readonly { readonly index: number; readonly parameters: Parameters; readonly message: string }[];
  readonly events: readonly { readonly index: number; readonly kind: RunEvent['kind']; readonly at: string; readonly message: string }[];
  readonly skipped: SweepPlan['skipped'];
}

export interface SweepReserve {
  readonly fraction: number;
  readonly startNs: string;
  readonly start: string;
  readonly final: boolean;
  readonly looks: number;
}

export interface ReportInput {
  readonly reserve?: SweepReserve;
  readonly id: string;
  readonly spec: SweepSpec;
  readonly plan: SweepPlan;
  readonly results: readonly RunResult[];
  readonly failures: readonly { readonly index: number; readonly message: string }[];
  readonly events: readonly [number, RunEvent][];
  readonly partitions?: number;
  readonly execution?: Record<string, unknown>;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const key = (parameters: Parameters): string => JSON.stringify(parameters);

export function buildSweepReport(input: ReportInput): SweepReport {
  const results = [...input.results].sort((a, b) => a.index - b.index);
  const stats = results.map((r) => ({ result: r, sharpe: sharpeRatio(r.returns), moments: returnMoments(r.returns) }));
  const sharpes = stats.map((s) => s.sharpe).filter(Number.isFinite);
  const trials = results.length;
  let trialSharpeVariance: number | null = null;
  if (sharpes.length >= 2) {
    const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
    trialSharpeVariance = sharpes.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (sharpes.length - 1);
  } else if (sharpes.length === 1) trialSharpeVariance = 0;
  let expectedMax: number | null = null;
  const ranked = stats.map(({ result, sharpe, moments }) => {
    let dsr: number | null = null;
    if (trialSharpeVariance !== null && Number.isFinite(sharpe) && moments.n >= 2) {
      const out = deflatedSharpeRatio({ sharpe, n: moments.n, skewness: moments.skewness, kurtosis: moments.kurtosis, trials, trialSharpeVariance });
      dsr = finite(out.dsr);
      expectedMax = out.expectedMaxSharpe;
    }
    return { result, sharpe, moments, dsr };
  });
  ranked.sort((a, b) => (b.dsr ?? -Infinity) - (a.dsr ?? -Infinity) || (finite(b.sharpe) ?? -Infinity) - (finite(a.sharpe) ?? -Infinity) || a.result.index - b.result.index);
  const ranking: RankedRun[] = ranked.map(({ result, sharpe, moments, dsr }, i) => ({
    rank: i + 1,
    index: result.index,
    parameters: result.parameters,
    dsr,
    sharpe: finite(sharpe),
    sharpeAnnualised: result.sharpeAnnualised,
    skewness: finite(moments.skewness),
    kurtosis: finite(moments.kurtosis),
    periods: moments.n,
    finalEquity: result.finalEquity,
    maxDrawdown: result.maxDrawdown,
    trades: result.trades,
    fills: result.fills,
    fillsHash: result.fillsHash,
    runMs: result.runMs,
    ...(result.attempts ? { attempts: result.attempts } : {}),
  }));

  let pbo: SweepReport['pbo'];
  const partitions = input.partitions ?? 16;
  const lengths = new Set(results.map((r) => r.returns.length));
  if (results.length < 2) pbo = { skipped: `needs at least 2 finished runs, had ${results.length}` };
  else if (lengths.size !== 1) pbo = { skipped: `the runs' return series differ in length (${[...lengths].join(', ')})` };
  else if ([...lengths][0] < partitions) pbo = { skipped: `needs at least ${partitions} periods per run, had ${[...lengths][0]}` };
  // CSCV would rank ties at the median and count every combination as overfit (PBO 1).
  else if (results.every((r) => sameValues(r.returns, results[0].returns))) pbo = { skipped: 'every run has the same per-period returns (the parameters changed nothing): there is no selection to overfit' };
  else {
    const out = probabilityOfBacktestOverfitting(results.map((r) => r.returns), { partitions });
    const sorted = [...out.logits].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    pbo = { pbo: out.pbo, partitions: out.partitions, combinations: out.combinations, medianLogit: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, periods: [...lengths][0] };
  }

  const stability = stabilityOf(input.spec, input.plan, ranking, new Map(input.failures.map((f) => [f.index, f.message])));
  const retries = results
    .filter((r) => r.attempts && (r.attempts.started > 1 || r.attempts.stalled > 0 || r.attempts.failed > 0))
    .map((r) => ({ index: r.index, started: r.attempts!.started, failedAttempts: r.attempts!.failed, stalled: r.attempts!.stalled, worker: r.attempts!.worker, errors: r.attempts!.errors }));
  const byIndex = new Map(input.plan.runs.map((r) => [r.index, r.parameters]));
  return {
    id: input.id,
    generatedAt: new Date().toISOString(),
    spec: {
      file: input.spec.file,
      base: input.spec.base,
      data: input.spec.data,
      equity: input.spec.equity,
      search: input.spec.search,
      parameters: Object.fromEntries(input.spec.parameters.map((p) => [p.name, p.domain.kind === 'values' ? p.domain.values : { min: p.domain.min, max: p.domain.max, step: p.domain.step }])),
      constraints: input.spec.constraints,
    },
    runs: { planned: input.plan.runs.length, finished: results.length, failed: input.failures.length, skippedByConstraints: input.plan.skipped.length },
    ...(input.reserve ? { reserve: input.reserve } : {}),
    ...(input.execution ? { execution: input.execution } : {}),
    selection: { trials, trialSharpeVariance, expectedMaxSharpe: expectedMax },
    ranking,
    pbo,
    stability,
    retries,
    failures: input.failures.map((f) => ({ index: f.index, parameters: byIndex.get(f.index) ?? {}, message: f.message })),
    events: input.events.map(([index, e]) => ({ index, ...e })),
    skipped: input.plan.skipped,
  };
}

function stabilityOf(spec: SweepSpec, plan: SweepPlan, ranking: readonly RankedRun[], failures: ReadonlyMap<number, string>): SweepReport['stability'] {
  const best = ranking[0];
  if (!best) return { skipped: 'no finished run' };
  if (best.sharpe === null) return { skipped: 'the best run has no Sharpe ratio' };
  const continuous = spec.parameters.filter((p) => !p.values).map((p) => p.name);
  if (continuous.length > 0) return { skipped: `continuous parameters (${continuous.join(', ')}) have no grid steps` };
  const runByKey = new Map(ranking.map((r) => [key(r.parameters), r]));
  const planned = new Map(plan.runs.map((r) => [key(r.parameters), r.index]));
  const skipped = new Map(plan.skipped.map((s) => [key(s.parameters), s.constraint]));
  const neighbours: Neighbour[] = [];
  for (const p of spec.parameters) {
    const values = p.values!;
    const at = values.findIndex((v) => v === best.parameters[p.name]);
    for (const step of [-1, 1] as const) {
      const value: ParameterValue | undefined = values[at + step];
      if (value === undefined) {
        neighbours.push({ parameter: p.name, step, parameters: best.parameters, index: null, missing: 'edge of the grid', sharpe: null, difference: null });
        continue;
      }
      const parameters = Object.fromEntries(spec.parameters.map((q) => [q.name, q.name === p.name ? value : best.parameters[q.name]]));
      const run = runByKey.get(key(parameters));
      const plannedIndex = planned.get(key(parameters));
      if (run) {
        neighbours.push({ parameter: p.name, step, parameters, index: run.index, sharpe: run.sharpe, difference: run.sharpe === null ? null : run.sharpe - best.sharpe });
      } else {
        const missing = skipped.has(key(parameters))
          ? `skipped by constraint ${JSON.stringify(skipped.get(key(parameters)))}`
          : plannedIndex !== undefined ? (failures.has(plannedIndex) ? `failed: ${failures.get(plannedIndex)}` : 'not finished') : 'not in the sample';
        neighbours.push({ parameter: p.name, step, parameters, index: plannedIndex ?? null, missing, sharpe: null, difference: null });
      }
    }
  }
  const values = neighbours.map((n) => n.sharpe).filter((s): s is number => s !== null);
  const mean = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
  return {
    best: best.index,
    neighbours,
    meanNeighbourSharpe: mean,
    worstNeighbourSharpe: values.length > 0 ? Math.min(...values) : null,
    meanRatio: mean === null || !(best.sharpe > 0) ? null : mean / best.sharpe,
  };
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function runsCsv(report: SweepReport, parameterNames: readonly string[]): string {
  const header = ['rank', 'index', ...parameterNames, 'dsr', 'sharpe', 'sharpe_annualised', 'final_equity', 'max_drawdown', 'trades', 'fills', 'fills_hash', 'skewness', 'kurtosis', 'periods', 'run_ms', 'attempts', 'stalled', 'worker'];
  const rows = report.ranking.map((r) => [
    r.rank, r.index, ...parameterNames.map((name) => r.parameters[name]), r.dsr, r.sharpe, r.sharpeAnnualised, r.finalEquity, r.maxDrawdown, r.trades, r.fills, r.fillsHash,
    r.skewness, r.kurtosis, r.periods, r.runMs.toFixed(1), r.attempts?.started ?? 1, r.attempts?.stalled ?? 0, r.attempts?.worker ?? '',
  ].map(csvCell).join(','));
  return `${header.join(',')}\n${rows.map((row) => `${row}\n`).join('')}`;
}

/** Whether two return series hold the same values (NaN equal to NaN), period by period. */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Writes sweep.json and runs.csv into `dir`; returns their paths. */
export function writeSweepReport(dir: string, report: SweepReport, parameterNames: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'sweep.json');
  const csv = path.join(dir, 'runs.csv');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(csv, runsCsv(report, parameterNames));
  return [json, csv];
}

const fmt = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** A one-screen summary. */
export function summariseSweepReport(report: SweepReport, top = 5): string[] {
  const lines = [
    `sweep ${report.id}: ${report.runs.finished}/${report.runs.planned} runs finished, ${report.runs.failed} failed, ${report.runs.skippedByConstraints} combinations skipped by constraints`,
  ];
  if (report.reserve) lines.push(`data: the reserve from ${report.reserve.start} ${report.reserve.final ? 'INCLUDED (--final)' : 'held back'}; looked at ${report.reserve.looks} time(s)`);
  if (report.execution) lines.push(`execution: ${Object.entries(report.execution).map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toFixed(2)) : String(v)}`).join(', ')}`);
  lines.push(`selection: ${report.selection.trials} trials, variance of per-period Sharpe ${fmt(report.selection.trialSharpeVariance, 8)}, expected max Sharpe ${fmt(report.selection.expectedMaxSharpe, 5)}`);
  lines.push(`top ${Math.min(top, report.ranking.length)} by deflated Sharpe:`);
  for (const r of report.ranking.slice(0, top)) {
    lines.push(`  #${r.rank} run ${r.index} ${JSON.stringify(r.parameters)}  DSR ${fmt(r.dsr)}  Sharpe ${r.sharpe === null ? 'n/a' : `${fmt(r.sharpe, 5)} (annualised ${fmt(r.sharpeAnnualised, 3)})`}  equity ${r.finalEquity.toFixed(2)}  max DD ${(r.maxDrawdown * 100).toFixed(2)}%  trades ${r.trades}`);
  }
  lines.push('pbo' in report.pbo
    ? `PBO (CSCV, ${report.pbo.partitions} blocks, ${report.pbo.combinations} combinations): ${fmt(report.pbo.pbo, 3)}, median logit ${fmt(report.pbo.medianLogit, 3)}`
    : `PBO: skipped (${report.pbo.skipped})`);
  if ('skipped' in report.stability) lines.push(`stability: skipped (${report.stability.skipped})`);
  else {
    const s = report.stability;
    // A ratio to the best only means something against a best above 0 (null otherwise): said, not printed as '-'.
    const ratio = s.meanRatio !== null ? `ratio to best ${fmt(s.meanRatio, 3)}` : s.meanNeighbourSharpe === null ? 'no neighbour finished' : 'no ratio to best: its Sharpe is not above 0';
    lines.push(`stability of run ${s.best}: mean neighbour Sharpe ${fmt(s.meanNeighbourSharpe, 5)} (${ratio}), worst ${fmt(s.worstNeighbourSharpe, 5)}`);
    for (const n of s.neighbours) lines.push(`  ${n.parameter} ${n.step > 0 ? '+1' : '-1'} step ${JSON.stringify(n.parameters[n.parameter])}: ${n.sharpe !== null ? `Sharpe ${fmt(n.sharpe, 5)} (${n.difference! >= 0 ? '+' : ''}${fmt(n.difference, 5)})` : n.missing}`);
  }
  if (report.retries.length > 0) {
    lines.push(`retries: ${report.retries.length} runs needed more than one attempt`);
    for (const r of report.retries.slice(0, 10)) lines.push(`  run ${r.index}: started ${r.started} times, ${r.stalled} stalled, ${r.failedAttempts} failed attempts, finished by ${r.worker}`);
  }
  for (const f of report.failures.slice(0, 10)) lines.push(`failed: run ${f.index} ${JSON.stringify(f.parameters)}: ${f.message}`);
  return lines;
}
