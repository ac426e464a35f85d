// `quantflow label`: triple-barrier labels (Lopez de Prado, AFML ch. 3) of a bar CSV, with the
// volatility token and, for meta-labels, the primary side computed by the WASM indicator plans
// in batch mode (engine/research/labels). Writes one CSV row per event and prints the counts
// per label and barrier. Bad flags, tokens and expressions are one line naming the flag. Only the
// bars before the final reserve are labelled (research-reserve.ts, as walkforward and features
// hold it back) unless --final, which is logged and counted.
import { Command } from 'commander';
import { BarGaps, CsvFileError, barIntervalProblem, openCsvStream, CSV_BAR_STAMPS, inferredBarIntervalProblem, parseBarInterval, readFileMetadata, type CsvStreamOptions } from '../../../adapters/files/index.js';
import { ConfigError, loadConfig } from '../../config/index.js';
import {
  DEFAULT_HORIZON, DEFAULT_PROFIT_TAKE, DEFAULT_STOP_LOSS, DEFAULT_VOLATILITY_TOKEN, LABEL_CSV_COLUMNS, LabelOptionError, countLabels,
  tripleBarrierLabels, writeLabelCsv, type LabelCounts, type TripleBarrierOptions,
} from '../../research/labels/index.js';
import type { RuleStrategyConfig } from '../../strategy/index.js';
import { UserFacingError } from '../cli-error.js';
import type { MarketStream } from '../../replay/index.js';
import { checkBadRowPolicy, checkBarFileExists } from '../load-bar-files.js';
import { csvOptionsFromFlags, withCsvMappingOptions, type CsvMappingFlags } from '../csv-mapping-options.js';
import { barSeriesOf, describeReserve, openResearchFile, withReserveOptions } from '../research-reserve.js';
import { parseIntegerOption } from '../parse-options.js';
import { ensureOutputFile } from '../output-paths.js';

export interface LabelFlags extends CsvMappingFlags {
  in: string;
  out: string;
  vol?: string;
  pt?: string;
  sl?: string;
  horizon?: string;
  side?: string;
  sideConfig?: string;
  strategy?: string;
  zeroAtTime?: boolean;
  barStamp?: string;
  barInterval?: string;
  json?: boolean;
  onBadRow?: string;
  timezone?: string;
  reserve?: string;
  final?: boolean;
  state?: string;
}

/** Instrumentation for tests: wraps the stream the labels read their bars from (after the reserve cut). */
export interface LabelHooks {
  readonly observe?: (stream: MarketStream) => MarketStream;
}

export interface LabelSummary {
  readonly file: string;
  readonly out: string;
  readonly bars: number;
  readonly volatility: string;
  readonly profitTake: number;
  readonly stopLoss: number;
  readonly horizon: number;
  readonly side: string | null;
  readonly barStamp: 'open' | 'close';
  readonly closeOffsetNs: string;
  readonly counts: LabelCounts;
  /** Bars of the final reserve left out (0 with --final), and the times it has been looked at. */
  readonly reserve: { readonly fraction: number; readonly startNs: string; readonly included: boolean; readonly heldBackBars: number; readonly looks: number };
  /** What was held back and how often the reserve was looked at, as printed. */
  readonly reserveNote: string;
}

/** The option names of the labelling API -> the flags that set them. */
const FLAG_OF: Record<string, string> = { volatility: '--vol', profitTake: '--pt', stopLoss: '--sl', horizon: '--horizon', side: '--side' };

