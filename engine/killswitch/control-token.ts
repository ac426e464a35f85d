// Signed control tokens (JWT via jose) that authorise control actions such as a kill-switch
// reset. HS256 with a shared secret (control.secret, or QF_CONTROL_SECRET) or EdDSA with a
// public key (control.publicKey). A valid token carries `sub` (who acts: journaled), the
// configured `aud`, `iat` and `exp` at most MAX_CONTROL_TOKEN_LIFETIME_SECONDS apart, and a
// `jti` (its id: a token is used once, used-token-ledger.ts); anything else is refused with a
// ControlTokenError.
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { importSPKI, jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { UsedTokenLedger } from './used-token-ledger.js';

export interface ControlTokenConfig {
  readonly algorithm: 'HS256' | 'EdDSA';
  readonly secret: string | null;
  readonly publicKey: string | null;
  readonly audience: string;
}

export class ControlTokenError extends Error {
  override readonly name = 'ControlTokenError';
}

const MIN_SECRET_CHARACTERS = 32;

/** The longest a control token may be valid (`exp` - `iat`): a day, as `quantflow killswitch token --ttl` allows. */
export const MAX_CONTROL_TOKEN_LIFETIME_SECONDS = 86_400;

/** How far in the future `iat` may be (clock skew between the signer and the engine). */
const MAX_CLOCK_SKEW_SECONDS = 60;

/** The longest `jti` taken. */
const MAX_JTI_CHARACTERS = 256;

/** What a verified token says: who acts, the token's id and when it expires (seconds since the epoch). */
export interface VerifiedControlToken {
  readonly who: string;
  readonly jti: string;
  readonly expiresAtSeconds: number;
}

/**
 * Subjects in this namespace name the engine itself in the journal (the drawdown trip is
 * `risk.drawdown`, kill-switch.ts): a token may not act under one, or an operator's trip would
 * read as the core's own (recovery re-applies an operator's trip, the core re-trips by itself).
 */
const ENGINE_SUBJECT_PREFIX = 'risk.';

/** Why `subject` cannot sign for a control action, or null when it can. */
function subjectProblem(subject: string): string | null {
  if (subject.trim() === '') return 'must name who acts, was empty';
  if (subject.trim().startsWith(ENGINE_SUBJECT_PREFIX)) return `must not start with ${JSON.stringify(ENGINE_SUBJECT_PREFIX)} (the engine's own name in the journal, as in risk.drawdown), was ${JSON.stringify(subject)}`;
  return null;
}

async function verificationKey(config: ControlTokenConfig): Promise<KeyObject | CryptoKey> {
  if (config.algorithm === 'HS256') {
    if (config.secret === null || config.secret.length < MIN_SECRET_CHARACTERS) {
      throw new ControlTokenError(
        `control tokens use HS256 but no secret is configured: set control.secret or QF_CONTROL_SECRET (at least ${MIN_SECRET_CHARACTERS} characters)`,
      );
    }
    return createSecretKey(Buffer.from(config.secret, 'utf8'));
  }
  if (config.publicKey === null) throw new ControlTokenError('control tokens use EdDSA but no public key is configured: set control.publicKey (SPKI PEM)');
  try {
    return await importSPKI(config.publicKey, 'EdDSA');
  } catch (error) {
    throw new ControlTokenError(`control.publicKey is not an EdDSA SPKI PEM key: ${(error as Error).message}`);
  }
}

/**
 * Verifies `token`; returns who signed for the action (`sub`), its `jti` and `exp`. Throws
 * ControlTokenError. Whether the jti was used already is the caller's ledger's question
 * (used-token-ledger.ts: claimControlToken).
 */
export async function verifyControlToken(token: string, config: ControlTokenConfig): Promise<VerifiedControlToken> {
  if (token.trim() === '') throw new ControlTokenError('a signed control token is required (--token or QF_CONTROL_TOKEN)');
  const key = await verificationKey(config);
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [config.algorithm], audience: config.audience, requiredClaims: ['sub', 'exp'] });
    if (typeof payload.sub !== 'string') throw new ControlTokenError('control token `sub` must name who acts, was missing');
    const problem = subjectProblem(payload.sub);
    if (problem !== null) throw new ControlTokenError(`control token \`sub\` ${problem}`);
    const exp = payload.exp!;
    if (typeof payload.iat !== 'number') throw new ControlTokenError('control token rejected: claim `iat` (issued at) is required, was missing: its lifetime must be known (quantflow killswitch token sets it)');
    if (payload.iat > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) throw new ControlTokenError(`control token rejected: claim \`iat\` is in the future (${new Date(payload.iat * 1000).toISOString()})`);
    if (exp - payload.iat > MAX_CONTROL_TOKEN_LIFETIME_SECONDS) {
      throw new ControlTokenError(`control token rejected: its lifetime (exp - iat) must be at most ${MAX_CONTROL_TOKEN_LIFETIME_SECONDS} s, was ${exp - payload.iat} s: sign a shorter-lived one`);
    }
    if (typeof payload.jti !== 'string' || payload.jti.trim() === '' || payload.jti.length > MAX_JTI_CHARACTERS) {
      throw new ControlTokenError(`control token rejected: claim \`jti\` (the token's id, so it can be used once) must be a non-empty string of at most ${MAX_JTI_CHARACTERS} characters, was ${payload.jti === undefined ? 'missing' : JSON.stringify(payload.jti).slice(0, 80)}`);
    }
    return { who: payload.sub, jti: payload.jti, expiresAtSeconds: exp };
  } catch (error) {
    if (error instanceof ControlTokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new ControlTokenError('control token expired: sign a new one');
    if (error instanceof joseErrors.JWTClaimValidationFailed) {
      if (error.reason === 'missing') throw new ControlTokenError(`control token rejected: claim \`${error.claim}\` is required, was missing`);
      if (error.claim === 'aud') throw new ControlTokenError(`control token rejected: claim \`aud\` must be ${JSON.stringify(config.audience)}, was ${JSON.stringify(error.payload.aud)}`);
      throw new ControlTokenError(`control token rejected: claim \`${error.claim}\` ${error.message}`);
    }
    if (error instanceof joseErrors.JOSEError) throw new ControlTokenError(`control token rejected: ${error.message} (${error.code})`);
    throw error;
  }
}

