// `quantflow train`: LightGBM quantile models (q10 q25 q50 q75 q90) per walk-forward fold over a
// feature file of `quantflow features`, one ONNX graph per fold (tools/train, Python). This side
// computes the folds (engine/research/walkforward): the usable rows' time range is cut into
// `--folds` + 1 equal blocks; fold k validates on block k+1 and trains on block k (rolling) or
// blocks 0..k (anchored); a training row is a sample [t, fwd_end_ns] purged against the fold's
// validation window (widened by --purge) and embargoed, so no training label reaches into it.
// It writes the plan, runs `python -m quantflow_train` with the project's venv, and prints the
// metrics per fold from the model.json it wrote (the model directory contract: tools/train/README.md).
// With --early-stopping F, each fold's training window also gets an inner split (planFolds): its
// last F of time is an inner validation window, and the rows trained on before it are purged
// against it; Python picks each quantile's boosting rounds there and refits on the whole window.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../../core/package-root.js';
import { FeatureFileError, readFeatureFile, type FeatureFile } from '../../research/features/index.js';
import { parseSpan, purge, walkForwardFolds, type TimeRange, type WalkForwardFold } from '../../research/walkforward/index.js';
import { UserFacingError } from '../cli-error.js';
import { parseIntegerOption } from '../parse-options.js';

export interface TrainFlags {
  features: string;
  out: string;
  folds?: string;
  windows?: string;
  purge?: string;
  embargo?: string;
  trees?: string;
  seed?: string;
  earlyStopping?: string;
  earlyStoppingRounds?: string;
  name?: string;
  json?: boolean;
  /** Replace the model already in `--out`. */
  force?: boolean;
}

export const DEFAULT_TREES = 100;
export const DEFAULT_SEED = 7;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_EARLY_STOPPING_ROUNDS = 20;
export const QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9] as const;
const PYTHON_MODULES = ['numpy', 'lightgbm', 'onnxmltools', 'onnx', 'pyarrow'];

/** One fold of the plan: row runs [start, end) of the feature file, windows in ns. */
export interface PlannedFold {
  readonly index: number;
  readonly train: TimeRange;
  readonly validation: TimeRange;
  readonly trainRows: Array<[number, number]>;
  readonly validationRows: Array<[number, number]>;
  /** The latest fwd_end_ns of a training row: the fold serves only bars closing after it. */
  readonly availableFromNs: bigint;
  /** With early stopping: the inner split of the training rows (see InnerSplit). */
  readonly earlyStopping?: InnerSplit;
}

/**
 * The early-stopping split of one fold's training window [train.startNs, train.endNs):
 *
 *   train.startNs                       inner validation window = the last fraction of the span
 *   |  fitRows (purged against it)  <gap> |  validationRows              | fold validation ...
 *                                         ^ validation.startNs =         ^ validation.endNs =
 *                                           train.endNs - span x fraction  train.endNs
 *
 * validationRows are the fold's (already purged) training rows starting in the inner window;
 * fitRows are those starting before it whose sample [t, label end] stays clear of it widened by
 * --purge (and, were a row to start after it, --embargo). Never rows of the fold's validation.
 */
export interface InnerSplit {
  readonly validation: TimeRange;
  readonly fitRows: Array<[number, number]>;
  readonly validationRows: Array<[number, number]>;
}

export interface FoldPlanOptions {
  readonly folds: number;
  readonly windows: 'rolling' | 'anchored';
  readonly purgeNs: bigint;
  readonly embargoNs: bigint;
  /** Hold out this tail fraction (0 < f < 1) of each training window for early stopping. */
  readonly earlyStoppingFraction?: number;
}

const FRACTION_SCALE = 1_000_000n;

