// Errors against the run's shared QuestDB (test/questdb-global-setup.ts): a missing table, a
// missing or mistyped column, a refused row, bad records, and an address nothing listens on.
import { describe, expect, it } from 'vitest';
import { freePort } from '../tools/questdb/questdb-server.mjs';
import { openQuestDbStream, questDbExec, QuestDbQueryError, QuestDbRecorder, QuestDbRecorderError, QuestDbSchemaError, QuestDbUrlError } from '../adapters/questdb/index.js';
import { EventKind, storeEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const suffix = `${process.pid}_${Date.now() % 1_000_000}`;

const trade = (over: Partial<EventRecord> = {}): EventRecord => ({
  kind: EventKind.TRADE, instrument: 0, tsExchange: 1_723_161_255_000_000_000n, tsLocal: 1_723_161_255_000_000_000n, price: 1, size: 1, a: 1, b: 0, id: 1n, ...over,
});

function bytesOf(records: EventRecord[]): Uint8Array {
  const bytes = new Uint8Array(records.length * 64);
  records.forEach((r, i) => storeEventRecord(new DataView(bytes.buffer), i * 64, r));
  return bytes;
}

if (!qdb.available) {
  describe('QuestDB errors', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  const base = `http://127.0.0.1:${qdb.httpPort}`;
  const url = (table: string, query = 'symbol=BTCUSDT&kind=trades'): string => `questdb://127.0.0.1:${qdb.httpPort}/${table}?${query}`;

  describe('QuestDB errors', () => {
    it('names the URL and the table when the table does not exist', async () => {
      const target = url(`missing_${suffix}`);
      const error = await openQuestDbStream(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuestDbSchemaError);
      expect(error).toMatchObject({ url: target, table: `missing_${suffix}`, column: undefined });
      expect((error as Error).message).toContain('the table must exist');
    });

    it('names the column and the rule when a column is missing, mistyped or not designated', async () => {
      const noPrice = `no_price_${suffix}`;
      await questDbExec(base, `create table ${noPrice} (symbol SYMBOL, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP) timestamp(ts) partition by day wal`);
      await expect(openQuestDbStream(url(noPrice))).rejects.toMatchObject({ name: 'QuestDbSchemaError', table: noPrice, column: 'price' });
      const floatPrice = `float_price_${suffix}`;
      await questDbExec(base, `create table ${floatPrice} (symbol SYMBOL, price FLOAT, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP) timestamp(ts) partition by day wal`);
      await expect(openQuestDbStream(url(floatPrice))).rejects.toThrow(`table \`${floatPrice}\`, column \`price\`: must be of type DOUBLE, is FLOAT`);
      const plain = `plain_${suffix}`;
      await questDbExec(base, `create table ${plain} (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP)`);
      await expect(openQuestDbStream(url(plain))).rejects.toMatchObject({ column: 'ts', message: expect.stringMatching(/designated timestamp/) });
      await expect(openQuestDbStream(url(noPrice.replace('no_price', 'float_price'), 'symbol=BTCUSDT&kind=quotes'))).rejects.toMatchObject({ column: 'bid' });
      await expect(openQuestDbStream(url(floatPrice, 'symbol=BTCUSDT&kind=trades&local=recv_ts'))).rejects.toBeInstanceOf(QuestDbSchemaError);
    });

    it('refuses a row the CSV reader would refuse (size-0 trade, NULL or negative price, bad side, inconsistent or repeated bar), naming its time, column, value and rule', async () => {
      const trades = `bad_rows_${suffix}`;
      await questDbExec(base, `create table ${trades} (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP) timestamp(ts) partition by day wal`);
      const bars = `bad_bars_${suffix}`;
      await questDbExec(base, `create table ${bars} (symbol SYMBOL, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, interval_s INT, ts TIMESTAMP) timestamp(ts) partition by day wal`);
      const good = "('GOOD', 100.0, 1.0, 1, 1, '2024-08-08T23:54:15.342000Z')";
      const tradeCases: [string, string, string][] = [
        ["('ZERO', 1000000000.0, 0.0, 1, 2, '2024-08-08T23:54:16.000000Z')", 'size', '`size` must be > 0 (nothing traded, yet a built bar would take its price as its high, low or close), was 0 (rule size-positive)'],
        ["('NULLPX', NULL, 1.0, -1, 3, '2024-08-08T23:54:17.000000Z')", 'price', '`price` must be a number, not NULL, was NaN (rule nan)'],
        ["('NEGPX', -5.0, 1.0, 1, 4, '2024-08-08T23:54:18.000000Z')", 'price', '`price` must be > 0, was -5 (rule price-positive)'],
        ["('SIDE', 101.0, 1.0, 5, 5, '2024-08-08T23:54:19.250000Z')", 'side', '`side` must be 1 (buyer), -1 (seller) or 0 (unknown), was 5 (rule side-invalid)'],
      ];
      const symbolOf = (row: string): string => /'([A-Z]+)'/.exec(row)![1];
      // GOOD: two good rows (two trade ids: a repeated one is dropped); each other symbol: a good row, then its bad one.
      const rows = [good, good.replace('1, 1, ', '1, 6, ').replace('15.342', '20.000'), ...tradeCases.flatMap(([row]) => [good.replace('GOOD', symbolOf(row)), row])];
      await questDbExec(base, `insert into ${trades} values ${rows.join(', ')}`);
      const badBars: [string, string][] = [
        ["('HILO', 10.0, 9.0, 9.5, 9.8, 100.0, 60, '2024-08-08T00:01:00.000000Z')", '`high` must be >= `low` 9.5, was 9 (rule high-below-low)'],
        ["('TWICE', 10.0, 10.0, 10.0, 10.0, 1.0, 60, '2024-08-08T00:01:00.000000Z')", '`ts` must differ from the previous bar\'s (one bar per open time), was 1723075260000000 (rule time-duplicate)'],
      ];
      await questDbExec(base, `insert into ${bars} values ('HILO', 10.0, 11.0, 9.0, 10.5, 100.0, 60, '2024-08-08T00:00:00.000000Z'), ${badBars.map(([row]) => row).join(', ')}, ('TWICE', 10.0, 10.0, 10.0, 10.0, 1.0, 60, '2024-08-08T00:01:00.000000Z')`);
      const count = async (table: string): Promise<number> => Number((await questDbExec(base, `select count() from ${table}`)).dataset[0][0]);
      for (let attempt = 0; ((await count(trades)) < 10 || (await count(bars)) < 3) && attempt < 300; attempt++) await new Promise((r) => setTimeout(r, 100)); // WAL applies asynchronously
      const played = async (target: string): Promise<unknown> => {
        const stream = await openQuestDbStream(target);
        let rows = 0;
        for await (const block of stream.blocks(0)) rows += block.count;
        return rows;
      };
      expect(await played(url(trades, 'symbol=GOOD&kind=trades')), 'good rows play').toBe(2);
      for (const [row, field, detail] of tradeCases) {
        const symbol = symbolOf(row);
        const at = /'(2024[^']+)'/.exec(row)![1];
        const error = await played(url(trades, `symbol=${symbol}&kind=trades`)).catch((e: unknown) => e);
        expect(error, `${symbol}: refused, not played`).toMatchObject({ name: 'QuestDbStreamError' });
        expect((error as Error).message, field).toContain(`table ${trades}: the row at ts ${at}: ${detail}`);
      }
      for (const [row, detail] of badBars) {
        const symbol = symbolOf(row);
        const error = await played(url(bars, `symbol=${symbol}&kind=bars`)).catch((e: unknown) => e);
        expect(error, `${symbol}: refused, not played`).toMatchObject({ name: 'QuestDbStreamError' });
        expect((error as Error).message).toContain(`the row at ts 2024-08-08T00:01:00.000000Z: ${detail}`);
      }
    });

    it('refuses a bad URL before any query', async () => {
      await expect(openQuestDbStream(`questdb://127.0.0.1:${qdb.httpPort}/ticks?symbol=BTCUSDT`)).rejects.toBeInstanceOf(QuestDbUrlError);
    });

    it('says QuestDB could not be reached when nothing listens', async () => {
      const port = await freePort();
      const error = await openQuestDbStream(`questdb://127.0.0.1:${port}/trades?symbol=BTCUSDT&kind=trades`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuestDbQueryError);
      expect((error as Error).message).toMatch(new RegExp(`questdb://127.0.0.1:${port}/trades.*QuestDB could not be reached: ECONNREFUSED`));
    });

    it('reports rows the server refuses with the table and the row count', async () => {
      // A trades table whose price is a TIMESTAMP: ILP doubles cannot go there.
      const table = `refusing_${suffix}`;
      await questDbExec(base, `create table ${table} (symbol SYMBOL, price TIMESTAMP, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP, recv_ts TIMESTAMP) timestamp(ts) partition by day wal`);
      const errors: QuestDbRecorderError[] = [];
      const recorder = await QuestDbRecorder.open({ httpPort: qdb.httpPort, tables: { trades: table, quotes: `q_${suffix}`, bars: `b_${suffix}` }, retryTimeoutMs: 0, onError: (e) => errors.push(e) });
      recorder.record(bytesOf([trade(), trade({ id: 2n }), trade({ id: 3n })]), ['BTCUSDT']);
      const error = await recorder.flush().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuestDbRecorderError);
      expect(error).toMatchObject({ rowsByTable: { [table]: 3 }, rows: 3 });
      expect((error as Error).message).toMatch(new RegExp(`QuestDB did not take 3 rows \\(${table} 3\\)`));
      expect(errors, 'onError hears of it once').toHaveLength(1);
      expect(() => recorder.record(bytesOf([trade()]), ['BTCUSDT']), 'a failed recorder takes no more rows').toThrow(QuestDbRecorderError);
      await expect(recorder.close()).rejects.toBe(error);
    });

    it('refuses bad records before buffering any of the call', async () => {
      const recorder = await QuestDbRecorder.open({ httpPort: qdb.httpPort, tables: { trades: `t_${suffix}`, quotes: `q_${suffix}`, bars: `b_${suffix}` } });
      expect(() => recorder.record(bytesOf([trade(), trade({ instrument: 5 })]), ['BTCUSDT'])).toThrow('record 1: instrument 5 must have a symbol (symbols has 1)');
      expect(() => recorder.record(bytesOf([trade({ a: 0.5 })]), ['BTCUSDT'])).toThrow(/side \(a\) must be \+1, -1 or 0, was 0.5/);
      expect(() => recorder.record(bytesOf([trade({ id: 1n << 60n })]), ['BTCUSDT'])).toThrow(/trade id must be below 2\^53/);
      const bar = trade({ kind: EventKind.BAR, tsLocal: 1_723_161_255_500_000_000n });
      expect(() => recorder.record(bytesOf([bar]), ['BTCUSDT'])).toThrow(/interval\) must be a whole number of seconds >= 1, was 500000000 ns/);
      expect(() => recorder.record(new Uint8Array(65), ['BTCUSDT'])).toThrow(/whole number of 64-byte records/);
      expect(recorder.stats().recorded).toEqual({ trades: 0, quotes: 0, bars: 0 });
      await recorder.close();
    });
  });
}
