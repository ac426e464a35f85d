// Builds the ccxt pro exchange for a config (its exchange profile, exchanges/: the options and
// hooks that differ per exchange id), pointed at `baseUrl` when one is given.
import ccxt from 'ccxt';
import type { ResolvedCcxtAdapterConfig } from './config.js';
import { exchangeProfile, type CcxtExchange, type ExchangeProfile, type StreamHooks } from './exchanges/index.js';

export { exchangeProfile, type CcxtExchange, type ExchangeProfile } from './exchanges/index.js';

/** Every https:// host becomes `baseUrl`, every wss:// host its ws:// form, through nested maps. */
export function rewriteUrls(value: unknown, baseUrl: string): unknown {
  if (typeof value === 'string') return value.replace(/^https:\/\/[^/]+/, baseUrl).replace(/^wss:\/\/[^/]+/, baseUrl.replace(/^http/, 'ws'));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteUrls(v, baseUrl)]));
}

export async function createCcxtExchange(
  config: ResolvedCcxtAdapterConfig, profile: ExchangeProfile = exchangeProfile(config.exchange), hooks: StreamHooks = { onGap: () => undefined, onOrders: () => undefined },
): Promise<CcxtExchange> {
  const Pro = (ccxt.pro as Record<string, new (options: unknown) => CcxtExchange>)[config.exchange];
  const exchange = new Pro({
    apiKey: config.credentials.apiKey, secret: config.credentials.secret, ...(config.credentials.password ? { password: config.credentials.password } : {}),
    enableRateLimit: true, options: profile.options,
  });
  exchange.enableLastResponseHeaders = true;
  // The adapter's stream loops reconnect with their own backoff (websocket/backoff.ts). ccxt's own
  // (a dial deferred by sleep(), up to 60 s after repeated failures) stacked on it, and a deferred
  // dial cannot be cancelled: after an outage, close() found the client not dialled yet, and the
  // dial then opened a socket (and its keep-alive timer) nothing closed. ccxt dials at once here.
  const ws = (exchange.options.ws ?? {}) as Record<string, unknown>;
  exchange.options.ws = { ...ws, backoff: { ...((ws.backoff ?? {}) as Record<string, unknown>), base: 0 } };
  profile.configure(exchange, hooks);
  if (config.baseUrl !== undefined) {
    exchange.urls.api = rewriteUrls(exchange.urls.api, config.baseUrl);
    // Plain ws:// needs ccxt's proxy agent loaded first (NOTES-deps "ccxt against a local exchange simulator").
    if (config.baseUrl.startsWith('http://')) await exchange.loadHttpProxyAgent();
  }
  return exchange;
}
