// Configuration of the simulated venue as plain objects: the latency model, the queue model,
// bar-mode touch fills and each simulated instrument's mode and costs; and its check, which
// names the field, the value and the rule, and resolves it to the codes and integer
// nanoseconds the core takes (wasm/assembly/venue/venue-config.ts holds the same ranges).
import { INSTRUMENT_CAPACITY } from '../layout/memory-map.js';
import {
  IMPACT_LINEAR, IMPACT_NONE, IMPACT_SQRT, LATENCY_CONSTANT, LATENCY_FEED, LATENCY_RANDOM, QUEUE_CONSERVATIVE, QUEUE_PROBABILISTIC, VENUE_BARS,
  VENUE_OFF, VENUE_TICKS,
} from './venue-layout.js';

export type LatencyModelName = 'constant' | 'random' | 'feed';
export type QueueModelName = 'conservative' | 'probabilistic';
export type ImpactModelName = 'none' | 'linear' | 'sqrt';
export type VenueModeName = 'off' | 'bars' | 'ticks';

/**
 * How long a command takes to reach the venue (entry) and a reply to come back (response).
 * Each duration is given in milliseconds or in nanoseconds, not both (default 0).
 *   constant  entry and response as given
 *   random    plus a uniform draw in [0, jitter] each way, from a splitmix64 generator seeded
 *             with `seed` (the same seed gives the same draws)
 *   feed      plus feedMultiplier * the instrument's feed latency (tsLocal - tsExchange of its
 *             last TRADE or QUOTE)
 */
export interface VenueLatencyConfig {
  readonly model: LatencyModelName;
  readonly entryMs?: number;
  readonly entryNs?: bigint;
  readonly responseMs?: number;
  readonly responseNs?: bigint;
  /** random only. */
  readonly jitterMs?: number;
  readonly jitterNs?: bigint;
  /** random only: u64 seed (default 0). */
  readonly seed?: bigint | number;
  /** feed only (default 1). */
  readonly feedMultiplier?: number;
}

/**
 * How a resting limit order's place in the queue at its price advances (tick mode).
 *   conservative   only trades at its price advance it
 *   probabilistic  size decreases that trades do not explain also advance it, with the
 *                  probability back^power / (back^power + front^power) (hftbacktest's
 *                  ProbQueueModel with PowerProbQueueFunc); power 1 .. 8, default 3
 */
export interface VenueQueueConfig {
  readonly model: QueueModelName;
  readonly power?: number;
}

/** One simulated instrument (ids as in the rest of the engine). */
export interface VenueInstrumentConfig {
  readonly instrument: number;
  /** bars: matched against BAR records; ticks: against TRADE and QUOTE records; off: not simulated. */
  readonly mode: VenueModeName;
  /** Fractions of the notional in [-0.1, 0.1] (negative: a rebate). */
  readonly makerFee: number;
  readonly takerFee: number;
  /** Bar mode: a market or stop fill pays both on top of its price, and so does a limit arriving marketable at the open (never past its limit; a limit that rested before the bar fills at the bare open), in bps (default 0). */
  readonly halfSpreadBps?: number;
  readonly slippageBps?: number;
  /** Market impact in bps: linear impactBps * q / v, sqrt impactBps * sqrt(q / v) (default none). */
  readonly impactBps?: number;
  readonly impactModel?: ImpactModelName;
  /** Bar mode: at most this fraction of a bar's volume fills per bar, in [0, 1] (0, the default: no cap). */
  readonly participationCap?: number;
  /** Contract multiplier: fees are a fraction of qty * price * multiplier (default 1). */
  readonly multiplier?: number;
  /** The instrument's lot size: a fill capped by participation (bars) or by the displayed size, a print or the queue (ticks) is rounded down to whole lots (default 0: not rounded). */
  readonly lotSize?: number;
}

export interface VenueConfig {
  readonly latency: VenueLatencyConfig;
  /** Default: conservative. */
  readonly queue?: VenueQueueConfig;
  /** Bar mode: a resting limit fills when a bar touches its price (default false: only through it). */
  readonly touchFills?: boolean;
  readonly instruments: readonly VenueInstrumentConfig[];
}