function innerSplit(train: TimeRange, kept: ReadonlyArray<{ row: number; startNs: bigint; endNs: bigint }>, fraction: number, options: FoldPlanOptions, index: number): InnerSplit {
  const held = ((train.endNs - train.startNs) * BigInt(Math.round(fraction * Number(FRACTION_SCALE)))) / FRACTION_SCALE;
  const validation = { startNs: train.endNs - held, endNs: train.endNs };
  const inner = kept.filter((s) => s.startNs >= validation.startNs);
  const fit = purge(kept.filter((s) => s.startNs < validation.startNs), validation, options.purgeNs, options.embargoNs);
  if (inner.length === 0 || fit.length === 0) throw new RangeError(`fold ${index}: early stopping leaves ${fit.length} rows to train on and ${inner.length} inner validation rows; both must be > 0`);
  return { validation, fitRows: runs(fit.map((s) => s.row)), validationRows: runs(inner.map((s) => s.row)) };
}

/** Rows as runs of consecutive indices. */
function runs(rows: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last[1] === r) last[1] = r + 1;
    else out.push([r, r + 1]);
  }
  return out;
}

/** The folds over the usable rows (times t, label ends e) of a feature file; see the header. */
export function planFolds(timeNs: BigInt64Array, fwdEndNs: readonly (bigint | null)[], usable: readonly boolean[], options: FoldPlanOptions): PlannedFold[] {
  const rows: number[] = [];
  for (let i = 0; i < timeNs.length; i++) if (usable[i] && fwdEndNs[i] !== null) rows.push(i);
  if (rows.length < 2) throw new RangeError(`the feature file has ${rows.length} usable rows; training needs more`);
  const startNs = timeNs[rows[0]];
  const endNs = timeNs[rows[rows.length - 1]] + 1n;
  const block = (endNs - startNs) / BigInt(options.folds + 1);
  if (block <= 0n) throw new RangeError('the usable rows span too short a time for the folds');
  const windows: WalkForwardFold[] = walkForwardFolds({ startNs, endNs, train: block, test: block, mode: options.windows, purgeNs: options.purgeNs, embargoNs: options.embargoNs }).slice(0, options.folds);
  return windows.map((fold) => {
    const inTrain = rows.filter((r) => timeNs[r] >= fold.train.startNs && timeNs[r] < fold.train.endNs).map((r) => ({ row: r, startNs: timeNs[r], endNs: fwdEndNs[r]! }));
    const kept = purge(inTrain, fold.test, options.purgeNs, options.embargoNs);
    const validation = rows.filter((r) => timeNs[r] >= fold.test.startNs && timeNs[r] < fold.test.endNs);
    let availableFromNs = -1n;
    for (const s of kept) if (s.endNs > availableFromNs) availableFromNs = s.endNs;
    const planned: PlannedFold = { index: fold.index, train: fold.train, validation: fold.test, trainRows: runs(kept.map((s) => s.row)), validationRows: runs(validation), availableFromNs };
    if (options.earlyStoppingFraction === undefined) return planned;
    return { ...planned, earlyStopping: innerSplit(fold.train, kept, options.earlyStoppingFraction, options, fold.index) };
  });
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('LightGBM quantile models (q10..q90) per purged walk-forward fold of a `quantflow features` file, one ONNX graph per fold (Python: tools/train)')
    .requiredOption('--features <dir>', 'directory written by `quantflow features` (features.arrow, manifest.json)')
    .requiredOption('--out <dir>', 'model directory: model.json, fold-<k>.onnx, validation-predictions.arrow')
    .option('--folds <n>', `walk-forward folds (default ${DEFAULT_FOLDS})`)
    .option('--windows <mode>', 'anchored (training keeps the data\'s start) or rolling (one block of training)', 'anchored')
    .option('--purge <span>', 'gap that widens each validation window when purging training labels (0, 24h, 10bars ...)', '0')
    .option('--embargo <span>', 'training samples starting this soon after a validation window are dropped', '0')
    .option('--trees <n>', `boosting rounds per quantile (default ${DEFAULT_TREES})`)
    .option('--seed <n>', `LightGBM seed (default ${DEFAULT_SEED})`)
    .option('--early-stopping <fraction>', 'hold out this tail fraction of each fold\'s training window (purged) to pick each quantile\'s rounds (<= --trees) by pinball loss, then refit on the whole window (e.g. 0.2; default off)')
    .option('--early-stopping-rounds <n>', `with --early-stopping: stop after this many rounds without a lower inner pinball loss (default ${DEFAULT_EARLY_STOPPING_ROUNDS})`)
    .option('--name <name>', 'model name (default: the --out directory\'s name)')
    .option('--json', 'print model.json on stdout')
    .option('--force', 'replace the model already in --out (refused otherwise)')
    .action(async (flags: TrainFlags) => {
      const model = await runTrain(flags, (line) => void process.stderr.write(`${line}\n`));
      if (flags.json) process.stdout.write(`${JSON.stringify(model)}\n`);
      else process.stdout.write(`${describeModel(model, resolve(flags.out)).join('\n')}\n`);
    });
}

