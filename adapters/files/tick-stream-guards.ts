// What a stream finds besides good rows, as StreamIssues (rule, count, action, examples),
// and the per-row guards of a tick stream: arrival time order, gaps and duplicates.
//
// Duplicates (onDuplicate: drop, keep, reject):
// - with a trade id column: an id equal to one of the last DUPLICATE_ID_WINDOW ids (a repeat
//   further back is not detected; increasing ids, the usual case, cost one compare per row);
// - without one: a row whose bytes equal (by a 52-bit hash) another row at the same time.
// Gaps: consecutive kept rows further apart than gapSeconds in arrival time are reported.

import type { StreamIssue } from '../../engine/replay/market-stream.js';
import { REPORT_EXAMPLE_LIMIT } from './bad-row-report.js';

/** How many recent trade ids a repeat is looked for among. */
export const DUPLICATE_ID_WINDOW = 4096;

/** Counts issues by rule, keeping the first examples of each. */
export class StreamIssueTally {
  private readonly byRule = new Map<string, { count: number; action: string; examples: string[] }>();

  add(rule: string, action: string, example: () => string): void {
    let entry = this.byRule.get(rule);
    if (entry === undefined) {
      entry = { count: 0, action, examples: [] };
      this.byRule.set(rule, entry);
    }
    entry.count += 1;
    if (entry.examples.length < REPORT_EXAMPLE_LIMIT) entry.examples.push(example());
  }

  list(): StreamIssue[] {
    return [...this.byRule].map(([rule, e]) => ({ rule, count: e.count, action: e.action, examples: [...e.examples] }));
  }

  clear(): void {
    this.byRule.clear();
  }
}

/** ns time as ISO text (UTC), for examples and messages. */
export function isoOf(sec: number, frac: number): string {
  const iso = new Date(sec * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(frac).padStart(9, '0')}Z`;
}

/**
 * Recent trade ids, for repeats. An id is kept exactly as its high and low 32-bit halves (ids
 * reach 2^64; as one f64, ids above 2^53 would compare equal to their neighbours).
 */
export class TradeIdWindow {
  private readonly his = new Float64Array(DUPLICATE_ID_WINDOW);
  private readonly los = new Float64Array(DUPLICATE_ID_WINDOW);
  private next = 0;
  private filled = 0;
  private largestHi = -1;
  private largestLo = -1;

  /** True when the id `hi * 2^32 + lo` was seen among the recent ids; records it otherwise. */
  seen(hi: number, lo: number): boolean {
    if (hi < this.largestHi || (hi === this.largestHi && lo <= this.largestLo)) {
      const n = this.filled;
      const his = this.his;
      const los = this.los;
      for (let i = 0; i < n; i++) if (los[i] === lo && his[i] === hi) return true;
    } else {
      this.largestHi = hi;
      this.largestLo = lo;
    }
    this.his[this.next] = hi;
    this.los[this.next] = lo;
    this.next = (this.next + 1) % DUPLICATE_ID_WINDOW;
    if (this.filled < DUPLICATE_ID_WINDOW) this.filled += 1;
    return false;
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.largestHi = -1;
    this.largestLo = -1;
  }
}

/** Hashes of the rows kept at the current time, for identical rows. */
export class SameTimeRows {
  private readonly hashes = new Set<number>();
  private sec = Number.NaN;
  private frac = Number.NaN;

  /** True when a row with `hash` was already kept at (sec, frac); records it otherwise. */
  seen(sec: number, frac: number, hash: number): boolean {
    if (sec !== this.sec || frac !== this.frac) {
      this.sec = sec;
      this.frac = frac;
      this.hashes.clear();
      this.hashes.add(hash);
      return false;
    }
    if (this.hashes.has(hash)) return true;
    this.hashes.add(hash);
    return false;
  }

  reset(): void {
    this.hashes.clear();
    this.sec = Number.NaN;
    this.frac = Number.NaN;
  }
}
