// `quantflow sweep SPEC.yaml`: a parameter sweep of a backtest configuration (engine/research/
// sweep). Runs on a local pool of --workers threads, or with --queue through Redis for
// `quantflow worker` processes on any machine; results go to the LMDB store under --state (a
// re-run of the same sweep id resumes), the report to --out (sweep.json, runs.csv) and a
// summary to stdout. `quantflow sweep --status --id ID [--queue URL]` shows a sweep's progress,
// failures and retries from the store (and the queue).
import { Command } from 'commander';
import { resolve } from 'node:path';
import {
  loadSweepSpec, runSweep, writeSweepReport, summariseSweepReport, queueStatus, SweepStore, DEFAULT_STATE_DIR,
  SweepError, SweepSpecError, type SweepPlan, type SweepReport,
} from '../../research/sweep/index.js';
import { ConfigError } from '../../config/index.js';
import { installSignalShutdown } from '../../shutdown/index.js';
import { UserFacingError } from '../cli-error.js';
import { ensureOutputDirectory } from '../output-paths.js';
import { MAX_PARTITIONS } from '../../research/stats/index.js';
import { parseIntegerOption } from '../parse-options.js';
import { availableParallelism } from 'node:os';

interface SweepFlags {
  out?: string;
  state: string;
  workers?: string;
  queue?: string;
  queueName: string;
  attempts: string;
  backoffMs: string;
  id?: string;
  partitions: string;
  status?: boolean;
  final?: boolean;
  json?: boolean;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('Sweep the parameters of a backtest configuration over a grid or a seeded random search, on all cores or through a Redis queue; rank runs by deflated Sharpe, report PBO and parameter stability')
    .argument('[spec]', 'sweep spec (YAML: base, data, parameters, set, constraints, search)')
    .option('--out <dir>', 'directory for sweep.json and runs.csv')
    .option('--state <dir>', 'LMDB store of sweeps and runs (a re-run of the same sweep id resumes)', DEFAULT_STATE_DIR)
    .option('--workers <n>', 'local worker threads (default: the number of cores)')
    .option('--queue <url>', 'run through this Redis (redis://HOST:PORT) for `quantflow worker` processes instead of locally')
    .option('--queue-name <name>', 'BullMQ queue name', 'quantflow-sweep')
    .option('--attempts <n>', 'executions per run before it fails (queue)', '3')
    .option('--backoff-ms <ms>', 'first retry delay, doubled per retry (queue)', '1000')
    .option('--id <id>', 'sweep id (default: derived from the spec, so the same spec resumes)')
    .option('--partitions <n>', `CSCV blocks for the PBO (even, at most ${MAX_PARTITIONS})`, '16')
    .option('--final', 'include the final reserve (the spec\'s `reserve`, default 0.2) in every run; each use is logged in --state and counted in the report')
    .option('--status', 'show the progress, failures and retries of sweep --id (with --queue: the queue\'s view too)')
    .option('--json', 'print the report (or the status) as JSON on stdout')
    .action(async (specFile: string | undefined, flags: SweepFlags) => {
      try {
        if (flags.status) await showStatus(flags);
        else await sweep(specFile, flags);
      } catch (error) {
        if (error instanceof SweepSpecError || error instanceof SweepError || error instanceof ConfigError) throw new UserFacingError(error.message);
        if (error instanceof RangeError) throw new UserFacingError(error.message);
        throw error;
      }
    });
}

