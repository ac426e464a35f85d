// Writes indicator columns as CSV: `time` (ISO 8601 UTC, from integer ns) first, then one
// column per plan column named exactly as the token (`token.output` for the expanded
// outputs of a multi-output token). Warm-up (NaN) cells are empty; numbers are written in
// JavaScript's shortest round-trip form, so reading them back gives the same doubles.
import { closeSync, openSync, writeSync } from 'node:fs';

const NS_PER_MS = 1_000_000n;
const ROWS_PER_WRITE = 4096;

/** ISO 8601 UTC for integer ns since the epoch: millisecond form, or 9 fraction digits when sub-ms. */
export function formatIsoNs(timeNs: bigint): string {
  let ms = timeNs / NS_PER_MS;
  let rest = timeNs % NS_PER_MS;
  if (rest < 0n) {
    ms -= 1n;
    rest += NS_PER_MS;
  }
  const iso = new Date(Number(ms)).toISOString();
  if (rest === 0n) return iso;
  return `${iso.slice(0, -1)}${rest.toString().padStart(6, '0')}Z`;
}

function csvField(name: string): string {
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}

/** Writes the CSV to `path` in blocks of rows (memory proportional to one block). */
export function writeIndicatorCsv(path: string, timeNs: BigInt64Array, names: readonly string[], columns: readonly Float64Array[]): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${['time', ...names].map(csvField).join(',')}\n`);
    const n = timeNs.length;
    for (let start = 0; start < n; start += ROWS_PER_WRITE) {
      const end = Math.min(n, start + ROWS_PER_WRITE);
      let block = '';
      for (let i = start; i < end; i++) {
        let line = formatIsoNs(timeNs[i]);
        for (const column of columns) {
          const v = column[i];
          line += Number.isNaN(v) ? ',' : `,${v}`;
        }
        block += `${line}\n`;
      }
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}
