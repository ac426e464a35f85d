// `quantflow regime fit` and `quantflow regime filter`: fit a Gaussian HMM on the regime
// features of a bar CSV (saved as a JSON model file and, with --registry, as a new version
// in the LMDB registry), and run a saved model's forward filter in the WASM core over a bar
// CSV, writing per bar: time_ns, p0..p(K-1), the published label and the log-likelihood
// increment. Both say when the file has gaps (bar-gaps.ts): a return across one counts as one bar's.
// A fit reads the bars before the final reserve only (research-reserve.ts, as walkforward and
// features hold it back) unless --final, which is logged and counted.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { checkBadRowPolicy, checkBarFileExists, loadBarFiles, withBarFileOptions } from '../load-bar-files.js';
import { csvOptionsFromFlags, withCsvMappingOptions, type CsvMappingFlags } from '../csv-mapping-options.js';
import { barSeriesOf, describeReserve, openResearchFile, withReserveOptions } from '../research-reserve.js';
import { compileCore, createSharedMemory, instantiateCore } from '../../core/wasm-core.js';
import { SCRATCH_REGION_BYTES, SCRATCH_REGION_OFFSET } from '../../layout/memory-map.js';
import { ensureOutputFile } from '../output-paths.js';
import {
  DEFAULT_FEATURE_SPEC, MAX_STATES, RegimeModelRegistry, barGapsNote, WasmForwardFilter, buildRegimeFeatures, labelCode, labelName, readRegimeModelFile, repeatedLabelsNote,
  featureVariances, thinStatesNote, trainRegimeModel, writeRegimeModelFile, checkRegimeModelTimeframe, regimeModelTimeframeNote, type HmmCoreExports, type RegimeModelRecord,
} from '../../regime/index.js';
import { barIntervalNs, timeframeOfInterval, type MarketStream } from '../../replay/index.js';

interface FitFlags extends CsvMappingFlags {
  in: string;
  out: string;
  states: string;
  covariance: string;
  restarts: string;
  seed: string;
  maxIterations: string;
  tolerance: string;
  features: string;
  minDwell: string;
  registry?: string;
  name?: string;
  reserve?: string;
  final?: boolean;
  state?: string;
}

/** Instrumentation for tests: wraps the stream the fit reads its bars from (after the reserve cut). */
export interface FitHooks {
  readonly observe?: (stream: MarketStream) => MarketStream;
}

interface FilterFlags {
  model: string;
  in: string;
  out: string;
  registry?: string;
  onBadRow: string;
  timezone?: string;
}

function integerFlag(flag: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserFacingError(`\`${flag}\` must be an integer ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}, was ${JSON.stringify(value)}`);
  }
  return n;
}

function numberFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UserFacingError(`\`${flag}\` must be a number >= ${min}, was ${JSON.stringify(value)}`);
  return n;
}

/** Runs `fn`, turning a thrown validation error into a one-line user error prefixed by `context`. */
function userErrors<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UserFacingError) throw error;
    if (error instanceof Error && !(error instanceof TypeError) && !(error instanceof RangeError)) throw new UserFacingError(`${context}: ${error.message}`);
    throw error;
  }
}

export function registerRegimeCommand(program: Command): void {
  const regime = program.command('regime').description('Market regime detection with a Gaussian hidden Markov model');
  withCsvMappingOptions(withReserveOptions(regime.command('fit')))
    .description('Fit a Gaussian HMM on the regime features of a bar CSV and save it as JSON (and in the LMDB registry)')
    .requiredOption('--in <file>', 'bar CSV file (time, open, high, low, close, volume)')
    .requiredOption('--out <file>', 'model JSON file to write')
    .option('--states <k>', 'number of hidden states', '3')
    .option('--covariance <type>', 'diag or full', 'diag')
    .option('--restarts <n>', 'k-means++ restarts (best log-likelihood wins)', '10')
    .option('--seed <n>', 'seed of the first restart', '1')
    .option('--max-iterations <n>', 'Baum-Welch iteration cap per restart', '200')
    .option('--tolerance <x>', 'stop when an iteration gains less log-likelihood than this', '0.001')
    .option('--features <tokens>', 'comma-separated indicator tokens; must include logret', DEFAULT_FEATURE_SPEC.join(','))
    .option('--min-dwell <bars>', 'bars a new label must last before it is published (1 = no hysteresis)', '1')
    .option('--registry <dir>', 'LMDB environment directory to register the model in (needs --name)')
    .option('--name <name>', 'model name in the registry')
    .action(async (flags: FitFlags) => runRegimeFit(flags));
  withBarFileOptions(regime.command('filter'))
    .description('Run a saved model\'s forward filter (WASM core) over a bar CSV: time_ns, p0..p(K-1), label, loglik_increment per bar')
    .requiredOption('--model <model>', 'model JSON file, or NAME[@VERSION] with --registry')
    .requiredOption('--in <file>', 'bar CSV file')
    .requiredOption('--out <file>', 'output CSV file')
    .option('--registry <dir>', 'LMDB environment directory to read --model from')
    .action(async (flags: FilterFlags) => runFilter(flags));
}

