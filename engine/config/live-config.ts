// The `live` section: what `quantflow run --mode live|paper` connects to and how its session is
// kept (issue 15; the durability and checkpoint keys of issue 11). Absent (null) by default. The
// credentials are named, never written here: `env:KEY_VAR/SECRET_VAR` (environment variables) or
// `file:/absolute/path.json` ({apiKey, secret}) outside the repository; they never reach the
// journal, logs or the printed configuration.
//
//   live:
//     adapter: ccxt                    # ccxt (exchange: binance | coinbase) | ib (ib: {host, port, clientId})
//     exchange: binance
//     baseUrl: null                    # http(s)://host:port: a testnet or a local simulator
//     instruments:                     # instrument id = position in this list
//       - { symbol: BTC/USDT, channel: bars, timeframe: 1m }   # channel: bars | trades | quotes
//     credentials: env:BINANCE_API_KEY/BINANCE_SECRET
//     journal: .quantflow/live-journal # journal and checkpoint directory (--journal overrides); relative: to this file's directory
//     durability: { mode: fsync }      # fsync | group (maxDelayMs, maxRecords) | async
//     checkpoint: { everyRecords: 1000, everyMs: 60000 }
//     timerMs: 1000                    # TIMER records: order timeouts, model wait, staleness
//     reconcile: { foreignOrders: cancel, resubmitWithinMs: 5000, positionTolerance: 1.0e-9 }   # cancel | report | adopt
//     onExit: { policy: cancel, boundMs: 10000 }              # drain | cancel | keep (--on-exit overrides)
//     equity: 100000
//     feedHealth:                      # FEED_HEALTH records from the session's streams (the core acts by risk.feedHealth)
//       staleAfterSeconds: 10          # default: risk.feedHealth's, raised to staleBars bars on a bar stream
//       silentAfterSeconds: 30         # default: likewise
//       recoverAfterSeconds: 2         # hysteresis: a condition clears once its cause stayed away this long
//       staleBars: 2.5
//     shadowPaper: false               # live mode: the simulated venue beside the live one, drift report at the end (--shadow-paper)
//     maxConsecutiveRejects: 5         # venue rejections of orders in a row (no ACK or FILL between) that trip the kill switch: 1..100, never off
import path from 'node:path';
import { ConfigError } from './config-error.js';

const text = { type: 'string', minLength: 1 } as const;
const positiveInteger = { type: 'integer', minimum: 1 } as const;
/** Up to ~31 years: a simulator on its own (old) clock needs a stale bound that never trips. */
const seconds = { type: 'number', exclusiveMinimum: 0, maximum: 1e9 } as const;

/** The default of `live.maxConsecutiveRejects`, and the most it may be raised to (it cannot be turned off). */
export const DEFAULT_MAX_CONSECUTIVE_REJECTS = 5;
export const MAX_CONSECUTIVE_REJECTS_BOUND = 100;

export const LIVE_CONFIG_SCHEMA = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['adapter', 'instruments'],
  properties: {
    adapter: { enum: ['ccxt', 'ib'] },
    exchange: { enum: ['binance', 'coinbase'] },
    baseUrl: { type: ['string', 'null'], pattern: '^https?://[^/]+$' },
    ib: {
      type: 'object', additionalProperties: false, required: ['host', 'port', 'clientId'],
      properties: { host: text, port: { type: 'integer', minimum: 1, maximum: 65535 }, clientId: { type: 'integer', minimum: 0 } },
    },
    instruments: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', additionalProperties: false, required: ['symbol'],
        properties: { symbol: text, channel: { enum: ['bars', 'trades', 'quotes'] }, timeframe: { enum: ['1m', '5m', '15m', '1h'] } },
      },
    },
    credentials: { type: ['string', 'null'], pattern: '^(env:[A-Za-z_][A-Za-z0-9_]*/[A-Za-z_][A-Za-z0-9_]*|file:/.+)$' },
    journal: text,
    durability: {
      type: 'object', additionalProperties: false, required: ['mode'],
      properties: { mode: { enum: ['fsync', 'group', 'async'] }, maxDelayMs: { type: 'number', minimum: 0 }, maxRecords: positiveInteger },
    },
    checkpoint: {
      type: 'object', additionalProperties: false,
      properties: { everyRecords: { type: 'integer', minimum: 0 }, everyMs: { type: 'integer', minimum: 0 } },
    },
    timerMs: { type: 'integer', minimum: 10, maximum: 3_600_000 },
    reconcile: {
      type: 'object', additionalProperties: false,
      properties: { foreignOrders: { enum: ['cancel', 'report', 'adopt'] }, resubmitWithinMs: { type: 'integer', minimum: 0 }, positionTolerance: { type: 'number', minimum: 0 } },
    },
    onExit: {
      type: 'object', additionalProperties: false,
      properties: { policy: { enum: ['drain', 'cancel', 'keep'] }, boundMs: { type: 'integer', minimum: 0, maximum: 3_600_000 } },
    },
    equity: { type: 'number', exclusiveMinimum: 0 },
    shadowPaper: { type: 'boolean' },
    maxConsecutiveRejects: { type: 'integer', minimum: 1, maximum: MAX_CONSECUTIVE_REJECTS_BOUND },
    feedHealth: {
      type: 'object', additionalProperties: false,
      properties: {
        staleAfterSeconds: seconds, silentAfterSeconds: seconds, recoverAfterSeconds: seconds, staleBars: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
      },
    },
  },
} as const;

export interface LiveInstrumentConfig {
  readonly instrument: number;
  readonly symbol: string;
  readonly channel: 'bars' | 'trades' | 'quotes';
  readonly timeframe: string;
}

