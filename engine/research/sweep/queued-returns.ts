// A queued run's per-period returns, kept out of BullMQ's job: the worker writes them as raw
// float64 bytes under one Redis key per run and returns only the small summary; the collector
// reads that key once. BullMQ writes a job's return value twice (the job hash and the
// `completed` entry of the events stream, which every QueueEvents reader then receives), so
// returns inside it (17,520 bars = 140 KB of float64, 187 KB as base64 JSON) cost two large
// writes, a large stream read, a JSON parse and a base64 decode per run.
//
//   key   {queue name}:returns:{job id}          (job id = sweep id + '-' + run index)
//   value | r[0] f64 LE | r[1] f64 LE | ... |      8 bytes per period, no header
//   TTL   RETURNS_TTL_SECONDS (the completed job's own retention, removeOnComplete.age)
//
// A run executed twice (a stalled worker that still finishes) writes the same bytes (a run is a
// pure function of its task), so the last write wins harmlessly.
import type { Redis } from 'ioredis';
import type { RunResult } from './execute-run.js';

/** A queued run's job return value: the result with its returns replaced by where they are. */
export interface QueuedRunResult extends Omit<RunResult, 'returns'> {
  readonly returns: { readonly key: string; readonly periods: number };
}

/** Seconds a run's returns stay in Redis: as long as its completed job (7 days). */
export const RETURNS_TTL_SECONDS = 7 * 86_400;

export function returnsKey(queueName: string, jobId: string): string {
  return `${queueName}:returns:${jobId}`;
}

/** The returns' bytes (float64, little-endian: the byte order of every platform Node supports). */
export function returnsBytes(returns: Float64Array): Buffer {
  return Buffer.from(returns.buffer, returns.byteOffset, returns.byteLength);
}

/** The returns from their bytes; throws when the length is not a whole number of float64s. */
export function returnsFromBytes(bytes: Uint8Array, what: string): Float64Array {
  if (bytes.byteLength % 8 !== 0) throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of float64 returns (8 bytes each)`);
  const returns = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(returns.buffer).set(bytes);
  return returns;
}

export async function putReturns(redis: Redis, key: string, returns: Float64Array): Promise<void> {
  await redis.set(key, returnsBytes(returns), 'EX', RETURNS_TTL_SECONDS);
}

/** The stored returns, or undefined when the key is gone (expired, or Redis lost its data). */
export async function getReturns(redis: Redis, key: string): Promise<Float64Array | undefined> {
  const bytes = await redis.getBuffer(key);
  return bytes === null ? undefined : returnsFromBytes(bytes, `Redis key ${key}`);
}

export async function hasReturns(redis: Redis, key: string): Promise<boolean> {
  return (await redis.exists(key)) === 1;
}
