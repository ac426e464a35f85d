// The stream bench's clients (bench/stream.bench.ts): N minimal raw-socket WebSocket clients
// that subscribe and count binary frames and bytes per client, in one of two runtimes:
//   native  bench/workers/stream-clients.c, compiled on first use with the machine's C compiler
//           (`$CC`, default `cc`) into a cache directory (os.tmpdir()/quantflow-bench, the
//           binary named by a hash of the source and the compiler command), run as --workers
//           child processes (one epoll thread each); counters in a file they map shared.
//   node    bench/workers/stream-clients.ts in --workers worker threads of the bench process;
//           counters in a SharedArrayBuffer. The fallback when no C compiler works.
// Both walk frame headers only and keep the same counter layout (Float64 pairs [frames, bytes]
// per client), so the bench reads them the same way. Each fleet also reports the CPU time its
// clients used (native: /proc/<pid>/schedstat of each child; node: null, the workers share the
// bench's process) and, for node, the workers' event-loop utilisation.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Worker } from 'node:worker_threads';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { packageRoot } from '../engine/core/package-root.js';
import { spawnWorker } from '../engine/threads/index.js';

export type ClientKind = 'native' | 'node';

export interface ClientFleetOptions {
  port: number;
  clients: number;
  /** Clients (the fleet's last ones) that subscribe and then never read their socket. */
  stalled: number;
  topics: readonly string[];
  /** Worker threads (node) or child processes (native) the clients are spread over. */
  workers: number;
  /** Runs once every worker or process runs (the clients then connect, retrying until the server listens). */
  onStarted?: () => void;
  /** How long the clients may take to connect and subscribe. */
  timeoutMs: number;
  /** Native clients: microseconds each process sleeps after an epoll round that read data (0: none). Node clients ignore it. */
  napUs?: number;
}

export interface ClientFleet {
  readonly kind: ClientKind;
  /** Clients, stalled ones included. */
  readonly total: number;
  /** Reads the counters anew (native: from the shared file; node: a no-op, the memory is shared). */
  refresh(): void;
  frames(client: number): number;
  bytes(client: number): number;
  /** CPU ns the clients used so far (native), null when they share the bench's process (node). */
  cpuNs(): number | null;
  /** The node workers' event-loop utilisation since `since` (null for native clients). */
  elu(since?: EventLoopUtilization[] | null): EventLoopUtilization[] | null;
  readonly error: string | null;
  readonly closeCodes: readonly number[];
  stop(): Promise<void>;
}

/** Splits `total` clients over `n` groups: [first, count, stalled here] (the stalled ones in the last group). */
function groups(total: number, stalled: number, workers: number): [number, number, number][] {
  const n = Math.min(workers, total);
  const out: [number, number, number][] = [];
  let first = 0;
  for (let w = 0; w < n; w++) {
    const count = Math.floor(total / n) + (w < total % n ? 1 : 0);
    out.push([first, count, w === n - 1 ? Math.min(stalled, count) : 0]);
    first += count;
  }
  return out;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stream bench: ${what} within ${ms} ms`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

/** The native clients' binary, compiled if not cached; or why it cannot be had. */
export function nativeClientsProgram(): { program: string } | { reason: string } {
  const source = path.join(packageRoot(), 'bench', 'workers', 'stream-clients.c');
  if (!existsSync(source)) return { reason: `the C source ${source} is missing` };
  const cc = process.env.CC?.trim() || 'cc';
  const flags = ['-O2', '-std=c11', '-Wall'];
  const hash = createHash('sha256').update(readFileSync(source)).update(`\0${cc}\0${flags.join(' ')}`).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'quantflow-bench');
  const program = path.join(dir, `stream-clients-${hash}`);
  if (existsSync(program)) return { program };
  mkdirSync(dir, { recursive: true });
  const building = `${program}.${process.pid}.tmp`;
  const built = spawnSync(cc, [...flags, '-o', building, source], { encoding: 'utf8' });
  if (built.error) return { reason: `no C compiler: \`${cc}\` could not run (${(built.error as NodeJS.ErrnoException).code ?? built.error.message})` };
  if (built.status !== 0) return { reason: `\`${cc}\` failed on ${source} (exit ${built.status}): ${built.stderr.trim().split('\n').slice(0, 3).join(' | ')}` };
  renameSync(building, program);
  return { program };
}

