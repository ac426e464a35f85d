// Starts the sim-venue server as its own process, for tests and harnesses: spawns
// `node dist/adapters/sim-venue/server/main.js` (built by `npm run build`), waits (bounded)
// for its ready line {"listening":PORT,"pid":PID}, and hands back its port and pid with
// stop() and kill(), which signal exactly that pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimVenueArgumentError } from './errors.js';

export interface StartSimVenueServerOptions {
  /** LMDB directory of the server's state (kept across restarts). */
  readonly stateDir: string;
  /** CSV bar files, one instrument each (ids 0..n-1 in this order). */
  readonly barFiles: readonly string[];
  readonly instrumentNames?: readonly string[];
  /** Default 0: a free port. */
  readonly port?: number;
  readonly makerFee?: number;
  readonly takerFee?: number;
  /** Faults for every connection (see WireFault). */
  readonly faults?: { readonly dropAfterMessages?: number; readonly delayMs?: number };
  /** Bound on the wait for the ready line, ms (default 30000). */
  readonly startTimeoutMs?: number;
  /** The server script (default: dist/adapters/sim-venue/server/main.js of this package). */
  readonly mainPath?: string;
}

export interface SimVenueServerProcess {
  readonly port: number;
  readonly pid: number;
  /** SIGTERM (clean close), SIGKILL after a bounded wait; resolves once the process exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash; resolves once the process exited. */
  kill(): Promise<void>;
  /** What the server wrote on stderr so far (its log). */
  stderr(): string;
}

const STOP_GRACE_MS = 5000;
const STDERR_KEEP_CHARS = 64 * 1024;

/** dist/adapters/sim-venue/server/main.js of the package this module belongs to (run from dist/ or from source). */
export function defaultServerMainPath(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = here.includes(`${path.sep}dist${path.sep}adapters${path.sep}`) ? `${path.sep}dist${path.sep}adapters${path.sep}` : `${path.sep}adapters${path.sep}`;
  const root = here.slice(0, here.lastIndexOf(marker));
  return path.join(root, 'dist', 'adapters', 'sim-venue', 'server', 'main.js');
}

function serverArgs(options: StartSimVenueServerOptions): string[] {
  if (typeof options.stateDir !== 'string' || options.stateDir === '') throw new SimVenueArgumentError('stateDir', options.stateDir, 'must name a directory');
  if (!Array.isArray(options.barFiles) || options.barFiles.length === 0 || options.barFiles.some((f) => typeof f !== 'string' || f === '' || f.includes(','))) {
    throw new SimVenueArgumentError('barFiles', options.barFiles, 'must list at least one CSV file path (with no comma in it)');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new SimVenueArgumentError('port', port, 'must be an integer in [0, 65535]');
  const args = ['--port', String(port), '--state', options.stateDir, '--bars', options.barFiles.join(',')];
  if (options.instrumentNames !== undefined) args.push('--instrument-names', options.instrumentNames.join(','));
  if (options.makerFee !== undefined) args.push('--maker-fee', String(options.makerFee));
  if (options.takerFee !== undefined) args.push('--taker-fee', String(options.takerFee));
  if (options.faults?.dropAfterMessages !== undefined) args.push('--drop-after-messages', String(options.faults.dropAfterMessages));
  if (options.faults?.delayMs !== undefined) args.push('--delay-ms', String(options.faults.delayMs));
  return args;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns the server and waits for its ready line. */
export async function startSimVenueServer(options: StartSimVenueServerOptions): Promise<SimVenueServerProcess> {
  const args = serverArgs(options);
  const mainPath = options.mainPath ?? defaultServerMainPath();
  if (!existsSync(mainPath)) throw new Error(`sim-venue server script not found at ${mainPath}: run \`npm run build\` first`);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [mainPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP_CHARS);
  });
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    let stdout = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`sim-venue server (pid ${child.pid}) ${why}; stderr: ${stderr.trim() || '(empty)'}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      stdout += text;
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      try {
        const line = JSON.parse(stdout.slice(0, end)) as { listening?: unknown; pid?: unknown };
        if (typeof line.listening !== 'number' || line.pid !== child.pid) throw new Error('not a ready line');
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ port: line.listening, pid: line.pid as number });
      } catch {
        fail(`printed ${JSON.stringify(stdout.slice(0, end))}, not its ready line {"listening":PORT,"pid":${child.pid}}`);
      }
    });
  });
  const signal = async (name: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    const done = exited(child);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([done, late])) === 'late') {
      child.kill('SIGKILL');
      await done;
    }
    clearTimeout(timer);
  };
  return {
    port: ready.port,
    pid: ready.pid,
    stop: () => signal('SIGTERM', STOP_GRACE_MS),
    kill: () => signal('SIGKILL', STOP_GRACE_MS),
    stderr: () => stderr,
  };
}
