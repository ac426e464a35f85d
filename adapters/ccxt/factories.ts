// Builds the ccxt pro exchange for a config (exchange profile: the options and hooks that differ
// per exchange id; binance now, coinbase next), pointed at `baseUrl` when one is given, and the
// adapter around it.
import ccxt from 'ccxt';
import type { ExchangeId } from './common/consts.js';
import type { ResolvedCcxtAdapterConfig } from './config.js';

/** The part of a ccxt pro exchange the adapter uses (ccxt's own class is wider). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CcxtExchange = any;

export interface ExchangeProfile {
  readonly options: Record<string, unknown>;
  /** Resolves once the private (user data) stream is subscribed. */
  userStreamReady(exchange: CcxtExchange): Promise<void>;
  /** fetchTrades params that fetch trades from venue trade id `fromId` on. */
  tradesFromIdParams(fromId: number): Record<string, unknown>;
  /** The Retry-After of the last response, seconds (null: none). */
  retryAfterSeconds(exchange: CcxtExchange): number | null;
}

const PROFILES: Partial<Record<ExchangeId, ExchangeProfile>> = {
  binance: {
    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false, warnOnFetchOpenOrdersWithoutSymbol: false },
    userStreamReady: async (exchange) => { await exchange.authenticate({ type: 'spot' }); },
    tradesFromIdParams: (fromId) => ({ fetchTradesMethod: 'publicGetHistoricalTrades', fromId }),
    retryAfterSeconds: (exchange) => {
      const headers = (exchange.last_response_headers ?? {}) as Record<string, string>;
      const value = headers['Retry-After'] ?? headers['retry-after'];
      return value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);
    },
  },
};

export function exchangeProfile(id: ExchangeId): ExchangeProfile {
  const profile = PROFILES[id];
  if (!profile) throw new Error(`ccxt adapter: exchange ${id} has no profile yet (supported: ${Object.keys(PROFILES).join(', ')})`);
  return profile;
}

/** Every https:// host becomes `baseUrl`, every wss:// host its ws:// form, through nested maps. */
export function rewriteUrls(value: unknown, baseUrl: string): unknown {
  if (typeof value === 'string') return value.replace(/^https:\/\/[^/]+/, baseUrl).replace(/^wss:\/\/[^/]+/, baseUrl.replace(/^http/, 'ws'));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteUrls(v, baseUrl)]));
}

export async function createCcxtExchange(config: ResolvedCcxtAdapterConfig): Promise<CcxtExchange> {
  const profile = exchangeProfile(config.exchange);
  const Pro = (ccxt.pro as Record<string, new (options: unknown) => CcxtExchange>)[config.exchange];
  const exchange = new Pro({
    apiKey: config.credentials.apiKey, secret: config.credentials.secret, ...(config.credentials.password ? { password: config.credentials.password } : {}),
    enableRateLimit: true, options: profile.options,
  });
  exchange.enableLastResponseHeaders = true;
  if (config.baseUrl !== undefined) {
    exchange.urls.api = rewriteUrls(exchange.urls.api, config.baseUrl);
    // Plain ws:// needs ccxt's proxy agent loaded first (NOTES-deps "ccxt against a local exchange simulator").
    if (config.baseUrl.startsWith('http://')) await exchange.loadHttpProxyAgent();
  }
  return exchange;
}
