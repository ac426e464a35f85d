// Binance request signing as the simulator checks it: HMAC-SHA256 (hex) of the query string
// (GET/DELETE) or form body (POST/PUT) up to `&signature=`, keyed by the account's secret, with
// the API key in X-MBX-APIKEY (REST) or the `apiKey` parameter (WebSocket API); the timestamp
// must be within recvWindow of the simulator's clock (-1021), the signature must match (-1022).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SimRejection } from './venue-book.js';

export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Checks a signed REST payload; returns its parameters. */
export function checkSignedPayload(raw: string, apiKey: string | undefined, account: { apiKey: string; secret: string }, now: number): URLSearchParams {
  if (apiKey !== account.apiKey) throw new SimRejection(-2014, 'API-key format invalid.', 401);
  const at = raw.lastIndexOf('&signature=');
  if (at < 0) throw new SimRejection(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  const payload = raw.slice(0, at);
  const given = Buffer.from(raw.slice(at + '&signature='.length), 'utf8');
  const wanted = Buffer.from(hmacHex(account.secret, payload), 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new SimRejection(-1022, 'Signature for this request is not valid.');
  const params = new URLSearchParams(payload);
  checkTimestamp(params.get('timestamp'), params.get('recvWindow'), now);
  return params;
}

/** Checks a WebSocket API request's signed params (keys sorted, signature over the rest). */
export function checkSignedWsParams(params: Record<string, unknown>, account: { apiKey: string; secret: string }, now: number): void {
  if (params.apiKey !== account.apiKey) throw new SimRejection(-2014, 'API-key format invalid.', 401);
  const { signature, ...rest } = params;
  const payload = Object.keys(rest).sort().map((k) => `${k}=${String(rest[k])}`).join('&');
  if (typeof signature !== 'string' || signature !== hmacHex(account.secret, payload)) throw new SimRejection(-1022, 'Signature for this request is not valid.');
  checkTimestamp(rest.timestamp === undefined ? null : String(rest.timestamp), rest.recvWindow === undefined ? null : String(rest.recvWindow), now);
}

function checkTimestamp(timestamp: string | null, recvWindow: string | null, now: number): void {
  const ts = Number(timestamp);
  const window = recvWindow === null ? 5000 : Number(recvWindow);
  if (!Number.isFinite(ts) || ts > now + 1000 || now - ts > window) throw new SimRejection(-1021, 'Timestamp for this request is outside of the recvWindow.');
}
