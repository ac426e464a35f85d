// Backtest benchmark: `quantflow backtest` on >= 1M real trade ticks against NautilusTrader on
// the same ticks, plus the rates of loading ticks from CSV, the LMDB store and QuestDB, and
// peak RSS as the range doubles.
//
// Workload: ../shared/data/crypto_trades/binance_spot_BTCUSDT_trades_*.csv (Binance spot trade
// prints with aggressor side), repeated and shifted in time (each copy starts 1 s after the
// previous one ends; trade ids stay unique) to reach --ticks (default 1,000,000).
//
// Variants, each timed the same way for both engines: over ticks already in memory.
//   quantflow none       the full pipeline with no orders: every tick through the inbound ring
//                        into the core (the risk mark, exits and the tick-mode simulated venue
//                        on every trade), 1-minute bars built in the core, EMA(10) and EMA(20)
//                        on them, and a rule strategy whose entry never holds (`ema:10 < 0`), the
//                        run recorded as `quantflow backtest` records it
//   quantflow ema-cross  runBacktest with config/examples/ema-cross.yaml's strategy on 1-minute
//                        bars built from the ticks (long while EMA(10) >= EMA(20), 0.01 BTC), the
//                        simulated venue in tick mode matching against the trades, and the run
//                        recorded (fills, round trips, equity per bar, bars) as `quantflow
//                        backtest` records it
//   nautilus none / ema-cross   NautilusTrader's low-level BacktestEngine (tools/peers/
//                        nautilus_ema_cross_bench.py): the same ticks as TradeTicks, no strategy /
//                        its EMACross example (10/20, 1-MINUTE-LAST-INTERNAL bars, 0.01 BTC)
// Timed region: QuantFlow, runBacktest's own clock from the first record published to the
// core reporting every record consumed (what `quantflow backtest` prints); left out: loading
// the ticks into memory, worker start-up and pipeline setup, the stop, and writing outputs.
// NautilusTrader: engine.run() alone, the TradeTicks built before it (the peer's own clock).
// Loading (separate rates): CSV via measureCsvLoad over a generated CSV of the repeated ticks;
// the LMDB store via measureStoreRead after importing them; QuestDB via measureQuestDbReplay
// after recording them with the ILP recorder into a server started for the bench (and stopped
// by its PID) — each a full pass over the rows, records built, nothing else.
// RSS: a child process runs the ema-cross backtest streaming N and then 2N ticks, from a CSV
// file and from the LMDB store, and reports its peak RSS (process.resourceUsage().maxRSS) and
// its peak anonymous RSS (RssAnon, sampled): the store is read through a memory map, whose
// file pages count in RSS while mapped though they are the kernel's page cache.
// Repetitions: --repeats (default 3) rounds of each variant after one warm-up run, medians;
// ratios QuantFlow / NautilusTrader in the same run. Goals: >= 3M events/s with no orders and
// >= 1M events/s with orders (more than 8x and 3.5x NautilusTrader), loading >= 1M ticks/s,
// QuestDB replay >= 1M rows/s, memory flat as the range grows.
//
// Options: --ticks N, --repeats R, --skip-nautilus, --skip-questdb, --skip-rss.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MemoryStream, runBacktest } from '../engine/backtest/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { openCsvStream, measureCsvLoad } from '../adapters/files/index.js';
import { importStream, measureStoreRead, MarketStore } from '../adapters/store/index.js';
import { QuestDbRecorder, measureQuestDbReplay } from '../adapters/questdb/index.js';
import { runNautilusBench, type NautilusBenchResult } from '../tools/peers/peers.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const TRADES_FILE = 'crypto_trades/binance_spot_BTCUSDT_trades_2024-08-08T2354_2024-08-09T0005.csv';
const GAP_NS = 1_000_000_000n;