/** A checked VenueConfig as the core takes it: codes and integer nanoseconds. */
export interface ResolvedVenueConfig {
  readonly latency: number;
  readonly entryNs: bigint;
  readonly responseNs: bigint;
  readonly jitterNs: bigint;
  readonly feedMultiplier: number;
  readonly seed: bigint;
  readonly queueModel: number;
  readonly queuePower: number;
  readonly touchFills: number;
  readonly instruments: readonly ResolvedVenueInstrument[];
}

export interface ResolvedVenueInstrument {
  readonly instrument: number;
  readonly mode: number;
  readonly makerFee: number;
  readonly takerFee: number;
  readonly halfSpreadBps: number;
  readonly slippageBps: number;
  readonly impactBps: number;
  readonly impactModel: number;
  readonly participation: number;
  readonly multiplier: number;
  readonly lotSize: number;
}

export const LATENCY_MODEL_CODES: Readonly<Record<LatencyModelName, number>> = { constant: LATENCY_CONSTANT, random: LATENCY_RANDOM, feed: LATENCY_FEED };
export const QUEUE_MODEL_CODES: Readonly<Record<QueueModelName, number>> = { conservative: QUEUE_CONSERVATIVE, probabilistic: QUEUE_PROBABILISTIC };
export const IMPACT_MODEL_CODES: Readonly<Record<ImpactModelName, number>> = { none: IMPACT_NONE, linear: IMPACT_LINEAR, sqrt: IMPACT_SQRT };
export const VENUE_MODE_CODES: Readonly<Record<VenueModeName, number>> = { off: VENUE_OFF, bars: VENUE_BARS, ticks: VENUE_TICKS };

const MAX_FEE = 0.1;
const MAX_BPS = 10_000;
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const DEFAULT_QUEUE_POWER = 3;

function describe(value: unknown): string {
  return typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function fail(field: string, value: unknown, rule: string): never {
  throw new RangeError(`\`${field}\` ${rule}, was ${describe(value)}`);
}

function checkName<T extends string>(field: string, value: T, codes: Readonly<Record<T, number>>): number {
  if (!Object.prototype.hasOwnProperty.call(codes, value)) fail(field, value, `must be one of ${Object.keys(codes).join(', ')}`);
  return codes[value];
}

function checkRange(field: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) fail(field, value, `must be a number in [${min}, ${max}]`);
  return value;
}

/** A duration given as `<name>Ms` or `<name>Ns` (not both), as integer nanoseconds >= 0. */
function checkDuration(field: string, ms: number | undefined, ns: bigint | undefined): bigint {
  if (ms !== undefined && ns !== undefined) fail(`${field}Ms`, ms, `and \`${field}Ns\` are both given: give one`);
  if (ns !== undefined) {
    if (typeof ns !== 'bigint' || ns < 0n || ns > I64_MAX) fail(`${field}Ns`, ns, 'must be a bigint in [0, 2^63)');
    return ns;
  }
  if (ms === undefined) return 0n;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms * 1e6 > Number.MAX_SAFE_INTEGER) fail(`${field}Ms`, ms, 'must be a finite number of milliseconds >= 0');
  return BigInt(Math.round(ms * 1e6));
}

function checkSeed(seed: bigint | number | undefined): bigint {
  if (seed === undefined) return 0n;
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) fail('latency.seed', seed, 'must be an integer in [0, 2^53) or a bigint in [0, 2^64)');
    return BigInt(seed);
  }
  if (typeof seed !== 'bigint' || seed < 0n || seed > U64_MAX) fail('latency.seed', seed, 'must be a bigint in [0, 2^64)');
  return seed;
}

