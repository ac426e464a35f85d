// Resume tickets: how a state-server connection that held control gets it back after a
// reconnect without a new control token, while a token stays good for one connection at a time.
// When a connection's control token is first bound to it (engine/server control.ts), the server
// opens a *grant* for the token's jti (who, the token's exp) and hands the connection a ticket:
// 32 random bytes, kept here only as their SHA-256. A ticket is single-use and short-lived: it
// expires `ttlSeconds` after it was issued (never after the token), the server rotates the ticket
// of a connection still holding control before then (the previous one stays good until the new
// one is used, in case the rotation was lost with the connection), and presenting it (`resume`)
// spends every ticket of the grant and issues the next. A ticket presented again is refused as
// `used`, naming when; an older one than the last two as `superseded`; so whoever presents a
// stolen ticket second (the legitimate client, when the thief was first) is refused loudly.
// A resume whose answer was lost with its connection is told apart from a stolen ticket: the
// client presents each ticket with an `attempt` (a random nonce it made for that ticket, never
// sent before), kept here as its hash with the spent ticket; the same ticket presented again
// with the same attempt, while the grant has not been resumed since, is that client retrying:
// it resumes (`repeated`), spending the ticket its lost answer carried. A thief who holds the
// ticket but not the attempt is refused as `used`, as before.
// DirectoryTicketStore keeps one JSON file per grant (named by the jti's hash, written whole
// through a temporary file and a rename), so a restart keeps live tickets usable and spent ones
// spent; grants whose token has expired (a ticket lifetime ago) are removed when the store opens. One server per
// directory: two processes on the same directory could each spend a ticket once.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Default ticket lifetime: long enough for a reconnect or a restart, short for a leaked ticket. */
export const DEFAULT_RESUME_TICKET_SECONDS = 600;

/** What a ticket resumes: the control token's jti, who it names and when it expires (seconds since the epoch). */
export interface ResumeGrant {
  readonly jti: string;
  readonly who: string;
  readonly expiresAtSeconds: number;
}

export interface IssuedTicket {
  readonly ticket: string;
  /** Seconds since the epoch: the ticket's expiry (at most the token's). */
  readonly expiresAtSeconds: number;
}

/** Why a ticket was refused: `used` and `superseded` mean another party may hold it; `expired` and `unknown` do not. */
export type ResumeRefusalReason = 'used' | 'superseded' | 'expired' | 'unknown';

export type ResumeOutcome =
  /** `repeated`: the same ticket and attempt again (the answer to the first presentation was lost with its connection). */
  | { readonly ok: true; readonly grant: ResumeGrant; readonly next: IssuedTicket; readonly repeated?: boolean }
  | { readonly ok: false; readonly reason: ResumeRefusalReason; readonly message: string };

interface LiveTicket { hash: string; issuedAt: number; expiresAt: number }
/** `attempt`: the hash of the attempt nonce a `used` ticket was presented with (absent: none given). */
interface SpentTicket { hash: string; at: number; expiresAt: number; why: 'used' | 'superseded'; attempt?: string }
/** `lastUsed`: the hash of the ticket the grant was last resumed with. */
interface GrantRecord { jti: string; who: string; tokenExpiresAt: number; live: LiveTicket[]; spent: SpentTicket[]; lastUsed?: string }

export interface TicketStoreOptions {
  /** Ticket lifetime, seconds (default DEFAULT_RESUME_TICKET_SECONDS). */
  ttlSeconds?: number;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
}

