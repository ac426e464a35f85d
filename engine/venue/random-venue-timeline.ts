// Reproducible random workloads for the simulated venue: from a seed, a venue config (latency
// and queue models, costs, participation caps) and a timeline of market records (bars, or
// quotes and trades) with orders of every type and time in force, cancels and replaces
// between them. The same seed gives the same timeline, so a failing property or parity run
// is replayed from its seed. Two instruments per timeline; the bar timeline crosses a UTC
// midnight and the tick timeline has an overnight gap, so DAY orders expire.
import { SplitMix64 } from './reference/splitmix64.js';
import type { VenueOrderType, VenueTimeInForce } from './venue-commands.js';
import type { ImpactModelName, VenueConfig, VenueInstrumentConfig, VenueLatencyConfig } from './venue-config.js';
import type { VenueStep } from './run-venue-timeline.js';

export interface RandomVenueTimelineOptions {
  readonly mode: 'bars' | 'ticks';
  /** Market records per instrument. */
  readonly records: number;
  /** Commands (orders, cancels, replaces) per market record, on average. */
  readonly commandRate?: number;
}

export interface RandomVenueTimeline {
  readonly config: VenueConfig;
  readonly steps: readonly VenueStep[];
  /** The instruments the timeline trades. */
  readonly instruments: readonly number[];
}

const MS = 1_000_000n;
const HOUR = 3_600_000n * MS;
const DAY = 24n * HOUR;
const START = 19_700n * DAY + 13n * HOUR;
const BAR_INSTRUMENTS = [0, 1] as const;
const TICK_INSTRUMENTS = [2, 3] as const;
/** Client ids of cancels and replaces for orders never sent start here. */
const UNKNOWN_IDS = 1n << 40n;

class Draw {
  private readonly rng: SplitMix64;
  constructor(seed: bigint) {
    this.rng = new SplitMix64(seed);
  }
  /** Uniform in [0, 1). */
  unit(): number {
    return Number(this.rng.next() >> 11n) / 2 ** 53;
  }
  between(min: number, max: number): number {
    return min + (max - min) * this.unit();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.unit() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.unit() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.unit() * total;
    for (const [item, w] of entries) {
      if ((x -= w) < 0) return item;
    }
    return entries[entries.length - 1][0];
  }
  /** Roughly normal (sum of uniforms), mean 0, standard deviation `sd`. */
  normal(sd: number): number {
    return (this.unit() + this.unit() + this.unit() + this.unit() - 2) * sd * Math.sqrt(3);
  }
}

const cents = (x: number) => Math.round(x * 100) / 100;

function randomLatency(d: Draw): VenueLatencyConfig {
  const entryNs = d.chance(0.3) ? 0n : BigInt(d.int(1, 3_000)) * 1000n;
  const responseNs = d.chance(0.3) ? 0n : BigInt(d.int(1, 3_000)) * 1000n;
  const model = d.pick(['constant', 'random', 'feed'] as const);
  if (model === 'random') return { model, entryNs, responseNs, jitterNs: BigInt(d.int(0, 2_000_000)), seed: BigInt(d.int(0, 1_000_000)) };
  if (model === 'feed') return { model, entryNs, responseNs, feedMultiplier: d.pick([0, 0.5, 1, 2.5]) };
  return { model, entryNs, responseNs };
}

function randomInstrument(d: Draw, instrument: number, mode: 'bars' | 'ticks'): VenueInstrumentConfig {
  return {
    instrument,
    mode,
    makerFee: cents(d.between(-2, 5)) / 10_000,
    takerFee: cents(d.between(0, 10)) / 10_000,
    halfSpreadBps: d.chance(0.5) ? 0 : cents(d.between(0, 5)),
    slippageBps: d.chance(0.5) ? 0 : cents(d.between(0, 5)),
    impactBps: d.chance(0.4) ? 0 : cents(d.between(0, 30)),
    impactModel: d.pick<ImpactModelName>(['none', 'linear', 'sqrt']),
    participationCap: mode === 'bars' && d.chance(0.7) ? d.pick([0.02, 0.05, 0.1, 0.25, 1]) : 0,
    multiplier: d.pick([1, 1, 10, 0.5]),
  };
}