function resolveInstrument(config: VenueInstrumentConfig, at: string): ResolvedVenueInstrument {
  if (!Number.isInteger(config.instrument) || config.instrument < 0 || config.instrument >= INSTRUMENT_CAPACITY) {
    fail(`${at}.instrument`, config.instrument, `must be an integer in [0, ${INSTRUMENT_CAPACITY - 1}]`);
  }
  const multiplier = config.multiplier ?? 1;
  if (typeof multiplier !== 'number' || !(multiplier > 0) || !Number.isFinite(multiplier)) fail(`${at}.multiplier`, multiplier, 'must be a finite number > 0');
  return {
    instrument: config.instrument,
    mode: checkName(`${at}.mode`, config.mode, VENUE_MODE_CODES),
    makerFee: checkRange(`${at}.makerFee`, config.makerFee, -MAX_FEE, MAX_FEE),
    takerFee: checkRange(`${at}.takerFee`, config.takerFee, -MAX_FEE, MAX_FEE),
    halfSpreadBps: checkRange(`${at}.halfSpreadBps`, config.halfSpreadBps ?? 0, 0, MAX_BPS),
    slippageBps: checkRange(`${at}.slippageBps`, config.slippageBps ?? 0, 0, MAX_BPS),
    impactBps: checkRange(`${at}.impactBps`, config.impactBps ?? 0, 0, MAX_BPS),
    impactModel: checkName(`${at}.impactModel`, config.impactModel ?? 'none', IMPACT_MODEL_CODES),
    participation: checkRange(`${at}.participationCap`, config.participationCap ?? 0, 0, 1),
    multiplier,
    lotSize: checkRange(`${at}.lotSize`, config.lotSize ?? 0, 0, Number.MAX_VALUE),
  };
}

/** Checks `config` (every message names the field, the value and the rule) and resolves it. */
export function resolveVenueConfig(config: VenueConfig): ResolvedVenueConfig {
  const latency = config.latency;
  const model = checkName('latency.model', latency.model, LATENCY_MODEL_CODES);
  if (latency.model !== 'random' && (latency.jitterMs !== undefined || latency.jitterNs !== undefined)) {
    fail('latency.jitterMs', latency.jitterMs ?? latency.jitterNs, `applies to the random model only (model is ${describe(latency.model)})`);
  }
  if (latency.model !== 'random' && latency.seed !== undefined) fail('latency.seed', latency.seed, `applies to the random model only (model is ${describe(latency.model)})`);
  if (latency.model !== 'feed' && latency.feedMultiplier !== undefined) {
    fail('latency.feedMultiplier', latency.feedMultiplier, `applies to the feed model only (model is ${describe(latency.model)})`);
  }
  const feedMultiplier = latency.feedMultiplier ?? 1;
  if (typeof feedMultiplier !== 'number' || !Number.isFinite(feedMultiplier) || feedMultiplier < 0) fail('latency.feedMultiplier', feedMultiplier, 'must be a finite number >= 0');
  const queue = config.queue ?? { model: 'conservative' };
  const queueModel = checkName('queue.model', queue.model, QUEUE_MODEL_CODES);
  if (queue.model === 'conservative' && queue.power !== undefined) fail('queue.power', queue.power, 'applies to the probabilistic model only');
  const queuePower = queue.model === 'probabilistic' ? (queue.power ?? DEFAULT_QUEUE_POWER) : 1;
  if (!Number.isInteger(queuePower) || queuePower < 1 || queuePower > 8) fail('queue.power', queuePower, 'must be an integer in [1, 8]');
  const touchFills = config.touchFills ?? false;
  if (typeof touchFills !== 'boolean') fail('touchFills', touchFills, 'must be a boolean');
  const seen = new Set<number>();
  const instruments = config.instruments.map((entry, i) => {
    const resolved = resolveInstrument(entry, `instruments[${i}]`);
    if (seen.has(resolved.instrument)) fail(`instruments[${i}].instrument`, resolved.instrument, 'must not repeat an instrument already configured');
    seen.add(resolved.instrument);
    return resolved;
  });
  return {
    latency: model,
    entryNs: checkDuration('latency.entry', latency.entryMs, latency.entryNs),
    responseNs: checkDuration('latency.response', latency.responseMs, latency.responseNs),
    jitterNs: checkDuration('latency.jitter', latency.jitterMs, latency.jitterNs),
    feedMultiplier: latency.model === 'feed' ? feedMultiplier : 0,
    seed: checkSeed(latency.seed),
    queueModel,
    queuePower,
    touchFills: touchFills ? 1 : 0,
    instruments,
  };
}
