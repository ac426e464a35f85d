// Clock sync with the venue: offset = venue time - local time, measured as the venue's time minus
// the midpoint of the local send and receive times of one time request (fetchTime). The venue
// clock is local + offset; ccxt signs with it (options.timeDifference = -offset), records carry it.
export class ClockSync {
  offsetMs = 0;
  roundTripMs = 0;

  constructor(private readonly localNowMs: () => number) {}

  /** Measures the offset with `fetchVenueTime` (ms); returns it. */
  async sync(fetchVenueTime: () => Promise<number>): Promise<number> {
    const t0 = this.localNowMs();
    const venue = await fetchVenueTime();
    const t1 = this.localNowMs();
    if (!Number.isFinite(venue) || venue <= 0) throw new Error(`clock sync: the venue's time must be a positive number of ms, was ${venue}`);
    this.roundTripMs = t1 - t0;
    this.offsetMs = Math.round(venue - (t0 + t1) / 2);
    return this.offsetMs;
  }

  /** Now on the venue's clock, ms. */
  venueNowMs(): number { return this.localNowMs() + this.offsetMs; }

  /** Now on the venue's clock, ns (the tsLocal of a record received now). */
  venueNowNs(): bigint { return BigInt(Math.round(this.venueNowMs())) * 1_000_000n; }
}
