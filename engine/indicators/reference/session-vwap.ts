// `vwap` / `svwap:HH`: session VWAP, cumulative sum(tp * v) / sum(v) since the last
// session start, sessions starting every day at HH:00 UTC (default 0). A bar whose open
// time falls in a new session resets the sums before it is added. With no volume yet in
// the session, the current bar's typical price. Warm-up 1.

import { ReferenceIndicatorBase } from './reference-indicator.js';

const NS_PER_HOUR = 3_600_000_000_000n;
const NS_PER_DAY = 24n * NS_PER_HOUR;

/** Index of the session (day starting at `startHour` UTC) that contains `timeNs`. */
export function sessionIndex(timeNs: bigint, startHour: number): bigint {
  const shifted = timeNs - BigInt(startHour) * NS_PER_HOUR;
  const q = shifted / NS_PER_DAY;
  return shifted < 0n && q * NS_PER_DAY !== shifted ? q - 1n : q; // floor division
}

export class ReferenceSessionVwap extends ReferenceIndicatorBase {
  private session = -1n;
  private started = false;
  private priceVolume = 0;
  private volume = 0;

  constructor(readonly startHour: number) {
    super(['value'], 1);
  }

  protected step(_o: number, high: number, low: number, close: number, volume: number, timeNs: bigint): void {
    const session = sessionIndex(timeNs, this.startHour);
    if (!this.started || session !== this.session) {
      this.started = true;
      this.session = session;
      this.priceVolume = 0;
      this.volume = 0;
    }
    const typical = (high + low + close) / 3;
    this.priceVolume += typical * volume;
    this.volume += volume;
    this.values[0] = this.volume === 0 ? typical : this.priceVolume / this.volume;
  }
}
