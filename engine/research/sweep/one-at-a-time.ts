// Runs a worker's runs one after another in the order they arrive. A pool worker and a queue
// worker each hold the next run while they execute one (piscina's second task per worker,
// BullMQ's concurrency 2), so the next starts the moment the last ends instead of after a round
// trip to the main thread or to Redis; the runs themselves never overlap (each executes with
// the core inline over the thread's one kept memory).

export class OneAtATime {
  /** Settles when the last accepted call has ended. */
  private last: Promise<unknown> = Promise.resolve();

  /** Calls `fn` once every earlier call has settled; its result or error is the caller's. */
  run<R>(fn: () => Promise<R>): Promise<R> {
    const turn = this.last.then(fn);
    this.last = turn.catch(() => undefined);
    return turn;
  }
}
