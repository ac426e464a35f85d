// Stream benchmark (issue 16): the state server's fan-out and what watching costs the engine.
//
//   fan-out   publisher --PushStateSource.publish--> TopicHub.publish (FrameEncoder: one FlatBuffers
//             `state` delta, 3 positions, encoded once) --> one uWS app.publish per delta (native
//             pub/sub: every client in good standing, batched per socket in C++, no JS per client;
//             the hub checks the clients' buffers once per burst) --> 127.0.0.1 TCP --> N
//             raw-socket clients (bench/stream-fleet.ts: native C clients by default)
//   baseline  the same publisher, FrameEncoder and ClientSession (coalescing, limits, metrics)
//             over the `ws` library's WebSocketServer. `ws` has no native pub/sub, so its best
//             batching is the JS loop: ClientSession.sendDelta per client per delta, what one
//             synchronous run sends to a client queued and written at its end between
//             net.Socket cork()/uncork() (one writev). The logical work (every client gets every
//             delta, limits applied) is the same; only the transport and its fan-out differ.
//   engine    `quantflow paper`'s path (engine/paper startPaperSession: EngineHost, the WASM core,
//             EngineStateSource, the uWS state server) over the bundled BTC/ETH/SOL 1h bars at
//             --speed (default 3.6M: 1,000 bars/s per instrument, ~17 s of data), stopped after
//             --engine-seconds (default 15); with no clients, then with --clients
//             clients subscribed to every topic plus one stalled client (subscribes, then never
//             reads its socket). The engine's own latency stages (engine/threads LatencyMonitor:
//             ingress, ring, core, intent) are read from the server's /metrics registry at the end.
//
// Where the clients run: by default native clients (bench/workers/stream-clients.c, compiled on
// first use with `$CC` or `cc` into os.tmpdir()/quantflow-bench; --workers processes of one epoll
// thread each, default 1: one process serving 51 sockets sleeps less often than two and took
// ~40% less CPU per frame here); with --client-kind node, or when no C compiler works (the bench
// says so), the Node clients (bench/workers/stream-clients.ts) in --workers worker threads of this
// process (default 2).
// Both legs (uWS, ws) and both engine runs use the same clients. Method change (was: Node clients
// only): on a 2-core machine the Node clients took ~350 ns of CPU per delivered frame (net.Socket
// 'data' events, a Buffer per read, JS header walking), CPU the server and the engine need; the C
// clients take ~100 ns. The frames, the checks and the timed region are unchanged. Either way
// the clients share the machine's cores with the server's I/O thread (and the engine thread in
// the engine leg), so the fan-out figure is a floor for the server alone. Clients parse frame
// headers only and count frames and bytes per client (Float64 pairs: a SharedArrayBuffer for
// Node clients, a file the C clients map shared and the bench reads); nothing is allocated per
// binary frame. Each fan-out sample reports where the time went: the CPU time per delivered
// frame (frames x clients) of the server's thread (/proc/thread-self/schedstat: the publisher,
// encoder, hub, library and the kernel's send side, with loopback's receive processing when it
// runs there) and of the native clients' processes, the event-loop utilisation of the server's
// thread (and of the Node client workers), and the bench process's CPU time per wall second.
//
// Native clients poll (bench/workers/stream-clients.c): after an epoll round that read data a
// client process sleeps --client-nap-us (default 1000 µs; 0 wakes it on every readiness, the
// method before Dec 2026), for both servers and both engine runs alike. Method change: waking per
// arriving segment cost the clients ~160 ns and the server thread ~300 ns per delivered frame
// (a context switch and a read per ~12 KiB, a wake-up in the server's send path); polling every
// 1 ms gave ~50-65 and ~150-220 ns (uWS, 50 clients, load 3-4 on 2 cores). It adds up to 1 ms of
// delivery latency, which no leg measures. Pinning the client process to one CPU was tried
// (taskset; 148-172 ns vs 154-163 ns server, noise) and is not used.
//
// Where the time goes (uWS, 50 clients, 384-byte frames; `perf record -g` on the server thread
// and the client process over 3 s of a long repetition, client nap 1 ms; the server thread's
// samples = 100%; sends from `strace -e sendto` over 3 s):
//   before the state-frame template (load 3.96, 160 ns/frame): kernel 41% (nearly all under
//     sendto), FrameEncoder.encode 31% (the FlatBuffers Builder: ~2.5 µs per publish, ~50 ns
//     per delivered frame), uWS C++ 13%, libc 9% (memmove into the cork buffer), V8 builtins 12%.
//   now (load 3.3, 119 ns/frame): kernel 55%: sendto 53% (tcp_sendmsg -> tcp_write_xmit ->
//     loopback xmit, with the clients' TCP receive processing (net_rx_action, 21%) run in the
//     sender's softirq; _copy_from_iter 8%; client wake-ups ~5%); uWS C++ 19% + libc 13%
//     (memmove 7%): the topic tree's drain formats every frame into every socket's cork buffer;
//     V8 builtins 8%; JavaScript 5% (TopicHub.publish and the encoder's copy-and-patch ~4%).
//   Sends: every sendto carried exactly 12,416 bytes = 32 frames, no EAGAIN, no partial send:
//     uWS 20.30's TopicTree drains every 32 published messages (a subscriber holds at most 32
//     message indices), one cork and one send per socket per drain. Not configurable.
//   Clients (their own process): 83% kernel (read: tcp_recvmsg, copy to user, the receive
//     backlog; epoll_wait; context switches), header walking the rest.
// What is left is per socket and per send in the kernel and uWS: bigger sends would need uWS to
// drain more than 32 messages at once, or JS-side corked sends (a JS->C++ call per frame per
// client, which the native path avoids); past that, a second server thread (uWS apps behind
// SO_REUSEPORT, fed encoded frames through a SharedArrayBuffer ring) would split the send work.
//
// Timed region (fan-out): from the first publish of a repetition until every client counted
// --frames binary frames: encoding, the hub, the sessions, the library's send, the kernel and the
// clients' header parsing. The publisher keeps at most --window frames in flight per client (it
// reads the clients' counters), so no client crosses the 1 MiB coalescing limit and every frame
// must arrive; it yields to the event loop (setImmediate) after each window, and sleeps 1 ms while
// the window is full (instead of spinning on the clients' CPUs). Left out: starting
// the servers and the workers, connecting and subscribing, a warm-up of --frames / 4 frames per
// server per repetition. Engine leg: one untimed warm-up paper run first (JIT, WASM compile);
// then each timed run is the whole paced run (clients connect during its first
// milliseconds: the time they took is reported); the state source reads at most every
// --throttle-ms (default 1 ms, the paper default is 50) so the topics carry enough for the stalled
// client to pass the soft limit, and the server's stall limit is --stall-ms (default 3 s; the
// server default is 30 s): the stalled client's coalesced frames, its close (4008) and the time it
// came are reported; the stage p99s come from one HDR histogram per
// stage over the run. "tick-to-intent" is the sum of the ingress, ring, core and intent p99s
// (an upper bound of the path's own p99; the stages are histogrammed apart).
// Repetitions: --reps (default 3) of each leg, uWS and ws alternated (engine: no-clients and
// clients alternated); medians. Result checks: every client received exactly --frames frames of
// the same byte count and nothing was coalesced; the engine runs consumed every published record.
// What the clients cost the engine's p99 (Dec 2026; `perf sched record -a` over 5 s of the clients
// run, `perf sched timehist` of the engine thread): the ring stage is the engine thread's wake-up.
// Its scheduling delay had p50 6 us, p99 536 us: the I/O thread publishes the next records and
// the kernel wakes the engine thread on the I/O thread's CPU (wake-affine), which then ran on
// for 0.3-0.5 ms (the state publish, uWS's sends to every client) while the other CPU idled. The
// state source now holds a publish while the engine has input it has not finished
// (engine/server/engine-state-source.ts); 10 runs of it (6 alternated with 6 of the code before,
// load 0.5-1.2): the clients run's ring p99 601-808 us before, 170-572 us after, and the
// tick-to-intent ratio 1.94-2.85x before, 1.18-3.08x after (medians ~2.5x -> ~2.1x). What is
// left (perf record of the I/O thread during the slow wake-ups): in about half of them it was in
// uWS's topic-tree drain, writing frames published earlier, after the next records had woken the
// engine (uWS sends a publish's frames from its own event-loop hook, not at once). Tried and dropped: publishing in
// a microtask (7.0x and 2.6x), and the I/O thread blocking in Atomics.wait until the engine
// released the records it published (the core stage's p99 rose 38 -> 218 us without clients).
// Goals: fan-out >= 5M frames/s (uWS, --clients clients); tick-to-intent p99 with clients within
// 10% of without.
//
// Run: `npx tsc -p tsconfig.json && npm run bench -- stream [--json] [--clients 50]
// [--frames 20000] [--reps 3] [--window 512] [--workers 1|2] [--engine-seconds 15] [--speed 3600000]
// [--throttle-ms 1] [--stall-ms 3000] [--client-kind native|node] [--client-nap-us 1000] [--skip-engine]` (--skip-engine:
// the fan-out leg only, no paper runs and no p99 goal).
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { WebSocketServer } from 'ws';
import { openDataSources } from '../adapters/sources/index.js';
import { TOPIC_NAMES, type StateView } from '../engine/client/index.js';
import { loadConfig } from '../engine/config/index.js';
import { packageRoot } from '../engine/core/package-root.js';
import { startPaperSession, type PaperSessionOptions } from '../engine/paper/index.js';
import { ClientSession, FrameEncoder, PushStateSource, ServerMetrics, startStateServer, type SessionLimits } from '../engine/server/index.js';
import { nativeClientsProgram, startClientFleet, threadCpuNs, withTimeout, type ClientFleet, type ClientKind } from './stream-fleet.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const GOAL_FRAMES_PER_SECOND = 5_000_000;
const GOAL_P99_CHANGE = 0.1;
const ENGINE_STAGES = ['ingress', 'ring', 'core', 'intent'] as const;
const DATA_FILES = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((symbol) => `binance_spot_${symbol}_1h_2024-04-16_2026-04-16.csv`);
/** The server's defaults (engine/server server.ts), for the ws baseline's sessions. */
const LIMITS: SessionLimits = { softLimitBytes: 1 << 20, hardLimitBytes: 16 << 20, stallLimitMs: 30_000 };
const STALL_TIMEOUT_MS = 60_000;

