// Reads an OHLCV bar CSV (header with a time column `timestamp` or `date` and open, high,
// low, close, volume columns, any case) into columns. Times: ISO strings with an offset,
// or naive strings read as UTC; stored as integer ns since the epoch.

import { readFileSync } from 'node:fs';

export interface OhlcvColumns {
  readonly length: number;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly timeNs: BigInt64Array;
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

function parseTimeNs(raw: string, file: string, line: number): bigint {
  const text = raw.trim();
  const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/.test(text);
  const ms = Date.parse(hasZone ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) throw new Error(`\`time\` must be an ISO date-time, was ${JSON.stringify(raw)} (file ${file}, line ${line})`);
  return BigInt(ms) * 1_000_000n;
}

/** Parses `file`; throws naming file, line, field, value and rule on bad input. */
export function readOhlcvCsv(file: string): OhlcvColumns {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`file must start with a header line, was empty (file ${file}, line 1)`);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const timeIndex = header.findIndex((h) => h === 'timestamp' || h === 'date' || h === 'time');
  if (timeIndex < 0) throw new Error(`header must have a \`timestamp\` or \`date\` column, has ${header.join(',')} (file ${file}, line 1)`);
  const indices = PRICE_COLUMNS.map((name) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`header must have a \`${name}\` column, has ${header.join(',')} (file ${file}, line 1)`);
    return index;
  });
  const n = lines.length - 1;
  const columns = PRICE_COLUMNS.map(() => new Float64Array(n));
  const timeNs = new BigInt64Array(n);
  for (let row = 0; row < n; row += 1) {
    const cells = lines[row + 1].split(',');
    timeNs[row] = parseTimeNs(cells[timeIndex] ?? '', file, row + 2);
    for (let c = 0; c < PRICE_COLUMNS.length; c += 1) {
      const value = Number(cells[indices[c]]);
      if (!Number.isFinite(value)) {
        throw new Error(`\`${PRICE_COLUMNS[c]}\` must be a finite number, was ${JSON.stringify(cells[indices[c]])} (file ${file}, line ${row + 2})`);
      }
      columns[c][row] = value;
    }
  }
  const [open, high, low, close, volume] = columns;
  return { length: n, open, high, low, close, volume, timeNs };
}