/** The longest ticket text taken (ours are 47 characters). */
export const MAX_RESUME_TICKET_CHARACTERS = 128;
/** A resume attempt nonce: 16 to 128 characters of base64url (the client library sends 22). */
export const RESUME_ATTEMPT_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;
const TICKET_PREFIX = 'qfr_';
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const hashOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export class ResumeTicketStore {
  readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly grants = new Map<string, GrantRecord>();
  /** Ticket hash -> jti of its grant (live and spent). */
  private readonly byHash = new Map<string, string>();

  constructor(options: TicketStoreOptions = {}) {
    const ttl = options.ttlSeconds ?? DEFAULT_RESUME_TICKET_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1) throw new RangeError(`\`ttlSeconds\` (resume ticket lifetime) must be an integer >= 1, was ${ttl}`);
    this.ttlSeconds = ttl;
    this.now = options.now ?? Date.now;
  }

  private nowSeconds(): number {
    return this.now() / 1000;
  }

  /**
   * Opens a grant for a token just bound to a connection (or replaces that grant's tickets: the
   * connection authenticated again) and returns its first ticket.
   */
  issue(grant: ResumeGrant): IssuedTicket {
    this.prune();
    const record = this.grants.get(grant.jti) ?? { jti: grant.jti, who: grant.who, tokenExpiresAt: grant.expiresAtSeconds, live: [], spent: [] };
    const at = this.nowSeconds();
    for (const ticket of record.live.splice(0)) record.spent.push({ hash: ticket.hash, at, expiresAt: ticket.expiresAt, why: 'superseded' });
    return this.mint(record);
  }

  /** Whether the grant's newest ticket has lived half its life (the server then rotates it). */
  dueForRotation(jti: string): boolean {
    const current = this.grants.get(jti)?.live[0];
    return current !== undefined && this.nowSeconds() - current.issuedAt >= this.ttlSeconds / 2;
  }

  /** A new ticket for a connection still holding the grant; the previous one stays good until either is used. Null: no such grant. */
  rotate(jti: string): IssuedTicket | null {
    const record = this.grants.get(jti);
    if (!record) return null;
    const at = this.nowSeconds();
    for (const ticket of record.live.splice(1)) record.spent.push({ hash: ticket.hash, at, expiresAt: ticket.expiresAt, why: 'superseded' });
    return this.mint(record);
  }

  /**
   * Spends `ticket` (and every other ticket of its grant) and issues the next, or says why not.
   * `attempt` is the client's nonce for this ticket: presented again with it, a used ticket
   * resumes again (the first answer was lost) while nothing resumed the grant since.
   */
  resume(ticket: string, attempt?: string): ResumeOutcome {
    this.prune();
    const hash = hashOf(ticket);
    const jti = this.byHash.get(hash);
    const record = jti === undefined ? undefined : this.grants.get(jti);
    if (!record) {
      return { ok: false, reason: 'unknown', message: 'resume ticket refused: this server never issued it, or it expired and was forgotten (a server without a state directory forgets its tickets on restart): present a new control token' };
    }
    const spent = record.spent.find((entry) => entry.hash === hash);
    if (spent?.why === 'used' && attempt !== undefined && spent.attempt === hashOf(attempt)) return this.resumeAgain(record, spent);
    if (spent?.why === 'used') {
      return {
        ok: false, reason: 'used',
        message: `resume ticket refused: it was used already, at ${iso(spent.at)} (subject ${JSON.stringify(record.who)}); a ticket resumes one connection once. If this client did not resume then, another party holds its ticket: sign a new control token, and treat the old one as leaked`,
      };
    }
    if (spent) {
      return { ok: false, reason: 'superseded', message: `resume ticket refused: it was superseded at ${iso(spent.at)} by a newer ticket of the same connection (subject ${JSON.stringify(record.who)}); a client presents only its newest, so another party may hold this one: sign a new control token` };
    }
    const live = record.live.find((entry) => entry.hash === hash)!;
    const nowSeconds = this.nowSeconds();
    if (record.tokenExpiresAt <= nowSeconds) {
      return { ok: false, reason: 'expired', message: `resume ticket refused: the control token it resumes (subject ${JSON.stringify(record.who)}) expired at ${iso(record.tokenExpiresAt)}: sign a new one` };
    }
    if (live.expiresAt <= nowSeconds) {
      return { ok: false, reason: 'expired', message: `resume ticket refused: it expired at ${iso(live.expiresAt)} (a ticket lives ${this.ttlSeconds} s; the connection was away longer): present a new control token` };
    }
    for (const entry of record.live.splice(0)) {
      const used = entry.hash === hash;
      record.spent.push({ hash: entry.hash, at: nowSeconds, expiresAt: entry.expiresAt, why: used ? 'used' : 'superseded', ...(used && attempt !== undefined ? { attempt: hashOf(attempt) } : {}) });
    }
    record.lastUsed = hash;
    const next = this.mint(record);
    return { ok: true, grant: { jti: record.jti, who: record.who, expiresAtSeconds: record.tokenExpiresAt }, next };
  }

  /**
   * The client that used `spent` presents it again with the same attempt: its answer was lost.
   * It resumes again when the grant was not resumed since (else whoever resumed it used the
   * ticket that lost answer carried, which this client never had) and nothing has expired.
   */
  private resumeAgain(record: GrantRecord, spent: SpentTicket): ResumeOutcome {
    const nowSeconds = this.nowSeconds();
    const when = iso(spent.at);
    if (record.lastUsed !== spent.hash || record.live.length === 0) {
      return {
        ok: false, reason: 'used',
        message: `resume ticket refused: this client used it at ${when} (subject ${JSON.stringify(record.who)}) and its answer was lost, but control was taken since with the ticket that answer carried, which this client never received: another party holds it. Sign a new control token, and treat the old one as leaked`,
      };
    }
    if (record.tokenExpiresAt <= nowSeconds) {
      return { ok: false, reason: 'expired', message: `resume ticket refused: the control token it resumes (subject ${JSON.stringify(record.who)}) expired at ${iso(record.tokenExpiresAt)}: sign a new one` };
    }
    if (spent.expiresAt <= nowSeconds) {
      return { ok: false, reason: 'expired', message: `resume ticket refused: it expired at ${iso(spent.expiresAt)} (a ticket lives ${this.ttlSeconds} s; the connection was away longer): present a new control token` };
    }
    for (const entry of record.live.splice(0)) record.spent.push({ hash: entry.hash, at: nowSeconds, expiresAt: entry.expiresAt, why: 'superseded' });
    const next = this.mint(record);
    return { ok: true, grant: { jti: record.jti, who: record.who, expiresAtSeconds: record.tokenExpiresAt }, next, repeated: true };
  }

  /** Spends every ticket of the grant (its connection moved to another token). */
  revoke(jti: string): void {
    const record = this.grants.get(jti);
    if (!record || record.live.length === 0) return;
    const at = this.nowSeconds();
    for (const ticket of record.live.splice(0)) record.spent.push({ hash: ticket.hash, at, expiresAt: ticket.expiresAt, why: 'superseded' });
    this.save(record);
  }

  private mint(record: GrantRecord): IssuedTicket {
    const ticket = `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const issuedAt = this.nowSeconds();
    const expiresAt = Math.min(issuedAt + this.ttlSeconds, record.tokenExpiresAt);
    const hash = hashOf(ticket);
    record.live.unshift({ hash, issuedAt, expiresAt });
    this.grants.set(record.jti, record);
    this.byHash.set(hash, record.jti);
    this.save(record);
    return { ticket, expiresAtSeconds: expiresAt };
  }

  /**
   * Forgets grants a ticket lifetime after their token expired (until then their tickets are
   * refused naming the expiry) and spent tickets past their expiry (refused as unknown then).
   */
  protected prune(): void {
    const now = this.nowSeconds();
    for (const record of this.grants.values()) {
      if (record.tokenExpiresAt + this.ttlSeconds <= now) {
        for (const entry of [...record.live, ...record.spent]) this.byHash.delete(entry.hash);
        this.grants.delete(record.jti);
        this.remove(record);
        continue;
      }
      const kept = record.spent.filter((entry) => entry.expiresAt > now);
      if (kept.length === record.spent.length) continue;
      for (const entry of record.spent) if (entry.expiresAt <= now) this.byHash.delete(entry.hash);
      record.spent = kept;
    }
  }

  /** Adds a grant read back from storage. */
  protected load(record: GrantRecord): void {
    this.grants.set(record.jti, record);
    for (const entry of [...record.live, ...record.spent]) this.byHash.set(entry.hash, record.jti);
  }

  /** Persists a grant (a directory store). */
  protected save(_record: GrantRecord): void {}

  /** Removes a grant from storage. */
  protected remove(_record: GrantRecord): void {}
}

/** Where a configuration's resume tickets are kept: beside the used control tokens. */
export function resumeTicketStorePath(statePath: string): string {
  return path.join(statePath, 'control-resume-tickets');
}

export class DirectoryTicketStore extends ResumeTicketStore {
  private constructor(readonly dir: string, options: TicketStoreOptions) {
    super(options);
  }

  /** Opens the store at `dir` (created at the first ticket), loading its grants and dropping those whose token expired. */
  static open(dir: string, options: TicketStoreOptions = {}): DirectoryTicketStore {
    const store = new DirectoryTicketStore(dir, options);
    if (!existsSync(dir)) return store;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as GrantRecord;
        if (typeof record.jti === 'string' && typeof record.who === 'string' && typeof record.tokenExpiresAt === 'number' && Array.isArray(record.live) && Array.isArray(record.spent)) store.load(record);
      } catch {
        // An unreadable grant cannot be resumed (its tickets read as unknown): nothing reopens.
      }
    }
    store.prune();
    return store;
  }

  private fileOf(record: GrantRecord): string {
    return path.join(this.dir, `${hashOf(record.jti)}.json`);
  }

  protected override save(record: GrantRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(record);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(record)}\n`, { flush: true });
    renameSync(temporary, file);
  }

  protected override remove(record: GrantRecord): void {
    rmSync(this.fileOf(record), { force: true });
  }
}
