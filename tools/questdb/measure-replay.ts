// Measures QuestDB as a tick store on this machine: recorder (ILP) ingest rates over HTTP and
// TCP, and replay (read + decode into 64-byte event records) rates of each read method.
//
//   npx tsx tools/questdb/measure-replay.ts [--rows 2000000] [--methods csv,postgres,parquet] [--json]
//
// It starts its own QuestDB (tools/questdb/questdb-server.mjs) in a temp dir, records `rows`
// generated BTCUSDT-like trades (2-decimal prices, 5-decimal sizes; 10 batches of 10k records
// made up front and recorded over and over) through QuestDbRecorder over HTTP into `trades`
// and over TCP into `trades_tcp`, and waits until WAL has applied them. For the replay it
// fills `replay_src` on the server (INSERT ... long_sequence: `rows` unique trades, prices
// 60000 + k/100, sizes k/100000, 1 ms apart) and replays it ordered by ts with each method:
//
// - csv:      openQuestDbStream (HTTP /exp CSV, streamed, decoded from bytes): what the adapter uses;
// - postgres: `postgres` npm package, `.cursor(10000)` inside `sql.begin` over PGWire, rows
//             written into records the same way;
// - parquet:  `/exp?fmt=parquet` (QuestDB 9.3), whole file downloaded then decoded by
//             `hyparquet` + `hyparquet-compressors`, rows written into records.
//
// postgres and hyparquet are not project dependencies: install them anywhere and point
// QDB_PEERS at that folder (`npm install --prefix /tmp/qdb-peers postgres@4.2.0 hyparquet
// hyparquet-compressors`); a method whose package is missing is reported as skipped.
// Timed region: from the query to the last record written (server start, ingest and table
// checks are outside it). RSS is the process's after the method ran (each method runs once,
// after a warm-up replay of the first 100k rows).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startQuestDb } from './questdb-server.mjs';
import { QuestDbRecorder, measureQuestDbReplay, questDbExec } from '../../adapters/questdb/index.js';
import { EventKind } from '../../engine/layout/event-record.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const rows = Number(option('rows', '2000000'));
const methods = option('methods', 'csv,postgres,parquet').split(',');
const json = args.includes('--json');
const log = (line: string): void => {
  if (!json) console.log(line);
};

async function peerImport(name: string): Promise<any> {
  const dir = process.env.QDB_PEERS;
  if (!dir) return undefined;
  try {
    const path = createRequire(join(dir, 'package.json')).resolve(name);
    return await import(path);
  } catch {
    return undefined;
  }
}

function tradeRecords(count: number, startNs: bigint, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * 64);
  const view = new DataView(bytes.buffer);
  let price = 61_837.63;
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const at = i * 64;
    price = Math.round((price + (rand() - 0.5) * 2) * 100) / 100;
    const ts = startNs + BigInt(i) * 1_000_000n;
    view.setInt32(at, EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND, true);
    view.setInt32(at + 4, 0, true);
    view.setBigInt64(at + 8, ts, true);
    view.setBigInt64(at + 16, ts, true);
    view.setFloat64(at + 24, price, true);
    view.setFloat64(at + 32, Math.round(rand() * 1e5) / 1e5, true);
    view.setFloat64(at + 40, rand() < 0.5 ? 1 : -1, true);
    view.setBigUint64(at + 56, BigInt(3_735_683_259 + i), true);
  }
  return bytes;
}

