// `quantflow indicators`: loads a bar CSV, runs the indicator plan for --ind in the WASM
// core in batch mode (chunked through the scratch region) and writes one CSV column per
// token (warm-up cells empty). A bad spec, unknown indicator or bad parameter is one line.
import { Command } from 'commander';
import { UserFacingError } from '../cli-error.js';
import { checkBadRowPolicy, loadBarFiles, withBarFileOptions } from '../load-bar-files.js';
import { IndicatorSpecError, buildPlan, parseSpec, IndicatorExecutor, type IndicatorPlan } from '../../indicators/index.js';
import { writeIndicatorCsv } from '../../indicators/indicator-csv-writer.js';
import { ensureOutputFile } from '../output-paths.js';

interface IndicatorsFlags {
  in: string;
  ind: string;
  out: string;
  onBadRow: string;
  timezone?: string;
}

export function registerIndicatorsCommand(program: Command): void {
  withBarFileOptions(program.command('indicators'))
    .description('Compute indicators over a bar CSV in the WASM core and write them as CSV')
    .requiredOption('--in <file>', 'bar CSV file (time, open, high, low, close, volume)')
    .requiredOption('--ind <spec>', 'comma-separated tokens, e.g. ema:20,rsi:14,bb:20:2.pctb,macd:12:26:9,ema:20@slope:5')
    .requiredOption('--out <file>', 'output CSV: time, then one column per token')
    .action(async (flags: IndicatorsFlags) => runIndicators(flags));
}

/** Plans the spec; every spec problem becomes one user-facing line. Duplicate tokens are refused (they would repeat a column). */
export function planFromSpec(spec: string): IndicatorPlan {
  try {
    const tokens = parseSpec(spec).map((t) => t.text);
    const seen = new Set<string>();
    for (const token of tokens) {
      if (seen.has(token)) throw new IndicatorSpecError(`token \`${token}\` appears twice in --ind (each token is one output column)`);
      seen.add(token);
    }
    return buildPlan(tokens);
  } catch (error) {
    if (error instanceof IndicatorSpecError) throw new UserFacingError(`--ind: ${error.message}`);
    throw error;
  }
}

async function runIndicators(flags: IndicatorsFlags): Promise<void> {
  ensureOutputFile('--out', flags.out, [flags.in]);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const onBadRow = checkBadRowPolicy(flags.onBadRow);
  const plan = planFromSpec(flags.ind);
  const { series } = await loadBarFiles([flags.in], { onBadRow, timezone: flags.timezone }, log);
  const bars = series[0];
  const executor = IndicatorExecutor.create(plan);
  executor.resetSlot(0);
  const columns = executor.runBatch(0, bars);
  writeIndicatorCsv(flags.out, bars.timeNs, plan.columns.map((c) => c.name), columns);
  log(`${flags.out}: ${bars.length} bars, ${plan.columns.length} columns from ${plan.nodes.length} plan nodes`);
}
