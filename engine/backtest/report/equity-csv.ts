// equity.csv: the account after each bar close, one row per equity point, with the columns
// `time,equity,cash` (time ISO 8601 UTC; equity and cash are money, printed to 8 decimals
// with csvMoney, so no binary float tails such as 107180.66000000001; report.json keeps the
// full doubles).
import type { BacktestRecording } from '../backtest-recording.js';
import { csvMoney, ROWS_PER_BLOCK } from './csv-text.js';
import { formatIsoNs } from './iso-time.js';

export const EQUITY_CSV_HEADER = 'time,equity,cash\n';

/** equity.csv as blocks of text (the header first). */
export function* equityCsvBlocks(recording: Pick<BacktestRecording, 'equity'>): Generator<string> {
  yield EQUITY_CSV_HEADER;
  const points = recording.equity;
  for (let start = 0; start < points.length; start += ROWS_PER_BLOCK) {
    const end = Math.min(points.length, start + ROWS_PER_BLOCK);
    let block = '';
    for (let i = start; i < end; i++) {
      const p = points[i];
      block += `${formatIsoNs(p.timeNs)},${csvMoney(p.equity)},${csvMoney(p.cash)}\n`;
    }
    yield block;
  }
}

/** The whole equity.csv text. */
export function equityCsv(recording: Pick<BacktestRecording, 'equity'>): string {
  let text = '';
  for (const block of equityCsvBlocks(recording)) text += block;
  return text;
}
