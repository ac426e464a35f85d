// The configuration sections of execution (engine/config validates them with ajv): the
// account (currency, other currencies with their starting rates, interest on negative cash,
// lot linking), the order table (capacity, acknowledgement and cancel timeouts), the order
// stage (no-trade band, entry order type), the exits of the decision strategy, and the
// simulated venue (latency, queue model, costs, per-symbol overrides). JSON Schema fragments
// and the TypeScript types of the validated values.

export const LINKING_POLICIES = ['fifo', 'lifo', 'parent'] as const;
export const ENTRY_ORDER_TYPES = ['market', 'limit'] as const;
export const TIME_IN_FORCE = ['gtc', 'ioc', 'fok', 'day', 'postOnly'] as const;
export const LATENCY_MODELS = ['constant', 'random', 'feed'] as const;
export const QUEUE_MODELS = ['conservative', 'probabilistic'] as const;
export const IMPACT_MODELS = ['none', 'linear', 'sqrt'] as const;
export const VENUE_MODES = ['bars', 'ticks'] as const;
export const REENTRY_MODES = ['afterSignalReset', 'immediate'] as const;

export interface AccountSection {
  currency: string;
  currencies: { code: string; rate: number }[];
  negativeCashRate: number;
  daysPerYear: number;
  linking: (typeof LINKING_POLICIES)[number];
}

export interface OrdersSection {
  capacity: number;
  ackTimeoutMs: number;
  cancelTimeoutMs: number;
}

export interface ExecutionSection {
  noTradeBand: { equityPct: number; positionPct: number };
  confirmBars: number;
  entryOrder: { type: (typeof ENTRY_ORDER_TYPES)[number]; timeInForce: (typeof TIME_IN_FORCE)[number]; limitOffsetBps: number; repriceBps: number };
}

export interface ExitsSection {
  stopPct: number;
  atrMultiple: number;
  atr: string;
  trailPct: number;
  trailAtrMultiple: number;
  targets: { pct: number; fraction: number }[];
  maxHoldHours: number;
  regimeMultiplier: { trending: number; meanReverting: number; choppy: number };
  reentry: (typeof REENTRY_MODES)[number];
}

export interface VenueCosts {
  makerFee: number;
  takerFee: number;
  halfSpreadBps: number;
  slippageBps: number;
  impactBps: number;
  impactModel: (typeof IMPACT_MODELS)[number];
  participation: number;
}

export interface VenueSection {
  mode: (typeof VENUE_MODES)[number];
  latency: { model: (typeof LATENCY_MODELS)[number]; entryMs: number; responseMs: number; jitterMs: number; feedMultiplier: number; seed: number };
  queue: { model: (typeof QUEUE_MODELS)[number]; power: number };
  touchFills: boolean;
  costs: VenueCosts;
  instruments: ({ symbol: string } & Partial<VenueCosts>)[];
}

const rate = { type: 'number', minimum: 0, maximum: 10 };
const bps = { type: 'number', minimum: 0, maximum: 10_000 };
const fee = { type: 'number', minimum: -0.1, maximum: 0.1 };
const currencyCode = { type: 'string', pattern: '^[A-Z0-9]{2,10}$' };

export const ACCOUNT_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'currencies', 'negativeCashRate', 'daysPerYear', 'linking'],
  properties: {
    currency: currencyCode,
    currencies: {
      type: 'array',
      maxItems: 15,
      items: { type: 'object', additionalProperties: false, required: ['code', 'rate'], properties: { code: currencyCode, rate: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 } } },
    },
    negativeCashRate: rate,
    daysPerYear: { type: 'number', minimum: 1, maximum: 366 },
    linking: { enum: [...LINKING_POLICIES] },
  },
} as const;

export const ORDERS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['capacity', 'ackTimeoutMs', 'cancelTimeoutMs'],
  properties: {
    capacity: { type: 'integer', minimum: 16, maximum: 8192 },
    ackTimeoutMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
    cancelTimeoutMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
  },
} as const;