async function waitForRows(base: string, table: string, count: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const result = await questDbExec(base, `select count() from ${table}`);
    if (Number(result.dataset[0][0]) >= count) return (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function record(protocol: 'http' | 'tcp', table: string, server: { httpPort: number; ilpTcpPort: number }): Promise<number> {
  const recorder = await QuestDbRecorder.open({ retryTimeoutMs: 60_000, httpPort: server.httpPort, ilpTcpPort: server.ilpTcpPort, protocol, tables: { trades: table, quotes: `quotes_${protocol}`, bars: `bars_${protocol}` } });
  const chunk = 10_000;
  // Records are generated up front (outside the timed region): 10 batches, reused.
  const batches = Array.from({ length: Math.min(10, Math.ceil(rows / chunk)) }, (_, b) => tradeRecords(chunk, 1_723_161_255_000_000_000n + BigInt(b * chunk) * 1_000_000n, b + 1));
  const started = performance.now();
  for (let done = 0; done < rows; done += chunk) {
    const n = Math.min(chunk, rows - done);
    if (!recorder.record(batches[(done / chunk) % batches.length], ['BTCUSDT'])) await recorder.flush();
  }
  await recorder.close();
  return (performance.now() - started) / 1000;
}

const rss = (): number => Math.round(process.memoryUsage().rss / 1048576);

async function replayPostgres(pgPort: number): Promise<{ rows: number; seconds: number } | undefined> {
  const module = await peerImport('postgres');
  const postgres = module?.default ?? module;
  if (!postgres) return undefined;
  const sql = postgres({ host: '127.0.0.1', port: pgPort, user: 'admin', password: 'quest', database: 'qdb', max: 1 });
  const block = new ArrayBuffer(4096 * 64);
  const f64 = new Float64Array(block);
  const u32 = new Uint32Array(block);
  let n = 0;
  const started = performance.now();
  await sql.begin(async (tx: any) => {
    await tx
      .unsafe(`select price, size, side, trade_id, ts::long ts_us from replay_src where symbol = 'BTCUSDT' order by ts`)
      .cursor(10_000, (batch: any[]) => {
        for (const row of batch) {
          const r = (n++ & 4095) * 8;
          f64[r + 3] = row.price;
          f64[r + 4] = row.size;
          f64[r + 5] = row.side;
          const us = Number(row.ts_us);
          u32[r * 2 + 2] = us % 4294967296;
          f64[r + 7] = Number(row.trade_id);
        }
      });
  });
  const seconds = (performance.now() - started) / 1000;
  await sql.end();
  return { rows: n, seconds };
}

async function replayParquet(httpPort: number): Promise<{ rows: number; seconds: number; bytes: number; downloadSeconds: number } | undefined> {
  const hyparquet = await peerImport('hyparquet');
  const compressors = await peerImport('hyparquet-compressors');
  if (!hyparquet || !compressors) return undefined;
  const started = performance.now();
  const query = `select price, size, side, trade_id, ts::long ts_us from replay_src where symbol = 'BTCUSDT' order by ts`;
  const response = await fetch(`http://127.0.0.1:${httpPort}/exp?fmt=parquet&query=${encodeURIComponent(query)}`);
  const file = await response.arrayBuffer();
  const downloadSeconds = (performance.now() - started) / 1000;
  const block = new ArrayBuffer(4096 * 64);
  const f64 = new Float64Array(block);
  let n = 0;
  await hyparquet.parquetRead({
    file,
    compressors: compressors.compressors,
    onChunk: (chunk: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number }) => {
      // columns arrive one by one per row group: write each column's values into records
      const data = chunk.columnData;
      const slot = ({ price: 3, size: 4, side: 5, trade_id: 7, ts_us: 2 } as Record<string, number>)[chunk.columnName];
      for (let i = 0; i < data.length; i++) f64[((chunk.rowStart + i) & 4095) * 8 + slot] = Number(data[i]);
      if (chunk.columnName === 'price') n += data.length;
    },
  });
  return { rows: n, seconds: (performance.now() - started) / 1000, bytes: file.byteLength, downloadSeconds };
}

const server = await startQuestDb({ heap: '1g' });
log(`QuestDB started in ${server.startMs} ms (pid ${server.pid}, http ${server.httpPort}, pg ${server.pgPort}, ilp ${server.ilpTcpPort})`);
const results: Record<string, unknown> = { rows, startMs: server.startMs };
try {
  const base = `http://127.0.0.1:${server.httpPort}`;
  const httpSeconds = await record('http', 'trades', server);
  const applyHttp = await waitForRows(base, 'trades', rows);
  log(`recorder HTTP: ${rows} rows in ${httpSeconds.toFixed(2)} s = ${Math.round(rows / httpSeconds)} rows/s (+${applyHttp.toFixed(2)} s until visible)`);
  results.recorder = { http: { seconds: httpSeconds, rowsPerSecond: rows / httpSeconds, applySeconds: applyHttp } };
  try {
    const tcpSeconds = await record('tcp', 'trades_tcp', server);
    const applyTcp = await waitForRows(base, 'trades_tcp', rows);
    log(`recorder TCP:  ${rows} rows in ${tcpSeconds.toFixed(2)} s = ${Math.round(rows / tcpSeconds)} rows/s (+${applyTcp.toFixed(2)} s until visible)`);
    Object.assign(results.recorder as object, { tcp: { seconds: tcpSeconds, rowsPerSecond: rows / tcpSeconds, applySeconds: applyTcp } });
  } catch (error) {
    log(`recorder TCP failed: ${(error as Error).message}`);
    Object.assign(results.recorder as object, { tcp: { error: (error as Error).message } });
  }

  await questDbExec(base, 'create table replay_src (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP, recv_ts TIMESTAMP) timestamp(ts) partition by day wal');
  await questDbExec(
    base,
    `insert into replay_src select 'BTCUSDT', 60000 + rnd_int(0, 100000, 0) / 100.0, rnd_int(1, 200000, 0) / 100000.0, cast(rnd_int(0, 1, 0) * 2 - 1 as byte), 3735683259 + x, timestamp_sequence('2024-08-08', 1000), timestamp_sequence('2024-08-08', 1000) from long_sequence(${rows})`,
  );
  await waitForRows(base, 'replay_src', rows);
  const url = `questdb://127.0.0.1:${server.httpPort}/replay_src?symbol=BTCUSDT&kind=trades`;
  await measureQuestDbReplay(`${url}&to=2024-08-08T00:01:40Z`); // warm-up: 100k rows
  const replay: Record<string, unknown> = {};
  for (const method of methods) {
    if (method === 'csv') {
      const r = await measureQuestDbReplay(url);
      replay.csv = { ...r, rssMb: rss() };
      log(`replay csv (openQuestDbStream): ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(r.rowsPerSecond)} rows/s, RSS ${rss()} MB`);
    } else if (method === 'postgres') {
      const r = await replayPostgres(server.pgPort);
      if (!r) log('replay postgres: skipped (set QDB_PEERS to a folder with postgres installed)');
      else {
        replay.postgres = { ...r, rowsPerSecond: r.rows / r.seconds, rssMb: rss() };
        log(`replay postgres cursor(10000): ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(r.rows / r.seconds)} rows/s, RSS ${rss()} MB`);
      }
    } else if (method === 'parquet') {
      const r = await replayParquet(server.httpPort);
      if (!r) log('replay parquet: skipped (set QDB_PEERS to a folder with hyparquet and hyparquet-compressors installed)');
      else {
        replay.parquet = { ...r, rowsPerSecond: r.rows / r.seconds, rssMb: rss() };
        log(`replay parquet (download ${(r.bytes / 1048576).toFixed(1)} MB in ${r.downloadSeconds.toFixed(2)} s, then hyparquet): ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(r.rows / r.seconds)} rows/s, RSS ${rss()} MB`);
      }
    }
  }
  results.replay = replay;
} finally {
  const stopped = await server.stop();
  results.stop = stopped;
  log(`QuestDB stopped by ${stopped.signal} in ${stopped.ms} ms`);
}
if (json) console.log(JSON.stringify(results, null, 2));
