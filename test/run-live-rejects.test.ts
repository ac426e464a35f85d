// `quantflow run --mode live` on an account the venue refuses every order for (the Binance
// simulator with 10 USDT: -2010 insufficient balance): each refusal is logged with the venue's
// reason, and the closing summary and result JSON say how many orders were rejected, instead of
// only "N commands sent" beside an unchanged book.
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until } from './run-harness.js';
import { EventKind, KIND_MASK, loadEventRecord } from '../engine/layout/event-record.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

describe('quantflow run: a venue that rejects the orders', () => {
  test('the summary line and the result JSON count the rejected orders', async () => {
    const { sim, config, startTime, journal } = await harness.setup('rejects', 'cancel');
    sim.book.balances.set('USDT', { free: 10, locked: 0 });
    const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'], ENV);
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    await sim.playPath('BTCUSDT', PATH.slice(0, 14), { startTime, intervalMs: 60 }).done;
    const refused = () => (child.stderr.match(/createOrder qf-\d+ failed: InsufficientFunds/g) ?? []).length;
    await until('two orders refused by the venue', () => refused() >= 2, child);
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { commandsSent: number; ordersRejected: number };
    expect(sim.book.orders, 'the venue took none').toEqual([]);
    const journaled = journalEntries(journal).flatMap((e) => (e.type === 'inbound' ? [loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0)] : []));
    expect(result.ordersRejected, 'the REJECT records of orders the journal holds').toBe(journaled.filter((r) => (r.kind & KIND_MASK) === EventKind.REJECT && r.b === 0).length);
    expect(result.ordersRejected, 'every order sent was rejected').toBe(result.commandsSent);
    expect(result.ordersRejected, 'one per refusal logged').toBe(refused());
    expect(child.stdout).toMatch(new RegExp(`run: \\d+ market records, ${result.commandsSent} commands sent \\(${result.ordersRejected} orders rejected\\),`));
  }, 90_000);
});