export const EXECUTION_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['noTradeBand', 'confirmBars', 'entryOrder'],
  properties: {
    noTradeBand: {
      type: 'object',
      additionalProperties: false,
      required: ['equityPct', 'positionPct'],
      properties: { equityPct: { type: 'number', minimum: 0, maximum: 0.5 }, positionPct: { type: 'number', minimum: 0, maximum: 0.9 } },
    },
    confirmBars: { type: 'integer', minimum: 1, maximum: 1000 },
    entryOrder: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'timeInForce', 'limitOffsetBps', 'repriceBps'],
      properties: { type: { enum: [...ENTRY_ORDER_TYPES] }, timeInForce: { enum: [...TIME_IN_FORCE] }, limitOffsetBps: { type: 'number', minimum: 0, maximum: 1000 }, repriceBps: { type: 'number', minimum: 0, maximum: 1000 } },
    },
  },
} as const;

export const EXITS_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['stopPct', 'atrMultiple', 'atr', 'trailPct', 'trailAtrMultiple', 'targets', 'maxHoldHours', 'regimeMultiplier', 'reentry'],
  properties: {
    stopPct: { type: 'number', minimum: 0, maximum: 0.9 },
    atrMultiple: { type: 'number', minimum: 0, maximum: 100 },
    atr: { type: 'string', pattern: '^atr:[0-9]+$' },
    trailPct: { type: 'number', minimum: 0, maximum: 0.9 },
    trailAtrMultiple: { type: 'number', minimum: 0, maximum: 100 },
    targets: {
      type: 'array',
      maxItems: 4,
      items: { type: 'object', additionalProperties: false, required: ['pct', 'fraction'], properties: { pct: { type: 'number', exclusiveMinimum: 0, maximum: 10 }, fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 } } },
    },
    maxHoldHours: { type: 'number', minimum: 0, maximum: 24 * 366 },
    regimeMultiplier: {
      type: 'object',
      additionalProperties: false,
      required: ['trending', 'meanReverting', 'choppy'],
      properties: { trending: { type: 'number', exclusiveMinimum: 0, maximum: 10 }, meanReverting: { type: 'number', exclusiveMinimum: 0, maximum: 10 }, choppy: { type: 'number', exclusiveMinimum: 0, maximum: 10 } },
    },
    reentry: { enum: [...REENTRY_MODES] },
  },
} as const;

const VENUE_COST_PROPERTIES = {
  makerFee: fee,
  takerFee: fee,
  halfSpreadBps: bps,
  slippageBps: bps,
  impactBps: bps,
  impactModel: { enum: [...IMPACT_MODELS] },
  participation: { type: 'number', minimum: 0, maximum: 1 },
} as const;

export const VENUE_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['mode', 'latency', 'queue', 'touchFills', 'costs', 'instruments'],
  properties: {
    mode: { enum: [...VENUE_MODES] },
    latency: {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'entryMs', 'responseMs', 'jitterMs', 'feedMultiplier', 'seed'],
      properties: {
        model: { enum: [...LATENCY_MODELS] },
        entryMs: { type: 'number', minimum: 0, maximum: 60_000 },
        responseMs: { type: 'number', minimum: 0, maximum: 60_000 },
        jitterMs: { type: 'number', minimum: 0, maximum: 60_000 },
        feedMultiplier: { type: 'number', minimum: 0, maximum: 100 },
        seed: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      },
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'power'],
      properties: { model: { enum: [...QUEUE_MODELS] }, power: { type: 'integer', minimum: 1, maximum: 8 } },
    },
    touchFills: { type: 'boolean' },
    costs: { type: 'object', additionalProperties: false, required: Object.keys(VENUE_COST_PROPERTIES), properties: VENUE_COST_PROPERTIES },
    instruments: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['symbol'], properties: { symbol: { type: 'string', minLength: 1 }, ...VENUE_COST_PROPERTIES } },
    },
  },
} as const;
