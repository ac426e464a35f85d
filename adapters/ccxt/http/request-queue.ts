// The outbound request queue: one REST request at a time, in submission order (so `sync()` is a
// barrier), spaced by ccxt's own throttle (enableRateLimit, exchange.rateLimit ms per unit of
// cost). A venue rate-limit answer (HTTP 429 / -1003, ccxt RateLimitExceeded; HTTP 418, ccxt
// DDoSProtection) pauses the whole queue for the venue's Retry-After (or the backoff when it
// gives none) and retries the same request: requests are queued, never dropped. A 429/418 means
// the venue did not process the request, so retrying cannot duplicate an order.
export interface RequestQueueOptions {
  /** Retries of one request after rate-limit answers before it fails. */
  readonly maxRateLimitRetries: number;
  /** Pause when the venue gives no Retry-After, ms; doubles per retry. */
  readonly rateLimitPauseMs: number;
  /** Upper bound on one pause, ms. */
  readonly maxPauseMs: number;
  readonly isRateLimit: (error: unknown) => boolean;
  /** The venue's Retry-After of the last response, seconds (null: none). */
  readonly retryAfterSeconds: () => number | null;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export class RequestQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  rateLimitPauses = 0;

  constructor(private readonly options: RequestQueueOptions) {}

  get size(): number { return this.pending; }

  /** Runs `request` after every request queued before it; retries it through rate-limit answers. */
  run<T>(label: string, request: () => Promise<T>): Promise<T> {
    this.pending++;
    const job = this.tail.then(() => this.attempt(label, request, 0));
    this.tail = job.then(() => undefined, () => undefined).finally(() => { this.pending--; });
    return job;
  }

  /** Resolves once every request queued so far has settled. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  private async attempt<T>(label: string, request: () => Promise<T>, retry: number): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const o = this.options;
      if (!o.isRateLimit(error) || retry >= o.maxRateLimitRetries) throw error;
      const after = o.retryAfterSeconds();
      const pause = Math.min(o.maxPauseMs, after !== null ? after * 1000 : o.rateLimitPauseMs * 2 ** retry);
      this.rateLimitPauses++;
      o.log(`rate limit on ${label} (${(error as Error).name}); pausing the request queue ${pause} ms (Retry-After ${after ?? 'none'}), retry ${retry + 1} of ${o.maxRateLimitRetries}`);
      await o.sleep(pause);
      return this.attempt(label, request, retry + 1);
    }
  }
}
