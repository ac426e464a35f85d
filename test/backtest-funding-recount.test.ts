// The bar backtest's funding total (report.json / the summary's `funding`, the core's ledger:
// wasm/assembly/portfolio/accruals.ts portfolioAccrue) recounted independently from the
// recording's fills and bars. The grid is the ledger's (ledger.ts portfolioReset,
// nextMultiple): every multiple of the funding interval since the epoch strictly after the
// run's start. At each such time the position held pays position * mark * rate, where the mark
// is the last price the core saw before it: a bar's close (at its close time) or a fill's price
// (at its time), whichever came later. A recount on bar closes alone misses that a fill moved
// the mark: it was 189.1347 against the ledger's 189.1496 on this run (and positions counted
// only from the bar before differ more, 188.29), which read as a ledger error; it is not.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BacktestRun } from '../engine/backtest/index.js';
import { FUNDING_INTERVAL_HOURS as INTERVAL_HOURS, FUNDING_RATE as RATE, runEthCloseAndExit } from './eth-close-and-exit-run.js';

const HOUR = 3_600_000_000_000n;

let run: BacktestRun;

beforeAll(async () => {
  run = await runEthCloseAndExit('funding recount test');
}, 120_000);

/** Funding over the run, counted from the recording alone (see the header). */
function recount(r: BacktestRun['recording']): { total: number; times: number } {
  const interval = BigInt(INTERVAL_HOURS) * HOUR;
  // Prices in time order: bar closes at their close time, fills at theirs (a fill after a close at the same time comes last).
  const prices = [
    ...r.bars[0]!.map((b) => ({ t: b.timeNs + HOUR, order: 0, qty: 0, price: b.close })),
    ...r.fills.map((f) => ({ t: f.timeNs, order: 1, qty: f.side === 'buy' ? f.quantity : -f.quantity, price: f.price })),
  ].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.order - b.order));
  let total = 0;
  let times = 0;
  let position = 0;
  let mark: number | undefined;
  let i = 0;
  for (let t = (r.startNs / interval + 1n) * interval; t <= r.endNs; t += interval) {
    for (; i < prices.length && prices[i]!.t < t; i++) {
      position += prices[i]!.qty;
      mark = prices[i]!.price;
    }
    if (position !== 0 && mark !== undefined) {
      total += position * mark * RATE;
      times++;
    }
  }
  return { total, times };
}

describe('bar backtest funding', () => {
  it('is the independent recount on the ledger\'s grid: position times the last price seen, at every interval multiple after the start', () => {
    const r = run.recording;
    expect(r.fills.length, 'the run trades').toBeGreaterThan(100);
    const { total, times } = recount(r);
    expect(times, 'funding was paid at many grid times').toBeGreaterThan(100);
    expect(r.totals.funding).toBeGreaterThan(0);
    expect(r.totals.funding).toBeCloseTo(total, 9);
  });
});
