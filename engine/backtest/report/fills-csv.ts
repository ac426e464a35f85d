// fills.csv: one row per fill the simulated venue made, in recording order, with exactly the
// columns `time,instrument,side,quantity,price,fee,order_id` (time ISO 8601 UTC at the
// precision of the data, instrument = symbol, side buy/sell, quantity and price to 15
// significant digits, fee to 8 decimals: csv-text.ts csvDecimal, csvMoney). The bytes are a pure function of the fills and the instruments' symbols, so
// SHA-256 of them (fillsHash) identifies a run's fills: equal runs print equal hashes.
import { createHash } from 'node:crypto';
import type { BacktestRecording, RecordedFill, RecordedInstrument } from '../backtest-recording.js';
import { csvDecimal, csvField, csvMoney, ROWS_PER_BLOCK } from './csv-text.js';
import { formatIsoNs } from './iso-time.js';
import { symbolLookup } from './symbols.js';

export const FILLS_CSV_HEADER = 'time,instrument,side,quantity,price,fee,order_id\n';

/** What fills.csv depends on: the fills and the instruments' symbols. */
export type FillsSource = Pick<BacktestRecording, 'fills' | 'instruments'>;

function sourceOf(source: FillsSource | readonly RecordedFill[], instruments?: readonly RecordedInstrument[]): FillsSource {
  return Array.isArray(source) ? { fills: source as readonly RecordedFill[], instruments: instruments ?? [] } : (source as FillsSource);
}

/**
 * fills.csv as blocks of text (the header first), so long runs never build one string.
 * Takes a recording, or the fills and the instruments (as the driver has them before the recording exists).
 */
export function* fillsCsvBlocks(source: FillsSource | readonly RecordedFill[], instruments?: readonly RecordedInstrument[]): Generator<string> {
  const recording = sourceOf(source, instruments);
  const symbol = symbolLookup(recording.instruments);
  yield FILLS_CSV_HEADER;
  const fills = recording.fills;
  for (let start = 0; start < fills.length; start += ROWS_PER_BLOCK) {
    const end = Math.min(fills.length, start + ROWS_PER_BLOCK);
    let block = '';
    for (let i = start; i < end; i++) {
      const f = fills[i];
      block +=
        `${formatIsoNs(f.timeNs)},${csvField(symbol(f.instrument))},${f.side},${csvDecimal(f.quantity)},` +
        `${csvDecimal(f.price)},${csvMoney(f.fee)},${f.orderId.toString()}\n`;
    }
    yield block;
  }
}

/** The whole fills.csv text (of a recording, or of fills and instruments). */
export function fillsCsv(source: FillsSource | readonly RecordedFill[], instruments?: readonly RecordedInstrument[]): string {
  let text = '';
  for (const block of fillsCsvBlocks(source, instruments)) text += block;
  return text;
}

/** SHA-256 (lowercase hex) of fills.csv's UTF-8 bytes, computed block by block: the run's fills hash. */
export function fillsHash(source: FillsSource | readonly RecordedFill[], instruments?: readonly RecordedInstrument[]): string {
  const hash = createHash('sha256');
  for (const block of fillsCsvBlocks(source, instruments)) hash.update(block, 'utf8');
  return hash.digest('hex');
}
