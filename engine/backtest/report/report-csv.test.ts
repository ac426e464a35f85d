// The CSV outputs: exact headers and row formats (prices and sizes to 15 significant digits,
// money (fees, P&L, equity, cash) to 8 decimals: no binary float tails), and fills.csv bytes (and their SHA-256, the
// run's fills hash) as a pure function of the fills.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoundTrip } from '../../portfolio/index.js';
import type { BacktestRecording, RecordedFill } from '../backtest-recording.js';
import { csvMoney, equityCsv, fillsCsv, fillsHash, formatIsoNs, tradesCsv, writeBacktestOutputs } from './index.js';

const T0 = 1_713_229_200_000_000_000n; // 2024-04-16T01:00:00Z
const HOUR = 3_600_000_000_000n;

function fills(): RecordedFill[] {
  return [
    { timeNs: T0, instrument: 0, side: 'buy', quantity: 0.1 + 0.2, price: 3082.25, fee: 0.924675, orderId: 1n, maker: false },
    { timeNs: T0 + 1_500n, instrument: 1, side: 'sell', quantity: 2, price: 64000.5, fee: -0.01, orderId: 18_446_744_073_709_551_615n, maker: true },
    { timeNs: T0 + HOUR + 2_000n, instrument: 0, side: 'sell', quantity: 1e-8, price: 1e21, fee: 0, orderId: 3n, maker: false },
  ];
}

function trip(overrides: Partial<RoundTrip>): RoundTrip {
  return {
    instrument: 0, entryNs: T0, exitNs: T0 + HOUR, entryPrice: 100, qty: 1, exitPrice: 110, netPnl: 9.5, entryOrderId: 1n, exitOrderId: 2n,
    grossPnl: 10, entryFees: 0.25, exitFees: 0.25, rate: 1, entryRule: 0, exitRule: 0, ...overrides,
  };
}

function recording(): BacktestRecording {
  return {
    instruments: [
      { id: 0, symbol: 'ETHUSDT', strategy: 'trend', assetClass: 'crypto', timeframe: '1h' },
      { id: 1, symbol: 'BTC,USD', assetClass: 'crypto' },
    ],
    fills: fills(),
    trades: [trip({}), trip({ instrument: 1, qty: -0.3, entryPrice: 64000.5, exitPrice: 63000, netPnl: -1.1, entryFees: 0.1, exitFees: 0.2 })],
    equity: [
      { timeNs: T0, equity: 100000, cash: 100000 },
      { timeNs: T0 + HOUR, equity: 100009.5, cash: 99000.25 },
    ],
    bars: [[{ timeNs: T0, open: 1, high: 2, low: 0.5, close: 1.5 }], []],
    totals: { startingCash: 100000, finalEquity: 100009.5, finalCash: 99000.25, fees: 1, slippage: 0.5, funding: 0, turnover: 0.01 },
    events: 2,
    startNs: T0,
    endNs: T0 + HOUR,
    fillsHash: '',
  };
}

const EXPECTED_FILLS =
  'time,instrument,side,quantity,price,fee,order_id\n' +
  '2024-04-16T01:00:00.000Z,ETHUSDT,buy,0.3,3082.25,0.924675,1\n' +
  '2024-04-16T01:00:00.000001500Z,"BTC,USD",sell,2,64000.5,-0.01,18446744073709551615\n' +
  '2024-04-16T02:00:00.000002Z,ETHUSDT,sell,1e-8,1e+21,0,3\n';

describe('fills.csv', () => {
  it('has exactly the columns and formats of the spec', () => {
    expect(fillsCsv(recording())).toBe(EXPECTED_FILLS);
  });

  it('prints quantity and price to 15 significant digits and the fee to 8 decimals: no binary float tails, nothing a user needs lost', () => {
    const tails: RecordedFill[] = [
      { timeNs: T0, instrument: 0, side: 'buy', quantity: 0.1 + 0.2, price: 107180.66000000001, fee: 3.0492500000000002, orderId: 1n, maker: false },
      { timeNs: T0, instrument: 0, side: 'sell', quantity: 0.00012345678912345, price: 0.000012345678901234, fee: 2.9656599999999997, orderId: 2n, maker: false },
      { timeNs: T0, instrument: 0, side: 'sell', quantity: 1, price: 3049.25, fee: 0.1 + 0.2 - 0.3, orderId: 3n, maker: false },
    ];
    const rows = fillsCsv(tails, recording().instruments).trim().split('\n').slice(1).map((row) => row.split(',').slice(3, 6));
    expect(rows).toEqual([
      ['0.3', '107180.66', '3.04925'],
      ['0.00012345678912345', '0.000012345678901234', '2.96566'],
      ['1', '3049.25', '0'],
    ]);
    rows.forEach((cells, i) => {
      expect(Math.abs(Number(cells[0]) - tails[i].quantity), `quantity of row ${i} within 15 significant digits`).toBeLessThanOrEqual(Math.abs(tails[i].quantity) * 1e-15);
      expect(Math.abs(Number(cells[1]) - tails[i].price), `price of row ${i} within 15 significant digits`).toBeLessThanOrEqual(Math.abs(tails[i].price) * 1e-15);
      expect(Math.abs(Number(cells[2]) - tails[i].fee), `fee of row ${i} within half of 1e-8`).toBeLessThanOrEqual(0.5e-8);
    });
  });

  it('hashes its bytes, stably', () => {
    const hash = fillsHash(recording());
    expect(hash, 'SHA-256 of the text').toBe(createHash('sha256').update(EXPECTED_FILLS).digest('hex'));
    expect(fillsHash(recording()), 'a second, equal recording').toBe(hash);
    expect(hash, 'pinned: a change of format changes every run hash').toBe('19a4843bfb34b2af37152d5540911afbe0f9040b7a7d933713cb290f4aa92fca');
    const changed = recording();
    expect(fillsHash({ ...changed, fills: changed.fills.map((f, i) => (i === 2 ? { ...f, fee: 1e-8 } : f)) }), 'any fill change (the smallest money step printed)').not.toBe(hash);
    expect(fillsHash({ ...changed, fills: changed.fills.map((f, i) => (i === 2 ? { ...f, price: 1.00000000000001e21 } : f)) }), 'a price change in the 15th digit').not.toBe(hash);
    expect(fillsHash({ fills: changed.fills, instruments: changed.instruments }), 'only the fills and symbols count').toBe(hash);
    expect(fillsHash(changed.fills, changed.instruments), 'the (fills, instruments) form').toBe(hash);
  });

  it('writes the header alone with no fill', () => {
    expect(fillsCsv({ fills: [], instruments: [] })).toBe('time,instrument,side,quantity,price,fee,order_id\n');
  });
});

