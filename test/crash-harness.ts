// The crash harness's moving parts: a live session process (tools/crash-harness/
// session-process.ts) against a local simulated-venue server, run to the end of the venue's
// market stream, killed with SIGKILL at scripted points (QF_CRASH_AT) or at random times and
// restarted until it finishes; and the venue's word at the end (every order, every fill, the
// positions, duplicate submissions), which is what an uninterrupted run is compared with.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../engine/core/mulberry32.js';
import { SimVenueAdapter, startSimVenueServer } from '../adapters/sim-venue/index.js';
import { clientOrderIdOf, pipelineToJson, type SessionBook } from '../engine/live/index.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';
import { childEnv } from './child-env.js';

const root = path.resolve(import.meta.dirname, '..');
const sessionScript = path.join(root, 'dist', 'tools', 'crash-harness', 'session-process.js');

export interface SessionRun {
  /** How the process ended: 'killed' (SIGKILL), 'finished' (exit 0 with its result), or 'failed'. */
  readonly end: 'killed' | 'finished' | 'failed';
  readonly stdout: string;
  readonly stderr: string;
  readonly result?: SessionOutput;
}

export interface SessionOutput {
  book: SessionBook;
  recoveredFromInboundSeq: string;
  replayedRecords: number;
  reconciliation: { missedFills: number; resolvedOrders: number; resubmittedOrders: number; rejectedOrders: number; text: string };
  marketRecords: number;
  commandsSent: number;
  decisionsHash: string;
  reconnects: number;
  /** With a model: its state and counters at the end (ModelFeed status). */
  model?: { state: string; counters: Record<string, number> };
}

export interface Venue {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startVenue(stateDir: string, barFiles: string[], faults?: { dropAfterMessages?: number }): Promise<Venue> {
  mkdirSync(stateDir, { recursive: true });
  return startSimVenueServer({ stateDir, barFiles, faults });
}

/** Writes the session's options file and returns a runner of one session process. */
export function sessionRunner(dir: string, venuePort: number, pipeline: PipelineSpec, checkpointEvery: number, extra: Record<string, unknown> = {}) {
  mkdirSync(dir, { recursive: true });
  const optionsFile = path.join(dir, 'session.json');
  writeFileSync(optionsFile, JSON.stringify({ journalDir: path.join(dir, 'journal'), venuePort, pipelineJson: pipelineToJson(pipeline), checkpointEvery, ...extra }));
  return {
    optionsFile,
    journalDir: path.join(dir, 'journal'),
    /** One process: killed at `crashAt` (QF_CRASH_AT), or after `killAfterMs`, or run to its end; bounded by `timeoutMs`. */
    run(options: { crashAt?: string; killAfterMs?: number; timeoutMs?: number } = {}): Promise<SessionRun> {
      const env = childEnv(options.crashAt ? { QF_CRASH_AT: options.crashAt } : {});
      if (!options.crashAt) delete env.QF_CRASH_AT;
      const child = spawn(process.execPath, [sessionScript, optionsFile], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const timers: NodeJS.Timeout[] = [];
      if (options.killAfterMs !== undefined) timers.push(setTimeout(() => child.kill('SIGKILL'), options.killAfterMs));
      timers.push(setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000));
      return new Promise((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          for (const timer of timers) clearTimeout(timer);
          if (signal === 'SIGKILL') return resolve({ end: 'killed', stdout, stderr });
          if (code === 0) return resolve({ end: 'finished', stdout, stderr, result: JSON.parse(stdout.trim().split('\n').pop()!) as SessionOutput });
          resolve({ end: 'failed', stdout, stderr });
        });
      });
    },
  };
}

/** The venue's account of a run: every order of ours (ids 1..maxId), every fill, positions, duplicates. */
export async function venueAccount(port: number, instruments: number[]) {
  // A venue that drops connections after N frames (a fault test) is read over fresh connections as needed.
  let adapter: SimVenueAdapter | null = null;
  const ask = async <T>(query: (venue: SimVenueAdapter) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      if (adapter === null || !adapter.connected) {
        adapter = new SimVenueAdapter({ host: '127.0.0.1', port });
        adapter.onRecord(() => undefined);
        await adapter.connect();
      }
      try {
        return await query(adapter);
      } catch (error) {
        if (adapter.connected || attempt > 100) throw error;
      }
    }
  };
  try {
    const orders: unknown[] = [];
    // Ids the core held back (emulated orders never sent) leave gaps; 64 unknown ids in a row end the list.
    for (let id = 1n, unknown = 0; unknown < 64; id++) {
      const order = await ask((venue) => venue.order(clientOrderIdOf(id)));
      if (order === null) {
        unknown++;
        continue;
      }
      unknown = 0;
      orders.push({ ...order, orderId: order.orderId.toString() });
    }
    const fills = (await ask((venue) => venue.fillsSince(0n))).map((record) => Buffer.from(record).toString('hex'));
    const positions = (await ask((venue) => venue.positions())).filter((p) => instruments.includes(p.instrument));
    const stats = await ask((venue) => venue.stats());
    return { orders, fills, positions, stats };
  } finally {
    await (adapter as SimVenueAdapter | null)?.close();
  }
}

/** mulberry32 (engine/core/mulberry32.ts): a seeded generator, so a failing plan can be run again from its printed seed. */
export const seededRandom = mulberry32;
