// An indicator whose outputs (all, or one selected with `.name`) go through a chain of
// derivative transforms (`@diff:k`, `@slope:k`, `@lag:k`). Warm-up: the source's plus
// each transform's extra warm-up.

import type { ReferenceIndicator } from './reference-indicator.js';
import type { SeriesTransform } from './series-transform.js';

export class TransformedIndicator implements ReferenceIndicator {
  readonly outputs: string[];
  readonly warmup: number;
  private bars = 0;

  /** `chains[i]` transforms source output `sourceOutputs[i]`, first transform first. */
  constructor(
    private readonly source: ReferenceIndicator,
    private readonly sourceOutputs: number[],
    private readonly chains: SeriesTransform[][],
  ) {
    this.outputs = sourceOutputs.map((i) => source.outputs[i]);
    this.warmup = source.warmup + chains[0].reduce((sum, t) => sum + t.extraWarmup, 0);
  }

  update(open: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void {
    this.bars += 1;
    this.source.update(open, high, low, close, volume, timeNs);
    if (!this.source.isStable) return;
    const sourceBars = this.bars - this.source.warmup + 1; // values the source has produced
    for (let o = 0; o < this.chains.length; o += 1) {
      let x = this.source.value(this.sourceOutputs[o]);
      let produced = sourceBars;
      for (const transform of this.chains[o]) {
        if (produced <= 0) break;
        transform.push(x);
        produced -= transform.extraWarmup;
        x = transform.value();
      }
    }
  }

  value(outputIndex: number): number {
    if (outputIndex < 0 || outputIndex >= this.outputs.length || !Number.isInteger(outputIndex)) {
      throw new RangeError(`output index must be an integer in [0, ${this.outputs.length - 1}], was ${outputIndex}`);
    }
    if (!this.isStable) return Number.NaN;
    const chain = this.chains[outputIndex];
    return chain[chain.length - 1].value();
  }

  get isStable(): boolean {
    return this.bars >= this.warmup;
  }
}