async function sweep(specFile: string | undefined, flags: SweepFlags): Promise<void> {
  if (!specFile) throw new UserFacingError('give a sweep spec file (or --status --id ID)');
  const workers = flags.workers === undefined ? undefined : parseIntegerOption('--workers', flags.workers, 1, 4 * availableParallelism());
  const partitions = parseIntegerOption('--partitions', flags.partitions, 2, MAX_PARTITIONS);
  if (partitions % 2 !== 0) throw new UserFacingError(`\`--partitions\` must be even, was ${partitions}`);
  // Before any run: a --out that cannot take sweep.json failed after the whole sweep.
  if (flags.out) ensureOutputDirectory('--out', flags.out);
  const spec = loadSweepSpec(specFile);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let stop = false;
  let finished: Promise<unknown> | undefined;
  // Checked with or without --queue (they apply to the queue only).
  const attempts = parseIntegerOption('--attempts', flags.attempts, 1, 100);
  const backoffMs = parseIntegerOption('--backoff-ms', flags.backoffMs, 0, 3_600_000);
  const shutdown = installSignalShutdown({
    drainAndStop: async () => {
      stop = true;
      await finished;
    },
    describeForcedExit: () => 'the sweep was interrupted; finished runs are in the store and a re-run resumes.',
  });
  try {
    finished = runSweep({
      spec,
      id: flags.id,
      stateDir: resolve(flags.state),
      final: flags.final === true,
      workers,
      partitions,
      queue: flags.queue
        ? { url: flags.queue, queueName: flags.queueName, attempts, backoffMs }
        : undefined,
      log,
      onRunFinished: (result, done, total) => {
        if (process.stderr.isTTY && !flags.json) process.stderr.write(`\r${done}/${total} runs (last: run ${result.index}, ${result.runMs.toFixed(0)} ms)   `);
      },
      shouldStop: () => stop,
    });
    const outcome = (await finished) as Awaited<ReturnType<typeof runSweep>>;
    if (process.stderr.isTTY && !flags.json) process.stderr.write('\n');
    const names = spec.parameters.map((p) => p.name);
    const files = flags.out ? writeSweepReport(resolve(flags.out), outcome.report, names) : [];
    if (flags.json) process.stdout.write(`${JSON.stringify(outcome.report, null, 2)}\n`);
    else process.stdout.write(`${[...summariseSweepReport(outcome.report), ...(files.length > 0 ? [`wrote ${files.join(', ')}`] : [])].join('\n')}\n`);
    if (outcome.stoppedEarly) {
      process.stderr.write(`sweep ${outcome.id} stopped early: ${outcome.report.runs.finished}/${outcome.report.runs.planned} runs stored; run the same command again to resume\n`);
      process.exitCode = 130;
    } else if (outcome.report.runs.failed > 0) process.exitCode = 1;
  } finally {
    shutdown.dispose();
  }
}

async function showStatus(flags: SweepFlags): Promise<void> {
  let store: SweepStore;
  try {
    store = SweepStore.open(resolve(flags.state), { mustExist: true });
  } catch (error) {
    if (error instanceof SweepError) throw new UserFacingError(error.message);
    throw error;
  }
  try {
    if (!flags.id) {
      const ids = store.listSweeps().map((s) => s.id);
      throw new UserFacingError(`\`--status\` needs \`--id SWEEP\`; the sweeps in ${resolve(flags.state)}: ${ids.join(', ') || 'none'}`);
    }
    const stored = store.getSweep(flags.id);
    if (!stored) {
      const ids = store.listSweeps().map((s) => s.id);
      throw new UserFacingError(`no sweep ${JSON.stringify(flags.id)} in ${resolve(flags.state)} (sweeps: ${ids.join(', ') || 'none'})`);
    }
    const plan = stored.plan as SweepPlan;
    const runs = store.getRuns(flags.id);
    const events = store.getEvents(flags.id);
    const done = new Set(runs.map((r) => r.index));
    const retried = runs.filter((r) => r.attempts && (r.attempts.started > 1 || r.attempts.stalled > 0)).map((r) => ({ index: r.index, ...r.attempts! }));
    const queue = flags.queue ? await queueStatus(flags.queue, flags.id, plan.runs.map((r) => r.index), flags.queueName) : undefined;
    const status = {
      id: stored.id,
      createdAt: stored.createdAt,
      planned: plan.runs.length,
      finished: runs.length,
      pending: plan.runs.filter((r) => !done.has(r.index)).map((r) => r.index),
      retried,
      events: events.map(([index, e]) => ({ index, ...e })),
      ...(queue ? { queue: { counts: countBy(queue.map((q) => q.state)), runs: queue.filter((q) => q.state !== 'completed' || q.attemptsStarted > 1 || q.stalled > 0) } } : {}),
      report: stored.report ? { at: stored.reportAt, best: (stored.report as SweepReport).ranking[0] ?? null } : null,
    };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    const lines = [`sweep ${status.id} (created ${status.createdAt}): ${status.finished}/${status.planned} runs finished, ${status.pending.length} pending`];
    if (status.pending.length > 0) lines.push(`pending runs: ${status.pending.slice(0, 40).join(', ')}${status.pending.length > 40 ? ', ...' : ''}`);
    for (const r of retried) lines.push(`run ${r.index}: started ${r.started} times, stalled ${r.stalled}, failed attempts ${r.failed}, finished by ${r.worker}`);
    for (const e of status.events) lines.push(`event run ${e.index} ${e.kind} at ${e.at}: ${e.message}`);
    if (status.queue) {
      lines.push(`queue: ${Object.entries(status.queue.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
      for (const q of status.queue.runs) lines.push(`  run ${q.index}: ${q.state}, started ${q.attemptsStarted}, stalled ${q.stalled}${q.failedReason ? `, last error: ${q.failedReason}` : ''}`);
    }
    if (status.report?.best) lines.push(`report (${status.report.at}): best run ${status.report.best.index} ${JSON.stringify(status.report.best.parameters)} DSR ${status.report.best.dsr?.toFixed(4) ?? '-'}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
