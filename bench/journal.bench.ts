// Journal benchmark: the write-ahead journal (engine/journal) on the I/O thread's paths.
//
//   inbound ring record --append--> pending batch --commitIfDue--> LMDB txn (fdatasync) --> publish
//   command (ORDER) --encode+append+commit--> LMDB txn (fdatasync or not) --socket.write--> kernel
//   recovery: LMDB --readInbound(0)--> 64-byte records (--> publish into the core: journal-recovery-core.ts)
//
// Legs (all on the main thread, one process, LMDB files under os.tmpdir(), deleted after):
//   throughput group   append one 64-byte inbound record (views of a 65,536-slot tape, as the
//                      ring's slots), then commitIfDue() after every append; policy group
//                      (2 ms, 4096 records: DEFAULT_DURABILITY); a final commit() is timed too.
//                      --events (1,000,000) per repetition.
//   throughput async   the same appends with the async policy, commit() every 4096 records (the
//                      group leg's largest batch; async's commitIfDue commits per record): the
//                      cost of the journal without the fsync.
//   fsync per command  append one SubmitOrder entry, commit() (fdatasync), per command;
//                      --commands (1,000) per repetition; also the same with async.
//   latency            per command: encode + append + commit, then socket.write of its 64-byte
//                      record on a TCP connection to a 127.0.0.1 server (ephemeral port, in a
//                      worker thread that reads and discards), timed from before the append until
//                      socket.write returned (handed to the kernel: the write must leave nothing
//                      queued in Node, checked per command); also the journal part alone (until
//                      commit returned) and the socket.write alone with no journal (baseline).
//                      HDR histograms (hdr-histogram-js, 3 significant digits), ns; fsync and
//                      async; --latency-commands (10,000; fsync: a fifth) per repetition after
//                      1,000 untimed warm-up commands; the event loop turns between commands
//                      (untimed) so the server reads as it would in the engine.
//   recovery           writes --recovery-records (1,000,000) inbound records (async, untimed),
//                      reopens the journal, then times readInbound(0n) over all of them, reading
//                      each record's first byte; the page cache is warm (cold-cache recovery after
//                      a reboot is left out). `recoveryBench` takes a `publish` callback so the
//                      caller can add publishing into the core to the timed loop. Also timed: the
//                      seek of readInbound(last) (its binary search), once. Then recovery through
//                      the core (journal-recovery-core.ts). --only-recovery runs these legs alone.
// Left out of every timed region: opening and closing the journal, creating the entries' tapes,
// the result checks, the server and connection set-up.
// Repetitions: one untimed warm-up, then --repetitions (5; latency and recovery 3) timed; medians.
// Result checks: every leg's committed sequence equals what it appended; the group leg reads back
// its last record; the server received exactly the bytes sent; recovery reads every record once,
// in order, and their checksum matches the one written.
// Goals: group commit >= 300k events/s; intent -> wire p99 <= 50 us excluding fsync (the async
// leg); recovery >= 1M records/s.
//
// Run: `npm run build && npm run bench -- journal [--json] [--events N] [--commands N]
// [--latency-commands N] [--recovery-records N] [--repetitions N] [--only-recovery]`.
import { coreRecoveryBench, type CoreRecoveryResult } from './journal-recovery-core.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Command } from 'commander';
import { latencyHistogram as histogram, median, medianPercentiles, percentiles, type Percentiles } from './latency-percentiles.js';
import { DEFAULT_DURABILITY, Journal, type DurabilityPolicy, type JournalEntry } from '../engine/journal/index.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const TAPE_SLOTS = 65_536;
const WARM_UP_COMMANDS = 1_000;
const GOAL_EVENTS_PER_SECOND = 300_000;
const GOAL_P99_NS = 50_000;
const GOAL_RECOVERY_PER_SECOND = 1_000_000;

export interface JournalBenchOptions {
  events: number;
  commands: number;
  latencyCommands: number;
  recoveryRecords: number;
  repetitions: number;
  /** Run the recovery legs only (readInbound, then through the core); throughput and latency are skipped (null). */
  onlyRecovery?: boolean;
}

export interface Rate {
  name: string;
  median: number;
  samples: number[];
}

