// CSV text helpers shared by the output writers: a field quoted only when it must be
// (comma, quote or line break), numbers in JavaScript's shortest round-trip form (String(x):
// reading the text back gives the same double), and writing a sequence of text blocks to a
// file so a long run's CSV is never one string.
import { open } from 'node:fs/promises';

/** The field as CSV: quoted (with doubled quotes) only when it holds `,` `"` or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Shortest round-trip text of a double (`String(x)`; -0 prints as 0). */
export function csvNumber(x: number): string {
  return String(x);
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
