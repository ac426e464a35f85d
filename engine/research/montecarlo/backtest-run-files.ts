// Reads what `quantflow backtest --out DIR` wrote and the Monte Carlo needs: equity.csv
// (`time,equity,cash`, one row per bar close, ISO 8601 UTC times), trades.csv
// (`entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees`, the net P&L
// per round trip) and from report.json the periods per year its Sharpe was annualised with, the
// starting cash and the point estimates (Sharpe, CAGR, maximum drawdown). Formats:
// engine/backtest/report (equity-csv.ts, trades-csv.ts, compute-report.ts). Every problem is a
// BacktestRunFileError naming the file (and line), the field, the value and the rule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export class BacktestRunFileError extends Error {
  override readonly name = 'BacktestRunFileError';
}

export interface BacktestRunFiles {
  readonly dir: string;
  /** Equity point times, ns since the epoch. */
  readonly timesNs: readonly bigint[];
  readonly equity: readonly number[];
  /** Net P&L of each round trip, in trades.csv order. */
  readonly tradePnl: readonly number[];
  readonly periodsPerYear: number;
  readonly startingCash: number;
  /** report.json's account figures (null where the report had none). */
  readonly reported: { readonly sharpe: number | null; readonly cagr: number | null; readonly maxDrawdown: number | null };
  /** report.json's instruments (its byInstrument keys) and SHA-256 of its fills.csv (null where the report had none). */
  readonly instruments: readonly string[] | null;
  readonly fillsSha256: string | null;
  /** report.json's `data`: the sources the run read, a file with its SHA-256 (null where the report records none). */
  readonly dataSources: ReadonlyArray<{ readonly source: string; readonly sha256: string | null }> | null;
}

const EQUITY_HEADER = 'time,equity,cash';
const TRADES_HEADER = 'entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees';
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** Reads equity.csv, trades.csv and report.json of a backtest output directory. */
export function readBacktestRun(dir: string): BacktestRunFiles {
  const report = readJson(join(dir, 'report.json'));
  const equityRows = readCsv(join(dir, 'equity.csv'), EQUITY_HEADER);
  const timesNs: bigint[] = [];
  const equity: number[] = [];
  for (const { file, line, fields } of equityRows) {
    const time = parseIsoNs(fields[0], `${file}:${line}`, 'time');
    if (timesNs.length > 0 && time <= timesNs[timesNs.length - 1]) {
      throw new BacktestRunFileError(`${file}:${line}: \`time\` must increase from row to row, was ${fields[0]} after ${new Date(Number(timesNs[timesNs.length - 1] / 1_000_000n)).toISOString()}`);
    }
    timesNs.push(time);
    equity.push(parseFinite(fields[1], `${file}:${line}`, 'equity'));
  }
  if (equity.length < 3) throw new BacktestRunFileError(`${join(dir, 'equity.csv')}: must hold at least 3 equity rows (2 returns), had ${equity.length}`);
  const tradePnl = readCsv(join(dir, 'trades.csv'), TRADES_HEADER).map(({ file, line, fields }) => parseFinite(fields[7], `${file}:${line}`, 'pnl'));
  const reportFile = join(dir, 'report.json');
  const annualisation = report.annualisation as { periodsPerYear?: unknown } | undefined;
  const account = report.account as { startingCash?: unknown; sharpe?: unknown; cagr?: unknown; drawdown?: { maxDrawdown?: unknown } } | undefined;
  const periodsPerYear = annualisation?.periodsPerYear;
  if (typeof periodsPerYear !== 'number' || !(periodsPerYear > 0)) {
    throw new BacktestRunFileError(`${reportFile}: \`annualisation.periodsPerYear\` must be a number > 0, was ${JSON.stringify(periodsPerYear ?? null)}`);
  }
  const startingCash = account?.startingCash;
  if (typeof startingCash !== 'number' || !(startingCash > 0)) {
    throw new BacktestRunFileError(`${reportFile}: \`account.startingCash\` must be a number > 0, was ${JSON.stringify(startingCash ?? null)}`);
  }
  const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
  return {
    dir,
    timesNs,
    equity,
    tradePnl,
    periodsPerYear,
    startingCash,
    reported: { sharpe: numberOrNull(account?.sharpe), cagr: numberOrNull(account?.cagr), maxDrawdown: numberOrNull(account?.drawdown?.maxDrawdown) },
    instruments: typeof report.byInstrument === 'object' && report.byInstrument !== null ? Object.keys(report.byInstrument) : null,
    fillsSha256: typeof report.fillsSha256 === 'string' ? report.fillsSha256 : null,
    dataSources: readDataSources(report.data, reportFile),
  };
}