export interface StreamBenchOptions {
  clients: number;
  frames: number;
  reps: number;
  window: number;
  /** Client processes (native) or worker threads (node); null: 1 native, 2 node. */
  workers: number | null;
  engineSeconds: number;
  speed: number;
  throttleMs: number;
  /** Engine leg: the server's stall limit (ms) for the paper session. */
  stallMs: number;
  /** The clients' runtime: native (C, the default; Node when no C compiler works) or node. */
  clientKind: ClientKind;
  /** Native clients: µs each client process sleeps after an epoll round that read data (0: wake on every readiness). */
  clientNapUs: number;
  /** Runs the fan-out leg only (no paper runs; the result's `engine` is null, its p99 goal absent). */
  skipEngine: boolean;
}

export interface FanOutRun {
  framesPerSecond: number;
  seconds: number;
  /** Payload bytes of one frame as the clients counted them. */
  frameBytes: number;
  coalesced: number;
  /** Frames the least and the most served client received (both must equal --frames). */
  received: { min: number; max: number };
  /** Event-loop utilisation over the timed region: the server's (main) thread, the client workers' mean (null: native clients). */
  serverElu: number;
  clientsElu: number | null;
  /** Process CPU seconds (user + system, all threads) per wall second over the timed region. */
  cpuPerSecond: number;
  /**
   * CPU ns per delivered frame (frames x clients) over the timed region: the server's thread
   * (the bench's main thread: publisher, encoder, hub, library, and the kernel's send side, with
   * loopback's receive processing that runs there), and the clients' (native: their processes;
   * node: null, they share the bench's process). Null where /proc is missing.
   */
  serverCpuNsPerFrame: number | null;
  clientsCpuNsPerFrame: number | null;
}

