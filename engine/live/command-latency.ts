// The journal and venue latency stages of a live session (engine/threads LatencyMonitor), stamped
// on the I/O thread where the session passes them (monotonic ns, engine/threads monotonicNs):
//
//   journal  flushing(n): the session hands n commands to JournaledCommands.flush (append, commit)
//            -> the first of them is sent, i.e. the commit is durable       (n records, one value)
//   venue    a command (order, cancel, replace) is sent to the venue
//            -> the venue's first reply for that order comes in (ACK, FILL, CANCELED, REJECT,
//               EXPIRED on the inbound ring: acknowledged, refused or done)
//
// `adapter()` wraps the session's VenueAdapter so each send is stamped without touching the
// adapter. A command the venue never answers (the session was killed, the connection dropped) is
// forgotten after MAX_PENDING newer sends; nothing is recorded for it. No allocation per market
// record: only commands add an entry.
import { monotonicNs, type LatencyMonitor } from '../threads/index.js';
import { EV_ID, EV_KIND, EventKind, KIND_MASK } from '../layout/event-record.js';
import type { VenueAdapter } from './venue-adapter.js';

const REPLY_KINDS = EventKind.ACK | EventKind.FILL | EventKind.CANCELED | EventKind.REJECT | EventKind.EXPIRED;
const MAX_PENDING = 10_000;
const SENDS = new Set<PropertyKey>(['submit', 'cancel', 'replace']);

export class CommandLatency {
  private flushStartNs = -1;
  private flushCount = 0;
  /** Send time by order id, oldest first. */
  private readonly sentAt = new Map<bigint, number>();
  private readonly view = new DataView(new ArrayBuffer(64));
  private readonly scratch = new Uint8Array(this.view.buffer);

  constructor(private readonly latency: LatencyMonitor) {}

  /** `adapter` with every submit, cancel and replace stamped as it is sent (everything else passes through). */
  adapter<T extends VenueAdapter>(adapter: T): T {
    return new Proxy(adapter, {
      get: (target, key) => {
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        if (!SENDS.has(key)) return (value as (...args: unknown[]) => unknown).bind(target);
        return (request: { orderId: bigint }) => {
          this.sent(request.orderId);
          return (value as (request: unknown) => unknown).call(target, request);
        };
      },
    });
  }

  /** The session is about to journal and commit `count` commands (JournaledCommands.flush). */
  flushing(count: number): void {
    this.flushStartNs = monotonicNs();
    this.flushCount = count;
  }

  /** A command leaves for the venue (after its journal commit). */
  sent(orderId: bigint): void {
    const now = monotonicNs();
    if (this.flushStartNs >= 0) {
      this.latency.record('journal', now - this.flushStartNs, this.flushCount);
      this.flushStartNs = -1;
    }
    this.sentAt.delete(orderId);
    this.sentAt.set(orderId, now);
    if (this.sentAt.size > MAX_PENDING) this.sentAt.delete(this.sentAt.keys().next().value!);
  }

  /** An inbound record from the venue: the first reply to a sent command ends its venue stage. */
  inbound(record: Uint8Array): void {
    if (this.sentAt.size === 0) return;
    const view = this.view;
    this.scratch.set(record.subarray(0, 64));
    const kind = view.getInt32(EV_KIND, true) & KIND_MASK;
    if ((kind & REPLY_KINDS) === 0 || (kind & ~REPLY_KINDS) !== 0) return;
    const orderId = view.getBigUint64(EV_ID, true);
    const sentNs = this.sentAt.get(orderId);
    if (sentNs === undefined) return;
    this.sentAt.delete(orderId);
    this.latency.record('venue', monotonicNs() - sentNs);
  }
}
