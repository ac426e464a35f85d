// Reconnect delays: exponential backoff with full jitter from a seeded generator (the same seed
// gives the same delays), capped, reset after a connection that worked.
import { mulberry32 } from '../../../engine/core/mulberry32.js';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly seed: number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = mulberry32(options.seed >>> 0 || 0x9e3779b9);
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
