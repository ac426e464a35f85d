// Bounded polling for tests: waits until a condition holds, failing with what it waited for.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `ready()` holds (polled every 5 ms); rejects naming `what` after `timeoutMs`. */
export async function until(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
