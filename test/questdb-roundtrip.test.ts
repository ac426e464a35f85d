// Records trades (the real Binance captures of ../shared/data/crypto_trades), quotes and bars
// through QuestDbRecorder into a real QuestDB (the run's shared server, test/questdb-global-
// setup.ts), waits until WAL has applied them, replays them through openQuestDbStream and
// compares the records byte for byte with what was recorded, after the stated time rule:
// QuestDB keeps µs, so ts_exchange and ts_local come back as floor(ns / 1000) * 1000.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQuestDbStream, questDbExec, QuestDbRecorder, QuestDbSchemaError, TABLE_SCHEMAS } from '../adapters/questdb/index.js';
import { EventKind, f64Bits, loadEventRecord, storeEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import type { MarketStream } from '../engine/replay/index.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const TRADES_DIR = join(import.meta.dirname, '..', '..', 'shared', 'data', 'crypto_trades');
const REPLAY = EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
const suffix = `${process.pid}_${Date.now() % 1_000_000}`;
const tables = { trades: `rt_trades_${suffix}`, quotes: `rt_quotes_${suffix}`, bars: `rt_bars_${suffix}` };

/** Trades of one capture: ts_exchange = trade time (ms), ts_local = local receive time (ns). */
function readTrades(file: string, instrument: number): EventRecord[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
  return lines.map((line) => {
    const c = line.split(',');
    const side = c[col.aggressor_side];
    return {
      kind: EventKind.TRADE | REPLAY,
      instrument,
      tsExchange: BigInt(c[col.trade_time_ms]) * 1_000_000n,
      tsLocal: BigInt(c[col.local_recv_ns]),
      price: Number(c[col.price]),
      size: Number(c[col.qty]),
      a: side === 'buy' ? 1 : side === 'sell' ? -1 : 0,
      b: 0,
      id: BigInt(c[col.trade_id]),
    };
  });
}

/** Quotes with sub-µs times and full-precision random doubles (the slow decimal path). */
function makeQuotes(count: number, instrument: number): EventRecord[] {
  let s = 7;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  let t = 1_723_161_255_000_000_123n;
  return Array.from({ length: count }, () => {
    t += BigInt(1 + Math.floor(rand() * 5_000_000));
    const bid = 61_800 + Math.round(rand() * 10_000) / 100;
    const ask = bid + 0.01 + Math.round(rand() * 100) / 100;
    return { kind: EventKind.QUOTE | REPLAY, instrument, tsExchange: t, tsLocal: t + 250_777n, price: (bid + ask) / 2, size: rand() * 3, a: bid, b: ask, id: f64Bits(rand() * 7) };
  });
}

/** Bars; every 7th from the 4th has an unknown volume (NaN: recorded as NULL) and the next a volume of 0 (traded nothing). */
function makeBars(count: number, instrument: number, intervalS: number, startS: number): EventRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const open = 100 + Math.sin(i / 10) * 5;
    const close = open + Math.cos(i / 7);
    const tsExchange = BigInt(startS + i * intervalS) * 1_000_000_000n;
    return {
      kind: EventKind.BAR | REPLAY, instrument, tsExchange, tsLocal: tsExchange + BigInt(intervalS) * 1_000_000_000n,
      price: close, size: i % 7 === 3 ? Number.NaN : i % 7 === 4 ? 0 : 1000 + i * 0.125, a: Math.max(open, close) + 0.5, b: Math.min(open, close) - 0.25, id: f64Bits(open),
    };
  });
}

function toBytes(records: readonly EventRecord[]): Uint8Array {
  const bytes = new Uint8Array(records.length * 64);
  const view = new DataView(bytes.buffer);
  records.forEach((r, i) => storeEventRecord(view, i * 64, r));
  return bytes;
}

const truncUs = (ns: bigint): bigint => (ns / 1000n) * 1000n;

async function replay(stream: MarketStream, instrument: number): Promise<{ bytes: Uint8Array; blocks: number }> {
  const parts: Uint8Array[] = [];
  let blocks = 0;
  for await (const block of stream.blocks(instrument)) {
    expect(block.bytes.length, 'a block is count * 64 bytes').toBe(block.count * 64);
    parts.push(block.bytes.slice()); // the source may reuse the block's bytes
    blocks++;
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, blocks };
}

function firstDifference(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) return `${actual.length / 64} records, expected ${expected.length / 64}`;
  for (let i = 0; i < actual.length; i += 64) {
    for (let k = 0; k < 64; k++) {
      if (actual[i + k] !== expected[i + k]) {
        const a = loadEventRecord(new DataView(actual.buffer, actual.byteOffset), i);
        const e = loadEventRecord(new DataView(expected.buffer, expected.byteOffset), i);
        return `record ${i / 64} differs at byte ${k}: ${JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v))} vs expected ${JSON.stringify(e, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`;
      }
    }
  }
  return 'equal';
}

function expectSameBytes(actual: Uint8Array, expected: readonly EventRecord[]): void {
  const want = toBytes(expected);
  const diff = firstDifference(actual, want);
  expect(diff, 'replayed records must equal the recorded ones byte for byte').toBe('equal');
}