export interface FanOutResult {
  server: 'uWebSockets.js' | 'ws';
  clients: number;
  framesPerClient: number;
  medianFramesPerSecond: number;
  samples: FanOutRun[];
}

export interface StageP99 {
  stage: string;
  count: number;
  p99Ns: number;
}

export interface EngineRun {
  clients: number;
  stalled: number;
  stages: StageP99[];
  tickToIntentP99Ns: number;
  /** ms from the session's start until every client had subscribed (clients leg). */
  clientsReadyMs: number | null;
  framesSent: number;
  framesCoalesced: number;
  slowClientDisconnects: number;
  /** Seconds from the session's start to the first coalesced frame and the first slow-client close (null: none). */
  firstCoalescedSeconds: number | null;
  firstDisconnectSeconds: number | null;
  /** Binary frames the least and the most served non-stalled client received. */
  framesPerClient: { min: number; max: number } | null;
  stalledFrames: number | null;
  /**
   * CPU seconds per wall second over the run: the I/O thread (the bench's main thread: pacing,
   * the state source, encoding, the server), the rest of the bench process (the engine thread
   * and V8's helper threads), and the native clients' processes (null: none, or Node clients,
   * which count in the rest of the process). Null where /proc is missing.
   */
  cpu: { ioThread: number | null; restOfProcess: number | null; clients: number | null };
}

export interface EngineLeg {
  clients: number;
  stalled: number;
  medianTickToIntentP99Ns: number;
  medianStageP99Ns: Record<string, number>;
  runs: EngineRun[];
}

export interface Goal {
  goal: string;
  value: number;
  met: boolean;
}

export interface StreamBenchResult {
  suite: 'stream';
  node: string;
  cpus: number;
  loadAverage: { before: number[]; after: number[] };
  options: StreamBenchOptions;
  clientsRunIn: string;
  clientKind: ClientKind;
  fanOut: FanOutResult[];
  /** Null with --skip-engine. */
  engine: { noClients: EngineLeg; withClients: EngineLeg; ratio: number; stageRatios: Record<string, number> } | null;
  goals: Goal[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`stream bench: result check failed: ${what}`);
}

export function parseStreamBenchArgs(args: string[]): StreamBenchOptions {
  const integer = (field: string, min: number) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`\`${field}\` must be an integer >= ${min}, was ${JSON.stringify(value)}`);
    return n;
  };
  const positive = (field: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`\`${field}\` must be a number > 0, was ${JSON.stringify(value)}`);
    return n;
  };
  const command = new Command('stream')
    .exitOverride()
    .option('--clients <n>', 'WebSocket clients', integer('--clients', 1), 50)
    .option('--frames <n>', 'frames each client receives per fan-out repetition', integer('--frames', 1), 20_000)
    .option('--reps <n>', 'repetitions of each leg (medians)', integer('--reps', 1), 3)
    .option('--window <n>', 'frames in flight per client, at most', integer('--window', 1), 512)
    .option('--workers <n>', 'client processes (native, default 1) or worker threads (node, default 2)', integer('--workers', 1))
    .option('--engine-seconds <s>', 'wall seconds of each paper run', positive('--engine-seconds'), 15)
    .option('--speed <x>', 'paper pace: data time per wall time', positive('--speed'), 3_600_000)
    .option('--throttle-ms <ms>', 'engine leg: the state source reads at most this often', integer('--throttle-ms', 1), 1)
    .option('--stall-ms <ms>', 'engine leg: the state server closes a client above its soft limit this long', integer('--stall-ms', 1), 3000)
    .option('--client-kind <kind>', 'the clients\' runtime: native (C) or node (worker threads)', (value: string) => {
      if (value !== 'native' && value !== 'node') throw new Error(`\`--client-kind\` must be native or node, was ${JSON.stringify(value)}`);
      return value;
    }, 'native')
    .option('--client-nap-us <us>', 'native clients: sleep this long after each epoll round that read data (0: none)', (value: string) => {
      const us = integer('--client-nap-us', 0)(value);
      if (us > 1_000_000) throw new Error(`\`--client-nap-us\` must be an integer <= 1000000, was ${JSON.stringify(value)}`);
      return us;
    }, 1000)
    .option('--skip-engine', 'run the fan-out leg only (no paper runs, no p99 goal)', false)
    .option('--json', 'handled by bench/main.ts');
  command.parse(args, { from: 'user' });
  const { json: _json, ...options } = command.opts<StreamBenchOptions & { json?: boolean }>();
  return { ...options, workers: options.workers ?? null };
}

