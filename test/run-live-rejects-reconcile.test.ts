// `quantflow run --mode live` (adapter ib, the TWS simulator) with live.maxConsecutiveRejects 2:
// the venue refuses the first order; the second never reaches it (TWS drops the connection before
// it handles the PLACE_ORDER), so the reconciliation after the reconnect marks it REJECTED
// (REJECT_LOST_BEFORE_VENUE, too old to send again: live.reconcile.resubmitWithinMs 0). That is the second order rejected in a row: the
// live count takes it at once, as a restart rebuilding the count from the journal would, and the
// kill switch trips then, not only after a restart; its reason is the one a restart would give.
import { afterEach, describe, expect, test } from 'vitest';
import type { JournalEntry } from '../engine/journal/index.js';
import { EventKind, KIND_MASK, loadEventRecord } from '../engine/layout/event-record.js';
import { REJECT_LOST_BEFORE_VENUE } from '../engine/live/index.js';
import { OUT } from './venues/tws-sim/index.js';
import { journalEntries, playIbPath, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

/** Venue seconds of the first bar: 2024-01-02T14:30:00Z, the simulator's clock. */
const START_SEC = Date.UTC(2024, 0, 2, 14, 30, 0) / 1000;
const LIVE = ['--mode', 'live', '--i-understand-live', '--port', '0'];

const recordOf = (e: JournalEntry) => (e.type === 'inbound' ? loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0) : null);
const isOrderReject = (e: JournalEntry) => { const r = recordOf(e); return r !== null && (r.kind & KIND_MASK) === EventKind.REJECT && r.b === 0; };

describe('quantflow run: an order the reconciliation after a reconnect marks rejected', () => {
  test('counts toward live.maxConsecutiveRejects at once: the kill switch trips in the running session, with the reason a restart rebuilds', async () => {
    const { sim, config, journal } = await harness.setupIb('rejects-reconcile', 'cancel', '', 3000, '  maxConsecutiveRejects: 2\n  reconcile: { resubmitWithinMs: 0 }\n');
    const child = harness.start([...LIVE, '--config', config]);
    await until('the start reconciliation', () => /reconciliation \(start/.test(child.stderr), child);
    await until('real-time bars subscribed', () => sim.requests.some((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS), child);
    sim.faults.reject = { count: 1, code: 201, text: 'Order rejected - reason:test margin' };
    // A steady up leg: the fast cross wants to be long on every bar.
    let minute = 0;
    const bar = () => playIbPath(sim, [100 + minute], START_SEC + 60 * minute++);
    while (minute < 8 && sim.orders().length === 0) await bar();
    await until('the first order refused at the simulator', () => sim.orders().length === 1 && journalEntries(journal).some(isOrderReject), child);
    // The next order is lost with the connection, before TWS handles it.
    sim.faults.dropOnPlace = 'before';
    const reconciled = () => /reconciliation \(reconnect\)/.test(child.stderr);
    while (minute < 16 && !reconciled()) await bar();
    await until('the reconciliation after the reconnect', reconciled, child);
    expect(child.stderr).toMatch(/never reached the venue and is too old to send; REJECTED/);
    const barRequests = () => sim.requests.filter((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS).length;
    await until('real-time bars subscribed again', () => barRequests() >= 2, child);
    // The up leg goes on: with the count at the limit, the session trips instead of sending the next buy.
    const tripped = () => child.stderr.includes('kill switch: TRIPPED by risk.rejects');
    while (minute < 24 && !tripped() && sim.orders().length < 2) await bar();
    await until('the kill switch tripped, or another order at the simulator', () => tripped() || sim.orders().length >= 2, child);
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);

    expect(tripped(), `the reconciliation's rejection counted in the running session\n${child.stderr}`).toBe(true);
    expect(sim.orders(), 'no order reached the venue after the refused one').toHaveLength(1);
    const entries = journalEntries(journal);
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    const rejects = entries.slice(0, trip).filter(isOrderReject).map((e) => recordOf(e)!);
    expect(rejects.map((r) => r.a === REJECT_LOST_BEFORE_VENUE), 'the venue\'s refusal, then the reconciliation\'s').toEqual([false, true]);
    const lostId = `qf-${rejects[1].id}`;
    expect(entries[trip], 'journaled with the count and the last rejection').toMatchObject({
      who: 'risk.rejects', why: `2 orders in a row rejected by the venue (limit live.maxConsecutiveRejects 2); last: ${lostId}: reject reason code ${REJECT_LOST_BEFORE_VENUE}`,
    });
  }, 90_000);
});