describe('trades.csv and equity.csv', () => {
  it('writes one row per round trip with side from the sign and summed fees', () => {
    expect(tradesCsv(recording())).toBe(
      'entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,pnl,fees\n' +
        '2024-04-16T01:00:00.000Z,2024-04-16T02:00:00.000Z,ETHUSDT,long,1,100,110,9.5,0.5\n' +
        '2024-04-16T01:00:00.000Z,2024-04-16T02:00:00.000Z,"BTC,USD",short,0.3,64000.5,63000,-1.1,0.3\n',
    );
  });

  it('writes one row per equity point', () => {
    expect(equityCsv(recording())).toBe('time,equity,cash\n2024-04-16T01:00:00.000Z,100000,100000\n2024-04-16T02:00:00.000Z,100009.5,99000.25\n');
  });

  it('prints equity and cash to 8 decimals: no binary float tails, the last row is finalEquity rounded the same way', () => {
    const equity = [
      { timeNs: T0, equity: 107180.66000000001, cash: 0.1 + 0.2 },
      { timeNs: T0 + HOUR, equity: 99_999.123456789, cash: -40.153200000000005 },
    ];
    const finalEquity = equity[1].equity;
    const rows = equityCsv({ equity }).split('\n');
    expect(rows.slice(1)).toEqual(['2024-04-16T01:00:00.000Z,107180.66,0.3', '2024-04-16T02:00:00.000Z,99999.12345679,-40.1532', '']);
    expect(rows[2].split(',')[1], "the last row's equity is finalEquity at 8 decimals").toBe(csvMoney(finalEquity));
    expect(Math.abs(Number(rows[2].split(',')[1]) - finalEquity), 'within half a unit of the 8th decimal').toBeLessThanOrEqual(5e-9);
  });

  it('formats times at the precision they have', () => {
    expect(formatIsoNs(T0)).toBe('2024-04-16T01:00:00.000Z');
    expect(formatIsoNs(T0 + 7_000_000n)).toBe('2024-04-16T01:00:00.007Z');
    expect(formatIsoNs(T0 + 7_000n)).toBe('2024-04-16T01:00:00.000007Z');
    expect(formatIsoNs(T0 + 7n)).toBe('2024-04-16T01:00:00.000000007Z');
    expect(formatIsoNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });
});

describe('writeBacktestOutputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qf-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the five files, fills.csv byte for byte as fillsCsv', async () => {
    const out = join(dir, 'nested', 'run');
    const { files } = await writeBacktestOutputs(out, recording(), { title: 'CSV check', config: { seed: 7 } });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['report.json', 'fills.csv', 'trades.csv', 'equity.csv', 'report.html']);
    expect(readFileSync(join(out, 'fills.csv'), 'utf8')).toBe(EXPECTED_FILLS);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.fillsSha256).toBe(fillsHash(recording()));
    expect(report.title).toBe('CSV check');
    expect(report.config).toEqual({ seed: 7 });
    expect(report.period.start).toBe('2024-04-16T01:00:00.000Z');
    expect(report.account.profitFactor, 'JSON null, not Infinity').toBeCloseTo(9.5 / 1.1, 12);
    expect(Object.keys(report.byStrategy)).toEqual(['trend', '(none)']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html, 'no external script or stylesheet').not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('window.__chartsReady');
  });

  it('refuses a recording whose fillsHash is not the hash of its fills.csv', async () => {
    await expect(writeBacktestOutputs(join(dir, 'bad'), { ...recording(), fillsHash: 'f'.repeat(64) })).rejects.toThrow(
      `recording.fillsHash must be SHA-256 of fills.csv (fillsHash from engine/backtest/report), was ${'f'.repeat(64)}, fills.csv hashes to 19a4843b`,
    );
    await expect(writeBacktestOutputs(join(dir, 'good'), { ...recording(), fillsHash: fillsHash(recording()) })).resolves.toBeTruthy();
  });
});
