// When Coinbase's private `user` stream is back: ccxt pro sends the `user` subscribe from
// watchOrders (with its JWT), and the venue answers a `subscriptions` message listing the channels
// the connection now holds. Until that answer the venue sends no order update to the connection,
// so an update in between is lost: the stream is ready (the adapter says it reconnected, and the
// session reconciles) only once the venue confirmed `user` on the connection ccxt holds now.
// ccxt makes a new WebSocket client per connection, so confirmations are kept per client.
import type { CcxtExchange } from './profile.js';

/** How long the venue may take to confirm the subscription before the attempt counts as failed (the adapter's loop retries with backoff). */
export const USER_SUBSCRIPTION_TIMEOUT_MS = 10_000;

/** True for a `subscriptions` message that lists the `user` channel. */
export function confirmsUserChannel(message: unknown): boolean {
  const m = message as { channel?: unknown; events?: unknown } | null;
  if (!m || m.channel !== 'subscriptions' || !Array.isArray(m.events)) return false;
  return m.events.some((e: { subscriptions?: unknown }) => typeof e?.subscriptions === 'object' && e.subscriptions !== null && 'user' in e.subscriptions);
}

export class UserSubscriptionWatch {
  private readonly confirmed = new WeakSet<object>();
  private waiters: (() => void)[] = [];

  /** Every message of every client (the profile's handleMessage hook). */
  observe(client: object, message: unknown): void {
    if (!confirmsUserChannel(message)) return;
    this.confirmed.add(client);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Subscribes the `user` channel (ccxt sends the subscribe once per connection) and resolves once
   * the venue confirmed it on the connection ccxt holds, which is open; rejects with a NetworkError
   * otherwise (the subscribe failed, the connection dropped, or no confirmation within `timeoutMs`).
   */
  async ready(exchange: CcxtExchange, timeoutMs = USER_SUBSCRIPTION_TIMEOUT_MS): Promise<void> {
    const url = exchange.urls?.api?.ws as string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | undefined;
    const confirmation = new Promise<void>((resolve) => { wake = resolve; this.waiters.push(resolve); });
    let fail!: (error: unknown) => void;
    const failure = new Promise<never>((_, reject) => { fail = reject; });
    failure.catch(() => undefined);
    // watchOrders resolves with the next order update only: not awaited, but its failure is the subscription's.
    (exchange.watchOrders() as Promise<unknown>).catch((error: unknown) => fail(error));
    try {
      const client = url === undefined ? undefined : exchange.clients?.[url];
      if (!(client && this.confirmed.has(client))) {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(notReady(`the venue did not confirm the user subscription within ${timeoutMs} ms`)), timeoutMs);
        });
        await Promise.race([confirmation, failure, timeout]);
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      this.waiters = this.waiters.filter((w) => w !== wake);
    }
    const now = url === undefined ? undefined : exchange.clients?.[url];
    if (!now || typeof now.isOpen !== 'function' || !now.isOpen() || !this.confirmed.has(now)) {
      throw notReady(`the user stream's connection (${url}) is not open with a confirmed subscription`);
    }
  }
}

function notReady(message: string): Error {
  return Object.assign(new Error(message), { name: 'NetworkError' });
}
