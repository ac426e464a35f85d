#!/usr/bin/env node
// Entry script of a sweep worker process: `node dist/engine/research/sweep/worker-main.js
// --queue redis://HOST:PORT [--queue-name NAME] [--lock-ms MS] [--stalled-interval-ms MS]`.
// `quantflow worker` runs the same code (runWorkerCli). Prints one JSON line
// {"ready":true,"id":...} on stdout once connected, logs runs on stderr, and closes cleanly on
// SIGINT/SIGTERM (the current run finishes first; a second signal exits at once).
import { fileURLToPath } from 'node:url';
import { startQueueWorker } from './queue-worker.js';
import { SweepError } from './sweep-errors.js';

export interface WorkerCliFlags {
  queue: string;
  queueName?: string;
  lockMs?: string;
  stalledIntervalMs?: string;
  quiet?: boolean;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`\`${flag}\` must be an integer >= 1, was ${JSON.stringify(text)}`);
  return value;
}

/** How long a stopping worker may take to finish its run and close its connections. */
const CLOSE_BOUND_MS = 30_000;

export async function runWorkerCli(flags: WorkerCliFlags): Promise<void> {
  const log = flags.quiet ? undefined : (line: string): void => void process.stderr.write(`${line}\n`);
  const handle = await startQueueWorker({
    url: flags.queue,
    queueName: flags.queueName,
    lockMs: positiveInteger('--lock-ms', flags.lockMs),
    stalledIntervalMs: positiveInteger('--stalled-interval-ms', flags.stalledIntervalMs),
    log,
    // Even with --quiet: a worker that cannot reach its queue says so.
    onConnectionError: (line) => void process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, id: handle.id })}\n`);
  await new Promise<void>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (closing) process.exit(signal === 'SIGINT' ? 130 : 143);
      closing = true;
      log?.(`worker ${handle.id}: ${signal}, finishing the current run`);
      // A close that cannot reach Redis (it went away) would wait for it forever: bounded.
      const bound = setTimeout(() => {
        process.stderr.write(`worker ${handle.id}: could not close within ${CLOSE_BOUND_MS} ms (is Redis reachable?); exiting; its run, if any, returns to the queue after the lock\n`);
        process.exit(1);
      }, CLOSE_BOUND_MS);
      bound.unref();
      void handle.close().then(() => {
        clearTimeout(bound);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log?.(`worker ${handle.id}: stopped after ${handle.processed()} runs`);
}

function parseArgs(argv: readonly string[]): WorkerCliFlags {
  const flags: Partial<WorkerCliFlags> = {};
  const names: Record<string, keyof WorkerCliFlags> = { '--queue': 'queue', '--queue-name': 'queueName', '--lock-ms': 'lockMs', '--stalled-interval-ms': 'stalledIntervalMs' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quiet') { flags.quiet = true; continue; }
    const name = names[argv[i]];
    if (!name || argv[i + 1] === undefined) throw new RangeError(`unknown or incomplete argument ${JSON.stringify(argv[i])} (worker-main takes --queue URL [--queue-name NAME] [--lock-ms MS] [--stalled-interval-ms MS] [--quiet])`);
    (flags as Record<string, string>)[name] = argv[++i];
  }
  if (!flags.queue) throw new RangeError('`--queue` is required (redis://HOST:PORT)');
  return flags as WorkerCliFlags;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runWorkerCli(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
    process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof RangeError || error instanceof SweepError ? 2 : 1);
  });
}
