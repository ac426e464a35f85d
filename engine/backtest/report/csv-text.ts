// CSV text helpers shared by the output writers: a field quoted only when it must be
// (comma, quote or line break), prices and sizes at 15 significant digits and money at 8
// decimals (csvDecimal, csvMoney: no binary float tails such as
// 0.30000000000000004), and writing a sequence of text blocks to a file so a long run's CSV
// is never one string.
import { open } from 'node:fs/promises';

/** The field as CSV: quoted (with doubled quotes) only when it holds `,` `"` or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The significant digits a double holds for any decimal (DBL_DIG): a price or size a venue, a
 * data file or a configuration wrote with up to 15 digits reads back exactly, while the tail of
 * binary arithmetic (107180.66000000001, 0.1 + 0.2) is dropped. The configuration has no tick
 * size, and a slipped fill price is off the tick grid anyway, so no coarser fixed grid is safe.
 */
const DECIMAL_DIGITS = 15;

/** Money (fees, P&L) is printed to this many decimals: a satoshi, the finest unit of any quote or account currency in use. */
export const MONEY_DECIMALS = 8;

/** A price or size: at most 15 significant digits, trailing zeros dropped (-0 prints as 0). */
export function csvDecimal(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(DECIMAL_DIGITS))) : String(x);
}

/**
 * Money (a fee, P&L): rounded to MONEY_DECIMALS decimals, and to 15 significant digits for large
 * amounts, trailing zeros dropped; the residue of a sum that cancels (2.8e-14) prints as 0.
 */
export function csvMoney(x: number): string {
  return Number.isFinite(x) ? String(Number(Number(x.toFixed(MONEY_DECIMALS)).toPrecision(DECIMAL_DIGITS))) : String(x);
}

/** Rows per block yielded by the CSV generators. */
export const ROWS_PER_BLOCK = 4096;

/** Writes the blocks to `path` (created or truncated), one write per block. */
export async function writeBlocks(path: string, blocks: Iterable<string>): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const block of blocks) await file.write(block);
  } finally {
    await file.close();
  }
}