function statePayload(): StateView {
  const positions = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((symbol, instrumentId) => ({
    instrumentId, symbol, quantity: 0.25 * (instrumentId + 1), averagePrice: 100 + instrumentId, markPrice: 101 + instrumentId, unrealizedPnl: 1.5, realizedPnl: -0.25,
  }));
  return { mode: 'paper', equity: 100_000, cash: 60_000, equityHighWaterMark: 100_500, realizedPnl: -0.75, unrealizedPnl: 4.5, positions };
}

interface FanOutServer {
  port: number;
  publish(payload: StateView, timeNs: bigint): void;
  coalesced(): Promise<number>;
  close(): Promise<void>;
}

async function coalescedTotal(metrics: ServerMetrics): Promise<number> {
  return (await metrics.framesCoalesced.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** The state server as the engine runs it: a PushStateSource feeding startStateServer (uWS). */
async function uwsServer(): Promise<FanOutServer> {
  const source = new PushStateSource();
  const server = await startStateServer({ source, port: 0 });
  return {
    port: server.port,
    publish: (payload, timeNs) => source.publish('state', payload, timeNs),
    coalesced: () => coalescedTotal(server.metrics),
    close: () => server.close(),
  };
}

/** The baseline: the same encoder and ClientSession over the `ws` library. */
async function wsServer(): Promise<FanOutServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const metrics = new ServerMetrics(undefined);
  metrics.initTopics(TOPIC_NAMES);
  const encoder = new FrameEncoder();
  const subscribers = new Set<ClientSession>();
  let sequence = 0n;
  let nextId = 1;
  // The same batching as the uWS server's CorkedSocket: a synchronous run's sends are queued and
  // written at its end (a microtask) between cork() and uncork() of the TCP socket (one writev).
  const dirty: (() => void)[] = [];
  let scheduled = false;
  const flushAll = (): void => {
    scheduled = false;
    for (let i = 0; i < dirty.length; i++) dirty[i]();
    dirty.length = 0;
  };
  wss.on('connection', (ws) => {
    const tcp = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const queue: { message: Uint8Array | string; binary: boolean }[] = [];
    let queuedBytes = 0;
    const flush = (): void => {
      if (ws.readyState === ws.OPEN) {
        tcp.cork();
        for (let i = 0; i < queue.length; i++) ws.send(queue[i].message, { binary: queue[i].binary });
        tcp.uncork();
      }
      queue.length = 0;
      queuedBytes = 0;
    };
    const session = new ClientSession(nextId++, {
      send: (message, isBinary) => {
        if (queue.length === 0) {
          dirty.push(flush);
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(flushAll);
          }
        }
        queue.push({ message, binary: isBinary });
        queuedBytes += typeof message === 'string' ? message.length : message.byteLength;
        return 1;
      },
      getBufferedAmount: () => ws.bufferedAmount + queuedBytes,
      end: (code, reason) => {
        flush();
        ws.close(code, reason);
      },
    }, LIMITS, metrics);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as { op?: string; topic?: string };
      if (message.op !== 'subscribe' || message.topic !== 'state') return session.reply({ type: 'error', code: 'malformed', message: 'the baseline serves `state` only' });
      subscribers.add(session);
      session.subscriptions.add('state');
      session.reply({ type: 'subscribed', topic: 'state', sequence: sequence.toString(), backfill: 'none' });
    });
    tcp.on('drain', () => session.drain());
    ws.on('close', () => {
      session.markClosed();
      subscribers.delete(session);
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    publish: (payload, timeNs) => {
      sequence += 1n;
      const bytes = encoder.encode({ topic: 'state', kind: 'delta', sequence, timeNs }, payload);
      for (const session of subscribers) session.sendDelta('state', bytes, sequence);
    },
    coalesced: () => coalescedTotal(metrics),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Publishes `frames` deltas, at most `window` ahead of the slowest client; returns the seconds until every client counted them. */
async function publishAll(server: FanOutServer, fleet: ClientFleet, payload: StateView, frames: number, window: number): Promise<number> {
  const clients = fleet.total;
  fleet.refresh();
  const base = Array.from({ length: clients }, (_, c) => fleet.frames(c));
  let published = 0;
  let lastProgress = performance.now();
  let lastMin = -1;
  const start = process.hrtime.bigint();
  const slowest = (): number => {
    fleet.refresh();
    let least = Infinity;
    for (let c = 0; c < clients; c++) {
      const got = fleet.frames(c) - base[c];
      if (got < least) least = got;
    }
    return least;
  };
  for (;;) {
    const least = slowest();
    // Native clients' counters are read from a file while they write it: done is confirmed by
    // a second read (a read torn by a concurrent store cannot repeat).
    if (least >= frames && slowest() >= frames) break;
    if (fleet.error) throw new Error(`stream bench clients: ${fleet.error}`);
    if (least !== lastMin) {
      lastMin = least;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > STALL_TIMEOUT_MS) {
      throw new Error(`stream bench: no client progress for ${STALL_TIMEOUT_MS} ms (slowest client at ${least} of ${frames} frames, ${published} published)`);
    }
    const limit = Math.min(frames, least + window);
    if (published >= limit) {
      // The window is full: let the loop write and the clients read (a spin here would take the
      // CPU they need on a small machine).
      await sleep(1);
      continue;
    }
    while (published < limit) {
      payload.equity = 100_000 + published;
      payload.positions[0].markPrice = 101 + (published & 1023) / 1024;
      server.publish(payload, 1_700_000_000_000_000_000n + BigInt(published));
      published++;
    }
    await turn();
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The clients' runtime for this run: native unless asked for node or no C compiler works (then said once). */
/** Processes or threads the clients are spread over. */
function workersOf(options: StreamBenchOptions, kind: ClientKind): number {
  return options.workers ?? (kind === 'native' ? 1 : 2);
}

function clientRuntime(options: StreamBenchOptions, log: (line: string) => void): { kind: ClientKind; program: string | null } {
  if (options.clientKind === 'node') return { kind: 'node', program: null };
  const native = nativeClientsProgram();
  if ('program' in native) return { kind: 'native', program: native.program };
  log(`stream: native clients unavailable (${native.reason}); the clients run as Node worker threads instead`);
  return { kind: 'node', program: null };
}

export async function fanOutRun(kind: FanOutResult['server'], options: StreamBenchOptions, clientsRuntime = clientRuntime(options, console.log)): Promise<FanOutRun> {
  const server = kind === 'ws' ? await wsServer() : await uwsServer();
  let fleet: ClientFleet | null = null;
  try {
    fleet = await startClientFleet(clientsRuntime.kind, clientsRuntime.program, {
      port: server.port, clients: options.clients, stalled: 0, topics: ['state'], workers: workersOf(options, clientsRuntime.kind), timeoutMs: STALL_TIMEOUT_MS, napUs: options.clientNapUs,
    });
    const payload = statePayload();
    await publishAll(server, fleet, payload, Math.max(1, Math.floor(options.frames / 4)), options.window);
    fleet.refresh();
    const before = Array.from({ length: fleet.total }, (_, c) => [fleet!.frames(c), fleet!.bytes(c)]);
    const serverElu0 = performance.eventLoopUtilization();
    const clientsElu0 = fleet.elu();
    const clientsCpu0 = fleet.cpuNs();
    const serverCpu0 = threadCpuNs();
    const cpu0 = process.cpuUsage();
    const seconds = await publishAll(server, fleet, payload, options.frames, options.window);
    const cpu = process.cpuUsage(cpu0);
    const serverCpu1 = threadCpuNs();
    const clientsCpu1 = fleet.cpuNs();
    const serverElu = performance.eventLoopUtilization(serverElu0).utilization;
    const workersElu = fleet.elu(clientsElu0)?.map((e) => e.utilization) ?? null;
    const clientsElu = workersElu ? workersElu.reduce((a, b) => a + b, 0) / workersElu.length : null;
    const delivered = options.frames * options.clients;
    fleet.refresh();
    const got = before.map(([frames, bytes], c) => [fleet!.frames(c) - frames, fleet!.bytes(c) - bytes]);
    for (let c = 0; c < got.length; c++) {
      check(got[c][0] === options.frames, `${kind}: client ${c} received ${got[c][0]} of ${options.frames} frames`);
      check(got[c][1] === got[0][1], `${kind}: client ${c} received ${got[c][1]} bytes, client 0 ${got[0][1]}`);
    }
    const coalesced = await server.coalesced();
    check(coalesced === 0, `${kind}: ${coalesced} frames were coalesced (a client fell behind)`);
    const received = { min: Math.min(...got.map((g) => g[0])), max: Math.max(...got.map((g) => g[0])) };
    return {
      framesPerSecond: (options.frames * options.clients) / seconds, seconds, frameBytes: got[0][1] / options.frames, coalesced, received,
      serverElu, clientsElu, cpuPerSecond: (cpu.user + cpu.system) / 1e6 / seconds,
      serverCpuNsPerFrame: serverCpu0 === null || serverCpu1 === null ? null : (serverCpu1 - serverCpu0) / delivered,
      clientsCpuNsPerFrame: clientsCpu0 === null || clientsCpu1 === null ? null : (clientsCpu1 - clientsCpu0) / delivered,
    };
  } finally {
    await fleet?.stop();
    await server.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function metricValues(metrics: ServerMetrics, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const all = await metrics.registry.getMetricsAsJSON();
  return (all.find((m) => m.name === name)?.values ?? []) as { labels: Record<string, string | number>; value: number }[];
}

export async function engineRun(options: StreamBenchOptions, clientsRuntime: { kind: ClientKind; program: string | null }, clients: number, scratch: string, run: number): Promise<EngineRun> {
  const root = packageRoot();
  const config = loadConfig({ configFile: path.join(root, 'config', 'examples', 'paper-demo.yaml'), env: process.env });
  const streams = await openDataSources(DATA_FILES.map((file) => path.join(root, 'data', file)), {});
  const port = await freePort();
  const stalled = clients > 0 ? 1 : 0;
  // The clients' workers start first; they retry until the server listens, so they connect
  // while the engine starts.
  let fleetStarting: Promise<ClientFleet> | null = null;
  if (clients > 0) {
    await withTimeout(new Promise<void>((resolve, reject) => {
      fleetStarting = startClientFleet(clientsRuntime.kind, clientsRuntime.program, {
        port, clients, stalled, topics: TOPIC_NAMES, workers: workersOf(options, clientsRuntime.kind), onStarted: resolve, timeoutMs: STALL_TIMEOUT_MS, napUs: options.clientNapUs,
      });
      fleetStarting.catch(reject);
    }), STALL_TIMEOUT_MS, 'the client workers did not start');
  }
  const startedAt = performance.now();
  const ioCpu0 = threadCpuNs();
  const processCpu0 = process.cpuUsage();
  let session: Awaited<ReturnType<typeof startPaperSession>>;
  // The server's limits for the session (PaperSessionOptions.serverLimits, passed to startStateServer).
  const sessionOptions: PaperSessionOptions & { serverLimits?: { stallLimitMs?: number } } = {
    streams, config, equity: 100_000, speed: options.speed, port, throttleMs: options.throttleMs, controlLogPath: path.join(scratch, `control-${run}.jsonl`), log: () => {},
    serverLimits: { stallLimitMs: options.stallMs },
  };
  try {
    session = await startPaperSession(sessionOptions);
  } catch (error) {
    await (fleetStarting as Promise<ClientFleet> | null)?.then((f) => f.stop(), () => {});
    throw error;
  }
  let fleet: ClientFleet | null = null;
  try {
    let clientsReadyMs: number | null = null;
    if (fleetStarting) {
      fleet = await (fleetStarting as Promise<ClientFleet>);
      clientsReadyMs = performance.now() - startedAt;
    }
    const clientsCpu0 = fleet?.cpuNs() ?? null;
    const stopAt = startedAt + options.engineSeconds * 1000;
    const finished = session.finished.then(() => true);
    let firstCoalescedSeconds: number | null = null;
    let firstDisconnectSeconds: number | null = null;
    const { slowClientDisconnects, framesCoalesced } = session.server!.metrics;
    while (performance.now() < stopAt) {
      if (await Promise.race([finished, sleep(Math.min(100, Math.max(1, stopAt - performance.now()))).then(() => false)])) break;
      const at = (performance.now() - startedAt) / 1000;
      if (firstCoalescedSeconds === null && (await framesCoalesced.get()).values.some((v) => v.value > 0)) firstCoalescedSeconds = at;
      if (firstDisconnectSeconds === null && (await slowClientDisconnects.get()).values.some((v) => v.value > 0)) firstDisconnectSeconds = at;
    }
    const clientsCpu1 = fleet?.cpuNs() ?? null;
    const ioCpu1 = threadCpuNs();
    const processCpu = process.cpuUsage(processCpu0);
    const wallNs = (performance.now() - startedAt) * 1e6;
    const cpu: EngineRun['cpu'] = {
      ioThread: ioCpu0 === null || ioCpu1 === null ? null : (ioCpu1 - ioCpu0) / wallNs,
      restOfProcess: ioCpu0 === null || ioCpu1 === null ? null : ((processCpu.user + processCpu.system) * 1e3 - (ioCpu1 - ioCpu0)) / wallNs,
      clients: clientsCpu0 === null || clientsCpu1 === null ? null : (clientsCpu1 - clientsCpu0) / (wallNs - (clientsReadyMs ?? 0) * 1e6),
    };
    session.stop();
    const ran = await session.finished;
    check(ran.counters.eventsProcessed > 0, `engine run ${run}: the engine processed no record`);
    const metrics = session.server!.metrics;
    const latency = await metricValues(metrics, 'quantflow_latency_ns');
    const counts = await metricValues(metrics, 'quantflow_latency_records');
    const stages = ENGINE_STAGES.map((stage) => ({
      stage,
      count: counts.find((v) => v.labels.stage === stage)?.value ?? 0,
      p99Ns: latency.find((v) => v.labels.stage === stage && String(v.labels.quantile) === '0.99')?.value ?? 0,
    }));
    for (const s of stages) check(s.count > 0, `engine run ${run}: stage ${s.stage} recorded nothing (stages: ${JSON.stringify(stages)}, ${ran.counters.eventsProcessed} records processed)`);
    const sum = async (name: string): Promise<number> => (await metricValues(metrics, name)).reduce((total, v) => total + v.value, 0);
    let framesPerClient: EngineRun['framesPerClient'] = null;
    let stalledFrames: number | null = null;
    if (fleet) {
      fleet.refresh();
      const received = Array.from({ length: clients }, (_, c) => fleet!.frames(c));
      framesPerClient = { min: Math.min(...received), max: Math.max(...received) };
      stalledFrames = fleet.frames(clients);
      check(framesPerClient.min > 0, `engine run ${run}: a client received no frame`);
    }
    return {
      clients, stalled, stages, tickToIntentP99Ns: stages.reduce((total, s) => total + s.p99Ns, 0), clientsReadyMs,
      framesSent: await sum('quantflow_server_frames_sent_total'), framesCoalesced: await sum('quantflow_server_frames_coalesced_total'),
      slowClientDisconnects: await sum('quantflow_server_slow_client_disconnects_total'), firstCoalescedSeconds, firstDisconnectSeconds, framesPerClient, stalledFrames, cpu,
    };
  } finally {
    await session.close();
    await fleet?.stop();
  }
}

function engineLeg(runs: EngineRun[]): EngineLeg {
  return {
    clients: runs[0].clients,
    stalled: runs[0].stalled,
    medianTickToIntentP99Ns: median(runs.map((r) => r.tickToIntentP99Ns)),
    medianStageP99Ns: Object.fromEntries(ENGINE_STAGES.map((stage) => [stage, median(runs.map((r) => r.stages.find((s) => s.stage === stage)!.p99Ns))])),
    runs,
  };
}

/** The engine leg: one untimed warm-up paper run, then --reps runs without and with clients, alternated. */
async function engineLegs(options: StreamBenchOptions, clientsRuntime: { kind: ClientKind; program: string | null }, log: (line: string) => void): Promise<NonNullable<StreamBenchResult['engine']>> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'qf-stream-bench-'));
  const noClients: EngineRun[] = [];
  const withClients: EngineRun[] = [];
  try {
    log(`stream: engine, one untimed warm-up paper run (no clients) ...`);
    await engineRun(options, clientsRuntime, 0, scratch, -1);
    for (let r = 0; r < options.reps; r++) {
      const order = r % 2 === 0 ? [0, options.clients] : [options.clients, 0];
      for (const clients of order) {
        log(`stream: engine, paper at ${options.speed}x for ${options.engineSeconds} s, ${clients === 0 ? 'no clients' : `${clients} clients + 1 stalled`}, repetition ${r + 1}/${options.reps} ...`);
        (clients === 0 ? noClients : withClients).push(await engineRun(options, clientsRuntime, clients, scratch, 2 * r + (clients === 0 ? 0 : 1)));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const quiet = engineLeg(noClients);
  const watched = engineLeg(withClients);
  const ratio = watched.medianTickToIntentP99Ns / quiet.medianTickToIntentP99Ns;
  const stageRatios = Object.fromEntries(ENGINE_STAGES.map((stage) => [stage, watched.medianStageP99Ns[stage] / quiet.medianStageP99Ns[stage]]));
  return { noClients: quiet, withClients: watched, ratio, stageRatios };
}

export async function runStreamBench(options: StreamBenchOptions, log: (line: string) => void = console.log): Promise<StreamBenchResult> {
  const loadBefore = os.loadavg();
  const clientsRuntime = clientRuntime(options, log);
  const fanOut: Record<FanOutResult['server'], FanOutRun[]> = { 'uWebSockets.js': [], ws: [] };
  for (let r = 0; r < options.reps; r++) {
    const order: FanOutResult['server'][] = r % 2 === 0 ? ['uWebSockets.js', 'ws'] : ['ws', 'uWebSockets.js'];
    for (const kind of order) {
      log(`stream: fan-out ${kind}, repetition ${r + 1}/${options.reps}: ${options.frames.toLocaleString('en')} frames to each of ${options.clients} clients ...`);
      fanOut[kind].push(await fanOutRun(kind, options, clientsRuntime));
    }
  }
  const engine = options.skipEngine ? null : await engineLegs(options, clientsRuntime, log);
  const fanOutResults: FanOutResult[] = (['uWebSockets.js', 'ws'] as const).map((server) => ({
    server, clients: options.clients, framesPerClient: options.frames, medianFramesPerSecond: median(fanOut[server].map((s) => s.framesPerSecond)), samples: fanOut[server],
  }));
  const uws = fanOutResults[0].medianFramesPerSecond;
  const goals: Goal[] = [{ goal: `fan-out >= ${GOAL_FRAMES_PER_SECOND / 1e6}M frames/s (uWS, ${options.clients} clients)`, value: uws, met: uws >= GOAL_FRAMES_PER_SECOND }];
  if (engine) {
    goals.push({ goal: `tick-to-intent p99 change < ${GOAL_P99_CHANGE * 100}% (${options.clients} clients + 1 stalled vs none)`, value: engine.ratio, met: Math.abs(engine.ratio - 1) < GOAL_P99_CHANGE });
  }
  return {
    suite: 'stream',
    node: process.version,
    cpus: os.availableParallelism(),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    options,
    clientsRunIn: clientsRuntime.kind === 'native'
      ? `${Math.min(workersOf(options, 'native'), options.clients + 1)} native client processes (bench/workers/stream-clients.c, one epoll thread each), sharing the machine's ${os.availableParallelism()} CPUs with the server (and the engine thread)`
      : `${Math.min(workersOf(options, 'node'), options.clients + 1)} worker threads of the bench process (Node clients), sharing the machine's ${os.availableParallelism()} CPUs with the server (and the engine thread)`,
    clientKind: clientsRuntime.kind,
    fanOut: fanOutResults,
    engine,
    goals,
  };
}

const rate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);
const micros = (ns: number): string => `${(ns / 1e3).toFixed(1)} us`;

export function printStreamBench(r: StreamBenchResult, log: (line: string) => void = console.log): void {
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  log('');
  log(`stream: node ${r.node}, ${r.cpus} CPUs, load average ${load(r.loadAverage.before)} before, ${load(r.loadAverage.after)} after`);
  log(`clients: ${r.clientsRunIn}`);
  log(`fan-out, ${r.options.clients} clients x ${r.options.frames.toLocaleString('en')} frames (median of ${r.options.reps})   ${'frames/s'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}  bytes/frame`);
  for (const f of r.fanOut) {
    const rates = f.samples.map((s) => s.framesPerSecond);
    log(`  ${f.server.padEnd(56)} ${rate(f.medianFramesPerSecond).padStart(10)} ${rate(Math.min(...rates)).padStart(10)} ${rate(Math.max(...rates)).padStart(10)}  ${f.samples[0].frameBytes}`);
  }
  for (const f of r.fanOut) {
    const ns = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(0));
    log(`  ${f.server}: CPU ns per delivered frame: server thread ${f.samples.map((s) => ns(s.serverCpuNsPerFrame)).join('/')}, clients ${f.samples.map((s) => ns(s.clientsCpuNsPerFrame)).join('/')}; event-loop utilisation server ${f.samples.map((s) => s.serverElu.toFixed(2)).join('/')}${f.samples[0].clientsElu === null ? '' : `, clients ${f.samples.map((s) => s.clientsElu!.toFixed(2)).join('/')}`}; bench process CPU s per s ${f.samples.map((s) => s.cpuPerSecond.toFixed(2)).join('/')}`);
  }
  log(`  uWS / ws: ${(r.fanOut[0].medianFramesPerSecond / r.fanOut[1].medianFramesPerSecond).toFixed(2)}x`);
  const { engine } = r;
  if (engine === null) log('engine leg: skipped (--skip-engine)');
  else {
    log(`engine p99 per stage, paper at ${r.options.speed}x, ${r.options.engineSeconds} s (median of ${r.options.reps})  ${ENGINE_STAGES.map((s) => s.padStart(9)).join(' ')} ${'sum'.padStart(9)}`);
    for (const [label, leg] of [['no clients', engine.noClients], [`${r.options.clients} clients + 1 stalled`, engine.withClients]] as const) {
      log(`  ${label.padEnd(66)} ${ENGINE_STAGES.map((s) => micros(leg.medianStageP99Ns[s]).padStart(9)).join(' ')} ${micros(leg.medianTickToIntentP99Ns).padStart(9)}`);
    }
    log(`  ratio (clients / none)${' '.repeat(45)}${ENGINE_STAGES.map((s) => `${engine.stageRatios[s].toFixed(2)}x`.padStart(9)).join(' ')} ${`${engine.ratio.toFixed(2)}x`.padStart(9)}`);
    const share = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(2));
    for (const [label, leg] of [['no clients', engine.noClients], ['clients', engine.withClients]] as const) {
      log(`  CPU s per s, ${label} runs: I/O thread ${leg.runs.map((run) => share(run.cpu.ioThread)).join('/')}, engine thread + V8 helpers ${leg.runs.map((run) => share(run.cpu.restOfProcess)).join('/')}${leg.runs[0].cpu.clients === null ? '' : `, clients ${leg.runs.map((run) => share(run.cpu.clients)).join('/')}`}`);
    }
    for (const run of engine.withClients.runs) {
      log(`  clients run: ready ${run.clientsReadyMs?.toFixed(0)} ms after start; ${run.framesSent} frames sent, per client ${run.framesPerClient?.min}..${run.framesPerClient?.max}; stalled client read ${run.stalledFrames}; coalesced ${run.framesCoalesced}${run.firstCoalescedSeconds === null ? '' : ` from ${run.firstCoalescedSeconds.toFixed(1)} s`}; slow-client disconnects (4008) ${run.slowClientDisconnects}${run.firstDisconnectSeconds === null ? '' : ` at ${run.firstDisconnectSeconds.toFixed(1)} s`}`);
    }
  }
  log('goals:');
  for (const g of r.goals) log(`  ${g.met ? 'met    ' : 'NOT met'}  ${g.goal.padEnd(66)} measured ${g.goal.startsWith('fan-out') ? `${rate(g.value)}/s` : `${g.value.toFixed(2)}x`}`);
}

/** Suite entry for bench/main.ts. */
export const streamSuite: BenchSuite = {
  name: 'stream',
  description: 'state server fan-out to raw-socket clients (uWS vs ws) and the engine\'s tick-to-intent p99 with and without clients',
  async run(options: BenchSuiteOptions = {}): Promise<StreamBenchResult> {
    const parsed = parseStreamBenchArgs(options.args ?? []);
    const result = await runStreamBench(parsed, options.json ? () => undefined : console.log);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printStreamBench(result);
    return result;
  },
};
