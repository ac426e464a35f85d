// Redis connections for the sweep queue (BullMQ on ioredis): one URL (`redis://host:port[/db]`,
// `rediss://`, with an optional password) for the producer, the collector and every worker.
// BullMQ's workers block on Redis, so their connections must retry forever
// (maxRetriesPerRequest: null).
import { Redis } from 'ioredis';

export const DEFAULT_QUEUE_NAME = 'quantflow-sweep';

export function redisConnection(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new RangeError(`\`--queue\` must be a redis:// or rediss:// URL, was ${JSON.stringify(url)}`);
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** The queue's job id of a run: sweep id and run index (BullMQ refuses `:` in custom ids). */
export function runJobId(sweepId: string, index: number): string {
  return `${sweepId}-${index}`;
}