async function waitForCount(table: string, where: string, count: number): Promise<void> {
  const base = `http://127.0.0.1:${qdb.available ? qdb.httpPort : 0}`;
  const deadline = Date.now() + 60_000;
  let seen = -1;
  while (Date.now() < deadline) {
    const result = await questDbExec(base, `select count() from ${table} where ${where}`);
    seen = Number(result.dataset[0][0]);
    if (seen === count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${table} where ${where}: WAL applied ${seen} rows within 60 s, expected ${count}`);
}

if (!qdb.available) {
  describe('QuestDB round trip', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  const url = (table: string, query: string): string => `questdb://127.0.0.1:${qdb.httpPort}/${table}?${query}`;
  const tradeFiles = existsSync(TRADES_DIR) ? readdirSync(TRADES_DIR).filter((f) => f.startsWith('binance_spot_') && f.endsWith('.csv')).sort() : [];
  const symbols = ['BTCUSDT', 'ETHUSDT', 'BTCUSDT_Q', 'BTC_BARS', 'ETH_BARS'];
  let trades: EventRecord[] = [];
  let quotes: EventRecord[] = [];
  let bars1m: EventRecord[] = [];
  let bars5m: EventRecord[] = [];

  describe('QuestDB round trip', () => {
    beforeAll(async () => {
      // BTCUSDT (instrument 0) and ETHUSDT (1) spot trades into one table, with other records mixed in.
      trades = tradeFiles.length >= 2 ? readTrades(join(TRADES_DIR, tradeFiles[0]), 0) : makeBars(0, 0, 60, 0);
      const eth = tradeFiles.length >= 2 ? readTrades(join(TRADES_DIR, tradeFiles[1]), 1) : [];
      quotes = makeQuotes(5000, 2);
      bars1m = makeBars(600, 3, 60, 1_723_161_600);
      bars5m = makeBars(120, 4, 300, 1_723_161_600);
      const recorder = await QuestDbRecorder.open({ httpPort: qdb.httpPort, tables, flushRows: 4000 });
      const all = [...trades, ...eth, ...quotes, ...bars1m, ...bars5m];
      const progress = { kind: EventKind.PROGRESS, instrument: -1, tsExchange: 0n, tsLocal: 0n, price: 0, size: 0, a: 0, b: 0, id: 0n };
      for (let i = 0; i < all.length; i += 3000) {
        if (!recorder.record(toBytes([...all.slice(i, i + 3000), progress]), symbols)) await recorder.flush();
      }
      await recorder.close();
      const stats = recorder.stats();
      expect(stats.recorded).toEqual({ trades: trades.length + eth.length, quotes: quotes.length, bars: bars1m.length + bars5m.length });
      expect(stats.skipped, 'non-market records are skipped').toBe(Math.ceil(all.length / 3000));
      expect(stats.written).toBe(all.length);
      await waitForCount(tables.trades, '1 = 1', trades.length + eth.length);
      await waitForCount(tables.quotes, '1 = 1', quotes.length);
      await waitForCount(tables.bars, '1 = 1', bars1m.length + bars5m.length);
    });

    afterAll(async () => {
      for (const table of Object.values(tables)) await questDbExec(`http://127.0.0.1:${qdb.httpPort}`, `drop table if exists ${table}`).catch(() => undefined);
    });

    it.skipIf(tradeFiles.length < 2)('replays real trades by exchange time, byte for byte (ts_local = ts)', async () => {
      const stream = await openQuestDbStream(url(tables.trades, 'symbol=BTCUSDT&kind=trades&block=1000'));
      expect(stream).toMatchObject({ symbol: 'BTCUSDT', kind: 'trades', expectedRows: trades.length, barIntervalNs: undefined });
      const { bytes, blocks } = await replay(stream, 0);
      expect(blocks).toBe(Math.ceil(trades.length / 1000));
      expectSameBytes(bytes, trades.map((t) => ({ ...t, tsLocal: t.tsExchange })));
    });

    it.skipIf(tradeFiles.length < 2)('replays real trades by receive time with sub-µs receive times truncated (local=recv_ts)', async () => {
      const stream = await openQuestDbStream(url(tables.trades, 'symbol=BTCUSDT&kind=trades&local=recv_ts'));
      const { bytes } = await replay(stream, 7);
      const expected = trades
        .map((t) => ({ ...t, instrument: 7, tsLocal: truncUs(t.tsLocal) }))
        .sort((x, y) => (x.tsLocal < y.tsLocal ? -1 : x.tsLocal > y.tsLocal ? 1 : x.tsExchange < y.tsExchange ? -1 : x.tsExchange > y.tsExchange ? 1 : 0));
      expect(trades.some((t) => t.tsLocal % 1000n !== 0n), 'the capture has sub-µs receive times').toBe(true);
      // Rows with equal (recv_ts, ts) may come in any order: compare after sorting ties by trade id.
      const view = new DataView(bytes.buffer);
      const got = Array.from({ length: bytes.length / 64 }, (_, i) => loadEventRecord(view, i * 64));
      for (let i = 1; i < got.length; i++) expect(got[i].tsLocal >= got[i - 1].tsLocal, `ts_local must not decrease at record ${i}`).toBe(true);
      const key = (r: EventRecord): string => `${r.tsLocal}:${r.tsExchange}:${String(r.id).padStart(20, '0')}`;
      expectSameBytes(toBytes([...got].sort((x, y) => key(x).localeCompare(key(y)))), [...expected].sort((x, y) => key(x).localeCompare(key(y))));
    });

    it('replays quotes (random full-precision doubles, sub-µs times truncated), mid recomputed as (bid + ask) / 2', async () => {
      const stream = await openQuestDbStream(url(tables.quotes, 'symbol=BTCUSDT_Q&kind=quotes&local=recv_ts&block=333'));
      const { bytes } = await replay(stream, 2);
      expectSameBytes(bytes, quotes.map((q) => ({ ...q, tsExchange: truncUs(q.tsExchange), tsLocal: truncUs(q.tsLocal) })));
    });

    it('replays bars with ts = bar open and ts_local = open + interval, finding the interval; an unknown volume (NaN) stays NaN and 0 stays 0', async () => {
      const stream = await openQuestDbStream(url(tables.bars, 'symbol=BTC_BARS&kind=bars'));
      expect(stream.barIntervalNs).toBe(60_000_000_000n);
      expectSameBytes((await replay(stream, 3)).bytes, bars1m);
      const five = await openQuestDbStream(url(tables.bars, 'symbol=ETH_BARS&kind=bars&interval_s=300'));
      expect(five.barIntervalNs).toBe(300_000_000_000n);
      expectSameBytes((await replay(five, 4)).bytes, bars5m);
    });

    it('filters on ts: from inclusive, to exclusive, ISO or ns, sub-µs bounds rounded up', async () => {
      const t0 = bars1m[100].tsExchange;
      const t1 = bars1m[200].tsExchange;
      const iso = new Date(Number(t0 / 1_000_000n)).toISOString();
      const inRange = await openQuestDbStream(url(tables.bars, `symbol=BTC_BARS&kind=bars&from=${iso}&to=${t1}`));
      expect(inRange.expectedRows).toBe(100);
      expectSameBytes((await replay(inRange, 3)).bytes, bars1m.slice(100, 200));
      const afterOneNs = await openQuestDbStream(url(tables.bars, `symbol=BTC_BARS&kind=bars&from=${t0 + 1n}&to=${t1 + 1n}`));
      expectSameBytes((await replay(afterOneNs, 3)).bytes, bars1m.slice(101, 201));
      const q = quotes[2500];
      const quoteSlice = await openQuestDbStream(url(tables.quotes, `symbol=BTCUSDT_Q&kind=quotes&from=${truncUs(q.tsExchange)}`));
      expect(quoteSlice.expectedRows).toBe(2500);
      const empty = await openQuestDbStream(url(tables.bars, `symbol=BTC_BARS&kind=bars&from=2030-01-01`));
      expect((await replay(empty, 3)).bytes.length).toBe(0);
    });

    it('creates absent tables with the documented schema and flushes on time without being asked', async () => {
      const own = { trades: `timer_trades_${suffix}`, quotes: `timer_quotes_${suffix}`, bars: `timer_bars_${suffix}` };
      const recorder = await QuestDbRecorder.open({ httpPort: qdb.httpPort, tables: own, flushRows: 1_000_000, flushIntervalMs: 100 });
      try {
        for (const kind of ['trades', 'quotes', 'bars'] as const) {
          const columns = await questDbExec(`http://127.0.0.1:${qdb.httpPort}`, `select "column", type, designated from table_columns('${own[kind]}')`);
          expect(columns.dataset.map((r) => `${r[0]} ${r[1]}${r[2] ? ' designated' : ''}`), kind).toEqual(
            TABLE_SCHEMAS[kind].columns.map((c) => `${c.name} ${c.types[0]}${c.name === 'ts' ? ' designated' : ''}`),
          );
        }
        recorder.record(toBytes(quotes.slice(0, 10)), symbols);
        await waitForCount(own.quotes, '1 = 1', 10);
        expect(recorder.stats().flushes, 'the timer flushed').toBeGreaterThanOrEqual(1);
      } finally {
        await recorder.close();
        for (const table of Object.values(own)) await questDbExec(`http://127.0.0.1:${qdb.httpPort}`, `drop table if exists ${table}`);
      }
    });

    it('refuses bars of several intervals for one symbol without interval_s', async () => {
      const recorder = await QuestDbRecorder.open({ httpPort: qdb.httpPort, tables });
      recorder.record(toBytes(makeBars(1, 3, 300, 1_700_000_000)), symbols);
      await recorder.close();
      await waitForCount(tables.bars, "symbol = 'BTC_BARS'", bars1m.length + 1);
      const error = await openQuestDbStream(url(tables.bars, 'symbol=BTC_BARS&kind=bars')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuestDbSchemaError);
      expect(error).toMatchObject({ table: tables.bars, column: 'interval_s' });
      expect((error as Error).message).toMatch(/several intervals \(60, 300 s\): choose one with interval_s=/);
    });
  });
}
