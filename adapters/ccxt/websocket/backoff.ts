// Reconnect delays: exponential backoff with full jitter from a seeded generator (the same seed
// gives the same delays), capped, reset after a connection that worked.
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly seed: number;
}

export class Backoff {
  private attempt = 0;
  private state: number;

  constructor(private readonly options: BackoffOptions) {
    this.state = options.seed >>> 0 || 0x9e3779b9;
  }

  /** mulberry32: a small seeded generator in [0, 1). */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The next delay: uniform in [ceiling / 2, ceiling], ceiling = min(max, initial * 2^attempt). */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  reset(): void { this.attempt = 0; }
  get attempts(): number { return this.attempt; }
}
