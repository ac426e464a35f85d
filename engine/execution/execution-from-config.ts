// Builds the ExecutionSpec of a run from the validated configuration and the run's
// instruments (their symbols, and whether the simulated venue serves them): contract terms
// from risk.instruments by symbol (or risk.replayDefaults), currencies by code, venue costs
// with per-symbol overrides. A quote currency that is neither the account's nor declared in
// account.currencies is an error naming the symbol and the currency.
import type { QuantFlowConfig } from '../config/index.js';
import type { ContractTerms } from '../risk/index.js';
import { resolveVenueConfig, type ResolvedVenueConfig, type VenueInstrumentConfig } from '../venue/index.js';
import {
  LINKING_CODES, ORDER_TYPE_CODES, REENTRY_CODES, SETTLEMENT_CODES, TIF_CODES, type ExecutionSpec, type InstrumentTermsSpec,
} from './execution-spec.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_HOUR = 3_600_000_000_000n;
const DEFAULT_FUNDING_HOURS = 8;

export interface ExecutionInstrument {
  readonly instrument: number;
  readonly symbol: string;
}

export interface ExecutionOptions {
  /** First client order id (default 1: a backtest). */
  readonly firstOrderId?: bigint;
  /** Whether the simulated venue fills the run's orders (replays: yes). */
  readonly simulate: boolean;
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function termsOf(config: QuantFlowConfig, symbol: string): ContractTerms & { readonly lotSize?: number } {
  return config.risk.instruments.find((entry) => entry.symbol === symbol) ?? config.risk.replayDefaults;
}

export function executionFromConfig(config: QuantFlowConfig, instruments: readonly ExecutionInstrument[], options: ExecutionOptions): ExecutionSpec {
  const { account } = config;
  const currencies = account.currencies.map((entry, index) => ({ id: index + 1, code: entry.code, rate: entry.rate }));
  const currencyId = (symbol: string, code: string | undefined): number => {
    if (code === undefined || code === account.currency) return 0;
    const found = currencies.find((entry) => entry.code === code);
    if (!found) throw new RangeError(`instrument ${symbol}: \`quoteCurrency\` ${JSON.stringify(code)} is neither the account currency ${account.currency} nor in account.currencies (${currencies.map((c) => c.code).join(', ') || 'none declared'})`);
    return found.id;
  };
  const terms: InstrumentTermsSpec[] = instruments.map(({ instrument, symbol }) => {
    const t = termsOf(config, symbol);
    const fundingRate = t.fundingRate ?? 0;
    return {
      instrument,
      multiplier: t.multiplier ?? 1,
      currency: currencyId(symbol, t.quoteCurrency),
      settlement: SETTLEMENT_CODES[t.settlement ?? 'spot'],
      fundingRate,
      fundingIntervalNs: BigInt(Math.round((t.fundingIntervalHours ?? DEFAULT_FUNDING_HOURS) * 3600)) * 1_000_000_000n,
      borrowRate: t.borrowRate ?? 0,
    };
  });
  const exits = config.exits;
  const venue = config.venue;
  const venueInstruments: VenueInstrumentConfig[] = instruments.map(({ instrument, symbol }, index) => {
    const costs = { ...venue.costs, ...(venue.instruments.find((entry) => entry.symbol === symbol) ?? {}) };
    return {
      instrument,
      mode: venue.mode,
      makerFee: costs.makerFee,
      takerFee: costs.takerFee,
      halfSpreadBps: costs.halfSpreadBps,
      slippageBps: costs.slippageBps,
      impactBps: costs.impactBps,
      impactModel: costs.impactModel,
      participationCap: costs.participation,
      multiplier: terms[index].multiplier,
      lotSize: termsOf(config, symbol).lotSize ?? 0,
    };
  });
  return {
    account: { currencies, negativeCashRate: account.negativeCashRate, daysPerYear: account.daysPerYear, linking: LINKING_CODES[account.linking] },
    instruments: terms,
    orders: {
      capacity: config.orders.capacity,
      ackTimeoutNs: BigInt(config.orders.ackTimeoutMs) * NS_PER_MS,
      cancelTimeoutNs: BigInt(config.orders.cancelTimeoutMs) * NS_PER_MS,
      firstOrderId: options.firstOrderId ?? 1n,
    },
    orderStage: {
      bandEquityPct: config.execution.noTradeBand.equityPct,
      bandPositionPct: config.execution.noTradeBand.positionPct,
      entryType: ORDER_TYPE_CODES[config.execution.entryOrder.type],
      entryTif: TIF_CODES[config.execution.entryOrder.timeInForce],
      limitOffsetBps: config.execution.entryOrder.limitOffsetBps,
      repriceBps: config.execution.entryOrder.repriceBps,
      confirmBars: config.execution.confirmBars,
    },
    exits: {
      stopPct: exits.stopPct,
      atrMultiple: exits.atrMultiple,
      atrToken: exits.atr,
      trailPct: exits.trailPct,
      trailAtrMultiple: exits.trailAtrMultiple,
      targets: exits.targets.map((t) => ({ pct: t.pct, fraction: t.fraction })),
      maxHoldNs: BigInt(Math.round(exits.maxHoldHours * 3600)) * (NS_PER_HOUR / 3600n),
      regimeMultiplier: [exits.regimeMultiplier.trending, exits.regimeMultiplier.meanReverting, exits.regimeMultiplier.choppy],
      reentry: REENTRY_CODES[exits.reentry],
      instruments: instruments.map((entry) => entry.instrument),
    },
    venue: options.simulate ? simulatedVenue(config.venue, venueInstruments) : undefined,
  };
}

/** The venue section as the simulated venue's own config, checked and resolved by it. */
function simulatedVenue(venue: QuantFlowConfig['venue'], instruments: VenueInstrumentConfig[]): ResolvedVenueConfig {
  const { model } = venue.latency;
  try {
    return resolveVenueConfig({
      latency: {
        model,
        entryMs: venue.latency.entryMs,
        responseMs: venue.latency.responseMs,
        ...(model === 'random' ? { jitterMs: venue.latency.jitterMs, seed: BigInt(venue.latency.seed) } : {}),
        ...(model === 'feed' ? { feedMultiplier: venue.latency.feedMultiplier } : {}),
      },
      queue: venue.queue.model === 'probabilistic' ? { model: 'probabilistic', power: venue.queue.power } : { model: 'conservative' },
      touchFills: venue.touchFills,
      instruments,
    });
  } catch (error) {
    throw new RangeError(`config venue: ${(error as Error).message}`);
  }
}
