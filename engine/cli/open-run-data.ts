// The market data a command runs on (backtest, paper, walkforward, montecarlo): `--data`
// sources, else the configuration's `data` entries with their column mapping, else the bundled
// 1h bars; opened as market streams, a source that cannot be opened being one clear error.
// Also the `--regime-model` file those commands take.
import { resolve } from 'node:path';
import { openDataSources, DataSourceError, type DataSource } from '../../adapters/sources/index.js';
import { fileSha256, isFile } from '../../adapters/store/index.js';
import type { RecordedDataSource } from '../backtest/index.js';
import type { CsvStreamOptions } from '../../adapters/files/index.js';
import type { QuantFlowConfig } from '../config/index.js';
import type { MarketStream } from '../replay/index.js';
import { readRegimeModelFile, type RegimeModelRecord } from '../regime/index.js';
import { UserFacingError } from './cli-error.js';
import { defaultBarFiles } from './default-data.js';

/**
 * The sources a run reads: `--data`, else the config's `data` (each named in messages by
 * `configFile` and its entry, `eth.yaml data[1]`), else the bundled bars.
 */
export function runDataSources(data: readonly string[] | undefined, config: QuantFlowConfig, configFile?: string): DataSource[] {
  if (data && data.length > 0) return data.map((source) => ({ source }));
  if (config.data.length > 0) return config.data.map(({ path, ...csv }, i) => ({ source: path, csv, origin: `${configFile ?? 'the configuration\'s'} data[${i}]` }));
  return defaultBarFiles().map((source) => ({ source }));
}

/**
 * Opens `sources` (CSV flags apply to every file); an unopenable source is a UserFacingError
 * naming `flag`, the option that gave it (`--data`; `--in` for label and regime fit).
 */
export async function openRunData(sources: readonly DataSource[], csv: CsvStreamOptions, flag = '--data'): Promise<MarketStream[]> {
  try {
    return await openDataSources(sources, csv, flag);
  } catch (error) {
    if (error instanceof DataSourceError) throw new UserFacingError(error.message);
    throw error;
  }
}

/** The sources as report.json records them: a file by absolute path and SHA-256, a store or QuestDB source as given. */
export async function recordedSources(sources: readonly string[]): Promise<RecordedDataSource[]> {
  const recorded: RecordedDataSource[] = [];
  for (const source of sources) {
    if (source.startsWith('store:') || source.startsWith('questdb://') || !isFile(source)) recorded.push({ source, sha256: null });
    else recorded.push({ source: resolve(source), sha256: await fileSha256(source) });
  }
  return recorded;
}

/** A `--regime-model` file, or a UserFacingError naming it. */
export function readRegimeModelFlag(path: string): RegimeModelRecord {
  try {
    return readRegimeModelFile(path);
  } catch (error) {
    throw new UserFacingError(`--regime-model: ${(error as Error).message}`);
  }
}
