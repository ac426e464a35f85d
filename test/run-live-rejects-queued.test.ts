// `quantflow run --mode live` (adapter ib, the TWS simulator) with live.maxConsecutiveRejects 1:
// the venue's rejection of an order and the next bar reach the session in one TCP read, so the
// core takes the REJECT and then decides a new buy on the bar before the session's loop trips
// the kill switch. That buy was decided before the trip but is still queued for sending when the
// trip lands: it must not reach the venue. It is journaled as the core decided it (a replay
// compares the commands) and refused by the session at once with a REJECT of reason
// REJECT_WITHHELD_BY_KILL_SWITCH, journaled in the same commit, so the core's order is settled
// and `replay --journal` decides every journaled command again. Likewise an order journaled but
// never sent (the process killed in between) is not sent again by the reconciliation of a restart
// that recovers with the count at the limit (the trip is due): it is REJECTED the same way.
import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import type { JournalEntry } from '../engine/journal/index.js';
import { EventKind, KIND_MASK, loadEventRecord } from '../engine/layout/event-record.js';
import { REJECT_WITHHELD_BY_KILL_SWITCH } from '../engine/live/index.js';
import { OUT } from './venues/tws-sim/index.js';
import { IB_PATH, ibMinute, journalEntries, playIbPath, quantflow, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

/** Venue seconds of the first bar: 2024-01-02T14:30:00Z, the simulator's clock. */
const START_SEC = Date.UTC(2024, 0, 2, 14, 30, 0) / 1000;
const LIVE = ['--mode', 'live', '--i-understand-live', '--port', '0'];

const recordOf = (e: JournalEntry) => (e.type === 'inbound' ? loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0) : null);
const kindOf = (e: JournalEntry): number => (recordOf(e)?.kind ?? 0) & KIND_MASK;