export interface LatencyResult {
  durability: 'fsync' | 'async';
  commands: number;
  /** Intent -> socket.write returned: encode + append + commit + write. */
  wire: Percentiles;
  /** Intent -> commit returned. */
  journal: Percentiles;
  /** socket.write alone, no journal (baseline). */
  writeOnly: Percentiles;
}


export interface RecoveryResult {
  records: number;
  recordsPerSecond: Rate;
  /** readInbound(last inbound sequence) until its first record: the binary search. */
  seekToLastUs: number;
  journalBytes: number;
}

export interface Goal {
  goal: string;
  value: number;
  met: boolean;
}

export interface JournalBenchResult {
  suite: 'journal';
  node: string;
  cpus: number;
  tmpdir: string;
  loadAverage: { before: number[]; after: number[] };
  options: JournalBenchOptions;
  throughput: { group: Rate & { recordsPerCommit: number }; async: Rate; fsyncPerCommand: Rate; asyncPerCommand: Rate } | null;
  latency: LatencyResult[] | null;
  recovery: RecoveryResult;
  recoveryThroughCore: CoreRecoveryResult[];
  goals: Goal[];
}


function rate(name: string, samples: number[]): Rate {
  return { name, median: median(samples), samples };
}

/** 64-byte records as views of one tape, like the ring's slots; record k carries k in its first 8 bytes. */
function recordTape(): Uint8Array[] {
  const tape = new Uint8Array(TAPE_SLOTS * 64);
  const view = new DataView(tape.buffer);
  for (let k = 0; k < TAPE_SLOTS; k++) {
    view.setFloat64(k * 64, k, true);
    view.setFloat64(k * 64 + 8, 100 + k / 1000, true);
  }
  return Array.from({ length: TAPE_SLOTS }, (_, k) => tape.subarray(k * 64, k * 64 + 64));
}

function submitEntry(orderId: number, record: Uint8Array): JournalEntry {
  return {
    type: 'submit',
    orderId: BigInt(orderId),
    clientOrderId: `qf-${orderId}`,
    instrument: orderId % 3,
    side: orderId % 2 ? 'sell' : 'buy',
    quantity: 0.01,
    limitPrice: 100.5,
    stopPrice: null,
    reduceOnly: false,
    postOnly: false,
    record,
  };
}

class Scratch {
  private n = 0;
  constructor(readonly root: string) {}
  next(name: string): string {
    return path.join(this.root, `${name}-${++this.n}`);
  }
  remove(at: string): void {
    rmSync(at, { recursive: true, force: true });
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`journal bench: result check failed: ${what}`);
}

/** events/s of append + commitIfDue per inbound record (or, with `commitEvery`, commit() every that many). */
function inboundThroughput(scratch: Scratch, tape: Uint8Array[], events: number, durability: DurabilityPolicy, commitEvery = 0): { perSecond: number; commits: number } {
  const at = scratch.next('inbound');
  const journal = Journal.open(at, { durability });
  const entry = { type: 'inbound' as const, inboundSeq: 0n, record: tape[0], sourceSeq: 0n };
  let commits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    entry.inboundSeq = BigInt(i);
    entry.record = tape[i & (TAPE_SLOTS - 1)];
    journal.append(entry);
    if (commitEvery > 0) {
      if ((i + 1) % commitEvery === 0) {
        journal.commit();
        commits++;
      }
    } else if (journal.commitIfDue()) commits++;
  }
  journal.commit();
  commits++;
  const elapsedNs = Number(process.hrtime.bigint() - start);
  check(journal.committedSequence() === BigInt(events), `${durability.mode}: committed ${journal.committedSequence()} of ${events}`);
  const last = journal.readInbound(BigInt(events - 1)).next();
  check(!last.done && last.value.inboundSeq === BigInt(events - 1), `${durability.mode}: the last record reads back`);
  journal.close();
  scratch.remove(at);
  return { perSecond: events / (elapsedNs / 1e9), commits };
}

