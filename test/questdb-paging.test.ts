// A QuestDB replay reads its rows in pages and holds no export connection between them:
// - more QuestDB sources than the server's export connection limit play together (one export
//   held open per stream got HTTP 429 on the third source of a 2-connection server, the default
//   on 2 cores: a three-instrument backtest failed);
// - rows that share a time across a page boundary are neither lost nor repeated, in time order
//   (designated ts) and in arrival order (local=recv_ts).
// The limit suite starts its own server with http.export.connection.limit=2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuestDb, type QuestDbServer } from '../tools/questdb/questdb-server.mjs';
import { openQuestDbStream, questDbExec } from '../adapters/questdb/index.js';
import type { MarketStream } from '../engine/replay/index.js';
import { EV_TS_EXCHANGE, EV_TS_LOCAL } from '../engine/layout/event-record.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const ID_AT = 56;

/** Every record of a stream as [trade id, ts_exchange, ts_local]. */
async function readAll(stream: MarketStream): Promise<[bigint, bigint, bigint][]> {
  const rows: [bigint, bigint, bigint][] = [];
  for await (const block of stream.blocks(0)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    for (let i = 0; i < block.count; i++) rows.push([view.getBigUint64(i * 64 + ID_AT, true), view.getBigInt64(i * 64 + EV_TS_EXCHANGE, true), view.getBigInt64(i * 64 + EV_TS_LOCAL, true)]);
  }
  return rows;
}

async function waitForRows(base: string, table: string, rows: number): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const seen = Number((await questDbExec(base, `select count() from ${table}`)).dataset[0][0]);
    if (seen >= rows) return;
    await new Promise((resolve) => setTimeout(resolve, 100)); // WAL applies asynchronously
  }
  throw new Error(`${table}: rows did not arrive`);
}

if (!qdb.available) {
  describe('QuestDB replay in pages', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  describe('QuestDB replay in pages', () => {
    let server: QuestDbServer;
    let base: string;
    const table = 'paged_trades';

    beforeAll(async () => {
      server = await startQuestDb({ jar: qdb.jar, conf: ['http.export.connection.limit=2'] });
      base = `http://127.0.0.1:${server.httpPort}`;
      await questDbExec(base, `create table ${table} (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP, recv_ts TIMESTAMP) timestamp(ts) partition by day wal`);
      // 8 symbols x 50 trades; ts in groups of 3 equal times, recv_ts in groups of 2.
      await questDbExec(base, `insert into ${table} select 'S' || (x % 8), 100.0 + x, 1.0, 1, x, cast(1723161600000000 + (x / 24) * 1000000 as timestamp), cast(1723161600500000 + (x / 16) * 1000000 as timestamp) from long_sequence(400)`);
      await waitForRows(base, table, 400);
      // Three symbols of 100,000 trades: an export far larger than the socket buffers, so one held
      // open is still running on the server while the replay consumes.
      await questDbExec(base, `create table big_trades (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP) timestamp(ts) partition by day wal`);
      await questDbExec(base, `insert into big_trades select 'B' || (x % 3), 100.0 + x / 1000.0, 1.0, 1, x, timestamp_sequence('2024-08-08', 1000) from long_sequence(300000)`);
      await waitForRows(base, 'big_trades', 300_000);
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('plays more sources than the server has export connections, interleaved like the merger', async () => {
      const streams = await Promise.all(Array.from({ length: 3 }, (_, s) => openQuestDbStream(`questdb://127.0.0.1:${server.httpPort}/big_trades?symbol=B${s}&kind=trades`)));
      const iterators = streams.map((stream) => stream.blocks(0)[Symbol.asyncIterator]());
      const counts = streams.map(() => 0);
      try {
        // Each stream shows its first block before any is read on (StreamMerger.open), then round-robin.
        for (let live = iterators.length; live > 0; ) {
          live = 0;
          for (const [i, iterator] of iterators.entries()) {
            const next = await iterator.next();
            if (!next.done) {
              counts[i] += next.value.count;
              live++;
            }
          }
        }
      } finally {
        await Promise.all(iterators.map((iterator) => iterator.return?.()));
      }
      expect(counts).toEqual([100_000, 100_000, 100_000]);
    });

    it('neither loses nor repeats rows that share a time across a page boundary', async () => {
      const url = `questdb://127.0.0.1:${server.httpPort}/${table}?symbol=S1&kind=trades`;
      const whole = await readAll(await openQuestDbStream(url));
      expect(whole.map(([id]) => id)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(1 + i * 8)));
      for (const pageRows of [1, 2, 3, 7]) {
        expect(await readAll(await openQuestDbStream(url, { pageRows })), `pages of ${pageRows}`).toEqual(whole);
      }
    });

    it('pages in arrival order with local=recv_ts', async () => {
      const url = `questdb://127.0.0.1:${server.httpPort}/${table}?symbol=S3&kind=trades&local=recv_ts`;
      const whole = await readAll(await openQuestDbStream(url));
      expect(whole).toHaveLength(50);
      for (let i = 1; i < whole.length; i++) expect(whole[i][2] >= whole[i - 1][2]).toBe(true);
      // Rows tied on (recv_ts, ts) may come in any order from QuestDB: compare them as sets, in key order.
      const byId = (rows: [bigint, bigint, bigint][]): [bigint, bigint, bigint][] => [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      for (const pageRows of [1, 2, 5]) {
        const paged = await readAll(await openQuestDbStream(url, { pageRows }));
        expect(byId(paged), `pages of ${pageRows}`).toEqual(byId(whole));
        for (let i = 1; i < paged.length; i++) expect(paged[i][2] > paged[i - 1][2] || (paged[i][2] === paged[i - 1][2] && paged[i][1] >= paged[i - 1][1])).toBe(true);
      }
    });
  });
}
