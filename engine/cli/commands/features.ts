// `quantflow features`: a point-in-time feature matrix of a bar CSV (engine/research/features),
// written as DIR/features.arrow (Arrow IPC file) and DIR/manifest.json. The features are the
// engine's indicator plans run in batch; beside them the forward log return and the triple-
// barrier targets with their end times, and a `usable` flag. The bars are loaded once and the
// most recent `--reserve` fraction of their time range is cut before anything reads them, as
// in `quantflow walkforward`, unless `--final` (each use logged in `--state`). Every export
// checks that its features are scale-free and vary over the usable rows, and refuses those
// that do not, naming them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { readFileMetadata } from '../../../adapters/files/index.js';
import {
  DEFAULT_FEATURE_HORIZON, DEFAULT_FEATURE_TOKENS, FeatureOptionError, buildFeatureMatrix, checkFeaturesVary, checkScaleFree, writeFeatureFile,
  type FeatureBars, type FeatureManifest,
} from '../../research/features/index.js';
import { DEFAULT_PROFIT_TAKE, DEFAULT_STOP_LOSS, DEFAULT_VOLATILITY_TOKEN } from '../../research/labels/index.js';
import { UserFacingError } from '../cli-error.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { defaultBarFiles } from '../default-data.js';
import { openResearchFile, parseReserveFlag, withReserveOptions } from '../research-reserve.js';
import { parseIntegerOption } from '../parse-options.js';
import { checkOutputDirectory, ensureOutputDirectory } from '../output-paths.js';

export interface FeaturesFlags {
  data?: string;
  features?: string;
  horizon?: string;
  out: string;
  reserve?: string;
  final?: boolean;
  state?: string;
  vol?: string;
  pt?: string;
  sl?: string;
  zeroAtTime?: boolean;
  json?: boolean;
  [mapping: string]: unknown;
}

export interface FeaturesSummary {
  readonly out: string;
  readonly manifest: FeatureManifest;
  readonly reserveLooks: number;
}

/** The bundled BTCUSDT 1h file: the default --data. */
export function defaultFeatureData(): string {
  const btc = defaultBarFiles().find((file) => basename(file).includes('BTCUSDT'));
  if (btc === undefined) throw new UserFacingError('`--data` is needed: the bundled BTCUSDT bar file is missing from data/');
  return btc;
}

export function registerFeaturesCommand(program: Command): void {
  withCsvMappingOptions(withReserveOptions(
    program
      .command('features')
      .description('Point-in-time feature matrix of a bar CSV (the engine\'s indicator plans), with forward-return and triple-barrier targets, as Arrow IPC + manifest.json')
      .requiredOption('--out <dir>', 'directory for features.arrow and manifest.json')
      .option('--data <file>', 'bar CSV file (default: the bundled BTCUSDT 1h bars)')
      .option('--features <tokens>', `comma-separated single-output, scale-free indicator tokens (default ${DEFAULT_FEATURE_TOKENS.join(',')})`)
      .option('--horizon <bars>', `bars ahead of the targets (default ${DEFAULT_FEATURE_HORIZON})`)
      .option('--vol <token>', `triple barrier: volatility token in return units (default ${DEFAULT_VOLATILITY_TOKEN})`)
      .option('--pt <multiplier>', `triple barrier: take-profit multiplier; 0 = none (default ${DEFAULT_PROFIT_TAKE})`)
      .option('--sl <multiplier>', `triple barrier: stop-loss multiplier; 0 = none (default ${DEFAULT_STOP_LOSS})`)
      .option('--zero-at-time', 'triple barrier: label 0 when the time barrier comes first')
      .option('--json', 'print manifest.json on stdout'),
  )).action(async (flags: FeaturesFlags) => {
    const summary = await runFeatures(flags, (line) => void process.stderr.write(`${line}\n`));
    if (flags.json) process.stdout.write(`${JSON.stringify(summary.manifest)}\n`);
    else process.stdout.write(`${describeFeatures(summary)}\n`);
  });
}

function multiplierFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new UserFacingError(`\`${flag}\` must be a finite number >= 0 (0 removes the barrier), was ${JSON.stringify(text)}`);
  return v;
}

/** `1h`, `15m`, `1d` ... for a bar interval in ns (ns when no unit divides it). */
export function describeInterval(ns: bigint): string {
  for (const [unit, size] of [['w', 604_800_000_000_000n], ['d', 86_400_000_000_000n], ['h', 3_600_000_000_000n], ['m', 60_000_000_000n], ['s', 1_000_000_000n]] as const) {
    if (ns > 0n && ns % size === 0n) return `${ns / size}${unit}`;
  }
  return `${ns}ns`;
}

const FLAG_OF: Record<string, string> = { features: '--features', horizon: '--horizon', volatility: '--vol', profitTake: '--pt', stopLoss: '--sl' };

