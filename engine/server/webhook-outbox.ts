// The webhooks' outbox: every event a WebhookNotifier queues for a hook is written here before
// any POST of it is attempted (the events queued in one turn of the event loop in one synchronous
// LMDB write transaction: one fsync for a burst, not one per event and hook), and removed once
// the hook answered 2xx (the events delivered in one turn, in one transaction too). A process killed while an event waits, is in flight or is being retried leaves it here,
// and the next session's notifier (the same scope) sends it again first, with the same event id:
// delivery is at least once across a crash, and a receiver dedupes a resend by that id.
//
//   <dir>/  LMDB environment of its own (a live session's: <journal>/webhook-outbox)
//     db "webhook-outbox"  key n (number, ascending: the order events were queued in) ->
//                          JSON { scope, url, id, event, body }
//     db "webhook-marks"   '#identity' -> a UUID made when the outbox is created (event ids
//                          derived from a journal position are derived from it too);
//                          '<scope>#marked' -> the mark names its writer knew, comma-separated,
//                          once the scope recorded its marks ('1': a writer from before the names
//                          were recorded, which knew only LEGACY_MARK_NAMES);
//                          '<scope>:<name>' -> a decimal journal position: how far the events of
//                          a kind (fills) were queued, written in the transaction that stores them
//
// A mark closes the window between the journal and the outbox: an event the journal caused (a
// fill) is stored here at the end of the event loop's turn, after its record was journaled, so a
// kill in between leaves a record recovery replays without its event. The restart posts the
// replayed events after the mark (their event was never stored) and none at or before it (stored,
// so sent or kept here), each with an id derived from its journal position: the same id whichever
// process posts it.
//
// A mark name the outbox's writer did not know (an outbox from before that kind had marks: its
// process posted the events it journaled and none it replayed) counts as covering every replayed
// event of that kind: a restart that replays the journal from its start (an accepted core change)
// does not post them again under new ids.
//
// `scope` keeps notifiers of one session apart (the session's events, its kill-switch
// transitions): each loads only its own. An entry whose hook is no longer configured (or no
// longer asks for the event) is the notifier's to drop, said on the log.
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment, openLmdbDirectory } from '../lmdb/index.js';

/** One undelivered event for one hook, as stored. */
export interface OutboxEntry {
  scope: string;
  /** The hook's URL (as checkWebhookConfigs normalises it). */
  url: string;
  /** The event's id: the Idempotency-Key header and the body's `id`, the same on every attempt and after a restart. */
  id: string;
  event: string;
  /** The POST body, exactly as first sent (it holds the id). */
  body: string;
}

/** The outbox directory of a live session's journal. */
export function webhookOutboxPath(journalDir: string): string {
  return join(journalDir, 'webhook-outbox');
}

/** Journal positions recorded with the events of a scope: mark name -> position. */
export interface OutboxMarks {
  scope: string;
  values: ReadonlyMap<string, bigint>;
  /** The mark names the writer knows (each without a value is at 0). */
  names: readonly string[];
}

/** What a scope recorded: its marks, and the names its writer knew. */
export interface RecordedMarks {
  values: Map<string, bigint>;
  names: Set<string>;
}

/** The mark names every writer from before '#marked' named them knew ('1'): fills' and the kill switch's. */
export const LEGACY_MARK_NAMES: readonly string[] = ['fill:paper', 'fill:inbound', 'killSwitch'];

/**
 * An event id (UUID-shaped: version 8, RFC 9562 variant) derived from the outbox's identity, the
 * scope and `key` (the event's journal position): what a restart derives again for the same event.
 */
export function derivedEventId(identity: string, scope: string, key: string): string {
  const hash = createHash('sha256').update(`${identity}\0${scope}\0${key}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export class WebhookOutbox {
  private next: number;
  private closed = false;
  /** Write transactions committed (each one fsync): how a burst of events is batched, for tests and status. */
  private committed = 0;
  /** Made when the outbox was created, kept with it: the root of the ids derived from journal positions. */
  readonly identity: string;

  private constructor(readonly path: string, private readonly root: RootDatabase, private readonly db: Database<OutboxEntry, number>, private readonly meta: Database<string, string>) {
    let last = 0;
    for (const key of db.getKeys({ reverse: true, limit: 1 })) last = key;
    this.next = last + 1;
    let identity = meta.get('#identity');
    if (identity === undefined) {
      identity = randomUUID();
      const made = identity;
      root.transactionSync(() => { void meta.put('#identity', made); });
    }
    this.identity = identity;
  }

  /** Opens (creating if needed) the outbox at `dir`, a directory. */
  static open(dir: string): WebhookOutbox {
    checkLmdbEnvironment(dir, 'webhook outbox');
    const root = openLmdbDirectory(dir, { overlappingSync: false });
    try {
      return new WebhookOutbox(dir, root, root.openDB<OutboxEntry, number>({ name: 'webhook-outbox', encoding: 'json' }), root.openDB<string, string>({ name: 'webhook-marks', encoding: 'string' }));
    } catch (error) {
      void root.close();
      throw error;
    }
  }

  /**
   * Stores `entries` durably, with `marks` (how far the scope's events were queued), in one write
   * transaction; returns the entries' keys (for `remove`), in order.
   */
  addAll(entries: readonly OutboxEntry[], marks?: OutboxMarks): number[] {
    this.checkOpen();
    if (entries.length === 0 && !marks) return [];
    const keys = entries.map((_, i) => this.next + i);
    this.root.transactionSync(() => {
      for (let i = 0; i < entries.length; i++) void this.db.put(keys[i], entries[i]);
      if (marks) {
        void this.meta.put(`${marks.scope}#marked`, marks.names.join(','));
        for (const [name, value] of marks.values) void this.meta.put(`${marks.scope}:${name}`, value.toString());
      }
    });
    this.next += entries.length;
    this.committed++;
    return keys;
  }

  /**
   * The marks `scope` recorded (name -> journal position) and the names its writer knew (those
   * with a value included); null when it never recorded any (an outbox older than marks, or new).
   */
  marks(scope: string): RecordedMarks | null {
    this.checkOpen();
    const marked = this.meta.get(`${scope}#marked`);
    if (marked === undefined) return null;
    const values = new Map<string, bigint>();
    for (const { key, value } of this.meta.getRange({ start: `${scope}:`, end: `${scope};` })) values.set(key.slice(scope.length + 1), BigInt(value));
    const names = new Set(marked === '1' ? LEGACY_MARK_NAMES : marked.split(',').filter((name) => name !== ''));
    for (const name of values.keys()) names.add(name);
    return { values, names };
  }

  /** The entries were delivered (or are dropped for good): they are not sent again. One write transaction. */
  removeAll(keys: readonly number[]): void {
    this.checkOpen();
    if (keys.length === 0) return;
    this.root.transactionSync(() => {
      for (const key of keys) void this.db.remove(key);
    });
    this.committed++;
  }

  /** Write transactions committed since it was opened. */
  get commits(): number {
    return this.committed;
  }

  /** The undelivered entries of `scope`, oldest first. */
  pending(scope: string): { key: number; entry: OutboxEntry }[] {
    this.checkOpen();
    const found: { key: number; entry: OutboxEntry }[] = [];
    for (const { key, value } of this.db.getRange()) if (value.scope === scope) found.push({ key, entry: value });
    return found;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.root.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`webhook outbox ${this.path} is closed`);
  }
}
