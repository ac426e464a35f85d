// Adapters benchmark: the live venue adapters on the I/O thread, per message, against the local
// simulators that speak the venues' wire protocols (test/venues/binance-sim, test/venues/tws-sim),
// in this process, on 127.0.0.1 (ephemeral ports).
//
//   inbound   venue socket --'data'--> [t0]  ws + ccxt pro handleMessage (binance) | @stoqey/ib
//             decoder (IB) --> adapter normalisation --> record listener: Journal.append(inbound)
//             --> inbound ring claim/write/publish [t1]                        timed: t1 - t0
//   outbound  ORDER record read from the outbound ring [t0] --> decode --> Journal.append(submit)
//             --> commit() [tj] --> adapter.submit --> ccxt createOrder (sign, request queue,
//             HTTP request) | @stoqey/ib placeOrder --> socket.write returned [t1]
//             timed: t1 - t0 (wire), tj - t0 (journal part), t1 - tj (adapter part)
//
// Streams, per venue: trades (Binance @trade -> watchTrades; IB LAST tick), bars (Binance
// @kline_1m -> watchOHLCV, a BAR per new kline; IB 5 s real-time bar, each a BAR record: a
// session's 1m timeframe folds 12 of them into one through the same code), quotes (IB BID/ASK ticks;
// not Binance: ccxt's watchTicker subscribes <sym>@miniTicker, which carries no bid/ask, so the
// adapter's `ticker` channel emits no QUOTE and the simulator does not serve it), order events (a resting limit order filled by a print (Binance) or
// an ask at its limit (IB): Binance executionReport on the user data stream; IB orderStatus + execDetails + commissionReport) ->
// the FILL record. The t0 of a message is the first 'data' event of a venue socket after the
// simulator was told to send it; t1 is the first record of the stream's kind published after it.
// One message is in flight at a time (the next is sent once the record is in the ring and the
// ring drained): this measures the path, not queueing behind other messages.
// Journal commit, inbound: as in `quantflow run` (engine/live JournaledInbound), the record is
// appended and published in the listener and the session loop commits it later (commitIfDue,
// group policy 2 ms / 4096 records): the commit is NOT in the timed region. The `trades, commit
// inside` rows add commit() (fdatasync) inside the listener, right after the publish, for comparison.
// Outbound: commit() per command, durability `group` (DEFAULT_DURABILITY: commit() syncs) and
// `async` (no sync), as engine/live JournaledCommands.flush.
// Instrumentation: net.Socket's emit/write are wrapped from outside while a leg runs
// (bench/workers/adapters-wire-tap.ts); the listener and outbound step are
// bench/workers/adapters-io-path.ts: the session's own JournaledInbound and JournaledCommands over
// a running engine (a transport-only pipeline consumes the inbound ring); the bench writes the
// ORDER records a deciding core would into an outbound ring of its own.
// Left out of every timed region: the simulators' work before their bytes reach the client
// socket, connecting and subscribing, placing the resting orders of the order-event legs, waiting
// for each record or ACK, the ring drain and group commit between messages, the result checks.
// Not measured: Coinbase, REST fallbacks, reconnects, cancels and replaces.
// Repetitions: --warm-up (100) untimed messages per leg, then --repetitions (3) of --messages (500)
// market messages and --orders (200) order events / commands; each percentile is the median over
// repetitions, max is the max. HDR histograms (hdr-histogram-js, 3 significant digits), ns.
// Result checks: every message sent produced its record (counted per leg, the run fails
// otherwise); every t0 precedes its t1; every command reached the venue's socket and was acknowledged.
// No goals are set for this suite.
//
// Run: `npm run build && npm run bench -- adapters [--json] [--venues binance,ib] [--messages N]
// [--orders N] [--warm-up N] [--repetitions N]`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { latencyHistogram as histogram, median, medianPercentiles, percentiles, type Percentiles } from './latency-percentiles.js';
import { CcxtVenueAdapter } from '../adapters/ccxt/index.js';
import { IbVenueAdapter } from '../adapters/ib/index.js';
import { DEFAULT_DURABILITY, type DurabilityPolicy } from '../engine/journal/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import { clientOrderIdOf, type PushVenueAdapter } from '../engine/live/index.js';
import { OrderType, TimeInForce } from '../engine/orders/index.js';
import { startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSim } from '../test/venues/binance-sim/index.js';
import { TwsSim } from '../test/venues/tws-sim/index.js';
import { BenchIoPath } from './workers/adapters-io-path.js';
import { WireTap } from './workers/adapters-wire-tap.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