/** The venv's python (`.cache/pyenv/bin/python`) when present, else python3 (QF_PYTHON overrides). */
export function trainPython(): string {
  if (process.env.QF_PYTHON) return process.env.QF_PYTHON;
  const venv = join(packageRoot(), '.cache', 'pyenv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** Null when the interpreter imports every module training needs, else why not (one line). */
export function missingPython(python = trainPython()): string | null {
  const probe = spawnSync(python, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { encoding: 'utf8' });
  if (probe.error) return `${python} cannot run (${probe.error.message})`;
  if (probe.status !== 0) return `${python} lacks ${(/No module named '([^']+)'/.exec(probe.stderr)?.[1]) ?? PYTHON_MODULES.join('/')}`;
  return null;
}

interface ModelJson {
  name: string;
  features: string[];
  target: { horizonBars: number };
  data: { source: string; sha256: string; rows: number };
  folds: Array<{
    index: number; file: string; sha256: string;
    train: { startNs: string; endNs: string; rows: number };
    validation: { startNs: string; endNs: string; rows: number };
    availableFromNs: string;
    metrics: { pinball: Record<string, number>; coverage80: number; crossedFraction: number };
    earlyStopping?: { iterations: Record<string, number>; validation: { rows: number }; fitRows: number };
  }>;
  [key: string]: unknown;
}

function parseFractionOption(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*(0|[1-9]\d*)?(\.\d+)?\s*$/.test(text) || text.trim() === '' || !(value > 0 && value < 1)) throw new UserFacingError(`\`${flag}\` must be a fraction strictly between 0 and 1 (e.g. 0.2), was ${JSON.stringify(text)}`);
  return value;
}

/** The smallest positive gap between consecutive times (undefined with none). */
function smallestGap(timeNs: BigInt64Array): bigint | undefined {
  let smallest: bigint | undefined;
  for (let i = 1; i < timeNs.length; i++) {
    const gap = timeNs[i] - timeNs[i - 1];
    if (gap > 0n && (smallest === undefined || gap < smallest)) smallest = gap;
  }
  return smallest;
}

function spanFlag(flag: string, text: string, barNs: bigint | undefined): bigint {
  let span;
  try {
    span = parseSpan(text, barNs, true);
  } catch (error) {
    throw new UserFacingError(`\`${flag}\`: ${(error as Error).message}`);
  }
  if (span === undefined || typeof span !== 'bigint') throw new UserFacingError(`\`${flag}\` must be a fixed span such as 0, 24h, 2d, 90m or a bar count (12 or 12bars), was ${JSON.stringify(text)}`);
  return span;
}

function runPython(python: string, plan: string, log: (line: string) => void): Promise<{ code: number; stderr: string }> {
  return new Promise((done, fail) => {
    const cwd = join(packageRoot(), 'tools', 'train');
    const child = spawn(python, ['-m', 'quantflow_train', '--plan', plan], { cwd, env: { ...process.env, PYTHONPATH: cwd, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith('fold ')) log(`  ${line}`);
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stderr }));
  });
}

/** Refuses an `--out` that already holds a model (its model.json), naming it, unless `--force`. */
function checkOutFree(out: string, force: boolean): void {
  const existing = join(out, 'model.json');
  if (force || !existsSync(existing)) return;
  let held = 'a model';
  try {
    const model = JSON.parse(readFileSync(existing, 'utf8')) as Partial<ModelJson>;
    if (typeof model.name === 'string') held = `the model ${JSON.stringify(model.name)}`;
  } catch {
    // An unreadable model.json is still a model directory: refused all the same.
  }
  throw new UserFacingError(`\`--out\` ${out} already holds ${held} (${existing}): give another --out, or --force to replace it`);
}

