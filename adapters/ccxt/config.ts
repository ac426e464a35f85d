// Configuration of the ccxt adapter: the exchange id (binance now; the profile table in
// factories.ts is where coinbase goes), the instruments and their ccxt symbols, an optional base
// URL (tests point the client at a local simulator), credentials, and the reconnect, rate-limit,
// staleness and clock settings. Credentials come from the environment (QF_<EXCHANGE>_API_KEY,
// QF_<EXCHANGE>_SECRET) or from a JSON file outside the repository; they are never logged.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { EXCHANGE_IDS, type ExchangeId } from './common/consts.js';
import type { InstrumentSymbol } from './common/symbols.js';

export interface CcxtCredentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly password?: string;
}

export interface CcxtAdapterConfig {
  readonly exchange: ExchangeId;
  readonly instruments: readonly InstrumentSymbol[];
  readonly credentials: CcxtCredentials;
  /** Market data only (paper sessions): no user stream, no credentials needed; orders are refused by the venue. */
  readonly marketOnly?: boolean;
  /** Replaces every https/wss host of the exchange's URLs (tests: 'http://127.0.0.1:PORT'). */
  readonly baseUrl?: string;
  /** Reconnect backoff: first delay, cap, jitter seed. */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number; readonly seed?: number; readonly maxAttempts?: number };
  readonly rateLimit?: { readonly maxRetries?: number; readonly pauseMs?: number; readonly maxPauseMs?: number };
  /** A trade stream silent this long is stale (REST fallback polls it meanwhile); other streams are the session's feed health's. */
  readonly staleAfterMs?: number;
  /** How often the staleness check runs. */
  readonly healthCheckMs?: number;
  /** Fetches of an order that answer "not found" before an order whose submission outcome is unknown is declared lost (REJECT). */
  readonly lostOrderChecks?: number;
  /**
   * Venues that number fills by the adapter (Coinbase): missed fills are asked for from the last
   * known fill's venue time minus this margin (fills that reached the venue just before it but the
   * journal after it). Default 10 minutes.
   */
  readonly fillRecoveryMarginMs?: number;
  readonly localNowMs?: () => number;
  /** Every log line (already redacted). */
  readonly log?: (line: string) => void;
}

export type ResolvedCcxtAdapterConfig = Required<Omit<CcxtAdapterConfig, 'baseUrl' | 'reconnect' | 'rateLimit'>> & {
  readonly baseUrl: string | undefined;
  readonly reconnect: { initialMs: number; maxMs: number; seed: number; maxAttempts: number };
  readonly rateLimit: { maxRetries: number; pauseMs: number; maxPauseMs: number };
};

export class CcxtConfigError extends Error {
  constructor(field: string, value: unknown, rule: string) {
    super(`ccxt adapter config: \`${field}\` ${rule}, was ${JSON.stringify(value)}`);
    this.name = 'CcxtConfigError';
  }
}

function positiveInt(value: number | undefined, field: string, dflt: number): number {
  const v = value ?? dflt;
  if (!Number.isInteger(v) || v <= 0) throw new CcxtConfigError(field, v, 'must be a whole number > 0');
  return v;
}

