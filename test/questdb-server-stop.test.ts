// A QuestDB server that stops under a replay or a recorder: both must fail with a clear error
// (what broke, where, how many rows got through), never hang or end early as if complete.
// This suite starts its own server (it kills it), so the shared one stays up for the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuestDb, type QuestDbServer } from '../tools/questdb/questdb-server.mjs';
import { openQuestDbStream, questDbExec, QuestDbQueryError, QuestDbRecorder, QuestDbRecorderError, QuestDbStreamError } from '../adapters/questdb/index.js';
import { EventKind, storeEventRecord } from '../engine/layout/event-record.js';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const ROWS = 3_000_000;

if (!qdb.available) {
  describe('QuestDB stopped mid-stream', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  describe('QuestDB stopped mid-stream', () => {
    let server: QuestDbServer;
    let recorder: QuestDbRecorder;
    const errors: QuestDbRecorderError[] = [];

    beforeAll(async () => {
      server = await startQuestDb({ jar: qdb.jar });
      const base = `http://127.0.0.1:${server.httpPort}`;
      await questDbExec(base, 'create table trades (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP) timestamp(ts) partition by day wal');
      // Rows made by the server itself: far more than the socket buffers hold.
      await questDbExec(base, `insert into trades select 'BTCUSDT', 60000 + x / 100.0, x / 1000.0, 1, x, timestamp_sequence('2024-08-08', 1000) from long_sequence(${ROWS})`);
      // A recorder opened while the server is up (it creates quotes and bars; trades exists).
      recorder = await QuestDbRecorder.open({ httpPort: server.httpPort, retryTimeoutMs: 200, onError: (e) => errors.push(e) });
      for (let seen = 0; seen < ROWS; ) {
        seen = Number((await questDbExec(base, 'select count() from trades')).dataset[0][0]);
        if (seen < ROWS) await new Promise((r) => setTimeout(r, 100));
      }
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('a replay fails with a QuestDbStreamError naming the URL and the rows read', async () => {
      const url = `questdb://127.0.0.1:${server.httpPort}/trades?symbol=BTCUSDT&kind=trades&block=1024`;
      const stream = await openQuestDbStream(url);
      expect(stream.expectedRows).toBe(ROWS);
      let rows = 0;
      let stopped: Promise<unknown> | undefined;
      const error = await (async () => {
        for await (const block of stream.blocks(0)) {
          rows += block.count;
          if (!stopped && rows >= 10_240) {
            process.kill(server.pid, 'SIGKILL');
            stopped = server.exited;
            await stopped;
          }
        }
      })().catch((e: unknown) => e);
      expect(stopped, 'the server was killed mid-stream').toBeDefined();
      expect(rows, 'the replay must not look complete').toBeLessThan(ROWS);
      expect(error).toBeInstanceOf(QuestDbStreamError);
      expect(error).toMatchObject({ url });
      expect((error as QuestDbStreamError).rows).toBeGreaterThanOrEqual(rows);
      expect((error as Error).message).toMatch(/replay stopped after \d+ rows: the connection to QuestDB at http:\/\/127\.0\.0\.1:\d+ broke \(.+\); is the server still running\?/);
    });

    it('opening a stream on the stopped server says it could not be reached', async () => {
      await server.exited;
      await expect(openQuestDbStream(`questdb://127.0.0.1:${server.httpPort}/trades?symbol=BTCUSDT&kind=trades`)).rejects.toBeInstanceOf(QuestDbQueryError);
    });

    it('a recorder to the stopped server reports the rows it could not write, by table', async () => {
      await server.exited;
      const opened = await QuestDbRecorder.open({ httpPort: server.httpPort }).catch((e: unknown) => e);
      expect(opened, 'a new recorder cannot create its tables').toBeInstanceOf(QuestDbQueryError);
      expect((opened as Error).message).toMatch(/could not be reached: ECONNREFUSED/);
      const bytes = new Uint8Array(64 * 5);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < 5; i++) {
        const quote = i < 2;
        storeEventRecord(view, i * 64, {
          kind: quote ? EventKind.QUOTE : EventKind.TRADE, instrument: 0, tsExchange: 1_723_161_255_000_000_000n, tsLocal: 1_723_161_255_000_000_000n,
          price: 1, size: 1, a: quote ? 1 : -1, b: 1, id: BigInt(i),
        });
      }
      recorder.record(bytes, ['BTCUSDT']);
      const error = await recorder.flush().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QuestDbRecorderError);
      expect(error).toMatchObject({ endpoint: `http://127.0.0.1:${server.httpPort}`, rowsByTable: { trades: 3, quotes: 2, bars: 0 } });
      expect((error as Error).message).toMatch(/QuestDB did not take 5 rows \(trades 3, quotes 2\)/);
      expect(errors).toHaveLength(1);
      await expect(recorder.close()).rejects.toBe(error);
    });
  });
}
