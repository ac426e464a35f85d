// The kill switch in one process: signed control tokens (HS256 and EdDSA; expired, wrong
// audience, missing subject, wrong key all refused), the LMDB state and append-only journal
// (FlatBuffer JournalRecords, sequences without gaps), and the binding to the core's risk
// module (a persisted halt restores the core halted; a core trip is persisted once).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ControlTokenError, decodeControlEvent, DirectoryTokenLedger, encodeControlEvent, KillSwitch, KillSwitchStore, MemoryTokenLedger, signControlToken, verifyControlToken,
  type ControlTokenConfig,
} from '../engine/killswitch/index.js';
import { riskReasonName } from '../engine/risk/index.js';
import { BOOK, createWasmRisk, drain, setUpBook, START_NS } from './risk-stream.js';

const root = mkdtempSync(path.join(tmpdir(), 'qf-ks-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HS256: ControlTokenConfig = { algorithm: 'HS256', secret: 'unit-secret-0123456789abcdef-0123456789', publicKey: null, audience: 'quantflow-control' };

async function refusal(token: string, config: ControlTokenConfig = HS256): Promise<string> {
  try {
    await verifyControlToken(token, config);
  } catch (error) {
    if (error instanceof ControlTokenError) return error.message;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('control tokens', () => {
  it('accepts a valid HS256 token and returns its subject as who', async () => {
    expect(await verifyControlToken(await signControlToken('alice', HS256), HS256)).toMatchObject({ who: 'alice' });
  });

  it('refuses expired tokens, other audiences, missing subjects and missing secrets', async () => {
    const key = new TextEncoder().encode(HS256.secret!);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(HS256.audience).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    expect(await refusal(expired)).toContain('expired');
    const audience = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience('other').setExpirationTime('1m').sign(key);
    expect(await refusal(audience)).toContain('claim `aud` must be "quantflow-control", was "other"');
    const anonymous = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(HS256.audience).setExpirationTime('1m').sign(key);
    expect(await refusal(anonymous)).toContain('claim `sub` is required, was missing');
    const noExpiry = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(HS256.audience).sign(key);
    expect(await refusal(noExpiry), 'tokens must expire').toContain('claim `exp` is required, was missing');
    expect(await refusal('x', { ...HS256, secret: null })).toContain('set control.secret or QF_CONTROL_SECRET');
  });

  it('refuses a subject in the engine\'s own namespace (risk.*): an operator\'s trip must never read as the core\'s drawdown trip', async () => {
    const key = new TextEncoder().encode(HS256.secret!);
    const engineName = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('risk.drawdown').setAudience(HS256.audience).setExpirationTime('1m').sign(key);
    expect(await refusal(engineName)).toContain('control token `sub` must not start with "risk."');
    await expect(signControlToken('risk.drawdown', HS256)).rejects.toThrow(/`subject` must not start with "risk\."/);
    expect(await verifyControlToken(await signControlToken('riskdesk', HS256), HS256)).toMatchObject({ who: 'riskdesk' });
  });

  it('verifies EdDSA tokens with the configured public key and refuses other signers', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const config: ControlTokenConfig = { algorithm: 'EdDSA', secret: null, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), audience: 'quantflow-control' };
    const sign = (key: typeof privateKey) => new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject('bob').setAudience(config.audience).setIssuedAt().setExpirationTime('1m').setJti('bob-1').sign(key);
    expect(await verifyControlToken(await sign(privateKey), config)).toMatchObject({ who: 'bob', jti: 'bob-1' });
    expect(await refusal(await sign(generateKeyPairSync('ed25519').privateKey), config)).toContain('signature verification failed');
    expect(await refusal(await signControlToken('alice', HS256), config), 'an HS256 token is not accepted where EdDSA is configured').toContain('control token rejected');
  });
});

describe('control tokens: one use (jti) and a bounded lifetime', () => {
  const key = new TextEncoder().encode(HS256.secret!);
  const token = (jti: string | null, lifetimeSeconds = 60, iat: number | null = Math.floor(Date.now() / 1000)) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(HS256.audience).setExpirationTime((iat ?? Math.floor(Date.now() / 1000)) + lifetimeSeconds);
    if (iat !== null) jwt = jwt.setIssuedAt(iat);
    if (jti !== null) jwt = jwt.setJti(jti);
    return jwt.sign(key);
  };

  it('refuses a token without a jti or an iat, or valid for longer than a day', async () => {
    expect(await refusal(await token(null))).toMatch(/claim `jti` \(the token's id, so it can be used once\) must be a non-empty string .*was missing/);
    expect(await refusal(await token('t-1', 60, null))).toMatch(/claim `iat` \(issued at\) is required, was missing/);
    expect(await refusal(await token('t-2', 30 * 86_400))).toMatch(/its lifetime \(exp - iat\) must be at most 86400 s, was 2592000 s/);
    expect(await verifyControlToken(await token('t-3', 86_400), HS256)).toMatchObject({ who: 'alice', jti: 't-3' });
  });

  it('signs every token with its own jti', async () => {
    const jtis = await Promise.all([1, 2, 3].map(async () => (await verifyControlToken(await signControlToken('alice', HS256), HS256)).jti));
    expect(new Set(jtis).size, jtis.join(', ')).toBe(3);
  });

  it('refuses a used token again, in the same process and after a restart (the ledger is on disk)', async () => {
    const dir = path.join(root, 'ledger');
    const used = await signControlToken('alice', HS256);
    const { jti, expiresAtSeconds } = await verifyControlToken(used, HS256);
    expect(DirectoryTokenLedger.open(dir).claim(jti, expiresAtSeconds, 'alice'), 'first use').toBe(true);
    expect(DirectoryTokenLedger.open(dir).claim(jti, expiresAtSeconds, 'alice'), 'a replay after a reopen').toBe(false);
    const memory = new MemoryTokenLedger();
    expect([memory.claim('a', expiresAtSeconds), memory.claim('a', expiresAtSeconds)]).toEqual([true, false]);
  });

  it('creates its directory at the first claim only (a session no token reached leaves nothing behind)', async () => {
    const { existsSync } = await import('node:fs');
    const dir = path.join(root, 'ledger-lazy', 'used-control-tokens');
    const ledger = DirectoryTokenLedger.open(dir);
    expect(existsSync(path.join(root, 'ledger-lazy')), 'nothing created by open').toBe(false);
    expect(ledger.claim('first', Math.floor(Date.now() / 1000) + 60, 'alice')).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });

  it('forgets the entries of expired tokens when the ledger opens (they are refused as expired anyway)', async () => {
    const dir = path.join(root, 'ledger-expiry');
    const ledger = DirectoryTokenLedger.open(dir);
    ledger.claim('old', Math.floor(Date.now() / 1000) - 10, 'alice');
    ledger.claim('live', Math.floor(Date.now() / 1000) + 600, 'alice');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).length).toBe(2);
    DirectoryTokenLedger.open(dir);
    expect(readdirSync(dir).length, 'only the live token is remembered').toBe(1);
  });
});

describe('kill-switch store and journal', () => {
  it('round-trips JournalRecord FlatBuffers of kill-switch events', () => {
    const event = { sequence: 7n, timeNs: 1_700_000_000_123_456_789n, kind: 'KillSwitchReset', who: 'alice', why: 'limits reviewed' } as const;
    const bytes = encodeControlEvent(event);
    expect(new TextDecoder().decode(bytes.subarray(4, 8)), 'file identifier').toBe('QFJR');
    expect(decodeControlEvent(bytes)).toStrictEqual(event);
  });

  it('persists trips and resets across reopen, journaling them with gapless sequences', async () => {
    const dir = path.join(root, 'reopen');
    let store = KillSwitchStore.open(dir);
    expect(store.load().halted, 'a new store is not halted').toBe(false);
    store.trip('risk.drawdown', 'first', 1n);
    store.reset('alice', 'checked', 2n);
    store.trip('operator.carol', 'venue outage', 3n);
    await store.close();
    store = KillSwitchStore.open(dir);
    try {
      expect(store.load()).toStrictEqual({ halted: true, who: 'operator.carol', why: 'venue outage', changedAtNs: 3n, trips: 2 });
      expect(store.journal.read().map((e) => [e.sequence, e.kind, e.who])).toStrictEqual([
        [1n, 'KillSwitchTripped', 'risk.drawdown'], [2n, 'KillSwitchReset', 'alice'], [3n, 'KillSwitchTripped', 'operator.carol'],
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('kill switch bound to the core', () => {
  it('persists a core trip once, restores the halt in a fresh core, and refuses resets without a reason or a halt', async () => {
    const dir = path.join(root, 'binding');
    const first = createWasmRisk();
    setUpBook(first.risk);
    let store = KillSwitchStore.open(dir);
    const killSwitch = new KillSwitch(store, first.risk);
    first.risk.onFill(BOOK[2].instrument, START_NS, 400, 200, 0);
    expect(killSwitch.observe(), 'no trip, nothing persisted').toBeNull();
    first.risk.onMark(BOOK[2].instrument, START_NS + 1n, 160);
    expect(killSwitch.observe(), 'the drawdown is read once the clock leaves its time').toBeNull();
    first.risk.onMark(BOOK[2].instrument, START_NS + 2n, 160);
    expect(killSwitch.observe()?.who, 'the trip is persisted as tripped by risk.drawdown').toBe('risk.drawdown');
    expect(killSwitch.observe(), 'and only once').toBeNull();
    drain(first.consumer);
    await store.close();

    store = KillSwitchStore.open(dir);
    const second = createWasmRisk();
    setUpBook(second.risk);
    second.risk.onFill(BOOK[0].instrument, START_NS, 1, 100, 0);
    const restored = new KillSwitch(store, second.risk);
    expect(restored.restore().map((r) => [riskReasonName(r.reason), r.qty]), 'a restored halt re-emits flatten records').toStrictEqual([['KILL_SWITCH_FLATTEN', -1]]);
    expect(riskReasonName(second.risk.checkOrder({ orderId: 1n, instrument: 2, tsNs: START_NS + 1n, qty: 1, price: 200 }).reason)).toBe('KILL_SWITCH');
    const token = await signControlToken('alice', HS256);
    const ledger = new MemoryTokenLedger();
    await expect(restored.reset(token, '  ', HS256, ledger), 'a reason is required').rejects.toThrow('`--reason` must explain why');
    await expect(restored.reset('bad', 'ok', HS256, ledger), 'a bad token leaves the core halted').rejects.toThrow(ControlTokenError);
    expect(second.risk.account().halted).toBe(true);
    const event = await restored.reset(token, 'reviewed', HS256, ledger);
    expect([event.kind, event.who, event.why]).toStrictEqual(['KillSwitchReset', 'alice', 'reviewed']);
    expect(second.risk.account().halted, 'the reset clears the core too').toBe(false);
    await expect(restored.reset(await signControlToken('alice', HS256), 'again', HS256, ledger), 'nothing to reset').rejects.toThrow('not tripped');
    restored.trip('operator.carol', 'again');
    await expect(restored.reset(token, 'replayed', HS256, ledger), 'the used token replayed').rejects.toThrow(/it was used already \(jti "[^"]+", subject "alice"\)/);
    expect(second.risk.account().halted, 'a replayed token clears nothing').toBe(true);
    await store.close();
  });
});
