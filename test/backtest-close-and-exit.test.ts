// A long-only strategy's close and an exit rule's close filling in the same bar (bar-mode venue):
// the strategy's sell goes to the venue reduce-only (wasm/assembly/pipeline/order-stage.ts), so
// whichever of the two fills second gets only what is left of the position and the run never
// goes short. Before, the strategy's sell was a plain order: on the bundled ETH bars, around
// 2024-04-22 03:00, the profit tier (reduce-only) and the strategy's sell of the whole position
// both filled in one bar, 1.01005 sold against 1.0 held, and the run went short from there.
// The order stage has no TS reference; the working sums the close is counted in are checked on
// both order tables by test/orders-*.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BacktestRun } from '../engine/backtest/index.js';
import { runEthCloseAndExit } from './eth-close-and-exit-run.js';

let run: BacktestRun;

beforeAll(async () => {
  run = await runEthCloseAndExit('close-and-exit test');
}, 120_000);

describe('a long-only strategy whose close and an exit fill in the same bar', () => {
  it('never holds a short position: the fill that comes second sells only what is left', () => {
    const fills = run.recording.fills;
    expect(fills.length).toBeGreaterThan(100);
    let position = 0;
    const short: string[] = [];
    for (const f of fills) {
      position += f.side === 'buy' ? f.quantity : -f.quantity;
      if (position < -1e-9) short.push(`order ${f.orderId} at ${f.timeNs}: ${position}`);
    }
    expect(short).toEqual([]);
  });

  it('the repro\'s bars: the strategy\'s close and the profit tier sell together exactly the position held', () => {
    // 2024-04-22 02:00-04:00 UTC: the strategy's close (partly filled, participation) and the
    // profit tier; before the fix they sold 1.01005 against 1.0 held.
    const from = BigInt(Date.UTC(2024, 3, 22, 2)) * 1_000_000n;
    const to = from + 2n * 3_600_000_000_000n;
    let before = 0;
    for (const f of run.recording.fills) if (f.timeNs < from) before += f.side === 'buy' ? f.quantity : -f.quantity;
    const sells = run.recording.fills.filter((f) => f.timeNs >= from && f.timeNs < to && f.side === 'sell');
    expect(new Set(sells.map((f) => f.orderId)).size, 'two orders sold').toBeGreaterThanOrEqual(2);
    expect(before).toBeGreaterThan(0);
    expect(sells.reduce((s, f) => s + f.quantity, 0)).toBeCloseTo(before, 9);
  });
});