interface Book {
  readonly price: number[];
  nextId: bigint;
  readonly sent: { id: bigint; instrument: number; qty: number }[];
}

function randomCommand(d: Draw, book: Book, instruments: readonly number[], atNs: bigint): VenueStep {
  const kind = book.sent.length === 0 ? 'order' : d.weighted([['order', 8], ['cancel', 1.5], ['replace', 1.5]] as const);
  if (kind !== 'order') {
    const target = d.chance(0.9) ? d.pick(book.sent) : { id: UNKNOWN_IDS + book.nextId, instrument: d.pick(instruments), qty: 1 };
    if (kind === 'cancel') return { type: 'submit', atNs, command: { type: 'cancel', instrument: target.instrument, clientId: target.id, qty: target.qty } };
    const scale = d.pick([0.25, 0.5, 1, 1.5, 3]);
    const qty = Math.sign(target.qty) * Math.max(1, Math.round(Math.abs(target.qty) * scale));
    const at = book.price[instruments.indexOf(target.instrument)];
    const limitPrice = d.chance(0.5) ? 0 : cents(at * (1 + d.between(-0.01, 0.01)));
    return { type: 'submit', atNs, command: { type: 'replace', instrument: target.instrument, clientId: target.id, qty, limitPrice } };
  }
  const index = d.int(0, instruments.length - 1);
  const instrument = instruments[index];
  const price = book.price[index];
  const side = d.chance(0.5) ? 1 : -1;
  const size = d.chance(0.7) ? d.int(1, 300) : cents(d.between(0.01, 50));
  const qty = side * size;
  const orderType = d.weighted<VenueOrderType>([['market', 3], ['limit', 4], ['stop', 2], ['stop-limit', 2]]);
  const timeInForce = d.weighted<VenueTimeInForce>([['gtc', 5], ['ioc', 1], ['fok', 1], ['day', 2], ['post-only', orderType === 'limit' ? 2 : 0.1]]);
  const away = d.between(-0.012, 0.012);
  const limitPrice = orderType === 'limit' ? cents(price * (1 + away)) : 0;
  const stopPrice = orderType === 'stop' || orderType === 'stop-limit' ? cents(price * (1 + side * Math.abs(away) * (d.chance(0.8) ? 1 : -1))) : 0;
  const stopLimit = orderType === 'stop-limit' ? cents(stopPrice * (1 + side * d.between(-0.004, 0.008))) : limitPrice;
  const id = book.nextId++;
  book.sent.push({ id, instrument, qty });
  return {
    type: 'submit', atNs,
    command: { type: 'order', instrument, clientId: id, qty, orderType, timeInForce, reduceOnly: d.chance(0.15), limitPrice: stopLimit, stopPrice },
  };
}

/** Commands sent at random times in [fromNs, toNs), in time order. */
function commandsBetween(d: Draw, book: Book, instruments: readonly number[], fromNs: bigint, toNs: bigint, rate: number): VenueStep[] {
  const count = Math.floor(rate) + (d.chance(rate - Math.floor(rate)) ? 1 : 0) + (d.chance(0.1) ? d.int(1, 4) : 0);
  const span = Number(toNs - fromNs);
  const times = Array.from({ length: count }, () => fromNs + BigInt(Math.floor(d.unit() * span)));
  times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return times.map((t) => randomCommand(d, book, instruments, t));
}

