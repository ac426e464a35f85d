// A tick backtest whose data ends inside a bar: the trades after the last bar close move the
// account (here a position is closed by a fill there). equity.csv must end with the account at
// the end of the data, so its last row, report.json's finalEquity and totalReturn agree (the
// curve stopped at the last bar close while finalEquity came from the core after the last tick).
// equity.csv prints money to 8 decimals, so its last row is finalEquity rounded that way
// (csvMoney); report.json and the recording keep the full doubles.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { loadConfig } from '../engine/config/index.js';
import { MemoryStream, computeReport, csvMoney, equityCsv, runBacktest } from '../engine/backtest/index.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const TRADES = 'crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-tick-equity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `strategies:
  - name: t
    type: rules
    long: { entry: "ema:3 >= ema:5", exit: "ema:3 < ema:5" }
    size: { quantity: 0.01 }
execution:
  noTradeBand: { equityPct: 0, positionPct: 0 }
  confirmBars: 1
risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0 }
venue:
  costs: { makerFee: 0.001, takerFee: 0.001, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 }
`;

describe.skipIf(skipWithout(sharedData([TRADES])))('tick backtest equity at the end of the data', () => {
  it('ends equity.csv with the account after the last tick: its last row is finalEquity and totalReturn agrees', async () => {
    const file = path.join(dir, 'tick.yaml');
    writeFileSync(file, CONFIG);
    const config = loadConfig({ configFile: file, env: {} });
    const stream = await MemoryStream.load(await openCsvStream(sharedDataPath(TRADES)));
    const run = await runBacktest({ streams: [stream], config, equity: 100_000, barTimeframe: '30s' });
    const { recording } = run;
    const last = recording.equity[recording.equity.length - 1];
    const lastFill = recording.fills[recording.fills.length - 1];
    // The data ends inside a 30 s bar, with a fill after the last bar close.
    expect(lastFill.timeNs > recording.equity[recording.equity.length - 2].timeNs).toBe(true);
    expect(last.timeNs).toBe(recording.endNs);
    expect(last.equity).toBe(recording.totals.finalEquity);
    expect(last.cash).toBe(recording.totals.finalCash);
    const lastRow = equityCsv(recording).trimEnd().split('\n').pop()!.split(',');
    expect(lastRow.slice(1), "equity.csv's last row: finalEquity and finalCash at 8 decimals").toEqual([csvMoney(recording.totals.finalEquity), csvMoney(recording.totals.finalCash)]);
    const report = computeReport(recording);
    expect(report.account.totalReturn).toBeCloseTo(report.account.finalEquity / report.account.firstEquity! - 1, 15);
  });
});
