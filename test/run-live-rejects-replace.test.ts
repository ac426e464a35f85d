// `quantflow run --mode live` (adapter ib, the TWS simulator, AAPL and MSFT) with
// live.maxConsecutiveRejects 1 and an entry sized by equity: AAPL's limit entry rests at the
// venue when the venue refuses MSFT's order; an AAPL bar a little lower and that refusal reach the
// session in one TCP read. The core enlarges the resting AAPL order on the bar (more shares for
// the same equity) and takes the REJECT before the session's loop trips the kill switch. The
// REPLACE, decided before the trip and still queued when it lands, adds exposure: it must not
// reach the venue. It is journaled as the core decided it (a replay compares the commands) and
// refused by the session at once with a REJECT of the replace (b = 2, reason
// REJECT_WITHHELD_BY_KILL_SWITCH), so the order stays as the venue has it.
import { readFileSync, writeFileSync } from 'node:fs';
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
const RESTING_LIMIT_ENTRY = '  entryOrder: { type: limit, timeInForce: gtc, limitOffsetBps: 200, repriceBps: 1000 }\n';

const recordOf = (e: JournalEntry) => (e.type === 'inbound' ? loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0) : null);

describe('quantflow run: the kill switch trips on rejections while a replace decided before the trip waits to be sent', () => {
  test('a replace that enlarges a resting entry never reaches the venue: journaled, then refused by the session (REJECT of the replace) in the same commit', async () => {
    const { sim, config, journal } = await harness.setupIb('rejects-replace', 'keep', RESTING_LIMIT_ENTRY, 3000, '  maxConsecutiveRejects: 1\n');
    writeFileSync(config, readFileSync(config, 'utf8')
      .replace('size: { quantity: 10 }', 'size: { equityFraction: 0.45 }')
      .replace('    - { symbol: AAPL, channel: bars, timeframe: 1m }\n', '    - { symbol: AAPL, channel: bars, timeframe: 1m }\n    - { symbol: MSFT, channel: bars, timeframe: 1m }\n'));
    const child = harness.start([...LIVE, '--config', config]);
    await until('the start reconciliation', () => /reconciliation \(start/.test(child.stderr), child);
    await until('real-time bars subscribed', () => sim.requests.filter((r) => r.clientId === 17 && r.msgId === OUT.REQ_REAL_TIME_BARS).length === 2, child);
    const resting = () => sim.orders().find((o) => o.orderType === 'LMT' && o.status === 'Submitted');
    await playIbPath(sim, IB_PATH.slice(0, 8), START_SEC, 300);
    await until('an AAPL limit entry resting at the simulator', () => resting() !== undefined, child);
    await new Promise((r) => setTimeout(r, 300));
    const entry = resting()!;
    // AAPL's up leg goes on beside MSFT's, minute by minute (the core resizes the entry: fewer shares, each replace acknowledged).
    const orders = sim.orders().length;
    for (let minute = 0; minute < 3; minute++) {
      await playIbPath(sim, [IB_PATH[8 + minute]], START_SEC + 60 * (8 + minute), 300);
      await playIbPath(sim, [IB_PATH[minute]], START_SEC + 60 * (8 + minute), 300, 'MSFT');
    }
    await playIbPath(sim, [IB_PATH[11]], START_SEC + 60 * 11, 300);
    // The simulator's account: 100 000 USD of equity, 45 % of it in AAPL at the last price.
    const sized = Math.round(0.45 * 100_000 / IB_PATH[11]);
    await until(`the entry resized to ${sized} shares at the venue`, () => sim.orders().find((o) => o.orderRef === entry.orderRef)?.totalQty === sized, child);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.orders().length, 'no MSFT order yet').toBe(orders);
    // MSFT's entry (on its fourth bar) is refused; the refusal is held at the venue until the AAPL bar is ready to go with it.
    sim.faults.reject = { count: 1, code: 201, text: 'Order rejected - reason:test margin' };
    sim.faults.holdOrderMessages = true;
    await playIbPath(sim, [IB_PATH[3]], START_SEC + 60 * 11, 60, 'MSFT');
    await until('the MSFT order at the simulator', () => sim.orders().length === orders + 1, child);
    const restingQty = sim.orders().find((o) => o.orderRef === entry.orderRef)!.totalQty;
    // AAPL a little lower (still long, over the resting limit: more shares for the same equity), then the refusal, in one write.
    const dip = Math.round(IB_PATH[11] * 0.993 * 100) / 100;
    sim.burst(() => {
      sim.trade('AAPL', dip, 100);
      ibMinute(sim, 'AAPL', START_SEC + 60 * 12, dip);
      sim.releaseHeld();
    });
    await until('the kill switch tripped by the rejection', () => child.stderr.includes('kill switch: TRIPPED by risk.rejects'), child);
    await new Promise((r) => setTimeout(r, 700));
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);

    const entries = journalEntries(journal);
    const journaled = entries.map((e) => { const r = recordOf(e); return r ? `${r.kind & KIND_MASK}:${r.instrument}:${r.size}:${r.a}:${r.b}` : e.type === 'replace' ? `replace:${e.quantity}` : e.type === 'submit' ? `submit:${e.quantity}` : e.type; }).join(' ');
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    const replaces = entries.flatMap((e, i) => (e.type === 'replace' && i > trip ? [{ clientOrderId: e.clientOrderId, quantity: e.quantity }] : []));
    expect(replaces.map((r) => r.clientOrderId), `the core enlarged the resting entry before the trip (journal: ${journaled})`).toEqual([entry.orderRef]);
    expect(Math.abs(replaces[0].quantity), 'to more shares than rest at the venue').toBeGreaterThan(restingQty);
    expect(sim.orders().find((o) => o.orderRef === entry.orderRef)?.totalQty, 'the venue\'s order is unchanged').toBe(restingQty);
    const refused = entries.flatMap((e) => {
      const r = recordOf(e);
      return r && (r.kind & KIND_MASK) === EventKind.REJECT && r.b === 2 && r.a === REJECT_WITHHELD_BY_KILL_SWITCH ? [`qf-${r.id}`] : [];
    });
    expect(refused, 'the replace refused by the session, not sent').toEqual([entry.orderRef]);
    expect(child.stderr).toMatch(new RegExp(`${entry.orderRef}: not sent: decided before the kill switch tripped [^\\n]*replace to quantity`));
    const replay = await quantflow(['replay', '--journal', journal, '--no-progress']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout, 'the withheld replace is a command the core decides again on replay').toMatch(/commands: (\d+) decided again, \1 journaled: every one identical/);
  }, 90_000);
});
