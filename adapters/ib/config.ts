// Config of the IB adapter, checked at the edge: where TWS / IB Gateway listens, the API client
// id, the account, the instruments (engine instrument id <-> IB contract), reconnect backoff and
// timeouts. Nothing here is secret (TWS authenticates its own user), but the account number is
// masked in every message (describeIbConfig).
import { IbConfigError } from './errors.js';

export interface IbInstrumentConfig {
  /** Engine instrument id. */
  readonly instrument: number;
  readonly symbol: string;
  /** Default 'STK'. */
  readonly secType?: string;
  /** Default 'SMART'. */
  readonly exchange?: string;
  readonly primaryExchange?: string;
  /** Default 'USD'. */
  readonly currency?: string;
}

export interface IbReconnectConfig {
  /** First delay, ms (default 500). */
  readonly initialMs?: number;
  /** Cap of the exponential delay, ms (default 60000: the nightly reset lasts minutes). */
  readonly maxMs?: number;
  /** Attempts before giving up (default: no limit). */
  readonly maxAttempts?: number;
}

export interface IbAdapterConfig {
  readonly host: string;
  readonly port: number;
  /** TWS API client id: unique per TWS instance; its orders and executions are this client's. */
  readonly clientId: number;
  /** Account the orders go to (default: the first managed account). */
  readonly account?: string;
  readonly instruments: readonly IbInstrumentConfig[];
  /** Bound on connect (socket + handshake + nextValidId), ms (default 10000). */
  readonly connectTimeoutMs?: number;
  /** Bound on one request's answer, ms (default 15000). */
  readonly requestTimeoutMs?: number;
  readonly reconnect?: IbReconnectConfig;
  /** Seed of the backoff jitter (deterministic tests). Default 1. */
  readonly seed?: number;
  /** How long a FILL waits for its COMMISSION_REPORT before it goes out with fee 0, ms (default 5000). */
  readonly commissionWaitMs?: number;
  /** A market stream silent this long is stale and is resubscribed by checkFeeds(), ms (default 10000). */
  readonly staleAfterMs?: number;
  /** Outgoing messages per second the client may send (@stoqey/ib's limiter; TWS allows 50). Default 40. */
  readonly maxRequestsPerSecond?: number;
  readonly name?: string;
}

export interface ResolvedIbInstrument {
  readonly instrument: number;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly primaryExchange: string;
  readonly currency: string;
}

export interface ResolvedIbAdapterConfig {
  readonly host: string;
  readonly port: number;
  readonly clientId: number;
  readonly account: string | null;
  readonly instruments: readonly ResolvedIbInstrument[];
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number; readonly maxAttempts: number };
  readonly seed: number;
  readonly commissionWaitMs: number;
  readonly staleAfterMs: number;
  readonly maxRequestsPerSecond: number;
  readonly name: string;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new IbConfigError(field, value, `must be an integer in [${min}, ${max}]`);
  return value as number;
}

function text(value: unknown, field: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw new IbConfigError(field, value, 'must be a non-empty string');
  return value;
}

export function checkIbAdapterConfig(config: IbAdapterConfig): ResolvedIbAdapterConfig {
  if (typeof config !== 'object' || config === null) throw new IbConfigError('config', config, 'must be an object { host, port, clientId, instruments, ... }');
  const host = text(config.host, 'host');
  const port = int(config.port, 'port', 1, 65_535);
  const clientId = int(config.clientId, 'clientId', 0, 2_147_483_647);
  const account = config.account === undefined ? null : text(config.account, 'account');
  if (!Array.isArray(config.instruments) || config.instruments.length === 0) throw new IbConfigError('instruments', config.instruments, 'must be a non-empty array');
  const seen = new Set<number>();
  const instruments = config.instruments.map((i, k) => {
    const at = `instruments[${k}]`;
    const instrument = int(i?.instrument, `${at}.instrument`, 0, 65_535);
    if (seen.has(instrument)) throw new IbConfigError(`${at}.instrument`, instrument, 'must be unique');
    seen.add(instrument);
    return {
      instrument, symbol: text(i.symbol, `${at}.symbol`), secType: text(i.secType, `${at}.secType`, 'STK'), exchange: text(i.exchange, `${at}.exchange`, 'SMART'),
      primaryExchange: i.primaryExchange === undefined ? '' : text(i.primaryExchange, `${at}.primaryExchange`), currency: text(i.currency, `${at}.currency`, 'USD'),
    };
  });
  const r = config.reconnect ?? {};
  const initialMs = int(r.initialMs ?? 500, 'reconnect.initialMs', 1, 600_000);
  const maxMs = int(r.maxMs ?? 60_000, 'reconnect.maxMs', initialMs, 3_600_000);
  return {
    host, port, clientId, account, instruments,
    connectTimeoutMs: int(config.connectTimeoutMs ?? 10_000, 'connectTimeoutMs', 1, 600_000),
    requestTimeoutMs: int(config.requestTimeoutMs ?? 15_000, 'requestTimeoutMs', 1, 600_000),
    reconnect: { initialMs, maxMs, maxAttempts: int(r.maxAttempts ?? Number.MAX_SAFE_INTEGER, 'reconnect.maxAttempts', 1, Number.MAX_SAFE_INTEGER) },
    seed: int(config.seed ?? 1, 'seed', 0, 2 ** 32 - 1),
    commissionWaitMs: int(config.commissionWaitMs ?? 5000, 'commissionWaitMs', 0, 600_000),
    staleAfterMs: int(config.staleAfterMs ?? 10_000, 'staleAfterMs', 1, 3_600_000),
    maxRequestsPerSecond: int(config.maxRequestsPerSecond ?? 40, 'maxRequestsPerSecond', 1, 10_000),
    name: text(config.name, 'name', 'ib'),
  };
}

/** Masks an account number for logs: "DU1234567" -> "DU*****67". */
export function maskAccount(account: string): string {
  return account.length <= 4 ? '*'.repeat(account.length) : account.slice(0, 2) + '*'.repeat(account.length - 4) + account.slice(-2);
}

/** One line for logs: where it connects, never the full account. */
export function describeIbConfig(c: ResolvedIbAdapterConfig): string {
  return `${c.name}: TWS ${c.host}:${c.port} clientId ${c.clientId}${c.account ? ` account ${maskAccount(c.account)}` : ''}, ${c.instruments.length} instrument(s)`;
}