export type Venue = 'binance' | 'ib';
export type Stream = 'trades' | 'bars' | 'quotes' | 'orders';

export interface AdaptersBenchOptions {
  venues: Venue[];
  messages: number;
  orders: number;
  warmUp: number;
  repetitions: number;
}


export interface InboundResult {
  venue: Venue;
  stream: Stream;
  /** 'after publish' (the session's path: commitIfDue later, untimed) or 'inside' (commit() before the publish, timed). */
  journalCommit: 'after publish' | 'inside';
  /** Timed messages sent (all repetitions) and the records of the stream's kind they produced. */
  messages: number;
  recorded: number;
  /** Other records published meanwhile (e.g. IB's tick pairs), not timed. */
  otherRecords: number;
  latency: Percentiles;
}

export interface OutboundResult {
  venue: Venue;
  durability: 'group' | 'async';
  commands: number;
  /** Commands whose bytes reached the venue socket, and ACKs received. */
  written: number;
  acked: number;
  /** First writes that Node queued instead of handing to the kernel. */
  queuedWrites: number;
  wire: Percentiles;
  journal: Percentiles;
  adapter: Percentiles;
}

export interface AdaptersBenchResult {
  suite: 'adapters';
  node: string;
  cpus: number;
  tmpdir: string;
  loadAverage: { before: number[]; after: number[] };
  options: AdaptersBenchOptions;
  inbound: InboundResult[];
  outbound: OutboundResult[];
}

const KIND_OF: Record<Stream, number> = { trades: EventKind.TRADE, bars: EventKind.BAR, quotes: EventKind.QUOTE, orders: EventKind.FILL };
const WAIT_MS = 15_000;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`adapters bench: result check failed: ${what}`);
}





/** Waits (1 ms timers) until `ok`, at most WAIT_MS. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`adapters bench: timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A leg's venue: sends one message of the stream, for the `i`-th time. */
type Send = (i: number) => void;

/**
 * Sends warm-up then timed messages one at a time; t0 = the tap's first 'data', t1 = the first
 * record of `kind` published. `before(i)` runs untimed before each send (placing an order).
 */
async function inboundLeg(io: BenchIoPath, tap: WireTap, kind: number, send: Send, options: AdaptersBenchOptions, count: number, before?: (i: number) => Promise<void>): Promise<{ latency: Percentiles; recorded: number; otherRecords: number }> {
  const runs: Percentiles[] = [];
  let recorded = 0;
  let otherRecords = 0;
  let i = 0;
  for (let rep = -1; rep < options.repetitions; rep++) {
    const h = histogram();
    const n = rep < 0 ? options.warmUp : count;
    for (let k = 0; k < n; k++, i++) {
      if (before) await before(i);
      await io.settle();
      io.published.length = 0;
      tap.arm();
      send(i);
      await until(() => io.published.some((r) => r.kind === kind), `record kind ${kind} of message ${i}`);
      const first = io.published.find((r) => r.kind === kind)!;
      const t0 = tap.dataNs;
      check(t0 > 0 && t0 <= first.publishedNs, `message ${i}: its bytes were stamped (${t0}) before its record was published (${first.publishedNs})`);
      if (rep >= 0) {
        h.recordValue(Math.max(1, Math.round(first.publishedNs - t0)));
        recorded++;
        otherRecords += io.published.length - 1;
      }
    }
    if (rep >= 0) runs.push(percentiles(h));
  }
  return { latency: medianPercentiles(runs), recorded, otherRecords };
}