function barTimeline(d: Draw, options: RandomVenueTimelineOptions, book: Book): VenueStep[] {
  const steps: VenueStep[] = [];
  const barNs = d.pick([15n * 60_000n * MS, HOUR, 4n * HOUR]);
  const rate = options.commandRate ?? 0.8;
  for (let k = 0; k < options.records; k++) {
    const openNs = START + BigInt(k) * barNs;
    BAR_INSTRUMENTS.forEach((instrument, i) => {
      const open = cents(book.price[i] * (1 + d.normal(0.003)));
      const close = cents(open * (1 + d.normal(0.006)));
      const high = cents(Math.max(open, close) * (1 + Math.abs(d.normal(0.004))));
      const low = cents(Math.min(open, close) * (1 - Math.abs(d.normal(0.004))));
      const volume = d.chance(0.05) ? 0 : d.int(50, 3000);
      steps.push({ type: 'market', record: { type: 'bar', instrument, openNs, closeNs: openNs + barNs, open, high, low, close, volume } });
      book.price[i] = close;
    });
    steps.push(...commandsBetween(d, book, BAR_INSTRUMENTS, openNs + barNs, openNs + 2n * barNs, rate));
  }
  return steps;
}

function tickTimeline(d: Draw, options: RandomVenueTimelineOptions, book: Book): VenueStep[] {
  const steps: VenueStep[] = [];
  const rate = options.commandRate ?? 0.5;
  const gapAt = d.int(0, Math.max(0, options.records - 1));
  let t = START;
  for (let k = 0; k < options.records; k++) {
    t += k === gapAt ? 12n * HOUR : BigInt(d.pick([0, 1, 5, 50, 200, 1000])) * MS;
    const i = d.int(0, TICK_INSTRUMENTS.length - 1);
    const instrument = TICK_INSTRUMENTS[i];
    const feedDelay = d.chance(0.5) ? 0n : BigInt(d.int(0, 5_000)) * 1000n;
    if (d.chance(0.6)) {
      book.price[i] = cents(book.price[i] * (1 + d.normal(0.0008)));
      const spread = 0.01 * d.int(1, 3);
      const bid = cents(book.price[i] - spread / 2);
      const ask = cents(bid + spread);
      const bidSize = d.chance(0.05) ? 0 : d.int(1, 40);
      const askSize = d.chance(0.05) ? 0 : d.int(1, 40);
      steps.push({ type: 'market', record: { type: 'quote', instrument, tsExchange: t - feedDelay, tsLocal: t, bid, ask, bidSize, askSize } });
    } else {
      const price = cents(book.price[i] + 0.01 * d.int(-3, 3));
      const size = d.chance(0.05) ? 0 : d.int(1, 30);
      steps.push({ type: 'market', record: { type: 'trade', instrument, tsExchange: t - feedDelay, tsLocal: t, price, size, aggressor: d.pick([1, -1, 0]) } });
    }
    const next = t + BigInt(d.pick([1, 5, 50, 300])) * MS;
    steps.push(...commandsBetween(d, book, TICK_INSTRUMENTS, t, next, rate));
    t = next;
  }
  return steps;
}

/** The timeline of `seed` (see the header). */
export function randomVenueTimeline(seed: bigint, options: RandomVenueTimelineOptions): RandomVenueTimeline {
  const d = new Draw(seed);
  const instruments = options.mode === 'bars' ? BAR_INSTRUMENTS : TICK_INSTRUMENTS;
  const probabilistic = d.chance(0.5);
  const config: VenueConfig = {
    latency: randomLatency(d),
    queue: probabilistic ? { model: 'probabilistic', power: d.int(1, 4) } : { model: 'conservative' },
    touchFills: d.chance(0.5),
    instruments: instruments.map((i) => randomInstrument(d, i, options.mode)),
  };
  const book: Book = { price: instruments.map(() => cents(d.between(20, 200))), nextId: 1n, sent: [] };
  const steps = options.mode === 'bars' ? barTimeline(d, options, book) : tickTimeline(d, options, book);
  return { config, steps, instruments };
}
