// Redis connections for the sweep queue (BullMQ on ioredis): one URL (`redis://host:port[/db]`,
// `rediss://`, with an optional password) for the producer, the collector and every worker.
// BullMQ's workers block on Redis, so their connections must retry forever
// (maxRetriesPerRequest: null).
import type { Redis } from 'ioredis';

export const DEFAULT_QUEUE_NAME = 'quantflow-sweep';

export async function redisConnection(url: string): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) throw new RangeError(`\`--queue\` must be a redis:// or rediss:// URL, was ${JSON.stringify(url)}`);
  // ioredis (and bullmq, in the queue modules) load on first use: a sweep on local workers never needs them.
  const { Redis } = await import('ioredis');
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** The queue's job id of a run: sweep id and run index (BullMQ refuses `:` in custom ids). */
export function runJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}