/** Loads the bars (reserve cut unless --final), builds the matrix, checks scale-freeness, writes --out. */
export async function runFeatures(flags: FeaturesFlags, log: (line: string) => void = () => {}): Promise<FeaturesSummary> {
  checkOutputDirectory('--out', flags.out);
  const reserve = parseReserveFlag(flags.reserve);
  const tokens = flags.features === undefined ? [...DEFAULT_FEATURE_TOKENS] : flags.features.split(',').map((t) => t.trim());
  if (flags.features !== undefined && tokens.some((t) => t === '')) throw new UserFacingError(`\`--features\` must be comma-separated indicator tokens with none empty, was ${JSON.stringify(flags.features)}`);
  const horizon = flags.horizon === undefined ? DEFAULT_FEATURE_HORIZON : parseIntegerOption('--horizon', flags.horizon, 1, 100_000);
  const profitTake = multiplierFlag('--pt', flags.pt, DEFAULT_PROFIT_TAKE);
  const stopLoss = multiplierFlag('--sl', flags.sl, DEFAULT_STOP_LOSS);
  const volatility = (flags.vol ?? DEFAULT_VOLATILITY_TOKEN).trim();
  if (volatility === '' || volatility.includes(',')) throw new UserFacingError(`\`--vol\` must be one single-output indicator token such as rvol:20, was ${JSON.stringify(flags.vol)}`);
  const file = flags.data ?? defaultFeatureData();
  const csv = csvOptionsFromFlags(flags);
  const command = ['quantflow', 'features', ...process.argv.slice(3)].join(' ');
  const { stream, data, bars: read, looks, commit } = await openResearchFile(file, csv, flags, { flag: '--data', command, log });
  if (read.length < horizon + 2) throw new UserFacingError(`--data: ${file} has ${read.length} bars before the reserve cut; \`--horizon\` ${horizon} needs at least ${horizon + 2}`);
  const bars: FeatureBars = {
    timeNs: BigInt64Array.from(read, (b) => b.endNs),
    open: Float64Array.from(read, (b) => b.open),
    high: Float64Array.from(read, (b) => b.high),
    low: Float64Array.from(read, (b) => b.low),
    close: Float64Array.from(read, (b) => b.close),
    volume: Float64Array.from(read, (b) => b.volume),
  };
  let manifest: FeatureManifest;
  try {
    const matrix = buildFeatureMatrix(bars, { features: tokens, horizonBars: horizon, barrier: { volatility, profitTake, stopLoss, zeroAtTime: flags.zeroAtTime === true } });
    checkScaleFree(bars, matrix.features, matrix.columns);
    checkFeaturesVary(matrix, file);
    let barStamp = typeof flags.barStamp === 'string' ? flags.barStamp : undefined;
    if (barStamp === undefined) {
      try {
        barStamp = readFileMetadata(file).options.barStamp;
      } catch {
        barStamp = undefined;
      }
    }
    await commit();
    ensureOutputDirectory('--out', flags.out);
    manifest = writeFeatureFile(resolve(flags.out), matrix, {
      source: { file: basename(file), sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), symbol: stream.symbol, barStamp: (barStamp ?? 'close') as 'open' | 'close' },
      timeframe: describeInterval(stream.barIntervalNs ?? bars.timeNs[1] - bars.timeNs[0]),
      barrier: { volatility, profitTake, stopLoss, zeroAtTime: flags.zeroAtTime === true },
      reserve: { fraction: reserve, startNs: data.reserveStartNs.toString(), included: flags.final === true },
    });
  } catch (error) {
    if (error instanceof FeatureOptionError) {
      const flag = FLAG_OF[error.option] ?? `--${error.option}`;
      const named = error.message.replace(`\`${error.option}\``, `\`${flag}\``);
      throw new UserFacingError(named.includes(`\`${flag}\``) ? named : `\`${flag}\`: ${named}`);
    }
    throw error;
  }
  log(`${resolve(flags.out)}: ${manifest.rows} rows (${manifest.usableRows} usable), ${manifest.features.length} features`);
  if (manifest.usableRows === 0) log('warning: no usable row (every row is in a feature\'s warm-up, or its targets end past the data or in the reserve): nothing to train on; a shorter warm-up or horizon, a smaller --reserve, or more data');
  return { out: resolve(flags.out), manifest, reserveLooks: looks };
}

export function describeFeatures(summary: FeaturesSummary): string {
  const m = summary.manifest;
  const iso = (ns: string) => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
  return [
    `${summary.out}/${m.file}: ${m.rows} rows (${m.usableRows} usable) of ${m.source.file} ${m.timeframe}, ${iso(m.firstCloseNs)} .. ${iso(m.lastCloseNs)}; reserve from ${iso(m.reserve.startNs)} ${m.reserve.included ? 'INCLUDED (--final)' : 'held back'}`,
    `  features (scale-free, checked): ${m.features.join(', ')}`,
    `  targets: fwd_log_return over ${m.horizonBars} bars (fwd_end_ns), triple barrier ${m.barrier.volatility} pt ${m.barrier.profitTake} sl ${m.barrier.stopLoss} (tb_label, tb_return, tb_end_ns)`,
  ].join('\n');
}