/** Diagnostics (notes on the data, warnings) go to stderr; a command's result (what it wrote) to stdout: `result`. */
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const result = (line: string): void => void process.stdout.write(`${line}\n`);

/** `regime fit`: the bars before the final reserve (all with --final) fitted, written to --out (and the registry). */
export async function runRegimeFit(flags: FitFlags, hooks: FitHooks = {}): Promise<void> {
  ensureOutputFile('--out', flags.out, [flags.in]);
  const covariance = flags.covariance;
  if (covariance !== 'diag' && covariance !== 'full') throw new UserFacingError(`\`--covariance\` must be diag or full, was ${JSON.stringify(covariance)}`);
  if ((flags.registry === undefined) !== (flags.name === undefined)) throw new UserFacingError('`--registry` and `--name` go together: give both or neither');
  const options = {
    states: integerFlag('--states', flags.states, 1, MAX_STATES),
    covarianceType: covariance,
    restarts: integerFlag('--restarts', flags.restarts, 1),
    seed: integerFlag('--seed', flags.seed, 0),
    maxIterations: integerFlag('--max-iterations', flags.maxIterations, 1),
    tolerance: numberFlag('--tolerance', flags.tolerance, 0),
    minDwellBars: integerFlag('--min-dwell', flags.minDwell, 1),
    source: flags.in,
  } as const;
  const spec = flags.features.split(',').map((t) => t.trim());
  checkBarFileExists('--in', flags.in);
  const csv = csvOptionsFromFlags({ ...flags, onBadRow: checkBadRowPolicy(flags.onBadRow ?? 'reject') });
  const command = ['quantflow', 'regime', 'fit', ...process.argv.slice(4)].join(' ');
  const research = await openResearchFile(flags.in, csv, flags, { flag: '--in', command, log, observe: hooks.observe });
  const series = [barSeriesOf(flags.in, research.bars, 'open')];
  const gaps = barGapsNote(series[0]);
  if (gaps !== null) log(`${flags.in}: ${gaps}`);
  const features = userErrors('--features', () => buildRegimeFeatures(series[0], spec));
  // Ten rows per state, as walkforward's fold fits need (training-bars.ts): fewer leave states thin.
  const minimumRows = Math.max(2, options.states) * 10;
  if (features.rows < minimumRows) throw new UserFacingError(`${flags.in}: ${features.rows} bars left after the features' warm-up; need at least ${minimumRows} (10 per state, --states ${options.states}), as walkforward's fold fits do`);
  // A price-level feature (ema:10, atr:14) is per price, not per bar shape: a model fitted at one
  // price level would misread another. Refused as `quantflow features` refuses it.
  const scaled = (a: Float64Array) => a.map((x) => x * 1000);
  const atScale = buildRegimeFeatures({ ...series[0], open: scaled(series[0].open), high: scaled(series[0].high), low: scaled(series[0].low), close: scaled(series[0].close) }, spec);
  const priceLevel = features.spec.filter((_, f) => {
    for (let t = 0; t < features.rows; t++) {
      const a = features.data[t * features.cols + f];
      const b = atScale.data[t * atScale.cols + f];
      if (Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b)) > 1e-9) return true;
    }
    return false;
  });
  if (priceLevel.length > 0) {
    throw new UserFacingError(`\`--features\` must be scale-free (unchanged when prices are multiplied by 1000, within 1e-9 relative); not scale-free: ${priceLevel.join(', ')}`);
  }
  // A feature that never varies tells no state from another: the fit would only split noise in the others.
  const variances = featureVariances(features);
  const constant = features.spec.filter((_, f) => !(variances[f] > 0));
  if (constant.length > 0) {
    throw new UserFacingError(`${flags.in}: feature${constant.length > 1 ? 's' : ''} ${constant.join(', ')} ${constant.length > 1 ? 'are' : 'is'} constant over the ${features.rows} rows (constant prices or volume?): a regime model needs features that vary; give other data or --features`);
  }
  const record = userErrors('regime fit', () => trainRegimeModel(features, { ...options, timeframe: timeframeOfInterval(barIntervalNs(series[0])) }));
  await research.commit();
  writeRegimeModelFile(flags.out, record);
  result(`${flags.out}: ${record.model.states} states (${record.labels.join(', ')}), ${features.rows} rows, log-likelihood ${record.logLikelihood.toFixed(3)}, ${record.fit.iterations} iterations`);
  result(`${flags.in}: ${describeReserve(research)}`);
  const repeated = repeatedLabelsNote(record.labels, record.stateStatistics);
  if (repeated !== null) log(`${flags.out}: ${repeated}`);
  const thin = thinStatesNote(record.labels, record.stateStatistics);
  if (thin !== null) log(`${flags.out}: ${thin}`);
  if (flags.registry && flags.name) {
    const registry = RegimeModelRegistry.open(flags.registry);
    try {
      const version = userErrors('--name', () => registry.put(flags.name!, record));
      result(`${flags.registry}: registered ${flags.name}@${version}`);
    } finally {
      await registry.close();
    }
  }
}