export function registerLabelCommand(program: Command): void {
  withCsvMappingOptions(withReserveOptions(program.command('label')))
    .description('Triple-barrier labels (and meta-labels with --side) of a bar CSV, volatility from the WASM indicator plans')
    .requiredOption('--in <file>', 'bar CSV file (time, open, high, low, close, volume)')
    .requiredOption('--out <file>', `output CSV: ${LABEL_CSV_COLUMNS.join(', ')}`)
    .option('--vol <token>', `single-output indicator token of the per-bar volatility in return units, e.g. rvol:50 (default ${DEFAULT_VOLATILITY_TOKEN})`)
    .option('--pt <multiplier>', `take-profit at close * (1 + pt * vol * sqrt(horizon)); 0 = none (default ${DEFAULT_PROFIT_TAKE})`)
    .option('--sl <multiplier>', `stop-loss at close * (1 - sl * vol * sqrt(horizon)); 0 = none (default ${DEFAULT_STOP_LOSS})`)
    .option('--horizon <bars>', `bars to the time barrier (default ${DEFAULT_HORIZON})`)
    .option('--side <expression>', 'primary signal for meta-labels: long where the rule expression holds, short where not (e.g. "ema:10 >= ema:20")')
    .option('--side-config <file>', 'configuration file whose rule strategy --strategy gives the side (its long/short state)')
    .option('--strategy <name>', 'the rule strategy of --side-config')
    .option('--zero-at-time', 'label 0 when the time barrier comes first (default: the sign of the return)')
    .option('--json', 'print the summary as one JSON document on stdout')
    .action(async (flags: LabelFlags) => {
      const summary = await runLabel(flags, (line) => void process.stderr.write(`${line}\n`));
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${describeCounts(summary)}\n`);
    });
}

function multiplierFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new UserFacingError(`\`${flag}\` must be a finite number >= 0 (0 removes the barrier), was ${JSON.stringify(text)}`);
  return v;
}

/** The sidecar FILE.meta.json's options ({} when there is none). */
function sidecarOptions(file: string): CsvStreamOptions {
  try {
    return readFileMetadata(file).options;
  } catch (error) {
    throw new UserFacingError((error as Error).message);
  }
}

/** An empty file, or one with a header and no rows, refused naming it (its reader says so before it asks for a bar stamp). */
async function refuseFileWithoutRows(file: string): Promise<void> {
  try {
    await openCsvStream(file, {});
  } catch (error) {
    if (error instanceof CsvFileError && (error.problem === 'empty-file' || error.problem === 'no-rows')) throw new UserFacingError(`--in: ${error.message}`);
  }
}

function ruleStrategy(flags: LabelFlags): RuleStrategyConfig | undefined {
  if ((flags.sideConfig === undefined) !== (flags.strategy === undefined)) throw new UserFacingError('`--side-config` and `--strategy` go together: give both or neither');
  if (flags.sideConfig === undefined) return undefined;
  if (flags.side !== undefined) throw new UserFacingError('`--side` and `--side-config` exclude each other: give one primary signal');
  let strategies;
  try {
    strategies = loadConfig({ configFile: flags.sideConfig }).strategies;
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
  const found = strategies.find((s) => s.name === flags.strategy);
  const rules = strategies.filter((s) => s.type === 'rules').map((s) => s.name);
  if (found === undefined || found.type !== 'rules') {
    throw new UserFacingError(`\`--strategy\` must name a rule strategy of ${flags.sideConfig} (${rules.length > 0 ? rules.join(', ') : 'it has none'}), was ${JSON.stringify(flags.strategy)}${found ? ' (a fusion strategy)' : ''}`);
  }
  return found;
}

/** Runs the command: loads the bars, labels them, writes --out; returns the summary. */
export async function runLabel(flags: LabelFlags, log: (line: string) => void = () => {}, hooks: LabelHooks = {}): Promise<LabelSummary> {
  ensureOutputFile('--out', flags.out, [flags.in]);
  const onBadRow = checkBadRowPolicy(flags.onBadRow ?? 'reject');
  const horizon = flags.horizon === undefined ? DEFAULT_HORIZON : parseIntegerOption('--horizon', flags.horizon, 1, 1_000_000);
  const profitTake = multiplierFlag('--pt', flags.pt, DEFAULT_PROFIT_TAKE);
  const stopLoss = multiplierFlag('--sl', flags.sl, DEFAULT_STOP_LOSS);
  const volatility = flags.vol ?? DEFAULT_VOLATILITY_TOKEN;
  if (volatility.trim() === '' || volatility.includes(',')) throw new UserFacingError(`\`--vol\` must be one single-output indicator token such as rvol:20, was ${JSON.stringify(volatility)}`);
  const strategy = ruleStrategy(flags);
  checkBarFileExists('--in', flags.in);
  const sidecar = sidecarOptions(flags.in);
  const stamp = flags.barStamp ?? sidecar.barStamp;
  if (stamp === undefined) await refuseFileWithoutRows(flags.in);
  if (stamp === undefined) throw new UserFacingError(`\`--bar-stamp\` must say whether the time of ${flags.in} stamps the bar's open or close (open, close), or barStamp in its FILE.meta.json: event times are bar closes`);
  if (!(CSV_BAR_STAMPS as readonly string[]).includes(stamp)) throw new UserFacingError(`\`--bar-stamp\` must be one of ${CSV_BAR_STAMPS.join(', ')}, was ${JSON.stringify(stamp)}`);
  const intervalText = flags.barInterval ?? sidecar.barInterval;
  let intervalNs: bigint | null = null;
  if (intervalText !== undefined) {
    intervalNs = parseBarInterval(intervalText);
    if (intervalNs === null) throw new UserFacingError(`\`--bar-interval\` must be a positive count and a unit (ms, s, m, h, d, w) such as 1h, was ${JSON.stringify(intervalText)}`);
  }
  const csv = csvOptionsFromFlags({ ...flags, onBadRow, barStamp: stamp, barInterval: intervalText });
  const command = ['quantflow', 'label', ...process.argv.slice(3)].join(' ');
  const research = await openResearchFile(flags.in, csv, flags, { flag: '--in', command, log, observe: hooks.observe });
  const bars = barSeriesOf(flags.in, research.bars, stamp === 'open' ? 'open' : 'close');
  let smallestGapNs: bigint | undefined;
  const gaps = new BarGaps();
  for (let i = 1; i < bars.length; i++) {
    const gap = bars.timeNs[i] - bars.timeNs[i - 1];
    if (smallestGapNs === undefined || gap < smallestGapNs) smallestGapNs = gap;
    gaps.add(bars.timeNs[i - 1], bars.timeNs[i]);
  }
  // As replay and backtest: a stated interval must not exceed the smallest gap, and an inferred
  // one (the most common gap, needed for open stamps) must not either, else events would start
  // before their bar closed.
  const problem = intervalNs !== null ? barIntervalProblem(intervalNs, smallestGapNs) : stamp === 'open' ? inferredBarIntervalProblem(gaps) : null;
  if (problem !== null) throw new UserFacingError(`${flags.in}: ${problem}`);
  if (stamp === 'open' && intervalNs === null) {
    if (smallestGapNs === undefined) throw new UserFacingError(`\`--bar-interval\` is needed for ${flags.in}: the interval cannot be told from fewer than two bars`);
    intervalNs = smallestGapNs;
  }
  const closeOffsetNs = stamp === 'open' ? intervalNs! : 0n;
  const options: TripleBarrierOptions = { volatility, profitTake, stopLoss, horizon, zeroAtTime: flags.zeroAtTime === true, closeOffsetNs, ...(strategy ? { side: strategy } : flags.side !== undefined ? { side: flags.side } : {}) };
  let labels;
  try {
    labels = tripleBarrierLabels(bars, options);
  } catch (error) {
    if (error instanceof LabelOptionError) {
      const flag = FLAG_OF[error.option] ?? (error.option.startsWith('side') && strategy ? '--strategy' : error.option);
      const named = error.message.replace(`\`${error.option}\``, `\`${flag}\``);
      throw new UserFacingError(named.includes(`\`${flag}\``) ? named : `\`${flag}\`: ${named}`);
    }
    throw error;
  }
  await research.commit();
  writeLabelCsv(flags.out, labels);
  const summary: LabelSummary = {
    file: flags.in,
    out: flags.out,
    bars: bars.length,
    volatility,
    profitTake,
    stopLoss,
    horizon,
    side: strategy ? `${flags.sideConfig}:${strategy.name}` : (flags.side ?? null),
    barStamp: stamp as 'open' | 'close',
    closeOffsetNs: closeOffsetNs.toString(),
    counts: countLabels(labels),
    reserve: { fraction: research.data.reserve, startNs: research.data.reserveStartNs.toString(), included: research.data.final, heldBackBars: research.heldBackBars, looks: research.looks },
    reserveNote: describeReserve(research),
  };
  log(`${flags.out}: ${labels.length} events from ${bars.length} bars`);
  if (labels.length === 0) {
    const flat = flatPrice(bars);
    log(flat !== null
      ? `warning: no event: every bar's price is ${flat} (open = high = low = close), so the volatility is 0 on every bar and no barrier can be set`
      : `warning: no event: a bar gets one once its volatility (${volatility}) is ready and its ${horizon}-bar horizon ends within the data; ${bars.length} bars leave none (a shorter --horizon or warm-up, or more data)`);
  }
  return summary;
}

/** The one price of bars that never move (open, high, low and close all equal throughout); null otherwise or without bars. */
function flatPrice(bars: { readonly open: Float64Array; readonly high: Float64Array; readonly low: Float64Array; readonly close: Float64Array; readonly length: number }): number | null {
  if (bars.length === 0) return null;
  const price = bars.close[0];
  for (let i = 0; i < bars.length; i++) {
    if (bars.open[i] !== price || bars.high[i] !== price || bars.low[i] !== price || bars.close[i] !== price) return null;
  }
  return price;
}

/** The counts as printed: events, then per label and per barrier. */
export function describeCounts(summary: LabelSummary): string {
  const c = summary.counts;
  return [
    `${summary.out}: ${c.events} events (${summary.bars} bars; vol ${summary.volatility}, pt ${summary.profitTake}, sl ${summary.stopLoss}, horizon ${summary.horizon}${summary.side ? `, side ${summary.side}` : ''})`,
    `  label  -1: ${c.byLabel['-1']}  0: ${c.byLabel['0']}  1: ${c.byLabel['1']}`,
    `  barrier  pt: ${c.byBarrier.pt}  sl: ${c.byBarrier.sl}  time: ${c.byBarrier.time}`,
    `  ${summary.reserveNote}`,
  ].join('\n');
}