/** commands/s of append + commit per command. */
function commandThroughput(scratch: Scratch, tape: Uint8Array[], commands: number, durability: DurabilityPolicy): number {
  const at = scratch.next('commands');
  const journal = Journal.open(at, { durability });
  const entries = Array.from({ length: commands }, (_, k) => submitEntry(k + 1, tape[k & (TAPE_SLOTS - 1)]));
  const start = process.hrtime.bigint();
  for (let k = 0; k < commands; k++) {
    journal.append(entries[k]);
    journal.commit();
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  check(journal.committedSequence() === BigInt(commands), `${durability.mode} per command: committed ${journal.committedSequence()} of ${commands}`);
  journal.close();
  scratch.remove(at);
  return commands / (elapsedNs / 1e9);
}

/** A TCP server in a worker thread that counts and discards what it reads. */
class SinkServer {
  private constructor(private readonly worker: Worker, readonly port: number) {}

  static async start(): Promise<SinkServer> {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const net = require('node:net');
       let received = 0;
       const server = net.createServer((socket) => socket.on('data', (chunk) => { received += chunk.length; }));
       server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
       parentPort.on('message', () => parentPort.postMessage({ received }));`,
      { eval: true },
    );
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (m: { port: number }) => resolve(m.port));
      worker.once('error', reject);
    });
    return new SinkServer(worker, port);
  }

  /** Bytes received so far (asks the worker). */
  received(): Promise<number> {
    return new Promise((resolve) => {
      this.worker.once('message', (m: { received: number }) => resolve(m.received));
      this.worker.postMessage('count');
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}




async function until(socket: Socket, event: 'connect' | 'drain'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once(event, () => resolve());
    socket.once('error', reject);
  });
}

/** Intent -> journal -> wire latency per command, one repetition. */
async function latencyRun(scratch: Scratch, server: SinkServer, tape: Uint8Array[], commands: number, durability: 'fsync' | 'async'): Promise<{ wire: Percentiles; journal: Percentiles; writeOnly: Percentiles }> {
  const at = scratch.next(`latency-${durability}`);
  const journal = Journal.open(at, { durability: { mode: durability } });
  const socket = connect({ port: server.port, host: '127.0.0.1', noDelay: true });
  await until(socket, 'connect');
  const before = await server.received();
  const wire = histogram();
  const journalOnly = histogram();
  const writeOnly = histogram();
  let sent = 0;
  const total = WARM_UP_COMMANDS + commands;
  for (let k = 0; k < total; k++) {
    const record = tape[k & (TAPE_SLOTS - 1)];
    const entry = submitEntry(k + 1, record);
    const t0 = process.hrtime.bigint();
    journal.append(entry);
    journal.commit();
    const t1 = process.hrtime.bigint();
    socket.write(record);
    const t2 = process.hrtime.bigint();
    check(socket.writableLength === 0, `${durability}: command ${k} was queued in Node, not handed to the kernel`);
    sent += 64;
    await turn();
    // Baseline: the same write with no journal in front of it.
    const t3 = process.hrtime.bigint();
    socket.write(record);
    const t4 = process.hrtime.bigint();
    sent += 64;
    if (k >= WARM_UP_COMMANDS) {
      wire.recordValue(Math.max(1, Number(t2 - t0)));
      journalOnly.recordValue(Math.max(1, Number(t1 - t0)));
      writeOnly.recordValue(Math.max(1, Number(t4 - t3)));
    }
    await turn();
  }
  check(journal.committedSequence() === BigInt(total), `${durability} latency: committed ${journal.committedSequence()} of ${total}`);
  await new Promise<void>((resolve) => socket.end(resolve));
  for (let waited = 0; (await server.received()) - before < sent && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const received = (await server.received()) - before;
  check(received === sent, `${durability} latency: the server received ${received} of ${sent} bytes`);
  journal.close();
  scratch.remove(at);
  return { wire: percentiles(wire), journal: percentiles(journalOnly), writeOnly: percentiles(writeOnly) };
}

export interface RecoveryBenchOptions {
  records: number;
  repetitions: number;
  /** Directory for the journal (default: a new one under os.tmpdir(), deleted after). */
  directory?: string;
  /** Called per record inside the timed loop (e.g. publish into the core); `record` is valid during the call only. */
  publish?: (record: Uint8Array, inboundSeq: bigint) => void;
  log?: (line: string) => void;
}

/**
 * Writes `records` inbound records (untimed), then times readInbound(0n) over all of them per
 * repetition (after one untimed warm-up pass), calling `publish` per record if given.
 */
export async function recoveryBench(options: RecoveryBenchOptions): Promise<RecoveryResult> {
  const owned = options.directory === undefined;
  const root = options.directory ?? mkdtempSync(path.join(os.tmpdir(), 'qf-journal-recovery-'));
  const at = path.join(root, 'recovery');
  try {
    const tape = recordTape();
    const writer = Journal.open(at, { durability: { mode: 'async' } });
    let written = 0;
    for (let i = 0; i < options.records; i++) {
      const record = tape[i & (TAPE_SLOTS - 1)];
      written += record[0];
      writer.append({ type: 'inbound', inboundSeq: BigInt(i), record, sourceSeq: BigInt(i) });
      if ((i & 4095) === 4095) writer.commit();
    }
    writer.close();
    const journalBytes = statSync(path.join(at, 'data.mdb')).size;
    const journal = Journal.open(at);
    const publish = options.publish;
    const samples: number[] = [];
    for (let repetition = 0; repetition <= options.repetitions; repetition++) {
      let count = 0;
      let checksum = 0;
      let ordered = true;
      const start = process.hrtime.bigint();
      for (const r of journal.readInbound(0n)) {
        checksum += r.record[0];
        if (Number(r.inboundSeq) !== count) ordered = false;
        if (publish) publish(r.record, r.inboundSeq);
        count++;
      }
      const elapsedNs = Number(process.hrtime.bigint() - start);
      check(count === options.records && ordered && checksum === written, `recovery read ${count} of ${options.records} records (in order: ${ordered}, checksum ${checksum} vs ${written})`);
      if (repetition > 0) samples.push(count / (elapsedNs / 1e9));
    }
    const seekStart = process.hrtime.bigint();
    const last = journal.readInbound(BigInt(options.records - 1)).next();
    const seekToLastUs = Number(process.hrtime.bigint() - seekStart) / 1e3;
    check(!last.done && last.value.inboundSeq === BigInt(options.records - 1), 'readInbound(last) finds the last record');
    journal.close();
    return { records: options.records, recordsPerSecond: rate('readInbound(0n)', samples), seekToLastUs, journalBytes };
  } finally {
    if (owned) rmSync(root, { recursive: true, force: true });
    else rmSync(at, { recursive: true, force: true });
  }
}

export function parseJournalBenchArgs(args: string[]): JournalBenchOptions {
  const positiveInteger = (field: string) => (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`\`${field}\` must be an integer >= 1, was ${JSON.stringify(value)}`);
    return n;
  };
  const command = new Command('journal')
    .exitOverride()
    .option('--events <n>', 'inbound records per throughput repetition', positiveInteger('--events'), 1_000_000)
    .option('--commands <n>', 'commands per fsync-per-command repetition', positiveInteger('--commands'), 1_000)
    .option('--latency-commands <n>', 'timed commands per latency repetition (async; fsync a fifth)', positiveInteger('--latency-commands'), 10_000)
    .option('--recovery-records <n>', 'inbound records written then read back', positiveInteger('--recovery-records'), 1_000_000)
    .option('--repetitions <n>', 'timed repetitions of the throughput legs', positiveInteger('--repetitions'), 5)
    .option('--only-recovery', 'run the recovery legs only (readInbound, then through the core)')
    .option('--json', 'handled by bench/main.ts');
  command.parse(args, { from: 'user' });
  return command.opts<JournalBenchOptions>();
}

