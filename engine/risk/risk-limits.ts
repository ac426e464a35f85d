// The pre-trade risk limits and per-instrument risk configuration, as the core takes them
// (times in integer ns, asset classes as codes), and their conversion from the validated
// `risk` section of the configuration (engine/config). Ranges are enforced by the config
// schema and again by the core (riskConfigure returns ERR_RISK_BAD_LIMITS).
import { feedHealthPolicyFromConfig, type FeedHealthPolicy } from './feed-health.js';

export const ASSET_CLASSES = ['crypto', 'equity', 'fx', 'future', 'option', 'commodity', 'bond', 'index'] as const;
/** Settlement of an instrument: spot pays the notional from cash; margin moves cash by realised P&L only. */
export const SETTLEMENTS = ['spot', 'margin'] as const;
export type Settlement = (typeof SETTLEMENTS)[number];

/** Contract terms an instrument may declare (config risk.instruments, risk.replayDefaults); absent ones default. */
export interface ContractTerms {
  multiplier?: number;
  quoteCurrency?: string;
  settlement?: Settlement;
  fundingRate?: number;
  fundingIntervalHours?: number;
  borrowRate?: number;
}
export type AssetClass = (typeof ASSET_CLASSES)[number];

export interface RiskLimits {
  /** Largest position notional per instrument, as a fraction of equity (default 0.25). */
  readonly maxPositionPct: number;
  /** Largest exposure per asset class, as a fraction of equity (default 0.30). */
  readonly maxAssetClassPct: number;
  /** Largest gross exposure (sum of |position| * price), in account currency. */
  readonly maxGrossExposure: number;
  /** Largest gross exposure / equity. */
  readonly maxLeverage: number;
  /** New exposure stops when the loss since the UTC day start reaches this fraction of day-start equity. */
  readonly dailyLossPct: number;
  /** The kill switch trips when equity falls this fraction below its high-water mark (default 0.15). */
  readonly maxDrawdownPct: number;
  /** Largest distance of the order price from the last trade, as a fraction of it. */
  readonly priceBandPct: number;
  /** Smallest order notional (full closes exempt). */
  readonly minNotional: number;
  /** At most `maxOrders` accepted orders in any rolling window of `windowNs`. */
  readonly maxOrders: number;
  readonly windowNs: bigint;
  /** What the core does on FEED_HEALTH records, per condition (absent: DEFAULT_FEED_HEALTH; it cannot be turned off). */
  readonly feedHealth?: FeedHealthPolicy;
}

export interface InstrumentRiskConfig {
  readonly instrument: number;
  readonly assetClass: number;
  readonly lotSize: number;
  /** Last trade older than this (ns) is stale: no new exposure, exits deferred. */
  readonly staleNs: bigint;
}

/** The `risk` section of the configuration (validated by engine/config). */
export interface RiskSection {
  maxPositionPct: number;
  maxAssetClassPct: number;
  maxGrossExposure: number;
  maxLeverage: number;
  dailyLossPct: number;
  maxDrawdownPct: number;
  priceBandPct: number;
  minNotional: number;
  orderRate: { maxOrders: number; windowMs: number };
  defaultStaleAfterMs: number;
  instruments: ({ id: number; symbol: string; assetClass: AssetClass; lotSize: number; staleAfterMs?: number } & ContractTerms)[];
  /** Replays only: asset class, lot size and contract terms of an instrument missing from `instruments`. */
  replayDefaults: { assetClass: AssetClass; lotSize: number } & ContractTerms;
  /** Feed health as a risk input (engine/risk/feed-health.ts); absent keys take DEFAULT_FEED_HEALTH. */
  feedHealth?: Partial<FeedHealthPolicy>;
}

const NS_PER_MS = 1_000_000n;

export function assetClassCode(name: AssetClass): number {
  const code = ASSET_CLASSES.indexOf(name);
  if (code < 0) throw new Error(`\`assetClass\` must be one of ${ASSET_CLASSES.join(', ')}, was ${JSON.stringify(name)}`);
  return code;
}

export function riskLimitsFromConfig(risk: RiskSection): RiskLimits {
  return {
    maxPositionPct: risk.maxPositionPct,
    maxAssetClassPct: risk.maxAssetClassPct,
    maxGrossExposure: risk.maxGrossExposure,
    maxLeverage: risk.maxLeverage,
    dailyLossPct: risk.dailyLossPct,
    maxDrawdownPct: risk.maxDrawdownPct,
    priceBandPct: risk.priceBandPct,
    minNotional: risk.minNotional,
    maxOrders: risk.orderRate.maxOrders,
    windowNs: BigInt(risk.orderRate.windowMs) * NS_PER_MS,
    feedHealth: feedHealthPolicyFromConfig(risk.feedHealth),
  };
}

export function instrumentRiskFromConfig(risk: RiskSection): InstrumentRiskConfig[] {
  return risk.instruments.map((entry) => ({
    instrument: entry.id,
    assetClass: assetClassCode(entry.assetClass),
    lotSize: entry.lotSize,
    staleNs: BigInt(entry.staleAfterMs ?? risk.defaultStaleAfterMs) * NS_PER_MS,
  }));
}
