// Hysteresis on the published regime label: a new label replaces the current one only
// after it has been the label of the most probable state for `minDwellBars` consecutive
// bars. minDwellBars = 1 publishes the instantaneous label. Mirrors the WASM core
// (wasm/assembly/hmm/hmm-filter.ts), which keeps the same three integers per instrument.
import { LABEL_NONE } from './regime-label.js';

export class LabelHysteresis {
  label = LABEL_NONE;
  pendingLabel = LABEL_NONE;
  pendingCount = 0;

  constructor(readonly minDwellBars: number) {
    if (!Number.isInteger(minDwellBars) || minDwellBars < 1) throw new Error(`\`minDwellBars\` must be an integer >= 1, was ${minDwellBars}`);
  }

  /** Feeds the instantaneous label of one bar; returns the published label. */
  update(candidate: number): number {
    if (this.label === LABEL_NONE || candidate === this.label) {
      this.label = candidate;
      this.pendingLabel = LABEL_NONE;
      this.pendingCount = 0;
      return this.label;
    }
    if (candidate === this.pendingLabel) this.pendingCount++;
    else {
      this.pendingLabel = candidate;
      this.pendingCount = 1;
    }
    if (this.pendingCount >= this.minDwellBars) {
      this.label = candidate;
      this.pendingLabel = LABEL_NONE;
      this.pendingCount = 0;
    }
    return this.label;
  }
}
