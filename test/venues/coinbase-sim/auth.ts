// Coinbase Advanced Trade request authentication as the simulator checks it, the two ways ccxt's
// coinbase class signs (its `sign` and pro `createWSAuth`):
//   CDP key (secret is an EC PEM): `Authorization: Bearer <JWT ES256>`, claims {sub: key name,
//     iss: 'coinbase-cloud', nbf, exp, uri: 'METHOD host/path'} (the WS subscribe carries `jwt`, no uri);
//   legacy key: CB-ACCESS-KEY / CB-ACCESS-TIMESTAMP / CB-ACCESS-SIGN = hex HMAC-SHA256(secret,
//     timestamp + METHOD + path (no query on v3) + body); WS: HMAC(timestamp + channel + product ids).
// A failure returns the reason (the sim answers 401 with Coinbase's error shape).
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export interface SimCredentials { readonly apiKey: string; readonly secret: string }

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function isPem(secret: string): boolean { return secret.startsWith('-----BEGIN'); }

/** Verifies a JWT ES256 (raw r||s signature) against `key`; returns its claims or a reason. */
function checkJwt(token: string, key: KeyObject, apiKey: string, nowSec: number, uri: string | null): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return 'jwt must have three parts';
  let header: Record<string, unknown>, claims: Record<string, unknown>;
  try { header = JSON.parse(b64url(parts[0]).toString()); claims = JSON.parse(b64url(parts[1]).toString()); } catch { return 'jwt header/claims must be JSON'; }
  if (header.alg !== 'ES256') return `jwt alg must be ES256, was ${String(header.alg)}`;
  if (header.kid !== apiKey || claims.sub !== apiKey) return 'jwt kid/sub must be the API key name';
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, b64url(parts[2]));
  if (!ok) return 'jwt signature does not verify';
  if (typeof claims.nbf !== 'number' || typeof claims.exp !== 'number' || nowSec + 5 < claims.nbf || nowSec > claims.exp) return 'jwt expired or not yet valid';
  // ccxt strips 'https://' from the URL it signs; pointed at this plain-http simulator it keeps 'http://', which is the same resource.
  const claimed = typeof claims.uri === 'string' ? claims.uri.replace(/^([A-Z]+) http:\/\//, '$1 ') : claims.uri;
  if (uri !== null && claimed !== uri) return `jwt uri must be ${JSON.stringify(uri)}, was ${JSON.stringify(claims.uri)}`;
  return null;
}

export class CoinbaseAuth {
  private readonly publicKey: KeyObject | null;

  constructor(readonly credentials: SimCredentials, private readonly nowMs: () => number) {
    this.publicKey = isPem(credentials.secret) ? createPublicKey(credentials.secret) : null;
  }

  /** A REST request; `hostPath` is host + path without query ('127.0.0.1:PORT/api/v3/...'), `path` the path alone. */
  checkRest(method: string, hostPath: string, path: string, headers: Record<string, string | string[] | undefined>, body: string): string | null {
    const nowSec = Math.floor(this.nowMs() / 1000);
    const authorization = headers.authorization;
    if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
      if (!this.publicKey) return 'bearer token given but the key is a legacy HMAC key';
      return checkJwt(authorization.slice(7), this.publicKey, this.credentials.apiKey, nowSec, `${method} ${hostPath}`);
    }
    const key = headers['cb-access-key'], ts = headers['cb-access-timestamp'], sig = headers['cb-access-sign'];
    if (typeof key !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return 'missing Authorization or CB-ACCESS-* headers';
    if (this.publicKey) return 'CB-ACCESS-* headers given but the key is a CDP (JWT) key';
    if (key !== this.credentials.apiKey) return 'unknown CB-ACCESS-KEY';
    if (Math.abs(Number(ts) - nowSec) > 30) return 'request timestamp expired';
    const expected = createHmac('sha256', this.credentials.secret).update(ts + method + path + body).digest('hex');
    return sameHex(expected, sig) ? null : 'CB-ACCESS-SIGN does not match';
  }

  /** A private WebSocket subscribe message. */
  checkWs(msg: Record<string, unknown>): string | null {
    const nowSec = Math.floor(this.nowMs() / 1000);
    if (typeof msg.jwt === 'string') {
      if (!this.publicKey) return 'jwt given but the key is a legacy HMAC key';
      return checkJwt(msg.jwt, this.publicKey, this.credentials.apiKey, nowSec, null);
    }
    if (msg.api_key !== this.credentials.apiKey || typeof msg.timestamp !== 'string' || typeof msg.signature !== 'string') return 'missing jwt or api_key/timestamp/signature';
    if (Math.abs(Number(msg.timestamp) - nowSec) > 30) return 'request timestamp expired';
    const ids = Array.isArray(msg.product_ids) ? msg.product_ids.join(',') : '';
    const expected = createHmac('sha256', this.credentials.secret).update(`${msg.timestamp}${String(msg.channel)}${ids}`).digest('hex');
    return sameHex(expected, msg.signature) ? null : 'signature does not match';
  }
}
