// Writes triple-barrier labels as CSV and counts them per label and barrier.
//
//   event_time  close of the event bar, ISO 8601 UTC (entry at this bar's close)
//   end_time    close of the bar where the first barrier was touched (or of the time barrier)
//   event_index, end_index   bar indices (0-based) in the input
//   barrier     pt (take-profit), sl (stop-loss), time
//   side        1 long, -1 short (meta-labels), empty without a primary signal
//   ret         the side's simple return from the entry to the exit
//   label       -1, 0, 1 (meta-labels: 1 take-profit first, else 0)
//   vol         the per-bar volatility the barriers were set from
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatIsoNs } from '../../indicators/indicator-csv-writer.js';
import type { Label } from './triple-barrier.js';

export const LABEL_CSV_COLUMNS = ['event_time', 'end_time', 'event_index', 'end_index', 'barrier', 'side', 'ret', 'label', 'vol'] as const;
const ROWS_PER_WRITE = 4096;

export function writeLabelCsv(path: string, labels: readonly Label[]): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, `${LABEL_CSV_COLUMNS.join(',')}\n`);
    for (let start = 0; start < labels.length; start += ROWS_PER_WRITE) {
      let block = '';
      for (const l of labels.slice(start, start + ROWS_PER_WRITE)) {
        block += `${formatIsoNs(l.eventNs)},${formatIsoNs(l.endNs)},${l.eventIndex},${l.endIndex},${l.barrier},${l.side ?? ''},${l.ret},${l.label},${l.vol}\n`;
      }
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
}

export interface LabelCounts {
  readonly events: number;
  readonly byLabel: Record<'-1' | '0' | '1', number>;
  readonly byBarrier: Record<'pt' | 'sl' | 'time', number>;
}

export function countLabels(labels: readonly Label[]): LabelCounts {
  const byLabel = { '-1': 0, '0': 0, '1': 0 };
  const byBarrier = { pt: 0, sl: 0, time: 0 };
  for (const l of labels) {
    byLabel[String(l.label) as '-1' | '0' | '1'] += 1;
    byBarrier[l.barrier] += 1;
  }
  return { events: labels.length, byLabel, byBarrier };
}