export function resolveCcxtConfig(c: CcxtAdapterConfig): ResolvedCcxtAdapterConfig {
  if (!EXCHANGE_IDS.includes(c.exchange)) throw new CcxtConfigError('exchange', c.exchange, `must be one of ${EXCHANGE_IDS.join(', ')}`);
  if (c.instruments.length === 0) throw new CcxtConfigError('instruments', c.instruments, 'must list at least one instrument');
  c.instruments.forEach((i, n) => {
    if (!Number.isInteger(i.instrument) || i.instrument < 0) throw new CcxtConfigError(`instruments[${n}].instrument`, i.instrument, 'must be a whole number >= 0');
    if (!/^[A-Z0-9]+\/[A-Z0-9]+$/.test(i.symbol)) throw new CcxtConfigError(`instruments[${n}].symbol`, i.symbol, "must be a ccxt spot symbol like 'BTC/USDT'");
  });
  if (!c.marketOnly && (!c.credentials.apiKey || !c.credentials.secret)) throw new CcxtConfigError('credentials', '***', 'must hold an apiKey and a secret');
  if (c.baseUrl !== undefined && !/^https?:\/\/[^/]+$/.test(c.baseUrl)) throw new CcxtConfigError('baseUrl', c.baseUrl, "must be 'http(s)://host[:port]' with no path");
  return {
    exchange: c.exchange, instruments: c.instruments, credentials: c.credentials, baseUrl: c.baseUrl, marketOnly: c.marketOnly ?? false,
    reconnect: {
      initialMs: positiveInt(c.reconnect?.initialMs, 'reconnect.initialMs', 250), maxMs: positiveInt(c.reconnect?.maxMs, 'reconnect.maxMs', 30_000),
      seed: c.reconnect?.seed ?? 1, maxAttempts: positiveInt(c.reconnect?.maxAttempts, 'reconnect.maxAttempts', 1000),
    },
    rateLimit: {
      maxRetries: positiveInt(c.rateLimit?.maxRetries, 'rateLimit.maxRetries', 8), pauseMs: positiveInt(c.rateLimit?.pauseMs, 'rateLimit.pauseMs', 1000),
      maxPauseMs: positiveInt(c.rateLimit?.maxPauseMs, 'rateLimit.maxPauseMs', 120_000),
    },
    staleAfterMs: positiveInt(c.staleAfterMs, 'staleAfterMs', 10_000),
    healthCheckMs: positiveInt(c.healthCheckMs, 'healthCheckMs', 1000),
    lostOrderChecks: positiveInt(c.lostOrderChecks, 'lostOrderChecks', 3),
    fillRecoveryMarginMs: positiveInt(c.fillRecoveryMarginMs, 'fillRecoveryMarginMs', 600_000),
    localNowMs: c.localNowMs ?? Date.now,
    log: c.log ?? ((line) => console.error(line)),
  };
}

/**
 * Credentials for `exchange`: from QF_<EXCHANGE>_API_KEY / QF_<EXCHANGE>_SECRET (/ _PASSWORD), else
 * from `file` (JSON {apiKey, secret, password?}), which must lie outside `repoRoot`.
 */
export function loadCredentials(exchange: ExchangeId, options: { env?: NodeJS.ProcessEnv; file?: string; repoRoot: string }): CcxtCredentials {
  const env = options.env ?? process.env;
  const prefix = `QF_${exchange.toUpperCase()}_`;
  const apiKey = env[`${prefix}API_KEY`], secret = env[`${prefix}SECRET`];
  if (apiKey && secret) return { apiKey, secret, ...(env[`${prefix}PASSWORD`] ? { password: env[`${prefix}PASSWORD`] } : {}) };
  if (options.file === undefined) throw new CcxtConfigError('credentials', `${prefix}API_KEY / ${prefix}SECRET`, 'must be set in the environment, or a credentials file given');
  const path = resolve(options.file);
  const rel = relative(resolve(options.repoRoot), path);
  if (!rel.startsWith('..') && !isAbsolute(rel)) throw new CcxtConfigError('credentials file', path, `must lie outside the repository (${resolve(options.repoRoot)}), so it is never committed`);
  let parsed: unknown;
  try { parsed = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new CcxtConfigError('credentials file', path, `must be readable JSON (${(e as Error).message.split('\n')[0]})`); }
  const o = parsed as Record<string, unknown>;
  if (typeof o?.apiKey !== 'string' || typeof o?.secret !== 'string') throw new CcxtConfigError('credentials file', path, 'must hold string fields apiKey and secret');
  return { apiKey: o.apiKey, secret: o.secret, ...(typeof o.password === 'string' ? { password: o.password } : {}) };
}
