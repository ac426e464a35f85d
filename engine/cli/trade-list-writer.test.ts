// The replay's trade list (--trades): times before 1970 print as real ISO times.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TradeListWriter, tradeListTime } from './trade-list-writer.js';

describe('trade list times', () => {
  it('prints times after 1970 with 9 fraction digits', () => {
    expect(tradeListTime(1_713_229_200_050_000_000n)).toBe('2024-04-16T01:00:00.050000000Z');
    expect(tradeListTime(0n)).toBe('1970-01-01T00:00:00.000000000Z');
  });

  it('prints times before 1970 with the second floored and a fraction in 0..999,999,999', () => {
    // 1969-06-12T05:00:00.050Z: a bar close plus the venue's 50 ms
    const ns = BigInt(Date.UTC(1969, 5, 12, 5, 0, 0)) * 1_000_000n + 50_000_000n;
    expect(tradeListTime(ns)).toBe('1969-06-12T05:00:00.050000000Z');
    expect(tradeListTime(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(tradeListTime(-1_000_000_000n)).toBe('1969-12-31T23:59:59.000000000Z');
  });

  it('writes a round trip before 1970 with parseable times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trade-list-'));
    try {
      const path = join(dir, 'trades.csv');
      const writer = new TradeListWriter(path, ['OLD']);
      const entry = BigInt(Date.UTC(1969, 5, 12, 5)) * 1_000_000n + 50_000_000n;
      writer.write({
        instrument: 0, entryNs: entry, exitNs: entry + 3_600_000_000_000n, entryPrice: 100, qty: 2, exitPrice: 101,
        netPnl: 1.5, entryOrderId: 1n, exitOrderId: 2n, grossPnl: 2, entryFees: 0.25, exitFees: 0.25, rate: 1, entryRule: 0, exitRule: 0,
      });
      await writer.close();
      const row = readFileSync(path, 'utf8').trim().split('\n')[1].split(',');
      expect(row.slice(0, 2)).toEqual(['1969-06-12T05:00:00.050000000Z', '1969-06-12T06:00:00.050000000Z']);
      expect(Date.parse(row[0])).toBe(Number(entry / 1_000_000n));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes quantity and prices to 15 significant digits and money to 8 decimals (no float tails such as 0.30000000000000004)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trade-list-'));
    try {
      const path = join(dir, 'trades.csv');
      const writer = new TradeListWriter(path, ['ETHUSDT']);
      writer.write({
        instrument: 0, entryNs: 0n, exitNs: 3_600_000_000_000n, entryPrice: 107180.66000000001, qty: 0.1 + 0.2, exitPrice: 3049.25,
        netPnl: -113.28120999999996, entryOrderId: 1n, exitOrderId: 2n, grossPnl: -40.153200000000005, entryFees: 3.0492500000000002, exitFees: 0.1 + 0.2, rate: 1, entryRule: 0, exitRule: 1,
      });
      await writer.close();
      const row = readFileSync(path, 'utf8').trim().split('\n')[1].split(',');
      expect(row.slice(3, 11)).toEqual(['long', '0.3', '107180.66', '3049.25', '-40.1532', '3.04925', '0.3', '-113.28121']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
