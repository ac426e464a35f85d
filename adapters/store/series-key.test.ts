import { describe, expect, it } from 'vitest';
import { SEQUENCE_BASE, blockKey, compareKeys, decodeBlockKey, formatInterval, isoNs, keyAfter, seriesEndKey, seriesName, seriesStartKey } from './series-key.js';

describe('block keys', () => {
  it('order blocks by series, then signed first ts_local, then sequence', () => {
    const keys = [
      blockKey(1, -5n, SEQUENCE_BASE), blockKey(1, 0n, 0), blockKey(1, 0n, SEQUENCE_BASE), blockKey(1, 0n, SEQUENCE_BASE + 1),
      blockKey(1, 1_723_161_255_000_000_000n, SEQUENCE_BASE), blockKey(2, -(1n << 62n), SEQUENCE_BASE),
    ];
    const shuffled = [keys[4], keys[2], keys[5], keys[0], keys[3], keys[1]];
    expect(shuffled.sort(compareKeys).map((k) => k.toString('hex'))).toStrictEqual(keys.map((k) => k.toString('hex')));
    expect(compareKeys(seriesStartKey(1), keys[0])).toBeLessThan(0);
    expect(compareKeys(keys[4], seriesEndKey(1))).toBeLessThan(0);
    expect(compareKeys(seriesEndKey(1), keys[5])).toBeLessThan(0);
    expect(compareKeys(keys[1], keyAfter(keys[1]))).toBeLessThan(0);
    expect(compareKeys(keyAfter(keys[1]), keys[2])).toBeLessThan(0);
  });

  it('decode to what they encode', () => {
    expect(decodeBlockKey(blockKey(7, -123n, 42))).toStrictEqual({ seriesId: 7, firstTsLocal: -123n, sequence: 42 });
    expect(decodeBlockKey(blockKey(0xffff_fff0, 1_723_161_255_342_000_001n, SEQUENCE_BASE))).toStrictEqual({ seriesId: 0xffff_fff0, firstTsLocal: 1_723_161_255_342_000_001n, sequence: SEQUENCE_BASE });
  });
});

describe('series names and times', () => {
  it('name series and intervals as messages and labels do', () => {
    expect(seriesName({ symbol: 'BTCUSDT', kind: 'trades' })).toBe('BTCUSDT/trades');
    expect(seriesName({ symbol: 'ETHUSDT', kind: 'bars', intervalNs: 3_600_000_000_000n })).toBe('ETHUSDT/bars/1h');
    expect([60_000_000_000n, 86_400_000_000_000n, 1_500_000_000n, 7n].map(formatInterval)).toStrictEqual(['1m', '1d', '1500ms', '7ns']);
  });

  it('print ns times as ISO 8601 with the digits they need', () => {
    expect(isoNs(1_723_161_255_342_000_000n)).toBe('2024-08-08T23:54:15.342Z');
    expect(isoNs(1_723_161_255_342_500_000n)).toBe('2024-08-08T23:54:15.342500Z');
    expect(isoNs(1_723_161_254_087_896_568n)).toBe('2024-08-08T23:54:14.087896568Z');
    expect(isoNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });
});