/** Starts the clients and resolves once every one subscribed to every topic. */
export async function startClientFleet(kind: ClientKind, program: string | null, options: ClientFleetOptions): Promise<ClientFleet> {
  const fleet = kind === 'native' ? new NativeClientFleet(program!, options) : new NodeClientFleet(options);
  try {
    await withTimeout(fleet.ready, options.timeoutMs, 'the clients did not all subscribe');
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  return fleet;
}

/** Node clients: worker threads of this process, counters in a SharedArrayBuffer. */
class NodeClientFleet implements ClientFleet {
  readonly kind = 'node';
  readonly total: number;
  readonly ready: Promise<void>;
  private readonly counters: Float64Array;
  private readonly workers: Worker[] = [];
  private failure: string | null = null;
  private readonly codes: number[] = [];

  constructor(options: ClientFleetOptions) {
    this.total = options.clients + options.stalled;
    const shared = new SharedArrayBuffer(this.total * 16);
    this.counters = new Float64Array(shared);
    const parts = groups(this.total, options.stalled, options.workers);
    let started = 0;
    const ready: Promise<void>[] = [];
    for (const [first, count, stalled] of parts) {
      const worker = spawnWorker(new URL('./workers/stream-clients.js', import.meta.url), {
        workerData: { host: '127.0.0.1', port: options.port, first, count, stalled, topics: [...options.topics], counters: shared, connectTimeoutMs: options.timeoutMs / 2 },
      });
      this.workers.push(worker);
      ready.push(new Promise<void>((resolve, reject) => {
        worker.on('message', (m: { type: string; message?: string; code?: number }) => {
          if (m.type === 'ready') resolve();
          if (m.type === 'started' && ++started === parts.length) options.onStarted?.();
          if (m.type === 'closed' && m.code !== undefined) this.codes.push(m.code);
          if (m.type === 'error') {
            this.failure ??= m.message ?? 'unknown';
            reject(new Error(`stream bench clients: ${m.message}`));
          }
        });
        worker.once('error', (error) => {
          this.failure ??= error.message;
          reject(error);
        });
      }));
    }
    this.ready = Promise.all(ready).then(() => undefined);
  }

  refresh(): void {}

  frames(client: number): number {
    return this.counters[client * 2];
  }

  bytes(client: number): number {
    return this.counters[client * 2 + 1];
  }

  cpuNs(): null {
    return null;
  }

  elu(since?: EventLoopUtilization[] | null): EventLoopUtilization[] {
    return this.workers.map((worker, i) => worker.performance.eventLoopUtilization(since?.[i]));
  }

  get error(): string | null {
    return this.failure;
  }

  get closeCodes(): readonly number[] {
    return this.codes;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Native clients: child processes, counters in a file they map shared and the bench reads. */
class NativeClientFleet implements ClientFleet {
  readonly kind = 'native';
  readonly total: number;
  readonly ready: Promise<void>;
  private readonly counters: Float64Array;
  private readonly dir: string;
  private readonly fd: number;
  private readonly children: ChildProcess[] = [];
  private readonly exited: Promise<void>[] = [];
  private failure: string | null = null;
  private readonly codes: number[] = [];
  private stopping = false;

  constructor(program: string, options: ClientFleetOptions) {
    this.total = options.clients + options.stalled;
    this.counters = new Float64Array(this.total * 2);
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'qf-stream-clients-'));
    const file = path.join(this.dir, 'counters');
    writeFileSync(file, Buffer.alloc(this.total * 16));
    this.fd = openSync(file, 'r');
    const parts = groups(this.total, options.stalled, options.workers);
    let started = 0;
    const ready: Promise<void>[] = [];
    for (const [first, count, stalled] of parts) {
      const child = spawn(program, ['127.0.0.1', String(options.port), String(first), String(count), String(stalled), file, String(options.timeoutMs / 2), String(options.napUs ?? 0), ...options.topics], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
      this.exited.push(new Promise((resolve) => child.once('close', () => resolve())));
      ready.push(new Promise<void>((resolve, reject) => {
        const fail = (message: string): void => {
          this.failure ??= message;
          reject(new Error(`stream bench clients: ${message}`));
        };
        child.once('error', (error) => fail(`${program}: ${error.message}`));
        child.once('exit', (code, signal) => {
          if (!this.stopping) fail(`the client process for clients ${first}..${first + count - 1} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`);
        });
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (line === 'started' && ++started === parts.length) options.onStarted?.();
          else if (line === 'ready') resolve();
          else if (line.startsWith('closed ')) this.codes.push(Number(line.split(' ')[2]));
          else if (line.startsWith('error ')) fail(line.slice(6));
        });
      }));
    }
    this.ready = Promise.all(ready).then(() => undefined);
  }

  refresh(): void {
    readSync(this.fd, this.counters, 0, this.counters.byteLength, 0);
  }

  frames(client: number): number {
    return this.counters[client * 2];
  }

  bytes(client: number): number {
    return this.counters[client * 2 + 1];
  }

  cpuNs(): number {
    let total = 0;
    for (const child of this.children) {
      try {
        total += Number(readFileSync(`/proc/${child.pid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // Exited: its time is no longer readable (only read while the clients run).
      }
    }
    return total;
  }

  elu(): null {
    return null;
  }

  get error(): string | null {
    return this.failure;
  }

  get closeCodes(): readonly number[] {
    return this.codes;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const child of this.children) {
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    await Promise.all(this.exited);
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** CPU ns the calling thread used so far (Linux: /proc/thread-self/schedstat), null elsewhere. */
export function threadCpuNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}
