// The page side of the report: downsampling keeps the OHLC envelope and line extremes within
// the point limits, the page data says what it downsampled, and inlined text cannot close
// its <script> element early.
import { describe, expect, it } from 'vitest';
import type { BacktestRecording, RecordedBar } from '../backtest-recording.js';
import { computeReport } from './compute-report.js';
import { envelopeBars, groupSize, MAX_LINE_POINTS, MAX_PRICE_POINTS, minMaxIndices } from './downsample.js';
import { renderReportHtml } from './report-html.js';
import { reportPageData } from './report-page-data.js';

const T0 = 1_713_229_200_000_000_000n;
const HOUR = 3_600_000_000_000n;

function bars(n: number): RecordedBar[] {
  return Array.from({ length: n }, (_, i) => {
    const mid = 100 + 10 * Math.sin(i / 50);
    return { timeNs: T0 + BigInt(i) * HOUR, open: mid, high: mid + 1 + (i % 7), low: mid - 1 - (i % 5), close: mid + 0.5, regime: i % 3 === 0 ? 'choppy' : 'trending' };
  });
}

describe('downsampling', () => {
  it('keeps the OHLC envelope and the most frequent label of each group', () => {
    const source = bars(10);
    const out = envelopeBars(source, 4);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({
      timeNs: source[0].timeNs, open: source[0].open, close: source[3].close,
      high: Math.max(...source.slice(0, 4).map((b) => b.high)), low: Math.min(...source.slice(0, 4).map((b) => b.low)), regime: 'choppy',
    });
    expect(out[1].regime, 'bars 4..7: trending 3 to 1').toBe('trending');
    expect(out[2].close, 'a short last group').toBe(source[9].close);
    expect(envelopeBars(source, 1)).toEqual(source);
  });

  it('keeps each group\'s extremes of a line', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 1000) + (i === 54_321 ? -5 : 0));
    const kept = minMaxIndices(values, MAX_LINE_POINTS);
    expect(kept.length).toBeLessThanOrEqual(MAX_LINE_POINTS + 1);
    expect(kept, 'the spike survives').toContain(54_321);
    expect(kept[kept.length - 1], 'the last point survives').toBe(99_999);
    expect([...kept].sort((a, b) => a - b), 'in time order').toEqual(kept);
  });

  it('limits a long run to MAX_PRICE_POINTS bars per instrument and says so', () => {
    const n = 17_519;
    const recorded = bars(n);
    const recording: BacktestRecording = {
      instruments: [{ id: 0, symbol: 'ETHUSDT', assetClass: 'crypto' }],
      fills: [],
      trades: [],
      equity: recorded.map((b, i) => ({ timeNs: b.timeNs + HOUR, equity: 1000 + i, cash: 1000 })),
      bars: [recorded],
      totals: { startingCash: 1000, finalEquity: 1000 + n, finalCash: 1000, fees: 0, slippage: 0, funding: 0, turnover: 0 },
      events: n,
      startNs: T0,
      endNs: T0 + BigInt(n) * HOUR,
      fillsHash: '',
    };
    const data = reportPageData(recording, computeReport(recording, { title: 'a </script><script>alert(1)</script> title' }));
    expect(data.instruments[0].time.length).toBeLessThanOrEqual(MAX_PRICE_POINTS);
    expect(data.instruments[0].group).toBe(groupSize(n, MAX_PRICE_POINTS));
    expect(data.instruments[0].high[0]).toBe(Math.max(...recorded.slice(0, data.instruments[0].group).map((b) => b.high)));
    expect(data.notes.join(' ')).toMatch(/ETHUSDT: 17519 price bars drawn as 4380 /);
    expect(data.regimeLabels).toEqual(['choppy', 'trending']);
    const html = renderReportHtml(data);
    expect(html.match(/<\/script/gi), 'three script elements, none closed early').toHaveLength(3);
    expect(html).toContain('<title>a &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; title</title>');
  });
});