describe('quantflow run: the kill switch trips on rejections while an order decided before the trip waits to be sent', () => {
  test('the queued order never reaches the venue: journaled, then refused by the session (REJECT_WITHHELD_BY_KILL_SWITCH) in the same commit', async () => {
    const { sim, config, journal } = await harness.setupIb('rejects-queued', 'cancel', '', 3000, '  maxConsecutiveRejects: 1\n');
    const child = harness.start([...LIVE, '--config', config]);
    await until('the start reconciliation', () => /reconciliation \(start/.test(child.stderr), child);
    await until('real-time bars subscribed', () => sim.requests.some((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS), child);
    // The first order is refused; its refusal is held at the venue until the next bar is ready to go with it.
    sim.faults.reject = { count: 1, code: 201, text: 'Order rejected - reason:test margin' };
    sim.faults.holdOrderMessages = true;
    let minutes = 0;
    for (; minutes < 8 && sim.orders().length === 0; minutes++) await playIbPath(sim, [IB_PATH[minutes]], START_SEC + 60 * minutes);
    await until('the first order at the simulator', () => sim.orders().length === 1, child);
    // The up leg goes on: the refusal and the next minute's bar in one write.
    const price = IB_PATH[minutes];
    sim.burst(() => {
      sim.releaseHeld();
      sim.trade('AAPL', price, 100);
      ibMinute(sim, 'AAPL', START_SEC + 60 * minutes, price);
    });
    minutes++;
    await until('the kill switch tripped by the rejection', () => child.stderr.includes('kill switch: TRIPPED by risk.rejects'), child);
    // More of the up leg after the trip: no new exposure, and the session goes on.
    await playIbPath(sim, IB_PATH.slice(minutes, minutes + 3), START_SEC + 60 * minutes);
    await until('bars journaled after the trip', () => {
      const entries = journalEntries(journal);
      const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
      return trip >= 0 && entries.slice(trip).filter((e) => kindOf(e) === EventKind.BAR).length >= 3;
    }, child);
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);

    expect(sim.orders().map((o) => o.orderRef), 'only the refused order reached the venue').toHaveLength(1);
    const entries = journalEntries(journal);
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    const firstReject = entries.findIndex((e) => kindOf(e) === EventKind.REJECT);
    const barAfterReject = entries.findIndex((e, i) => i > firstReject && kindOf(e) === EventKind.BAR);
    expect(firstReject, 'the venue\'s refusal is journaled').toBeGreaterThan(0);
    expect(barAfterReject, 'the bar after the refusal reached the core before the trip (the scenario happened)').toBeGreaterThan(firstReject);
    expect(barAfterReject).toBeLessThan(trip);
    const submits = entries.flatMap((e, i) => (e.type === 'submit' ? [{ i, clientOrderId: e.clientOrderId }] : []));
    const queued = submits.filter(({ i }) => i > trip);
    expect(queued.length, `the buy decided on that bar is journaled after the trip (${child.stderr})`).toBe(1);
    const withheld = entries.flatMap((e, i) => {
      const r = recordOf(e);
      return r && (r.kind & KIND_MASK) === EventKind.REJECT && r.b === 0 && r.a === REJECT_WITHHELD_BY_KILL_SWITCH ? [{ i, orderId: r.id }] : [];
    });
    expect(withheld.map((w) => `qf-${w.orderId}`), 'and refused by the session, not sent').toEqual(queued.map((q) => q.clientOrderId));
    expect(child.stderr).toMatch(new RegExp(`${queued[0].clientOrderId}: not sent: decided before the kill switch tripped`));
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { commandsSent: number };
    expect(result.commandsSent, 'one command sent: the refused order').toBe(1);
    const replay = await quantflow(['replay', '--journal', journal, '--no-progress']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout, 'the withheld order is a command the core decides again on replay').toMatch(/commands: (\d+) decided again, \1 journaled: every one identical/);
  }, 90_000);

  test('a restart at the limit does not send again an order its killed predecessor journaled but never sent: the start reconciliation REJECTs it, then the kill switch trips', async () => {
    // Sent again by the reconciliation however old its decision, were it not withheld.
    const { sim, config, journal } = await harness.setupIb('rejects-resubmit', 'cancel', '', 3000, '  reconcile: { resubmitWithinMs: 600000 }\n');
    const first = harness.start([...LIVE, '--config', config], { QF_CRASH_AT: 'commit-after:2' });
    await until('the start reconciliation', () => /reconciliation \(start/.test(first.stderr), first);
    await until('real-time bars subscribed', () => sim.requests.some((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS), first);
    sim.faults.reject = { count: 1, code: 201, text: 'Order rejected - reason:test margin' };
    const crashed = () => first.stderr.includes('crash point: commit-after:2');
    for (let minute = 0; minute < 12 && !crashed(); minute++) await playIbPath(sim, [100 + minute], START_SEC + 60 * minute);
    expect((await first.exit).signal, first.stderr).toBe('SIGKILL');
    const before = journalEntries(journal);
    const lost = before.filter((e) => e.type === 'submit').map((e) => (e as { clientOrderId: string }).clientOrderId);
    expect(lost, 'two orders journaled').toHaveLength(2);
    expect(sim.orders().map((o) => o.orderRef), 'the first refused, the second never sent').toEqual([lost[0]]);

    // The limit lowered to the one refusal: the restart recovers with a trip due.
    appendFileSync(config, '  maxConsecutiveRejects: 1\n');
    const second = harness.start([...LIVE, '--config', config], {}, ['QF_CRASH_AT']);
    await until('the kill switch tripped on restart', () => second.stderr.includes('kill switch: TRIPPED by risk.rejects'), second);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    expect(sim.orders().map((o) => o.orderRef), `the lost order was not sent again\n${second.stderr}`).toEqual([lost[0]]);
    expect(second.stderr).toContain(`order ${lost[1]}: never reached the venue; not sent again: the kill switch is tripped (or a trip is due) and it adds exposure; REJECTED`);
    const withheld = journalEntries(journal).flatMap((e) => {
      const r = recordOf(e);
      return r && (r.kind & KIND_MASK) === EventKind.REJECT && r.a === REJECT_WITHHELD_BY_KILL_SWITCH ? [`qf-${r.id}`] : [];
    });
    expect(withheld, 'its REJECT is journaled').toEqual([lost[1]]);
  }, 90_000);
});