interface Options {
  ticks: number;
  repeats: number;
  nautilus: boolean;
  questdb: boolean;
  rss: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { ticks: 1_000_000, repeats: 3, nautilus: true, questdb: true, rss: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--ticks') options.ticks = Number(args[++i]);
    else if (arg === '--repeats') options.repeats = Number(args[++i]);
    else if (arg === '--skip-nautilus') options.nautilus = false;
    else if (arg === '--skip-questdb') options.questdb = false;
    else if (arg === '--skip-rss') options.rss = false;
    else throw new Error(`backtest bench: unknown option ${JSON.stringify(arg)} (--ticks N, --repeats R, --skip-nautilus, --skip-questdb, --skip-rss)`);
  }
  if (!Number.isInteger(options.ticks) || options.ticks < 10_000) throw new Error(`--ticks must be an integer >= 10000, was ${options.ticks}`);
  if (!Number.isInteger(options.repeats) || options.repeats < 1) throw new Error(`--repeats must be an integer >= 1, was ${options.repeats}`);
  return options;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The bench's configuration: the EMA cross on 1-minute bars, or (`entry`) a rule that never holds. */
function benchConfigFile(dir: string, name: string, entry = 'ema:10 >= ema:20', exit = 'ema:10 < ema:20'): string {
  const file = join(dir, `${name}.yaml`);
  const text = [
    'strategies:',
    `  - { name: ${name}, type: rules, long: { entry: "${entry}", exit: "${exit}" }, size: { quantity: 0.01 } }`,
    'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
    'risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: crypto, lotSize: 0.00001 } }',
    'venue: { mode: ticks, costs: { makerFee: 0.001, takerFee: 0.001, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 } }',
  ].join('\n');
  writeFileSync(file, text);
  return file;
}

/** The trade file repeated `copies` times as CSV, shifted like MemoryStream.repeated (for the CSV load rate). */
async function writeRepeatedCsv(source: string, copies: number, target: string): Promise<number> {
  const lines: string[] = [];
  const reader = createInterface({ input: createReadStream(source), crlfDelay: Infinity });
  for await (const line of reader) lines.push(line);
  const header = lines[0].split(',');
  const col = (name: string): number => header.indexOf(name);
  const [tMs, eMs, rNs, id, utc] = [col('trade_time_ms'), col('event_time_ms'), col('local_recv_ns'), col('trade_id'), col('trade_time_utc')];
  const rows = lines.slice(1).filter((l) => l.length > 0).map((l) => l.split(','));
  const first = Number(rows[0][tMs]);
  const last = Number(rows[rows.length - 1][tMs]);
  const maxId = rows.reduce((m, r) => Math.max(m, Number(r[id])), 0);
  const shiftMs = last - first + Number(GAP_NS / 1_000_000n);
  const out = createWriteStream(target);
  out.write(`${lines[0]}\n`);
  let written = 0;
  for (let k = 0; k < copies; k++) {
    let chunk = '';
    for (const r of rows) {
      const cells = [...r];
      const ms = Number(r[tMs]) + k * shiftMs;
      cells[tMs] = String(ms);
      if (eMs >= 0 && cells[eMs] !== '') cells[eMs] = String(Number(r[eMs]) + k * shiftMs);
      if (rNs >= 0 && cells[rNs] !== '') cells[rNs] = String(BigInt(r[rNs]) + BigInt(k * shiftMs) * 1_000_000n);
      if (utc >= 0) cells[utc] = new Date(ms).toISOString();
      cells[id] = String(Number(r[id]) + k * (maxId + 1));
      chunk += `${cells.join(',')}\n`;
      written++;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return written;
}

interface EngineFigures {
  none: number[];
  emaCross: number[];
  emaCrossOrders: number;
  emaCrossFills: number;
}

async function runQuantFlow(ticks: MemoryStream, configFile: string, idleConfigFile: string, repeats: number): Promise<{ warmUp: { none: number; emaCross: number }; figures: EngineFigures }> {
  const config = loadConfig({ configFile, env: {} });
  const idle = loadConfig({ configFile: idleConfigFile, env: {} });
  const none = async (): Promise<number> => {
    const run = await runBacktest({ streams: [ticks], config: idle, equity: 100_000, barTimeframe: '1m' });
    if ((run.execution?.orders.sent ?? 0) !== 0) throw new Error('the no-strategy variant sent orders');
    return run.eventsPerSecond;
  };
  let orders = 0;
  let fills = 0;
  const cross = async (): Promise<number> => {
    const run = await runBacktest({ streams: [ticks], config, equity: 100_000, barTimeframe: '1m' });
    orders = run.execution?.orders.sent ?? 0;
    fills = run.recording.fills.length;
    return run.eventsPerSecond;
  };
  const warmUp = { none: await none(), emaCross: await cross() };
  const figures: EngineFigures = { none: [], emaCross: [], emaCrossOrders: 0, emaCrossFills: 0 };
  for (let r = 0; r < repeats; r++) {
    figures.none.push(await none());
    figures.emaCross.push(await cross());
  }
  figures.emaCrossOrders = orders;
  figures.emaCrossFills = fills;
  return { warmUp, figures };
}

async function questDbReplayRate(ticks: MemoryStream): Promise<{ rowsPerSecond: number; rows: number; recordRowsPerSecond: number; startMs: number } | { error: string }> {
  const serverTool = (await import(new URL('../../tools/questdb/questdb-server.mjs', import.meta.url).href)) as typeof import('../tools/questdb/questdb-server.mjs');
  let server;
  try {
    server = await serverTool.startQuestDb();
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
  try {
    const recorder = await QuestDbRecorder.connect({ host: server.host, httpPort: server.httpPort });
    const t0 = performance.now();
    for await (const block of ticks.blocks(0)) {
      if (!recorder.record(block.bytes.subarray(0, block.count * 64), [ticks.symbol])) await recorder.flush();
    }
    await recorder.close();
    const recordSeconds = (performance.now() - t0) / 1000;
    const url = `questdb://${server.host}:${server.httpPort}/trades?symbol=${ticks.symbol}`;
    await waitForRows(url, ticks.expectedRows);
    const measures = [];
    for (let r = 0; r < 3; r++) measures.push(await measureQuestDbReplay(url));
    return { rows: measures[0].rows, rowsPerSecond: median(measures.map((m) => m.rowsPerSecond)), recordRowsPerSecond: ticks.expectedRows / recordSeconds, startMs: server.startMs };
  } finally {
    await server.stop();
  }
}

/** Waits until QuestDB shows every recorded row (WAL tables apply asynchronously). */
async function waitForRows(url: string, rows: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const m = await measureQuestDbReplay(url);
    if (m.rows >= rows) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`QuestDB did not show ${rows} rows at ${url} within 60 s`);
}

interface RssFigures {
  readonly events: number;
  readonly maxRssMb: number;
  readonly maxRssAnonMb: number;
}

function rssOf(source: string, configFile: string): RssFigures {
  const worker = fileURLToPath(new URL('./workers/backtest-rss.js', import.meta.url));
  const result = spawnSync(process.execPath, [worker, source, configFile], { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) throw new Error(`backtest-rss worker exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as RssFigures;
}

async function run(options: BenchSuiteOptions): Promise<unknown> {
  const opts = parseOptions(options.args ?? []);
  const shared = join(packageRoot(), '..', 'shared', 'data', TRADES_FILE);
  if (!existsSync(shared)) throw new Error(`backtest bench needs the real trade ticks at ${shared} (../shared/data)`);
  const dir = mkdtempSync(join(tmpdir(), 'qf-bench-backtest-'));
  const log = (line: string): void => void (options.json ? process.stderr : process.stdout).write(`${line}\n`);
  try {
    const base = await MemoryStream.load(await openCsvStream(shared));
    const copies = Math.ceil(opts.ticks / base.expectedRows);
    const ticks = base.repeated(copies, GAP_NS);
    const configFile = benchConfigFile(dir, 'ema-cross');
    const idleConfigFile = benchConfigFile(dir, 'never', 'ema:10 < 0', 'ema:20 < 0');
    log(`backtest bench: ${ticks.expectedRows.toLocaleString('en-US')} BTCUSDT trade ticks (${base.expectedRows.toLocaleString('en-US')} real ticks x ${copies}), load average ${loadavg()[0].toFixed(2)}`);

    const quantflow = await runQuantFlow(ticks, configFile, idleConfigFile, opts.repeats);
    let nautilus: { none: NautilusBenchResult[]; emaCross: NautilusBenchResult[] } | { error: string } | undefined;
    if (opts.nautilus) {
      try {
        const none: NautilusBenchResult[] = [];
        const emaCross: NautilusBenchResult[] = [];
        for (let r = 0; r < opts.repeats; r++) {
          none.push(await runNautilusBench({ ticks: [shared], repeat: copies, mode: 'none' }));
          emaCross.push(await runNautilusBench({ ticks: [shared], repeat: copies, mode: 'ema-cross' }));
        }
        nautilus = { none, emaCross };
      } catch (error) {
        nautilus = { error: (error as Error).message.split('\n')[0] };
      }
    }

    const csvFile = join(dir, 'trades-repeated.csv');
    await writeRepeatedCsv(shared, copies, csvFile);
    const csvRates = [];
    for (let r = 0; r < opts.repeats; r++) csvRates.push((await measureCsvLoad(csvFile)).rowsPerSecond);
    const storeDir = join(dir, 'store');
    const store = MarketStore.open(storeDir, { create: true });
    await importStream(store, ticks.repeated(2, GAP_NS));
    store.close();
    const storeRates = [];
    for (let r = 0; r < opts.repeats; r++) storeRates.push((await measureStoreRead(storeDir, { symbol: ticks.symbol, kind: 'trades', to: lastTimeNs(ticks) + 1n })).rowsPerSecond);
    const questdb = opts.questdb ? await questDbReplayRate(ticks) : undefined;
    let rss: { csv: RssFigures[]; store: RssFigures[] } | undefined;
    if (opts.rss) {
      const csvDouble = join(dir, 'trades-repeated-x2.csv');
      await writeRepeatedCsv(shared, copies * 2, csvDouble);
      rss = {
        csv: [rssOf(csvFile, configFile), rssOf(csvDouble, configFile)],
        store: [rssOf(`store:${storeDir}?to=${lastTimeNs(ticks) + 1n}`, configFile), rssOf(`store:${storeDir}?to=${lastTimeNs(ticks.repeated(2, GAP_NS)) + 1n}`, configFile)],
      };
    }
    const qfNone = median(quantflow.figures.none);
    const qfCross = median(quantflow.figures.emaCross);
    const ntNone = nautilus && 'none' in nautilus ? median(nautilus.none.map((r) => r.ticksPerSecond)) : undefined;
    const ntCross = nautilus && 'none' in nautilus ? median(nautilus.emaCross.map((r) => r.ticksPerSecond)) : undefined;
    const result = {
      ticks: ticks.expectedRows,
      repeats: opts.repeats,
      loadAverage: loadavg()[0],
      quantflow: {
        noStrategyEventsPerSecond: qfNone,
        emaCrossEventsPerSecond: qfCross,
        warmUp: quantflow.warmUp,
        runs: quantflow.figures,
      },
      nautilus: nautilus && 'none' in nautilus
        ? { version: nautilus.none[0].version, noStrategyTicksPerSecond: ntNone, emaCrossTicksPerSecond: ntCross, emaCrossOrders: nautilus.emaCross[0].orders, peakRssMb: nautilus.emaCross[0].peakRssMb }
        : nautilus,
      ratios: ntNone && ntCross ? { noStrategy: qfNone / ntNone, emaCross: qfCross / ntCross } : undefined,
      loading: { csvRowsPerSecond: median(csvRates), storeRowsPerSecond: median(storeRates), questdb },
      rss,
      goals: {
        noStrategy3M: qfNone >= 3e6,
        emaCross1M: qfCross >= 1e6,
        noStrategy8xNautilus: ntNone ? qfNone / ntNone > 8 : null,
        emaCross3_5xNautilus: ntCross ? qfCross / ntCross > 3.5 : null,
        csvLoad1M: median(csvRates) >= 1e6,
        storeLoad1M: median(storeRates) >= 1e6,
        questdb1M: questdb && 'rowsPerSecond' in questdb ? questdb.rowsPerSecond >= 1e6 : null,
        // Flat: the anonymous peak at 2N ticks within 10% (+ 8 MB) of the peak at N.
        memoryFlat: rss ? [rss.csv, rss.store].every(([one, two]) => two.maxRssAnonMb <= one.maxRssAnonMb * 1.1 + 8) : null,
      },
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const m = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x / 1e6).toFixed(2)}M`);
      const mb = (f: RssFigures): string => `${f.maxRssMb.toFixed(0)} MB (anon ${f.maxRssAnonMb.toFixed(0)} MB)`;
      const rows: string[][] = [
        ['quantflow, no strategy', `${m(qfNone)} events/s`, ntNone ? `${(qfNone / ntNone).toFixed(1)}x nautilus` : ''],
        ['quantflow, ema-cross', `${m(qfCross)} events/s`, ntCross ? `${(qfCross / ntCross).toFixed(1)}x nautilus` : ''],
        ['nautilus, no strategy', ntNone ? `${m(ntNone)} ticks/s` : JSON.stringify(nautilus ?? 'skipped'), ''],
        ['nautilus, EMACross', ntCross ? `${m(ntCross)} ticks/s` : '', ''],
        ['load CSV', `${m(median(csvRates))} ticks/s`, ''],
        ['load LMDB store', `${m(median(storeRates))} ticks/s`, ''],
        ['QuestDB replay', questdb && 'rowsPerSecond' in questdb ? `${m(questdb.rowsPerSecond)} rows/s` : JSON.stringify(questdb ?? 'skipped'), questdb && 'recordRowsPerSecond' in questdb ? `(recorded at ${m(questdb.recordRowsPerSecond)} rows/s)` : ''],
        ['peak RSS, CSV source', rss ? `${mb(rss.csv[0])} (${(rss.csv[0].events / 1e6).toFixed(2)}M ticks) -> ${mb(rss.csv[1])} (${(rss.csv[1].events / 1e6).toFixed(2)}M)` : 'skipped', ''],
        ['peak RSS, LMDB source', rss ? `${mb(rss.store[0])} (${(rss.store[0].events / 1e6).toFixed(2)}M ticks) -> ${mb(rss.store[1])} (${(rss.store[1].events / 1e6).toFixed(2)}M)` : 'skipped', '(RSS counts the mapped LMDB pages read; anon = memory the process holds)'],
      ];
      for (const [name, value, ratio] of rows) log(`${name.padEnd(24)} ${value.padEnd(22)} ${ratio}`);
      log(`quantflow ema-cross: ${quantflow.figures.emaCrossOrders} orders, ${quantflow.figures.emaCrossFills} fills; warm-up runs ${m(quantflow.warmUp.none)} / ${m(quantflow.warmUp.emaCross)} events/s; load average ${loadavg()[0].toFixed(2)}`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lastTimeNs(stream: MemoryStream): bigint {
  return new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength).getBigInt64(stream.bytes.byteLength - 64 + 16, true);
}

export const backtestSuite: BenchSuite = {
  name: 'backtest',
  description: 'quantflow backtest on >= 1M real trade ticks vs NautilusTrader; CSV, LMDB and QuestDB load rates; peak RSS as the range doubles',
  run,
};
