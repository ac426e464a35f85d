// trades.csv: one row per round trip of the trade list, with the columns
// `entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees`:
// side long/short from the sign of the round trip's quantity, quantity unsigned,
// pnl = netPnl (account currency), fees = entryFees + exitFees (quote currency); quantity and
// prices to 15 significant digits, pnl and fees to 8 decimals (csv-text.ts).
import type { BacktestRecording } from '../backtest-recording.js';
import { csvDecimal, csvField, csvMoney, ROWS_PER_BLOCK } from './csv-text.js';
import { formatIsoNs } from './iso-time.js';
import { symbolLookup } from './symbols.js';

export const TRADES_CSV_HEADER = 'entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees\n';

/** trades.csv as blocks of text (the header first). */
export function* tradesCsvBlocks(recording: Pick<BacktestRecording, 'trades' | 'instruments'>): Generator<string> {
  const symbol = symbolLookup(recording.instruments);
  yield TRADES_CSV_HEADER;
  const trades = recording.trades;
  for (let start = 0; start < trades.length; start += ROWS_PER_BLOCK) {
    const end = Math.min(trades.length, start + ROWS_PER_BLOCK);
    let block = '';
    for (let i = start; i < end; i++) {
      const t = trades[i];
      block +=
        `${formatIsoNs(t.entryNs)},${formatIsoNs(t.exitNs)},${csvField(symbol(t.instrument))},${t.qty < 0 ? 'short' : 'long'},` +
        `${csvDecimal(Math.abs(t.qty))},${csvDecimal(t.entryPrice)},${csvDecimal(t.exitPrice)},${csvMoney(t.netPnl)},${csvMoney(t.entryFees + t.exitFees)}\n`;
    }
    yield block;
  }
}

/** The whole trades.csv text. */
export function tradesCsv(recording: Pick<BacktestRecording, 'trades' | 'instruments'>): string {
  let text = '';
  for (const block of tradesCsvBlocks(recording)) text += block;
  return text;
}