function loadModel(flags: FilterFlags): RegimeModelRecord {
  if (!flags.registry) return userErrors('--model', () => readRegimeModelFile(flags.model));
  const match = /^([^@]+)(?:@(\d+))?$/.exec(flags.model);
  if (!match) throw new UserFacingError(`\`--model\` must be NAME or NAME@VERSION with --registry, was ${JSON.stringify(flags.model)}`);
  const registry = userErrors('--registry', () => RegimeModelRegistry.open(flags.registry!, 'read'));
  try {
    return userErrors('--model', () => registry.get(match[1], match[2] === undefined ? undefined : Number(match[2])));
  } finally {
    void registry.close();
  }
}

async function runFilter(flags: FilterFlags): Promise<void> {
  ensureOutputFile('--out', flags.out, [flags.in]);
  const record = loadModel(flags);
  const { series } = await loadBarFiles([flags.in], { onBadRow: checkBadRowPolicy(flags.onBadRow), timezone: flags.timezone }, log);
  const note = regimeModelTimeframeNote(record);
  if (note !== null) log(note);
  userErrors('--model', () => checkRegimeModelTimeframe(record, timeframeOfInterval(barIntervalNs(series[0])), flags.in));
  const gaps = barGapsNote(series[0]);
  if (gaps !== null) log(`${flags.in}: ${gaps}`);
  const features = buildRegimeFeatures(series[0], record.featureSpec);
  const K = record.model.states;
  const d = record.model.features;
  const memory = createSharedMemory();
  const filter = new WasmForwardFilter(instantiateCore(memory, compileCore('release')) as HmmCoreExports, memory);
  filter.loadModel(0, record.model, record.labels.map(labelCode), record.minDwellBars);
  filter.reset(0, 0);
  const out = createWriteStream(flags.out);
  out.write(`time_ns,${Array.from({ length: K }, (_, k) => `p${k}`).join(',')},label,loglik_increment\n`);
  const chunkRows = Math.floor(SCRATCH_REGION_BYTES / 8 / (d + K + 2) / 2);
  for (let from = 0; from < features.rows; from += chunkRows) {
    const to = Math.min(features.rows, from + chunkRows);
    const chunk = { rows: to - from, cols: d, data: features.data.subarray(from * d, to * d) };
    const r = filter.filterBatch(0, chunk, SCRATCH_REGION_OFFSET);
    const lines: string[] = [];
    for (let t = 0; t < chunk.rows; t++) {
      const p = Array.from(r.probabilities.subarray(t * K, (t + 1) * K), String).join(',');
      lines.push(`${features.timeNs[from + t]},${p},${labelName(r.labels[t])},${r.increments[t]}\n`);
    }
    if (!out.write(lines.join(''))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  result(`${flags.out}: ${features.rows} bars filtered (${series[0].length - features.rows} warm-up bars without features), log-likelihood ${filter.logLikelihood(0).toFixed(3)}`);
}