/** Where the credentials come from (the values are read by `quantflow run`, never kept in the configuration). */
export type CredentialsSource = { readonly kind: 'env'; readonly keyVar: string; readonly secretVar: string } | { readonly kind: 'file'; readonly path: string };

export interface LiveConfig {
  readonly adapter: 'ccxt' | 'ib';
  readonly exchange: 'binance' | 'coinbase';
  readonly baseUrl: string | null;
  readonly ib: { readonly host: string; readonly port: number; readonly clientId: number } | null;
  readonly instruments: readonly LiveInstrumentConfig[];
  readonly credentials: CredentialsSource | null;
  readonly journal: string;
  readonly durability: { readonly mode: 'fsync' | 'group' | 'async'; readonly maxDelayMs?: number; readonly maxRecords?: number };
  readonly checkpoint: { readonly everyRecords: number; readonly everyMs: number };
  readonly timerMs: number;
  readonly reconcile: { readonly foreignOrders: 'cancel' | 'report' | 'adopt'; readonly resubmitWithinMs: number; readonly positionTolerance: number };
  readonly onExit: { readonly policy: 'drain' | 'cancel' | 'keep'; readonly boundMs: number };
  readonly equity: number;
  /** Feed-health thresholds of the session (engine/live SessionFeedHealth); absent keys take their defaults there. */
  /** Live mode: run the core's simulated venue beside the live one and report the drift (engine/live ShadowPaper). */
  readonly shadowPaper: boolean;
  readonly feedHealth: { readonly staleAfterSeconds?: number; readonly silentAfterSeconds?: number; readonly recoverAfterSeconds?: number; readonly staleBars?: number };
  /** Venue rejections of orders in a row (no ACK or FILL between) that trip the kill switch (engine/live LiveSession). */
  readonly maxConsecutiveRejects: number;
}

type RawLive = Partial<Omit<LiveConfig, 'instruments' | 'credentials' | 'checkpoint' | 'reconcile' | 'onExit' | 'feedHealth'>> & {
  feedHealth?: LiveConfig['feedHealth'];
  instruments?: { symbol: string; channel?: LiveInstrumentConfig['channel']; timeframe?: string }[];
  credentials?: string | null;
  checkpoint?: Partial<LiveConfig['checkpoint']>;
  reconcile?: Partial<LiveConfig['reconcile']>;
  onExit?: Partial<LiveConfig['onExit']>;
};

/**
 * The `live` section with defaults filled in (null when absent); the schema has checked the shapes.
 * A relative `journal` (the default included) resolves against `dir`, the directory of the
 * configuration that names it, as `data[].path` and `model.path` do: the same configuration
 * started from another directory opens the same journal. Without `dir` it stays as given.
 */
export function resolveLiveConfig(raw: RawLive | null | undefined, dir?: string): LiveConfig | null {
  if (raw === null || raw === undefined) return null;
  if (raw.adapter === 'ib' && !raw.ib) throw new ConfigError('`live.ib` must give {host, port, clientId} when `live.adapter` is ib, was absent', 'live.ib');
  const symbols = new Set<string>();
  const instruments = (raw.instruments ?? []).map((entry, instrument) => {
    if (symbols.has(entry.symbol)) throw new ConfigError(`\`live.instruments[${instrument}].symbol\` must be unique, was ${JSON.stringify(entry.symbol)} twice`, `live.instruments[${instrument}].symbol`);
    symbols.add(entry.symbol);
    return { instrument, symbol: entry.symbol, channel: entry.channel ?? 'bars', timeframe: entry.timeframe ?? '1m' };
  });
  return {
    adapter: raw.adapter ?? 'ccxt',
    exchange: raw.exchange ?? 'binance',
    baseUrl: raw.baseUrl ?? null,
    ib: raw.ib ?? null,
    instruments,
    credentials: raw.credentials ? parseCredentialsSource(raw.credentials) : null,
    journal: dir === undefined ? raw.journal ?? '.quantflow/live-journal' : path.resolve(dir, raw.journal ?? '.quantflow/live-journal'),
    durability: raw.durability ?? { mode: 'fsync' },
    checkpoint: { everyRecords: raw.checkpoint?.everyRecords ?? 1000, everyMs: raw.checkpoint?.everyMs ?? 60_000 },
    timerMs: raw.timerMs ?? 1000,
    reconcile: {
      foreignOrders: raw.reconcile?.foreignOrders ?? 'cancel', resubmitWithinMs: raw.reconcile?.resubmitWithinMs ?? 5000,
      positionTolerance: raw.reconcile?.positionTolerance ?? 1e-9,
    },
    onExit: { policy: raw.onExit?.policy ?? 'cancel', boundMs: raw.onExit?.boundMs ?? 10_000 },
    equity: raw.equity ?? 100_000,
    feedHealth: { ...(raw.feedHealth ?? {}) },
    shadowPaper: raw.shadowPaper ?? false,
    maxConsecutiveRejects: raw.maxConsecutiveRejects ?? DEFAULT_MAX_CONSECUTIVE_REJECTS,
  };
}

export function parseCredentialsSource(value: string): CredentialsSource {
  const env = /^env:([A-Za-z_][A-Za-z0-9_]*)\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (env) return { kind: 'env', keyVar: env[1], secretVar: env[2] };
  if (value.startsWith('file:/')) return { kind: 'file', path: value.slice('file:'.length) };
  throw new ConfigError(`\`live.credentials\` must be env:KEY_VAR/SECRET_VAR or file:/absolute/path.json, was ${JSON.stringify(value.slice(0, 8))}…`, 'live.credentials');
}
