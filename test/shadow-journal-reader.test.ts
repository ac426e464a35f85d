// What a restarted session's shadow paper core takes from the journal (engine/live
// shadow-journal-reader.ts), over a journal the real Journal wrote: every inbound record in
// journal order (a FILL with its journal time), the live orders with theirs, the operator's
// kill-switch, limit and pause actions where they fall (not the core's own drawdown trip), nothing
// else; read in bounded steps that resume where the last one stopped, and only up to `through`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Journal } from '../engine/journal/index.js';
import { EVENT_BYTES, EV_ID, EV_INSTRUMENT, EV_KIND, EV_SIZE, EV_TS_EXCHANGE, EventKind } from '../engine/layout/event-record.js';
import { clientOrderIdOf } from '../engine/live/index.js';
import { readJournalForShadow, type ShadowControl, type ShadowJournalSink } from '../engine/live/shadow-journal-reader.js';
import { DRAWDOWN_TRIPPER } from '../engine/killswitch/index.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const MS = 1_000_000n;

function record(kind: number, id: bigint, size = 0): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  const v = new DataView(bytes.buffer);
  v.setInt32(EV_KIND, kind, true);
  v.setInt32(EV_INSTRUMENT, 0, true);
  v.setBigInt64(EV_TS_EXCHANGE, 1_000n * MS, true);
  v.setFloat64(EV_SIZE, size, true);
  v.setBigUint64(EV_ID, id, true);
  return bytes;
}

type Seen = { record: number; atMs: number } | { order: bigint; qty: number; atMs: number } | { control: ShadowControl };

function recorder(): { sink: ShadowJournalSink; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: {
      offer: (r, atMs) => seen.push({ record: new DataView(r.buffer, r.byteOffset, EVENT_BYTES).getInt32(EV_KIND, true), atMs }),
      noteLiveOrder: (o, atMs) => seen.push({ order: o.orderId, qty: o.qty, atMs }),
      control: (action) => seen.push({ control: action }),
    },
  };
}

describe('readJournalForShadow', () => {
  test('hands over records, live orders and operator actions in journal order, in steps, up to `through`', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-shadow-journal-'));
    dirs.push(dir);
    const journal = Journal.open(dir, { durability: { mode: 'async' } });
    try {
      let inboundSeq = 0n;
      const inbound = (r: Uint8Array, atMs: number) => journal.append({ type: 'inbound', inboundSeq: inboundSeq++, record: r, sourceSeq: 0n }, BigInt(atMs) * MS);
      journal.append({ type: 'sessionStarted', sessionId: 's', mode: 'live', pipelineJson: '{}', recoveredFromInboundSeq: 0n, replayedRecords: 0n }, 1n * MS);
      inbound(record(EventKind.BAR, 0n), 10);
      const order = record(EventKind.ORDER | EventKind.DIRECTION_OUTBOUND, 77n, 0.5);
      journal.append({ type: 'submit', orderId: 77n, clientOrderId: clientOrderIdOf(77n), instrument: 0, side: 'buy', quantity: 0.5, limitPrice: null, stopPrice: null, reduceOnly: false, postOnly: false, record: order }, 11n * MS);
      inbound(record(EventKind.FILL, 77n, 0.5), 12);
      journal.append({ type: 'killSwitchTripped', who: DRAWDOWN_TRIPPER, why: 'drawdown' }, 13n * MS);
      journal.append({ type: 'killSwitchTripped', who: 'operator:erin', why: 'manual' }, 14n * MS);
      inbound(record(EventKind.TIMER, 0n), 15);
      journal.append({ type: 'killSwitchReset', who: 'operator:erin', why: 'over' }, 16n * MS);
      journal.append({ type: 'limitChanged', who: 'operator:erin', why: 'tighter', limit: 'minNotional', previousValue: 0, value: 50 }, 17n * MS);
      journal.append({ type: 'strategyPaused', who: 'operator:erin', why: 'news', strategy: 'fast-cross', instruments: [0], paused: true }, 18n * MS);
      journal.append({ type: 'modeChanged', who: 'operator', why: 'stop requested', previousMode: 'live', mode: 'live' }, 19n * MS);
      inbound(record(EventKind.BAR, 0n), 20);
      inbound(record(EventKind.BAR, 0n), 21); // after `through`
      journal.commit();
      const through = journal.lastSequence() - 1n;

      const { sink, seen } = recorder();
      let next = 1n;
      const steps: bigint[] = [];
      while (next <= through) {
        const step = readJournalForShadow(journal, next, through, sink, 3);
        next = step.next;
        steps.push(next);
      }
      expect(steps, 'three entries a step, resumed where the last stopped').toEqual([4n, 7n, 10n, 13n]);
      expect(seen).toEqual<Seen[]>([
        { record: EventKind.BAR, atMs: Number.NaN },
        { order: 77n, qty: 0.5, atMs: 11 },
        { record: EventKind.FILL, atMs: 12 },
        { control: { kind: 'trip' } },
        { record: EventKind.TIMER, atMs: Number.NaN },
        { control: { kind: 'reset' } },
        { control: { kind: 'limit', limit: 'minNotional', value: 50 } },
        { control: { kind: 'pause', instruments: [0], paused: true } },
        { record: EventKind.BAR, atMs: Number.NaN },
      ]);
      expect(readJournalForShadow(journal, through + 1n, through, sink, 3), 'past `through`: nothing read').toEqual({ next: through + 1n, records: 0, controls: 0, liveOrders: 0 });
    } finally {
      journal.close();
    }
  });
});
