// What `quantflow backtest` records in the run store: the RunInput of one run, built from the
// files writeBacktestOutputs wrote (report.json is read back for the figures, its bytes hashed
// for the id) and the run's context (command line, configuration, sources, interruption).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../models/index.js';
import { RUN_FILES, RunStoreError, type RunFileName, type RunInput } from './run-store.js';

export interface RunContext {
  /** Recording time, epoch ms. */
  readonly timeMs: number;
  readonly command: readonly string[];
  /** The run's configuration (hashed as canonical JSON). */
  readonly config: unknown;
  readonly sources: readonly string[];
  readonly interrupted: boolean;
}

/** SHA-256 (hex) of a configuration as canonical JSON (key order and whitespace do not count). */
export function configHash(config: unknown): string {
  const json = JSON.parse(JSON.stringify(config ?? null)) as Parameters<typeof canonicalJson>[0];
  return createHash('sha256').update(canonicalJson(json)).digest('hex');
}

const finiteOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The RunInput for the outputs in `dir` (report.json and report.html must be there; the CSVs are taken when present). */
export async function runInputFromOutputs(dir: string, context: RunContext): Promise<RunInput> {
  const files: Partial<Record<RunFileName, Uint8Array>> = {};
  for (const name of Object.keys(RUN_FILES) as RunFileName[]) {
    try {
      files[name] = await readFile(join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || name === 'report.html' || name === 'report.json') {
        throw new RunStoreError(`run outputs ${join(dir, name)}: cannot read it (${(error as Error).message})`);
      }
    }
  }
  const reportBytes = files['report.json']!;
  let report: Record<string, any>;
  try {
    report = JSON.parse(Buffer.from(reportBytes).toString('utf8')) as Record<string, any>;
  } catch (error) {
    throw new RunStoreError(`run outputs ${join(dir, 'report.json')}: not JSON (${(error as Error).message})`);
  }
  const account = (report.account ?? {}) as Record<string, unknown>;
  const byInstrument = (report.byInstrument ?? {}) as Record<string, unknown>;
  return {
    timeMs: context.timeMs,
    contentHash: createHash('sha256').update(reportBytes).digest('hex'),
    command: [...context.command],
    configHash: configHash(context.config),
    sources: [...context.sources],
    title: typeof report.title === 'string' ? report.title : 'QuantFlow backtest',
    strategies: Object.keys(report.byStrategy ?? {}),
    instruments: Object.keys(byInstrument),
    period: { start: String(report.period?.start ?? ''), end: String(report.period?.end ?? '') },
    figures: {
      startingCash: finiteOrNull(account.startingCash) ?? 0,
      finalEquity: finiteOrNull(account.finalEquity) ?? 0,
      totalReturn: finiteOrNull(account.totalReturn),
      sharpe: finiteOrNull(account.sharpe),
      maxDrawdown: finiteOrNull((account.drawdown as Record<string, unknown> | undefined)?.maxDrawdown),
      trades: finiteOrNull(account.trades) ?? 0,
      fills: finiteOrNull(account.fills) ?? 0,
    },
    fillsSha256: typeof report.fillsSha256 === 'string' ? report.fillsSha256 : '',
    interrupted: context.interrupted,
    files,
  };
}
