// The same trades play alike from a CSV file, the LMDB store (imported from that file) and a
// QuestDB table (a real server):
// - a repeated trade id (a venue resending a trade after a reconnect) is dropped by each, and
//   counted under `duplicate trade id`; a QuestDB trade_id of 0 (the recorder's "no id", IB's
//   last-price ticks) is no id and every such row plays;
// - with receive times (the file's receive column, the store's ts_local, local=recv_ts), a
//   from/to window selects ticks by arrival time in the store and in QuestDB alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCsvStream } from '../adapters/files/index.js';
import { openQuestDbStream, questDbExec } from '../adapters/questdb/index.js';
import { openDataSources } from '../adapters/sources/index.js';
import { importStream } from '../adapters/store/index.js';
import { loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import type { MarketStream, StreamIssue } from '../engine/replay/index.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const dir = mkdtempSync(path.join(tmpdir(), 'qf-tick-parity-'));
const T_MS = 1_723_161_600_000; // 2024-08-09T00:00:00Z
const LAG_MS = 1_500; // each trade arrives 1.5 s after its time

/** [trade time ms, trade id, price, receive time ms]: ids 100..109 once a second, then 103 resent after a reconnect. */
const TRADES: [number, number, number, number][] = [];
for (let i = 0; i < 10; i++) {
  TRADES.push([T_MS + i * 1000, 100 + i, 100 + i, T_MS + i * 1000 + LAG_MS]);
  if (i === 4) TRADES.push([T_MS + 3000, 103, 103, T_MS + 4000 + LAG_MS + 100]);
}

/** What a record says, without its kind flags and instrument. */
type Played = Pick<EventRecord, 'tsExchange' | 'tsLocal' | 'price' | 'size' | 'a' | 'id'>;

async function played(stream: MarketStream): Promise<Played[]> {
  const out: Played[] = [];
  for await (const block of stream.blocks(0)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    for (let i = 0; i < block.count; i++) {
      const { tsExchange, tsLocal, price, size, a, id } = loadEventRecord(view, i * 64);
      out.push({ tsExchange, tsLocal, price, size, a, id });
    }
  }
  return out;
}

const countsOf = (issues: readonly StreamIssue[]) => issues.map(({ rule, count, action }) => ({ rule, count, action }));

if (!qdb.available) {
  describe('tick parity of CSV, store and QuestDB', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  describe('tick parity of CSV, store and QuestDB', () => {
    const table = `tick_parity_${process.pid}`;
    const base = `http://127.0.0.1:${qdb.httpPort}`;
    const csv = path.join(dir, 'PARUSDT_trades.csv');
    const storeDir = path.join(dir, 'store');
    const csvOptions = { symbol: 'PARUSDT', receiveTimeColumn: 'local_recv_ns' };

    beforeAll(async () => {
      const lines = TRADES.map(([t, id, price, recv]) => `${t},${id},${price},1,${id % 2 ? 'sell' : 'buy'},${BigInt(recv) * 1_000_000n}`);
      writeFileSync(csv, `trade_time_ms,trade_id,price,qty,aggressor_side,local_recv_ns\n${lines.join('\n')}\n`);
      await importStream(storeDir, await openCsvStream(csv, csvOptions));
      await questDbExec(base, `create table ${table} (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP, recv_ts TIMESTAMP) timestamp(ts) partition by day wal`);
      const values = TRADES.map(([t, id, price, recv]) => `('PARUSDT', ${price}, 1.0, ${id % 2 ? -1 : 1}, ${id}, cast(${t * 1000} as timestamp), cast(${recv * 1000} as timestamp))`);
      // IB-style trades without a venue id: trade_id 0, two alike at one time (both traded).
      values.push(`('NOIDS', 50.0, 2.0, 0, 0, cast(${T_MS * 1000} as timestamp), cast(${T_MS * 1000} as timestamp))`);
      values.push(`('NOIDS', 50.0, 2.0, 0, 0, cast(${T_MS * 1000} as timestamp), cast(${T_MS * 1000} as timestamp))`);
      values.push(`('NOIDS', 51.0, 1.0, 0, null, cast(${T_MS * 1000 + 1000} as timestamp), cast(${T_MS * 1000 + 1000} as timestamp))`);
      await questDbExec(base, `insert into ${table} values ${values.join(', ')}`);
      for (let attempt = 0; attempt < 300; attempt++) {
        if (Number((await questDbExec(base, `select count() from ${table}`)).dataset[0][0]) >= values.length) return;
        await new Promise((resolve) => setTimeout(resolve, 100)); // WAL applies asynchronously
      }
      throw new Error(`${table}: rows did not arrive`);
    }, 60_000);

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('drops a repeated trade id from a file, the store and QuestDB alike, and counts it', async () => {
      const file = await openCsvStream(csv, csvOptions);
      const fromFile = await played(file);
      expect(fromFile.map((r) => Number(r.id))).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      expect(countsOf(file.issues())).toEqual([{ rule: 'duplicate trade id', count: 1, action: 'dropped' }]);

      const [store] = await openDataSources([`store:${storeDir}?symbol=PARUSDT&kind=trades`], {});
      expect(await played(store)).toEqual(fromFile);

      for (const local of ['recv_ts', 'ts']) {
        const questdb = await openQuestDbStream(`questdb://127.0.0.1:${qdb.httpPort}/${table}?symbol=PARUSDT&kind=trades&local=${local}`);
        const rows = await played(questdb);
        expect(rows.map((r) => Number(r.id)), `local=${local}`).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
        if (local === 'recv_ts') expect(rows).toEqual(fromFile);
        expect(countsOf(questdb.issues()), `local=${local}`).toEqual([{ rule: 'duplicate trade id', count: 1, action: 'dropped' }]);
        expect(questdb.issues()[0].examples[0]).toContain('trade id 103');
      }
    });

    it('plays every QuestDB trade whose trade_id is 0 or NULL (no id)', async () => {
      const questdb = await openQuestDbStream(`questdb://127.0.0.1:${qdb.httpPort}/${table}?symbol=NOIDS&kind=trades`);
      expect((await played(questdb)).map((r) => [r.price, r.size])).toEqual([[50, 2], [50, 2], [51, 1]]);
      expect(questdb.issues()).toEqual([]);
    });

    it('selects the same ticks by arrival time from the store and from QuestDB with local=recv_ts', async () => {
      // Arrival in [2 s, 6 s): trades 101..104 (times 1..4 s); by trade time it would be 102..105.
      const window = `from=${new Date(T_MS + 2000).toISOString()}&to=${new Date(T_MS + 6000).toISOString()}`;
      const [store] = await openDataSources([`store:${storeDir}?symbol=PARUSDT&kind=trades&${window}`], {});
      const [questdb] = await openDataSources([`questdb://127.0.0.1:${qdb.httpPort}/${table}?symbol=PARUSDT&kind=trades&local=recv_ts&${window}`], {});
      const fromStore = await played(store);
      expect(fromStore.map((r) => Number(r.id))).toEqual([101, 102, 103, 104]);
      expect(await played(questdb)).toEqual(fromStore);
      expect(questdb.expectedRows, 'counted in the same window (the resent 103 arrived at 5.6 s)').toBe(5);
    });
  });
}