/** Runs the command: plans the folds, trains in Python, returns model.json. */
export async function runTrain(flags: TrainFlags, log: (line: string) => void = () => {}): Promise<ModelJson> {
  const folds = flags.folds === undefined ? DEFAULT_FOLDS : parseIntegerOption('--folds', flags.folds, 1, 50);
  const trees = flags.trees === undefined ? DEFAULT_TREES : parseIntegerOption('--trees', flags.trees, 1, 10_000);
  const seed = flags.seed === undefined ? DEFAULT_SEED : parseIntegerOption('--seed', flags.seed, 0, 2_147_483_647);
  const earlyStopping = flags.earlyStopping === undefined ? undefined : parseFractionOption('--early-stopping', flags.earlyStopping);
  if (flags.earlyStoppingRounds !== undefined && earlyStopping === undefined) throw new UserFacingError('`--early-stopping-rounds` needs `--early-stopping <fraction>`');
  const earlyStoppingRounds = flags.earlyStoppingRounds === undefined ? DEFAULT_EARLY_STOPPING_ROUNDS : parseIntegerOption('--early-stopping-rounds', flags.earlyStoppingRounds, 1, 10_000);
  const windows = flags.windows ?? 'anchored';
  if (windows !== 'rolling' && windows !== 'anchored') throw new UserFacingError(`\`--windows\` must be rolling or anchored, was ${JSON.stringify(windows)}`);
  const name = flags.name ?? basename(resolve(flags.out));
  if (name.trim() === '') throw new UserFacingError('`--name` must not be empty');
  checkOutFree(resolve(flags.out), flags.force === true);
  let file: FeatureFile;
  try {
    file = readFeatureFile(resolve(flags.features));
  } catch (error) {
    if (error instanceof FeatureFileError) throw new UserFacingError(`--features: ${error.message}`);
    throw error;
  }
  const m = file.manifest;
  const table = file.table;
  const timeNs = table.getChild('time_ns')!.toArray() as BigInt64Array;
  const fwdEnd = table.getChild('fwd_end_ns')!;
  const usableColumn = table.getChild('usable')!;
  const fwdEndNs: (bigint | null)[] = Array.from({ length: table.numRows }, (_, i) => fwdEnd.get(i) as bigint | null);
  const usable: boolean[] = Array.from({ length: table.numRows }, (_, i) => usableColumn.get(i) === true);
  // A bar count in --purge/--embargo is that many bar intervals: the smallest gap between rows (the first gap may span a night or a weekend).
  const barNs = smallestGap(timeNs);
  const purgeNs = spanFlag('--purge', flags.purge ?? '0', barNs);
  const embargoNs = spanFlag('--embargo', flags.embargo ?? '0', barNs);
  let planned: PlannedFold[];
  try {
    planned = planFolds(timeNs, fwdEndNs, usable, { folds, windows, purgeNs, embargoNs, earlyStoppingFraction: earlyStopping });
  } catch (error) {
    // The folds' windows are blocks of the rows' span / (folds + 1), which train has no `--train` for.
    const purgeGap = error instanceof RangeError ? /^the purge gap \(([^)]*)\) leaves no training data in fold (\d+) \(train ([^)]*)\)/.exec(error.message) : null;
    if (purgeGap) throw new UserFacingError(`\`--purge\` must be shorter than each fold's training block, was ${purgeGap[1]}: it leaves no training row in fold ${purgeGap[2]}, whose block is ${purgeGap[3]} (the usable rows' span / (--folds + 1)); give a shorter --purge or fewer --folds`);
    if (error instanceof RangeError) throw new UserFacingError(`${/early stopping/.test(error.message) ? '--early-stopping' : '--folds'}: ${error.message}`);
    throw error;
  }
  if (planned.length < folds) throw new UserFacingError(`\`--folds\` ${folds}: the data gives only ${planned.length} fold(s)`);
  const python = trainPython();
  const missing = missingPython(python);
  if (missing !== null) throw new UserFacingError(`train needs Python with ${PYTHON_MODULES.join(', ')}: ${missing}; run \`node tools/pyenv/ensure-python.mjs\``);
  const out = resolve(flags.out);
  const scratch = mkdtempSync(join(tmpdir(), 'qf-train-'));
  try {
    const plan = join(scratch, 'plan.json');
    const str = (ns: bigint) => ns.toString();
    writeFileSync(plan, JSON.stringify({
      schema: 'quantflow.train-plan/1',
      featuresDir: resolve(flags.features),
      out,
      name,
      features: m.features,
      target: 'fwd_log_return',
      horizonBars: m.horizonBars,
      timeframe: m.timeframe,
      source: m.source.file,
      sourceSha256: m.source.sha256,
      params: { trees, seed, leaves: 15, minDataInLeaf: 50, learningRate: 0.05, earlyStopping: earlyStopping === undefined ? null : { fraction: earlyStopping, rounds: earlyStoppingRounds } },
      folding: { windows, folds, purgeNs: str(purgeNs), embargoNs: str(embargoNs), reserveIncluded: m.reserve.included, reserveStartNs: m.reserve.startNs },
      folds: planned.map((f) => ({
        index: f.index,
        train: { startNs: str(f.train.startNs), endNs: str(f.train.endNs) },
        validation: { startNs: str(f.validation.startNs), endNs: str(f.validation.endNs) },
        trainRows: f.trainRows,
        validationRows: f.validationRows,
        availableFromNs: str(f.availableFromNs),
        ...(f.earlyStopping === undefined ? {} : {
          earlyStopping: {
            validation: { startNs: str(f.earlyStopping.validation.startNs), endNs: str(f.earlyStopping.validation.endNs) },
            fitRows: f.earlyStopping.fitRows,
            validationRows: f.earlyStopping.validationRows,
          },
        }),
      })),
    }));
    log(`train: ${planned.length} ${windows} folds over ${m.usableRows} usable rows of ${m.source.file} (${m.features.length} features, horizon ${m.horizonBars} bars), ${trees} trees per quantile${earlyStopping === undefined ? '' : ` at most (early stopping on the last ${earlyStopping} of each training window, ${earlyStoppingRounds} rounds)`}, seed ${seed}`);
    const result = await runPython(python, plan, log);
    if (result.code !== 0) {
      const last = result.stderr.trim().split('\n').filter((l) => l.trim() !== '');
      const line = last.find((l) => l.startsWith('quantflow_train: ')) ?? last[last.length - 1] ?? `exit code ${result.code}`;
      throw new UserFacingError(`train: ${line.replace(/^quantflow_train: /, '')}`, result.code === 2 ? 2 : 1);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as ModelJson;
}

/** The lines printed per fold: ranges, pinball per quantile, coverage vs 80%, crossed rows; then where the model is. */
export function describeModel(model: ModelJson, out: string): string[] {
  const day = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString().slice(0, 16).replace('T', ' ');
  const lines = [`model ${model.name}: ${model.features.length} features, horizon ${model.target.horizonBars} bars, data ${model.data.source} (features sha256 ${model.data.sha256.slice(0, 12)})`];
  for (const f of model.folds) {
    const pinball = QUANTILES.map((q) => `q${Math.round(q * 100)} ${f.metrics.pinball[String(q)].toExponential(3)}`).join(' ');
    lines.push(`  fold ${f.index}: train ${day(f.train.startNs)} .. ${day(f.train.endNs)} (${f.train.rows} rows), validation ${day(f.validation.startNs)} .. ${day(f.validation.endNs)} (${f.validation.rows} rows)`);
    lines.push(`    pinball ${pinball}; coverage [q10, q90] ${(f.metrics.coverage80 * 100).toFixed(1)}% (nominal 80%); crossed ${(f.metrics.crossedFraction * 100).toFixed(2)}% (rearranged)`);
    const es = f.earlyStopping;
    if (es !== undefined) lines.push(`    early stopping (${es.fitRows} rows fit, ${es.validation.rows} inner validation rows): rounds ${QUANTILES.map((q) => `q${Math.round(q * 100)} ${es.iterations[String(q)]}`).join(' ')}`);
  }
  lines.push(`  written to ${out}: model.json, ${model.folds.map((f) => f.file).join(', ')}, validation-predictions.arrow`);
  return lines;
}