/** Commands through the outbound step, one at a time, each acknowledged before the next. */
async function outboundLeg(io: BenchIoPath, tap: WireTap, adapter: PushVenueAdapter, options: AdaptersBenchOptions, firstOrderId: bigint, limitPrice: number, qty: number): Promise<Omit<OutboundResult, 'venue' | 'durability'>> {
  const wires: Percentiles[] = [];
  const journals: Percentiles[] = [];
  const adapters: Percentiles[] = [];
  let written = 0;
  let acked = 0;
  let queuedWrites = 0;
  let orderId = firstOrderId;
  for (let rep = -1; rep < options.repetitions; rep++) {
    const wire = histogram();
    const journal = histogram();
    const adapterPart = histogram();
    const n = rep < 0 ? options.warmUp : options.orders;
    for (let k = 0; k < n; k++) {
      await io.settle();
      io.published.length = 0;
      const id = orderId++;
      io.writeOrder(id, 0, qty, limitPrice, OrderType.LIMIT, BigInt(Date.now()) * 1_000_000n);
      tap.arm();
      const step = io.readJournalSend(adapter);
      await until(() => tap.writeNs > 0, `the bytes of order ${id} on the venue socket`);
      const t1 = tap.writeNs;
      if (tap.queuedBytes > 0) queuedWrites++;
      await until(() => io.published.some((r) => r.kind === EventKind.ACK && r.id === id), `the ACK of order ${id}`);
      if (rep >= 0) {
        written++;
        acked++;
        wire.recordValue(Math.max(1, Math.round(t1 - step.readNs)));
        journal.recordValue(Math.max(1, Math.round(step.committedNs - step.readNs)));
        adapterPart.recordValue(Math.max(1, Math.round(t1 - step.committedNs)));
      }
    }
    if (rep >= 0) {
      wires.push(percentiles(wire));
      journals.push(percentiles(journal));
      adapters.push(percentiles(adapterPart));
    }
  }
  return { commands: options.orders * options.repetitions, written, acked, queuedWrites, wire: medianPercentiles(wires), journal: medianPercentiles(journals), adapter: medianPercentiles(adapters) };
}

class Scratch {
  private n = 0;
  constructor(readonly root: string) {}
  next(name: string): string {
    return path.join(this.root, `${name}-${++this.n}`);
  }
}

// ---- Binance via ccxt ---------------------------------------------------------------------------

function ccxtAdapter(sim: BinanceSim, marketOnly: boolean): CcxtVenueAdapter {
  return new CcxtVenueAdapter({
    exchange: 'binance', baseUrl: sim.baseUrl, credentials: { apiKey: TEST_API_KEY, secret: TEST_SECRET }, marketOnly,
    instruments: [{ instrument: 0, symbol: 'BTC/USDT' }], reconnect: { initialMs: 50, maxMs: 400, seed: 7 },
    staleAfterMs: 3_600_000, healthCheckMs: 60_000, log: () => undefined,
  });
}

