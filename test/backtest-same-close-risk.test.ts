// Two instruments whose bars share close times: the pre-trade checks of one instrument's
// order decided at a close must see the account with every instrument of that close marked
// (wasm/assembly/pipeline/same-close.ts), whichever order the sources are merged in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { MemoryStream, runBacktest } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 2, 0);
let dir: string;

function bars(symbol: string, closes: number[]): string {
  const file = join(dir, `${symbol}.csv`);
  const rows = ['time,open,high,low,close,volume'];
  closes.forEach((close, i) => {
    const open = i === 0 ? close : closes[i - 1];
    rows.push(`${new Date(START + i * HOUR).toISOString()},${open},${Math.max(open, close)},${Math.min(open, close)},${close},1000000`);
  });
  writeFileSync(file, `${rows.join('\n')}\n`);
  writeFileSync(`${file}.meta.json`, JSON.stringify({ kind: 'bars', barStamp: 'open', symbol, barInterval: '1h' }));
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-same-close-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rules strategy holding 50 BBB from the first bar and one entering AAA (flat at 100) when its close is 101. */
function configFor(risk: Record<string, number>, aaaQuantity: number) {
  return loadConfig({ document: { label: 'same-close test', value: {
    strategies: [
      { name: 'hold', type: 'rules', instruments: ['BBB'], long: { entry: 'close > 0', exit: 'close < 0' }, size: { quantity: 50 } },
      { name: 'enter', type: 'rules', instruments: ['AAA'], long: { entry: 'close > 100.5', exit: 'close < 0' }, size: { quantity: aaaQuantity } },
    ],
    execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 },
    risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, maxDrawdownPct: 0.5, ...risk, replayDefaults: { assetClass: 'crypto', lotSize: 1 } },
    venue: { mode: 'bars', costs: { makerFee: 0, takerFee: 0, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 } },
  } }, env: {} });
}

/** AAA's fills and the refusals, with the two sources merged in either order. */
async function bothOrders(config: ReturnType<typeof loadConfig>, bbbAtSignal: number) {
  const n = 14;
  const files: Record<string, string> = {
    AAA: bars('AAA', Array.from({ length: n }, (_, i) => (i >= 10 ? 101 : 100))),
    BBB: bars('BBB', Array.from({ length: n }, (_, i) => (i < 10 ? 100 : bbbAtSignal))),
  };
  const out: Record<string, { aaaFills: string[]; refusals: Record<string, number> }> = {};
  for (const order of [['AAA', 'BBB'], ['BBB', 'AAA']]) {
    const streams = await Promise.all(order.map(async (symbol) => MemoryStream.load(await openCsvStream(files[symbol]))));
    const run = await runBacktest({ streams, config, equity: 10_000 });
    const aaa = run.recording.instruments.findIndex((instrument) => instrument.symbol === 'AAA');
    out[order.join(', ')] = {
      aaaFills: run.recording.fills.filter((fill) => fill.instrument === aaa).map((fill) => `${fill.side} ${fill.quantity} @ ${fill.price}`),
      refusals: { ...run.refusals },
    };
  }
  return out;
}

describe('the checks of an order decided at a close time two instruments share', () => {
  // BBB closes its 10th bar at a new price at the very close time AAA's entry signal fires.
  it('refuse AAA\'s entry (DAILY_LOSS) when BBB lost past the limit at that close, whichever source is merged first', async () => {
    // 50 BBB from 100 to 90: -500 on 10,000, past dailyLossPct 0.04.
    const runs = await bothOrders(configFor({ dailyLossPct: 0.04 }, 1), 90);
    for (const [order, run] of Object.entries(runs)) {
      expect(run.aaaFills, `sources ${order}: AAA's entry is refused`).toEqual([]);
      expect(run.refusals, `sources ${order}`).toEqual({ DAILY_LOSS: 4 });
    }
  }, 60_000);

  it('let AAA\'s entry through MAX_POSITION when BBB\'s gain at that close raised the equity enough, whichever source is merged first', async () => {
    // 20 AAA at 101 = 2,020: past maxPositionPct 0.2 of 10,000, within 0.2 of 10,500 (50 BBB from 100 to 110).
    const runs = await bothOrders(configFor({ maxPositionPct: 0.2, maxAssetClassPct: 1.0, maxLeverage: 10 }, 20), 110);
    for (const [order, run] of Object.entries(runs)) {
      expect(run.aaaFills, `sources ${order}: AAA buys 20`).toEqual(['buy 20 @ 101']);
    }
  }, 60_000);
});