/** The recovery legs: readInbound alone, then through the core (transport and trading pipelines). */
async function recoveryLegs(options: JournalBenchOptions, root: string, fewer: number, log: (line: string) => void): Promise<{ recovery: RecoveryResult; recoveryThroughCore: CoreRecoveryResult[]; goal: Goal }> {
  log(`journal: recovery, ${options.recoveryRecords.toLocaleString('en')} inbound records, ${fewer} repetitions (+1 warm-up) ...`);
  const recovery = await recoveryBench({ records: options.recoveryRecords, repetitions: fewer, directory: root });
  const recoveryThroughCore = await coreRecoveryBench(options.recoveryRecords, fewer, log);
  const trading = recoveryThroughCore.find((r) => r.pipeline === 'trading')!;
  const goal = { goal: `recovery >= ${GOAL_RECOVERY_PER_SECOND / 1e6}M records/s (through the core, trading)`, value: trading.recordsPerSecond, met: trading.recordsPerSecond >= GOAL_RECOVERY_PER_SECOND };
  return { recovery, recoveryThroughCore, goal };
}

export async function runJournalBench(options: JournalBenchOptions, log: (line: string) => void = console.log): Promise<JournalBenchResult> {
  const loadBefore = os.loadavg();
  const root = mkdtempSync(path.join(os.tmpdir(), 'qf-journal-bench-'));
  const scratch = new Scratch(root);
  const tape = recordTape();
  const reps = options.repetitions;
  const fewer = Math.max(1, Math.min(3, reps));
  try {
    if (options.onlyRecovery) {
      const { recovery, recoveryThroughCore, goal } = await recoveryLegs(options, root, fewer, log);
      return { suite: 'journal', node: process.version, cpus: os.availableParallelism(), tmpdir: os.tmpdir(), loadAverage: { before: loadBefore, after: os.loadavg() }, options, throughput: null, latency: null, recovery, recoveryThroughCore, goals: [goal] };
    }
    log(`journal: throughput, ${reps} repetitions (+1 warm-up) of ${options.events.toLocaleString('en')} inbound records and ${options.commands.toLocaleString('en')} commands ...`);
    const group: number[] = [];
    const commits: number[] = [];
    const async: number[] = [];
    const fsyncPerCommand: number[] = [];
    const asyncPerCommand: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const g = inboundThroughput(scratch, tape, options.events, DEFAULT_DURABILITY);
      const a = inboundThroughput(scratch, tape, options.events, { mode: 'async' }, (DEFAULT_DURABILITY as { maxRecords: number }).maxRecords);
      const f = commandThroughput(scratch, tape, options.commands, { mode: 'fsync' });
      const c = commandThroughput(scratch, tape, options.commands, { mode: 'async' });
      if (r === 0) continue;
      group.push(g.perSecond);
      commits.push(g.commits);
      async.push(a.perSecond);
      fsyncPerCommand.push(f);
      asyncPerCommand.push(c);
    }

    log(`journal: intent -> journal -> wire latency, ${fewer} repetitions of ${options.latencyCommands.toLocaleString('en')} commands (fsync: ${Math.ceil(options.latencyCommands / 5).toLocaleString('en')}) after ${WARM_UP_COMMANDS.toLocaleString('en')} warm-up ...`);
    const server = await SinkServer.start();
    const latency: LatencyResult[] = [];
    try {
      for (const durability of ['fsync', 'async'] as const) {
        const commands = durability === 'fsync' ? Math.ceil(options.latencyCommands / 5) : options.latencyCommands;
        const runs = [];
        for (let r = 0; r < fewer; r++) runs.push(await latencyRun(scratch, server, tape, commands, durability));
        latency.push({
          durability,
          commands,
          wire: medianPercentiles(runs.map((x) => x.wire)),
          journal: medianPercentiles(runs.map((x) => x.journal)),
          writeOnly: medianPercentiles(runs.map((x) => x.writeOnly)),
        });
      }
    } finally {
      await server.stop();
    }

    const { recovery, recoveryThroughCore, goal: recoveryGoal } = await recoveryLegs(options, root, fewer, log);

    const groupRate = rate('group commit (2 ms / 4096), commitIfDue per record', group);
    const asyncLatency = latency.find((l) => l.durability === 'async')!;
    const goals: Goal[] = [
      { goal: `group commit >= ${GOAL_EVENTS_PER_SECOND / 1e3}k events/s`, value: groupRate.median, met: groupRate.median >= GOAL_EVENTS_PER_SECOND },
      { goal: `intent -> wire p99 <= ${GOAL_P99_NS / 1e3} us excluding fsync (async)`, value: asyncLatency.wire.p99Ns, met: asyncLatency.wire.p99Ns <= GOAL_P99_NS },
      recoveryGoal,
    ];
    return {
      suite: 'journal',
      node: process.version,
      cpus: os.availableParallelism(),
      tmpdir: os.tmpdir(),
      loadAverage: { before: loadBefore, after: os.loadavg() },
      options,
      throughput: {
        group: { ...groupRate, recordsPerCommit: options.events / median(commits) },
        async: rate('async (no fsync), commit() per 4096 records', async),
        fsyncPerCommand: rate('fsync per command (SubmitOrder + commit)', fsyncPerCommand),
        asyncPerCommand: rate('async per command (SubmitOrder + commit)', asyncPerCommand),
      },
      latency,
      recovery,
      recoveryThroughCore,
      goals,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const thousands = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);
const micros = (ns: number) => `${(ns / 1e3).toFixed(1)} us`;

export function printJournalBench(r: JournalBenchResult, log: (line: string) => void = console.log): void {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  log('');
  log(`journal (LMDB under ${r.tmpdir}): node ${r.node}, ${r.cpus} CPUs, load average ${load(r.loadAverage.before)} before, ${load(r.loadAverage.after)} after`);
  const t = r.throughput;
  if (t !== null) log(`throughput (median of ${r.options.repetitions})                          ${'per s'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}`);
  if (t !== null) for (const x of [t.group, t.async, t.fsyncPerCommand, t.asyncPerCommand]) {
    log(`  ${x.name.padEnd(54)} ${thousands(x.median).padStart(10)} ${thousands(Math.min(...x.samples)).padStart(10)} ${thousands(Math.max(...x.samples)).padStart(10)}`);
  }
  if (t !== null) log(`  group commit: ${t.group.recordsPerCommit.toFixed(0)} records per commit (median)`);
  if (r.latency !== null) log(`latency per command (median of each percentile; max of max)   ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'p99.9'.padStart(9)} ${'max'.padStart(9)}`);
  for (const l of r.latency ?? []) {
    const row = (label: string, p: Percentiles) => log(`  ${label.padEnd(60)} ${micros(p.p50Ns).padStart(9)} ${micros(p.p99Ns).padStart(9)} ${micros(p.p999Ns).padStart(9)} ${micros(p.maxNs).padStart(9)}`);
    row(`${l.durability}: intent -> journal -> wire (${l.commands.toLocaleString('en')} commands)`, l.wire);
    row(`${l.durability}: intent -> committed (journal part)`, l.journal);
    row(`${l.durability}: socket.write alone (baseline, no journal)`, l.writeOnly);
  }
  const rec = r.recovery;
  log(
    `recovery: readInbound(0n) over ${rec.records.toLocaleString('en')} records (${(rec.journalBytes / 2 ** 20).toFixed(0)} MiB file, warm page cache): ${thousands(rec.recordsPerSecond.median)} records/s (samples ${rec.recordsPerSecond.samples.map(thousands).join(', ')}); seek to the last record ${rec.seekToLastUs.toFixed(0)} us`,
  );
  for (const c of r.recoveryThroughCore) {
    log(`recovery through the core (${c.pipeline}): replayJournal over ${c.records.toLocaleString('en')} records: ${thousands(c.recordsPerSecond)} records/s (samples ${c.samples.map(thousands).join(', ')}); ${c.decisions.toLocaleString('en')} outbound records`);
  }
  log('goals:');
  for (const g of r.goals) {
    const value = g.goal.includes('p99') ? micros(g.value) : `${thousands(g.value)}/s`;
    log(`  ${g.met ? 'met    ' : 'NOT met'}  ${g.goal.padEnd(52)} measured ${value}`);
  }
}

/** Suite entry for bench/main.ts. */
export const journalSuite: BenchSuite = {
  name: 'journal',
  description: 'write-ahead journal on LMDB: group-commit and per-command fsync throughput, intent -> journal -> TCP wire latency (fsync, async), recovery read speed',
  async run(options: BenchSuiteOptions = {}): Promise<JournalBenchResult> {
    const parsed = parseJournalBenchArgs(options.args ?? []);
    const result = await runJournalBench(parsed, options.json ? () => undefined : console.log);
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else printJournalBench(result);
    return result;
  },
};