function readDataSources(data: unknown, reportFile: string): BacktestRunFiles['dataSources'] {
  if (data === undefined) return null;
  if (!Array.isArray(data) || data.length === 0) throw new BacktestRunFileError(`${reportFile}: \`data\` must be a non-empty list of sources, was ${JSON.stringify(data)}`);
  return data.map((entry: unknown, i) => {
    const { source, sha256 } = (entry ?? {}) as { source?: unknown; sha256?: unknown };
    if (typeof source !== 'string' || source === '') throw new BacktestRunFileError(`${reportFile}: \`data[${i}].source\` must be a non-empty string, was ${JSON.stringify(source ?? null)}`);
    if (sha256 !== null && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))) throw new BacktestRunFileError(`${reportFile}: \`data[${i}].sha256\` must be 64 hex digits or null, was ${JSON.stringify(sha256 ?? undefined)}`);
    return { source, sha256 };
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new BacktestRunFileError(`cannot read ${file} (${code}): --run must be a directory written by \`quantflow backtest --out DIR\``);
  }
}

function readJson(file: string): Record<string, unknown> {
  const text = readText(file);
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new BacktestRunFileError(`${file}: must be a JSON object (report.json of a backtest), ${(error as Error).message}`);
  }
}

function readCsv(file: string, header: string): { file: string; line: number; fields: string[] }[] {
  const lines = readText(file).split(/\r?\n/);
  if (lines[0] !== header) throw new BacktestRunFileError(`${file}:1: the header must be \`${header}\`, was ${JSON.stringify(lines[0])}`);
  const width = header.split(',').length;
  const rows: { file: string; line: number; fields: string[] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') {
      if (i === lines.length - 1) continue;
      throw new BacktestRunFileError(`${file}:${i + 1}: empty row: every row must have ${width} fields`);
    }
    const fields = splitCsvLine(lines[i]);
    if (fields.length !== width) throw new BacktestRunFileError(`${file}:${i + 1}: must have ${width} fields (${header}), had ${fields.length}: ${JSON.stringify(lines[i])}`);
    rows.push({ file, line: i + 1, fields });
  }
  return rows;
}

/** Splits one CSV line; fields may be quoted with doubled quotes inside (engine/backtest/report/csv-text.ts). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i += 1;
            break;
          }
        } else value += line[i++];
      }
      fields.push(value);
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) break;
    i += 1; // the comma
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

function parseFinite(text: string, where: string, field: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new BacktestRunFileError(`${where}: \`${field}\` must be a finite number, was ${JSON.stringify(text)}`);
  return value;
}

/** ISO 8601 UTC (`2024-04-16T01:00:00.000Z`, up to 9 fraction digits) to ns since the epoch. */
export function parseIsoNs(text: string, where: string, field: string): bigint {
  const match = ISO.exec(text);
  const ms = match ? Date.parse(`${match[1]}Z`) : Number.NaN;
  if (!match || !Number.isFinite(ms)) throw new BacktestRunFileError(`${where}: \`${field}\` must be an ISO 8601 UTC time such as 2024-04-16T01:00:00.000Z, was ${JSON.stringify(text)}`);
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0') || '0');
  return BigInt(ms) * 1_000_000n + fraction;
}
