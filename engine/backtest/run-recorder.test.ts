// RunRecorder's chart bars and their regime labels: each bar gets the label of the EQUITY record
// with its time (the last one when a time repeats), by an ordered walk, or by a map when the
// times go back; a bar with no such record, or an instrument without any, keeps no label.
import { describe, expect, it } from 'vitest';
import { EVENT_BYTES, EventKind, f64Bits, storeEventRecord } from '../layout/event-record.js';
import { labelName } from '../regime/index.js';
import { RunRecorder } from './run-recorder.js';

const HOUR = 3_600_000_000_000n;
const T0 = 1_713_225_600_000_000_000n;

function barRecords(instrument: number, hours: readonly number[]): DataView {
  const view = new DataView(new ArrayBuffer(hours.length * EVENT_BYTES));
  hours.forEach((h, i) => {
    const open = T0 + BigInt(h) * HOUR;
    storeEventRecord(view, i * EVENT_BYTES, {
      kind: EventKind.BAR, instrument, tsExchange: open, tsLocal: open + HOUR, price: 100 + h, size: 1, a: 101 + h, b: 99 + h, id: f64Bits(100.5 + h),
    });
  });
  return view;
}

/** One EQUITY record of `instrument` for the bar opened at hour `h`, with regime code `code` (-1: none). */
function equity(recorder: RunRecorder, instrument: number, h: number, code: number): void {
  const view = new DataView(new ArrayBuffer(EVENT_BYTES));
  const open = T0 + BigInt(h) * HOUR;
  storeEventRecord(view, 0, { kind: EventKind.EQUITY, instrument, tsExchange: open, tsLocal: open + HOUR, price: 100_000, size: 100_000, a: code, b: 0, id: 0n });
  recorder.onEquityAt(view, 0);
}

function labelsOf(recorder: RunRecorder, instrument: number): (string | undefined)[] {
  return recorder.recordedBars()[instrument].map((bar) => bar.regime);
}

describe('RunRecorder regime labels on the chart bars', () => {
  it('labels each bar from the EQUITY record of its time, the last one of a repeated time', () => {
    const recorder = new RunRecorder([0n, 0n], [true, true]);
    recorder.onMarketRecords(barRecords(0, [0, 1, 2, 3, 4]), 0, 5);
    recorder.onMarketRecords(barRecords(1, [0, 1]), 0, 2);
    equity(recorder, 0, 0, 0);
    equity(recorder, 0, 1, 1);
    equity(recorder, 0, 1, 2);
    equity(recorder, 0, 3, -1);
    equity(recorder, 0, 3, 0);
    equity(recorder, 0, 5, 1);
    expect(labelsOf(recorder, 0)).toEqual([labelName(0), labelName(2), undefined, labelName(0), undefined]);
    const bars = recorder.recordedBars();
    expect(bars[0][1], 'a labelled bar keeps its prices').toMatchObject({ timeNs: T0 + HOUR, open: 101.5, high: 102, low: 100, close: 101 });
    expect(Object.keys(bars[0][1]), 'in the same key order as before').toEqual(['timeNs', 'open', 'high', 'low', 'close', 'regime']);
    expect(labelsOf(recorder, 1), 'an instrument without regimes keeps none').toEqual([undefined, undefined]);
  });

  it('gives the same labels when the EQUITY times go back', () => {
    const recorder = new RunRecorder([0n], [true]);
    recorder.onMarketRecords(barRecords(0, [0, 1, 2, 3]), 0, 4);
    equity(recorder, 0, 3, 1);
    equity(recorder, 0, 0, 2);
    equity(recorder, 0, 2, 0);
    equity(recorder, 0, 0, 1);
    expect(labelsOf(recorder, 0)).toEqual([labelName(1), undefined, labelName(0), labelName(1)]);
  });
});
