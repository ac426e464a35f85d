import { describe, expect, it } from 'vitest';
import { nsToUsCeil, parseQuestDbUrl, parseTimeBound } from './questdb-url.js';
import { QuestDbUrlError } from './questdb-errors.js';

const base = 'questdb://127.0.0.1:9000/trades?symbol=BTCUSDT&kind=trades';

function urlError(url: string): QuestDbUrlError {
  try {
    parseQuestDbUrl(url);
  } catch (error) {
    expect(error, `${url} must fail with a QuestDbUrlError`).toBeInstanceOf(QuestDbUrlError);
    return error as QuestDbUrlError;
  }
  throw new Error(`${url} parsed but must not`);
}

describe('parseQuestDbUrl', () => {
  it('reads host, port, table, symbol, kind and defaults', () => {
    const source = parseQuestDbUrl(base);
    expect(source).toMatchObject({ host: '127.0.0.1', port: 9000, httpBase: 'http://127.0.0.1:9000', table: 'trades', symbol: 'BTCUSDT', kind: 'trades', local: 'ts', blockRecords: 4096 });
    expect(source.fromUs).toBeUndefined();
    expect(parseQuestDbUrl('questdb://db.local/bars_1m?symbol=ETH-USD&kind=bars&interval_s=60').port).toBe(9000);
    expect(parseQuestDbUrl('questdb://db.local/quotes?symbol=ETH-USD').kind, 'a table named after its kind needs no kind=').toBe('quotes');
  });

  it('takes from/to as ISO or integer ns and rounds a sub-µs bound up to the next µs', () => {
    const source = parseQuestDbUrl(`${base}&from=2024-08-08T23:54:15.342Z&to=1723161255342000001`);
    expect(source.fromUs).toBe(1_723_161_255_342_000n);
    expect(source.toUs, 'to = ...342000001 ns: rows at µs < ...342001 are before it').toBe(1_723_161_255_342_001n);
    expect(parseQuestDbUrl(`${base}&from=2024-08-09`).fromUs).toBe(1_723_161_600_000_000n);
    expect(parseQuestDbUrl(`${base}&from=2024-08-09T01:00:00%2B01:00`).fromUs, 'an offset is applied').toBe(1_723_161_600_000_000n);
    expect(parseQuestDbUrl(`${base}&from=2024-08-08T23:54:15.123456789`).fromUs, 'no zone is UTC; 9 fraction digits').toBe(1_723_161_255_123_457n);
  });

  it('names the part, the value and the rule of a bad URL', () => {
    expect(urlError('postgres://h/t?symbol=A&kind=trades')).toMatchObject({ field: 'scheme', value: 'postgres' });
    expect(urlError('questdb://h/1table?symbol=A&kind=trades')).toMatchObject({ field: 'table', value: '1table' });
    expect(urlError('questdb://h/t?kind=trades')).toMatchObject({ field: 'symbol' });
    expect(urlError('questdb://h/ticks?symbol=A')).toMatchObject({ field: 'kind', value: '' });
    expect(urlError("questdb://h/t?symbol=A'--&kind=trades")).toMatchObject({ field: 'symbol', value: "A'--" });
    expect(urlError('questdb://h/t?symbol=A&kind=book')).toMatchObject({ field: 'kind', value: 'book' });
    expect(urlError(`${base}&from=yesterday`)).toMatchObject({ field: 'from', value: 'yesterday' });
    expect(urlError(`${base}&from=2024-02-30`)).toMatchObject({ field: 'from', rule: 'must be a valid date and time' });
    expect(urlError(`${base}&from=2024-08-09&to=2024-08-08`)).toMatchObject({ field: 'to' });
    expect(urlError(`${base}&local=exchange`)).toMatchObject({ field: 'local' });
    expect(urlError(`${base}&interval_s=60`)).toMatchObject({ field: 'interval_s', rule: 'applies to bars only' });
    expect(urlError('questdb://h/b?symbol=A&kind=bars&interval_s=0')).toMatchObject({ field: 'interval_s' });
    expect(urlError(`${base}&limit=5`)).toMatchObject({ field: 'limit' });
    expect(urlError(`${base}&block=0`)).toMatchObject({ field: 'block' });
    const error = urlError('questdb://h:70000/t?symbol=A&kind=trades');
    expect(error.message).toContain('questdb://h:70000/t');
  });
});

describe('time bounds', () => {
  it('rounds ns up to µs', () => {
    expect(nsToUsCeil(1000n)).toBe(1n);
    expect(nsToUsCeil(1001n)).toBe(2n);
    expect(nsToUsCeil(0n)).toBe(0n);
  });

  it('parses ISO 8601 to exact ns', () => {
    expect(parseTimeBound('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(parseTimeBound('2024-02-29T12:00:00Z')).toBe(1_709_208_000_000_000_000n);
    expect(typeof parseTimeBound('2023-02-29')).toBe('string');
  });
});
