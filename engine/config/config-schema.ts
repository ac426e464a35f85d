// JSON Schema (draft-07, checked with ajv) of the whole QuantFlow configuration: the
// `risk`, `killSwitch` and `control` sections owned here, the `account`, `orders`, `execution`,
// `exits` and `venue` fragments of engine/execution/execution-config.ts, and the `fusion` and
// `sizing` fragments of engine/decision/decision-config.ts, and the `strategies` fragment of
// engine/strategy/strategy-config.ts, and the backtest's `data` sources (data-config.ts), and the ML expert's `model` (model-config.ts). Every
// object forbids unknown keys.
// Money safety cannot be configured away: there is no switch to disable the kill switch,
// the staleness guard or any risk check; limits are tunable only inside these ranges.
import { FUSION_CONFIG_SCHEMA, SIZING_CONFIG_SCHEMA } from '../decision/decision-config.js';
import { ASSET_CLASSES, FEED_HEALTH_CONFIG_SCHEMA, RISK_INSTRUMENT_CAPACITY, RISK_RATE_CAPACITY, SETTLEMENTS } from '../risk/index.js';
import { STRATEGIES_CONFIG_SCHEMA } from '../strategy/index.js';
import { DATA_CONFIG_SCHEMA } from './data-config.js';
import { MODEL_CONFIG_SCHEMA } from './model-config.js';
import { MONITORING_CONFIG_SCHEMA } from './monitoring-config.js';
import { LIVE_CONFIG_SCHEMA } from './live-config.js';
import { ACCOUNT_CONFIG_SCHEMA, EXECUTION_CONFIG_SCHEMA, EXITS_CONFIG_SCHEMA, ORDERS_CONFIG_SCHEMA, VENUE_CONFIG_SCHEMA } from '../execution/index.js';

const MS_PER_DAY = 86_400_000;
const fractionUpTo = (maximum: number) => ({ type: 'number', exclusiveMinimum: 0, maximum });
const milliseconds = { type: 'integer', minimum: 1, maximum: MS_PER_DAY };
/** Contract terms of an instrument (risk.instruments entries and risk.replayDefaults); each optional. */
const CONTRACT_TERMS = {
  /** A contract at price p is worth p * multiplier in the quote currency (default 1). */
  multiplier: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
  /** Currency prices are quoted in: the account currency (default) or one of account.currencies. */
  quoteCurrency: { type: 'string', pattern: '^[A-Z0-9]{2,10}$' },
  /** spot: buying pays the notional; margin (perpetuals, futures): cash moves by realised P&L only. */
  settlement: { enum: [...SETTLEMENTS] },
  /** Perpetuals: funding rate per interval (longs pay when > 0), paid at each multiple of the interval. */
  fundingRate: { type: 'number', minimum: -0.1, maximum: 0.1 },
  fundingIntervalHours: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 31 },
  /** Spot shorts: annual borrow rate, charged per UTC day. */
  borrowRate: { type: 'number', minimum: 0, maximum: 10 },
} as const;

export const RISK_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'maxPositionPct', 'maxAssetClassPct', 'maxGrossExposure', 'maxLeverage', 'dailyLossPct', 'maxDrawdownPct',
    'priceBandPct', 'minNotional', 'orderRate', 'defaultStaleAfterMs', 'instruments', 'replayDefaults',
  ],
  properties: {
    maxPositionPct: fractionUpTo(1),
    maxAssetClassPct: fractionUpTo(1),
    maxGrossExposure: { type: 'number', exclusiveMinimum: 0, maximum: 1e15 },
    maxLeverage: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
    dailyLossPct: fractionUpTo(0.5),
    maxDrawdownPct: fractionUpTo(0.5),
    priceBandPct: fractionUpTo(0.5),
    minNotional: { type: 'number', minimum: 0, maximum: 1e9 },
    orderRate: {
      type: 'object',
      additionalProperties: false,
      required: ['maxOrders', 'windowMs'],
      properties: { maxOrders: { type: 'integer', minimum: 1, maximum: RISK_RATE_CAPACITY }, windowMs: milliseconds },
    },
    defaultStaleAfterMs: milliseconds,
    instruments: {
      type: 'array',
      maxItems: RISK_INSTRUMENT_CAPACITY,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'symbol', 'assetClass', 'lotSize'],
        properties: {
          id: { type: 'integer', minimum: 0, maximum: RISK_INSTRUMENT_CAPACITY - 1 },
          symbol: { type: 'string', minLength: 1 },
          assetClass: { enum: [...ASSET_CLASSES] },
          lotSize: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
          staleAfterMs: milliseconds,
          ...CONTRACT_TERMS,
        },
      },
    },
    /** Replays (backtests) only: the asset class and lot size of an instrument not listed in `instruments`. */
    replayDefaults: {
      type: 'object',
      additionalProperties: false,
      required: ['assetClass', 'lotSize'],
      properties: {
        assetClass: { enum: [...ASSET_CLASSES] },
        lotSize: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
        ...CONTRACT_TERMS,
      },
    },
    /** Feed health as a risk input: what the core does per condition (reduceOnly | halt | cancelAll) and the tracker's bounds; no switch turns it off. */
    feedHealth: FEED_HEALTH_CONFIG_SCHEMA,
  },
} as const;

export const KILL_SWITCH_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['statePath'],
  properties: {
    /** LMDB directory of the kill-switch state and the control journal (relative to the working directory). */
    statePath: { type: 'string', minLength: 1 },
  },
} as const;

export const CONTROL_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['algorithm', 'secret', 'publicKey', 'audience'],
  properties: {
    algorithm: { enum: ['HS256', 'EdDSA'] },
    /** HS256 shared secret (at least 32 characters); null to take it from QF_CONTROL_SECRET. */
    secret: { type: ['string', 'null'], minLength: 32 },
    /** EdDSA public key (SPKI PEM). */
    publicKey: { type: ['string', 'null'], minLength: 1 },
    audience: { type: 'string', minLength: 1 },
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['risk', 'killSwitch', 'control', 'account', 'orders', 'execution', 'exits', 'venue'],
  properties: {
    risk: RISK_CONFIG_SCHEMA,
    killSwitch: KILL_SWITCH_CONFIG_SCHEMA,
    control: CONTROL_CONFIG_SCHEMA,
    account: ACCOUNT_CONFIG_SCHEMA,
    orders: ORDERS_CONFIG_SCHEMA,
    execution: EXECUTION_CONFIG_SCHEMA,
    exits: EXITS_CONFIG_SCHEMA,
    venue: VENUE_CONFIG_SCHEMA,
    fusion: FUSION_CONFIG_SCHEMA,
    sizing: SIZING_CONFIG_SCHEMA,
    strategies: STRATEGIES_CONFIG_SCHEMA,
    data: DATA_CONFIG_SCHEMA,
    model: MODEL_CONFIG_SCHEMA,
    monitoring: MONITORING_CONFIG_SCHEMA,
    live: LIVE_CONFIG_SCHEMA,
  },
} as const;
