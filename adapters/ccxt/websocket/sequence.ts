// Gap detection on market streams: trade ids must follow one another (Binance trade ids are
// consecutive per symbol), kline open times must step by the timeframe. A gap names the
// missing range so it can be backfilled over REST; a repeat (id or time already seen) is dropped.
export type SequenceVerdict =
  | { readonly kind: 'next' }
  | { readonly kind: 'repeat' }
  | { readonly kind: 'gap'; readonly from: number; readonly to: number };

const NEXT: SequenceVerdict = { kind: 'next' };
const REPEAT: SequenceVerdict = { kind: 'repeat' };

export class TradeSequence {
  last = 0;

  /** Judges trade id `id` against the last one accepted; accepts it unless it repeats. */
  accept(id: number): SequenceVerdict {
    if (this.last !== 0 && id <= this.last) return REPEAT;
    const verdict: SequenceVerdict = this.last !== 0 && id > this.last + 1 ? { kind: 'gap', from: this.last + 1, to: id - 1 } : NEXT;
    this.last = id;
    return verdict;
  }
}

export class BarSequence {
  /** Open time (ms) of the bar being built; 0: none yet. */
  current = 0;
  /** Open time of the last bar emitted as closed. */
  lastClosed = 0;

  constructor(readonly timeframeMs: number) {}

  /** Judges a bar opening at `openTime` that closes the current one: the missing open times between them, if any. */
  advance(openTime: number): SequenceVerdict {
    if (this.current !== 0 && openTime < this.current) return REPEAT;
    const gap = this.current !== 0 && openTime > this.current + this.timeframeMs;
    const verdict: SequenceVerdict = gap ? { kind: 'gap', from: this.current + this.timeframeMs, to: openTime - this.timeframeMs } : NEXT;
    this.current = openTime;
    return verdict;
  }
}
