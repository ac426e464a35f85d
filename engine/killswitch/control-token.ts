// Signed control tokens (JWT via jose) that authorise control actions such as a kill-switch
// reset. HS256 with a shared secret (control.secret, or QF_CONTROL_SECRET) or EdDSA with a
// public key (control.publicKey). A valid token carries `sub` (who acts: journaled), the
// configured `aud`, and `exp`; anything else is refused with a ControlTokenError.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { importSPKI, jwtVerify, SignJWT, errors as joseErrors } from 'jose';

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

/** Verifies `token`; returns who signed for the action (`sub`). Throws ControlTokenError. */
export async function verifyControlToken(token: string, config: ControlTokenConfig): Promise<{ who: string }> {
  if (token.trim() === '') throw new ControlTokenError('a signed control token is required (--token or QF_CONTROL_TOKEN)');
  const key = await verificationKey(config);
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: [config.algorithm], audience: config.audience, requiredClaims: ['sub', 'exp'] });
    if (typeof payload.sub !== 'string') throw new ControlTokenError('control token `sub` must name who acts, was missing');
    const problem = subjectProblem(payload.sub);
    if (problem !== null) throw new ControlTokenError(`control token \`sub\` ${problem}`);
    return { who: payload.sub };
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

/** Signs an HS256 control token for `subject`, valid for `ttlSeconds` (operator tooling and tests). */
export async function signControlToken(subject: string, config: ControlTokenConfig, ttlSeconds = 300): Promise<string> {
  if (config.algorithm !== 'HS256') throw new ControlTokenError('only HS256 tokens can be signed here: EdDSA tokens are signed with the private key, outside the engine');
  const problem = subjectProblem(subject);
  if (problem !== null) throw new ControlTokenError(`\`subject\` ${problem}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new ControlTokenError(`\`ttl\` must be an integer >= 1 (seconds), was ${ttlSeconds}`);
  const key = await verificationKey(config);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key);
}