/** Signs an HS256 control token for `subject`, valid for `ttlSeconds`, with a fresh random `jti` (operator tooling and tests). */
export async function signControlToken(subject: string, config: ControlTokenConfig, ttlSeconds = 300): Promise<string> {
  if (config.algorithm !== 'HS256') throw new ControlTokenError('only HS256 tokens can be signed here: EdDSA tokens are signed with the private key, outside the engine');
  const problem = subjectProblem(subject);
  if (problem !== null) throw new ControlTokenError(`\`subject\` ${problem}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_CONTROL_TOKEN_LIFETIME_SECONDS) throw new ControlTokenError(`\`ttl\` must be an integer in [1, ${MAX_CONTROL_TOKEN_LIFETIME_SECONDS}] (seconds), was ${ttlSeconds}`);
  const key = await verificationKey(config);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(key);
}

/**
 * Verifies `token` and claims its jti in `ledger`: a token already used is refused as a replay.
 * For one-shot uses (`quantflow killswitch reset`); the state server's gate binds a jti to the
 * connection that first presented it (engine/server control.ts).
 */
export async function claimControlToken(token: string, config: ControlTokenConfig, ledger: UsedTokenLedger): Promise<VerifiedControlToken> {
  return claimVerifiedToken(await verifyControlToken(token, config), ledger);
}

/** Claims a verified token's jti in `ledger`; a token already used is refused as a replay. */
export function claimVerifiedToken(verified: VerifiedControlToken, ledger: UsedTokenLedger): VerifiedControlToken {
  if (!ledger.claim(verified.jti, verified.expiresAtSeconds, verified.who)) throw replayedTokenError(verified);
  return verified;
}

/** The refusal of a token whose jti was used before. */
export function replayedTokenError(verified: VerifiedControlToken): ControlTokenError {
  return new ControlTokenError(`control token rejected: it was used already (jti ${JSON.stringify(verified.jti)}, subject ${JSON.stringify(verified.who)}); a control token is good for one use (one command, or one connection's actions): sign a new one`);
}