async function binanceLegs(scratch: Scratch, options: AdaptersBenchOptions, log: (line: string) => void): Promise<{ inbound: InboundResult[]; outbound: OutboundResult[] }> {
  const sim = await startBinanceSim({ balances: { USDT: 1e12, BTC: 1e6, ETH: 0 } });
  const tap = new WireTap(sim.port);
  const inbound: InboundResult[] = [];
  const outbound: OutboundResult[] = [];
  // Venue times: one minute apart (each print opens a new 1m kline), starting in the past.
  let venueMs = Math.floor(sim.now() / 60_000) * 60_000 - 30 * 24 * 3_600_000;
  sim.trade('BTCUSDT', 50_000, 1, venueMs);
  const print = (price: number) => { venueMs += 60_000; sim.trade('BTCUSDT', price, 1, venueMs); };
  try {
    const market: { stream: Stream; channel: 'trades' | 'ohlcv' | 'ticker'; commitInside: boolean }[] = [
      { stream: 'trades', channel: 'trades', commitInside: false },
      { stream: 'bars', channel: 'ohlcv', commitInside: false },
      { stream: 'trades', channel: 'trades', commitInside: true },
    ];
    for (const leg of market) {
      log(`adapters: binance ${leg.stream}${leg.commitInside ? ' (commit inside)' : ''}: ${options.warmUp} warm-up + ${options.repetitions} x ${options.messages} messages ...`);
      const io = await BenchIoPath.open(scratch.next(`binance-${leg.stream}`), DEFAULT_DURABILITY, leg.commitInside);
      const adapter = ccxtAdapter(sim, true);
      adapter.onRecord(io.listener);
      try {
        await adapter.connect();
        adapter.subscribeMarket({ instrument: 0, channel: leg.channel });
        // Subscribed once a print comes back as a record.
        await until(() => sim.marketStreamCount > 0, 'the market stream');
        for (let tries = 0; !io.published.some((r) => r.kind === KIND_OF[leg.stream]); tries++) {
          check(tries < 200, `binance ${leg.stream}: no record after 200 prints (subscription)`);
          print(50_000 + tries);
          await new Promise((r) => setTimeout(r, 20));
        }
        const r = await inboundLeg(io, tap, KIND_OF[leg.stream], (i) => print(50_000 + (i % 100)), options, options.messages);
        check(r.recorded === options.messages * options.repetitions, `binance ${leg.stream}: ${r.recorded} records of ${options.messages * options.repetitions} messages`);
        inbound.push({ venue: 'binance', stream: leg.stream, journalCommit: leg.commitInside ? 'inside' : 'after publish', messages: options.messages * options.repetitions, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
      await until(() => sim.marketStreamCount === 0, 'the market stream to close');
    }

    log(`adapters: binance order events (executionReport -> FILL): ${options.warmUp} warm-up + ${options.repetitions} x ${options.orders} ...`);
    {
      const io = await BenchIoPath.open(scratch.next('binance-orders'));
      const adapter = ccxtAdapter(sim, false);
      adapter.onRecord(io.listener);
      let nextOrder = 1n;
      let resting = 0n;
      try {
        await adapter.connect();
        const place = async () => {
          print(41_000); // the market back above the limit, so the new order rests
          const orderId = nextOrder++;
          resting = orderId;
          adapter.submit({ orderId, clientOrderId: clientOrderIdOf(orderId), instrument: 0, qty: 0.001, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC, limitPrice: 40_000, stopPrice: 0, flags: 0, decisionNs: 0n });
          await until(() => io.published.some((r) => r.kind === EventKind.ACK && r.id === orderId), `the ACK of order ${orderId}`);
          await adapter.sync();
        };
        const r = await inboundLeg(io, tap, EventKind.FILL, () => print(40_000), options, options.orders, place);
        check(r.recorded === options.orders * options.repetitions, `binance orders: ${r.recorded} FILL records of ${options.orders * options.repetitions} fills`);
        check(resting === nextOrder - 1n, 'binance orders: every order was placed');
        inbound.push({ venue: 'binance', stream: 'orders', journalCommit: 'after publish', messages: options.orders * options.repetitions, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
    }

    for (const durability of [DEFAULT_DURABILITY, { mode: 'async' } as DurabilityPolicy]) {
      const name = durability.mode === 'async' ? 'async' : 'group';
      log(`adapters: binance outbound (${name}): ${options.warmUp} warm-up + ${options.repetitions} x ${options.orders} commands ...`);
      const io = await BenchIoPath.open(scratch.next(`binance-out-${name}`), durability);
      const adapter = ccxtAdapter(sim, false);
      adapter.onRecord(io.listener);
      try {
        await adapter.connect();
        const r = await outboundLeg(io, tap, adapter, options, name === 'group' ? 1_000_000n : 2_000_000n, 30_000, 0.001);
        check(r.written === r.commands && r.acked === r.commands, `binance outbound ${name}: ${r.written} written, ${r.acked} acknowledged of ${r.commands}`);
        outbound.push({ venue: 'binance', durability: name, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
    }
    check(sim.duplicateSubmissions().length === 0, `binance: client order ids submitted twice: ${sim.duplicateSubmissions().join(', ')}`);
  } finally {
    tap.remove();
    await sim.close();
  }
  return { inbound, outbound };
}

// ---- IB via @stoqey/ib --------------------------------------------------------------------------

function ibAdapter(sim: TwsSim, clientId: number): IbVenueAdapter {
  return new IbVenueAdapter({
    host: '127.0.0.1', port: sim.port, clientId, instruments: [{ instrument: 0, symbol: 'AAPL' }],
    connectTimeoutMs: 10_000, requestTimeoutMs: 10_000, reconnect: { initialMs: 20, maxMs: 200 }, commissionWaitMs: 2000, maxRequestsPerSecond: 10_000,
  });
}

async function ibLegs(scratch: Scratch, options: AdaptersBenchOptions, log: (line: string) => void): Promise<{ inbound: InboundResult[]; outbound: OutboundResult[] }> {
  const sim = await TwsSim.start();
  const tap = new WireTap(sim.port);
  const inbound: InboundResult[] = [];
  const outbound: OutboundResult[] = [];
  let barTime = Math.floor(sim.now() / 1000);
  try {
    const sends: Record<'trades' | 'bars' | 'quotes', Send> = {
      trades: (i) => sim.trade('AAPL', 150 + (i % 100) / 100, 100),
      quotes: (i) => sim.quote('AAPL', 150 + (i % 100) / 100, 150.05 + (i % 100) / 100),
      bars: (i) => { barTime += 5; const p = 150 + (i % 100) / 100; sim.bar('AAPL', { time: barTime, open: p, high: p + 0.1, low: p - 0.1, close: p, volume: 1000, wap: p, count: 10 }); },
    };
    const market: { stream: 'trades' | 'bars' | 'quotes'; commitInside: boolean }[] = [
      { stream: 'trades', commitInside: false }, { stream: 'bars', commitInside: false }, { stream: 'quotes', commitInside: false }, { stream: 'trades', commitInside: true },
    ];
    let clientId = 20;
    for (const leg of market) {
      log(`adapters: ib ${leg.stream}${leg.commitInside ? ' (commit inside)' : ''}: ${options.warmUp} warm-up + ${options.repetitions} x ${options.messages} messages ...`);
      const io = await BenchIoPath.open(scratch.next(`ib-${leg.stream}`), DEFAULT_DURABILITY, leg.commitInside);
      const adapter = ibAdapter(sim, clientId++);
      adapter.onRecord(io.listener);
      try {
        await adapter.connect();
        // Bars: each 5-second real-time bar as its own BAR record (the adapter's 5 s fold, barSeconds 5), so every message
        // is timed; a session's 1m bars come out of the same path once per 12 messages (the fold itself, a pure per-bar step, is in both).
        if (leg.stream === 'bars') adapter.subscribeMarket(0, { bars: true });
        else adapter.subscribe([{ instrument: 0, channel: leg.stream }]);
        for (let tries = 0; !io.published.some((r) => r.kind === KIND_OF[leg.stream]); tries++) {
          check(tries < 200, `ib ${leg.stream}: no record after 200 messages (subscription)`);
          sends[leg.stream](tries);
          await new Promise((r) => setTimeout(r, 20));
        }
        const r = await inboundLeg(io, tap, KIND_OF[leg.stream], sends[leg.stream], options, options.messages);
        check(r.recorded === options.messages * options.repetitions, `ib ${leg.stream}: ${r.recorded} records of ${options.messages * options.repetitions} messages`);
        inbound.push({ venue: 'ib', stream: leg.stream, journalCommit: leg.commitInside ? 'inside' : 'after publish', messages: options.messages * options.repetitions, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
    }

    log(`adapters: ib order events (orderStatus + execDetails -> FILL): ${options.warmUp} warm-up + ${options.repetitions} x ${options.orders} ...`);
    {
      const io = await BenchIoPath.open(scratch.next('ib-orders'));
      const adapter = ibAdapter(sim, clientId++);
      adapter.onRecord(io.listener);
      let nextOrder = 1n;
      try {
        await adapter.connect();
        const place = async () => {
          sim.quote('AAPL', 101, 102); // the market back above the limit (buys execute at the ask), so the new order rests
          const orderId = nextOrder++;
          adapter.submit({ orderId, clientOrderId: clientOrderIdOf(orderId), instrument: 0, qty: 100, orderType: OrderType.LIMIT, timeInForce: TimeInForce.GTC, limitPrice: 100, stopPrice: 0, flags: 0, decisionNs: 0n });
          await until(() => io.published.some((r) => r.kind === EventKind.ACK && r.id === orderId), `the ACK of order ${orderId}`);
        };
        const r = await inboundLeg(io, tap, EventKind.FILL, () => sim.quote('AAPL', 99, 100), options, options.orders, place);
        check(r.recorded === options.orders * options.repetitions, `ib orders: ${r.recorded} FILL records of ${options.orders * options.repetitions} fills`);
        inbound.push({ venue: 'ib', stream: 'orders', journalCommit: 'after publish', messages: options.orders * options.repetitions, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
    }

    for (const durability of [DEFAULT_DURABILITY, { mode: 'async' } as DurabilityPolicy]) {
      const name = durability.mode === 'async' ? 'async' : 'group';
      log(`adapters: ib outbound (${name}): ${options.warmUp} warm-up + ${options.repetitions} x ${options.orders} commands ...`);
      const io = await BenchIoPath.open(scratch.next(`ib-out-${name}`), durability);
      const adapter = ibAdapter(sim, clientId++);
      adapter.onRecord(io.listener);
      try {
        await adapter.connect();
        const r = await outboundLeg(io, tap, adapter, options, name === 'group' ? 1_000_000n : 2_000_000n, 50, 100);
        check(r.written === r.commands && r.acked === r.commands, `ib outbound ${name}: ${r.written} written, ${r.acked} acknowledged of ${r.commands}`);
        outbound.push({ venue: 'ib', durability: name, ...r });
      } finally {
        await adapter.close();
        await io.close();
      }
    }
    check(sim.protocolErrors.length === 0, `ib: simulator protocol errors: ${sim.protocolErrors.join('; ')}`);
  } finally {
    tap.remove();
    await sim.close();
  }
  return { inbound, outbound };
}

// ---- suite ------------------------------------------------------------------------------------

export function parseAdaptersBenchArgs(args: string[]): AdaptersBenchOptions {
  const positiveInteger = (field: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`\`${field}\` must be an integer >= 1, was ${JSON.stringify(value)}`);
    return n;
  };
  const venues = (value: string): Venue[] => {
    const list = value.split(',').map((v) => v.trim());
    for (const v of list) if (v !== 'binance' && v !== 'ib') throw new Error(`\`--venues\` must be a comma-separated list of binance, ib, was ${JSON.stringify(value)}`);
    return list as Venue[];
  };
  const command = new Command('adapters')
    .exitOverride()
    .option('--venues <list>', 'binance, ib or both', venues, ['binance', 'ib'] as Venue[])
    .option('--messages <n>', 'timed market messages per stream per repetition', positiveInteger('--messages'), 500)
    .option('--orders <n>', 'timed order events and commands per repetition', positiveInteger('--orders'), 200)
    .option('--warm-up <n>', 'untimed messages (and commands) per leg first', positiveInteger('--warm-up'), 100)
    .option('--repetitions <n>', 'timed repetitions per leg', positiveInteger('--repetitions'), 3)
    .option('--json', 'handled by bench/main.ts');
  command.parse(args, { from: 'user' });
  const o = command.opts<AdaptersBenchOptions & { json?: boolean }>();
  return { venues: o.venues, messages: o.messages, orders: o.orders, warmUp: o.warmUp, repetitions: o.repetitions };
}

export async function runAdaptersBench(options: AdaptersBenchOptions, log: (line: string) => void = console.log): Promise<AdaptersBenchResult> {
  const loadBefore = os.loadavg();
  const root = mkdtempSync(path.join(os.tmpdir(), 'qf-adapters-bench-'));
  const scratch = new Scratch(root);
  const inbound: InboundResult[] = [];
  const outbound: OutboundResult[] = [];
  try {
    for (const venue of options.venues) {
      const r = venue === 'binance' ? await binanceLegs(scratch, options, log) : await ibLegs(scratch, options, log);
      inbound.push(...r.inbound);
      outbound.push(...r.outbound);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { suite: 'adapters', node: process.version, cpus: os.availableParallelism(), tmpdir: os.tmpdir(), loadAverage: { before: loadBefore, after: os.loadavg() }, options, inbound, outbound };
}

const micros = (ns: number) => `${(ns / 1e3).toFixed(1)} us`;

export function printAdaptersBench(r: AdaptersBenchResult, log: (line: string) => void = console.log): void {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const cells = (p: Percentiles) => [p.p50Ns, p.p99Ns, p.p999Ns, p.maxNs].map((v) => micros(v).padStart(10)).join(' ');
  const head = ['p50', 'p99', 'p99.9', 'max'].map((h) => h.padStart(10)).join(' ');
  log('');
  log(`adapters (journal on LMDB under ${r.tmpdir}): node ${r.node}, ${r.cpus} CPUs, load average ${load(r.loadAverage.before)} before, ${load(r.loadAverage.after)} after`);
  log(`inbound: venue socket 'data' -> record in the inbound ring (median of ${r.options.repetitions} repetitions; max of max)`);
  log(`  ${'venue  stream   journal commit'.padEnd(42)} ${'messages'.padStart(9)} ${head}`);
  for (const x of r.inbound) {
    log(`  ${`${x.venue.padEnd(8)}${x.stream.padEnd(9)}${x.journalCommit === 'inside' ? 'commit() inside (timed)' : 'after publish (untimed)'}`.padEnd(42)} ${String(x.messages).padStart(9)} ${cells(x.latency)}`);
  }
  log(`outbound: ORDER read from the outbound ring -> journal commit -> socket.write to the venue returned`);
  log(`  ${'venue  durability  part'.padEnd(42)} ${'commands'.padStart(9)} ${head}`);
  for (const x of r.outbound) {
    log(`  ${`${x.venue.padEnd(8)}${x.durability.padEnd(12)}intent -> wire`.padEnd(42)} ${String(x.commands).padStart(9)} ${cells(x.wire)}`);
    log(`  ${`${''.padEnd(19)}read -> committed`.padEnd(42)} ${''.padStart(9)} ${cells(x.journal)}`);
    log(`  ${`${''.padEnd(19)}committed -> wire (adapter)`.padEnd(42)} ${''.padStart(9)} ${cells(x.adapter)}`);
  }
  const queued = r.outbound.reduce((s, x) => s + x.queuedWrites, 0);
  log(`checks: every message produced its record; every command reached the venue socket and was acknowledged${queued > 0 ? `; ${queued} first writes were queued in Node` : ''}. No goals are set.`);
}

/** Suite entry for bench/main.ts. */
export const adaptersSuite: BenchSuite = {
  name: 'adapters',
  description: 'live venue adapters against the local Binance (ccxt) and TWS (@stoqey/ib) simulators: venue message -> inbound ring, ORDER -> journal -> wire',
  async run(options: BenchSuiteOptions = {}): Promise<AdaptersBenchResult> {
    const parsed = parseAdaptersBenchArgs(options.args ?? []);
    const result = await runAdaptersBench(parsed, options.json ? () => undefined : console.log);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printAdaptersBench(result);
    return result;
  },
};
