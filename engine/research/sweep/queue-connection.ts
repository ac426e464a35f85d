// Redis connections for the sweep queue (BullMQ on ioredis): one URL (`redis://host:port[/db]`,
// `rediss://`, with an optional password) for the producer, the collector and every worker.
// BullMQ's workers block on Redis, so their connections must retry forever
// (maxRetriesPerRequest: null). Before the first connection to a URL, one probe (no retries,
// a bounded connect and PING) checks that Redis answers at all: an unreachable server is a
// SweepError naming the URL (its password hidden) and the cause, not a connection that retries
// forever while ioredis prints a stack per attempt. Once connected, a connection's errors (a
// dropped server while it retries) are given to `onError`, one line each, never printed raw.
import type { Redis } from 'ioredis';
import { SweepError } from './sweep-errors.js';

export const DEFAULT_QUEUE_NAME = 'quantflow-sweep';

/** How long the probe waits for the connection and for PING's answer. */
const PROBE_TIMEOUT_MS = 5_000;

const reachable = new Set<string>();

export interface RedisConnectionOptions {
  /** A connection error after the probe (the connection retries on its own); default: ignored. */
  readonly onError?: (message: string) => void;
}

export async function redisConnection(url: string, options: RedisConnectionOptions = {}): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) throw new RangeError(`\`--queue\` must be a redis:// or rediss:// URL, was ${JSON.stringify(url)}`);
  // ioredis (and bullmq, in the queue modules) load on first use: a sweep on local workers never needs them.
  const { Redis } = await import('ioredis');
  if (!reachable.has(url)) {
    await probe(Redis, url);
    reachable.add(url);
  }
  const connection = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
  let last = '';
  connection.on('error', (error: Error) => {
    // ioredis repeats the error on every retry: one line per change of cause.
    const message = `Redis at ${redactedUrl(url)}: ${error.message}`;
    if (message !== last) options.onError?.(message);
    last = message;
  });
  connection.on('ready', () => void (last = ''));
  return connection;
}

/** One connection attempt and a PING, bounded; throws a SweepError naming the URL and the cause. */
async function probe(RedisClass: typeof Redis, url: string): Promise<void> {
  const client = new RedisClass(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: PROBE_TIMEOUT_MS, enableOfflineQueue: false });
  let cause: string | undefined;
  client.on('error', (error: Error) => void (cause ??= error.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (error) {
    throw new SweepError(`cannot reach Redis at ${redactedUrl(url)}: ${cause ?? (error as Error).message} (is redis-server running there? \`--queue\` takes redis://host:port)`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** The URL with its password replaced by `***`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** The queue's job id of a run: sweep id and run index (BullMQ refuses `:` in custom ids). */
export function runJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}
