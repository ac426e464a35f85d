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
//
// `scope` keeps notifiers of one session apart (the session's events, its kill-switch
// transitions): each loads only its own. An entry whose hook is no longer configured (or no
// longer asks for the event) is the notifier's to drop, said on the log.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { checkLmdbEnvironment } from '../lmdb/index.js';

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

export class WebhookOutbox {
  private next: number;
  private closed = false;
  /** Write transactions committed (each one fsync): how a burst of events is batched, for tests and status. */
  private committed = 0;

  private constructor(readonly path: string, private readonly root: RootDatabase, private readonly db: Database<OutboxEntry, number>) {
    let last = 0;
    for (const key of db.getKeys({ reverse: true, limit: 1 })) last = key;
    this.next = last + 1;
  }

  /** Opens (creating if needed) the outbox at `dir`, a directory. */
  static open(dir: string): WebhookOutbox {
    checkLmdbEnvironment(dir, 'webhook outbox');
    mkdirSync(dir, { recursive: true });
    const root = open({ path: dir, overlappingSync: false });
    try {
      return new WebhookOutbox(dir, root, root.openDB<OutboxEntry, number>({ name: 'webhook-outbox', encoding: 'json' }));
    } catch (error) {
      void root.close();
      throw error;
    }
  }

  /** Stores `entries` durably, in one write transaction; returns their keys (for `remove`), in order. */
  addAll(entries: readonly OutboxEntry[]): number[] {
    this.checkOpen();
    if (entries.length === 0) return [];
    const keys = entries.map((_, i) => this.next + i);
    this.root.transactionSync(() => {
      for (let i = 0; i < entries.length; i++) void this.db.put(keys[i], entries[i]);
    });
    this.next += entries.length;
    this.committed++;
    return keys;
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
