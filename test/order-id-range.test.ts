// Client order ids per journal (engine/live order-id-range.ts): each new live journal numbers its
// orders in a random range of its own, so two sessions on one account (or a new journal on an
// account an old one traded) never send the same client order id, and neither takes the other's
// orders for its own. Unit checks of the range, then two `quantflow run --mode live` sessions
// with different journals on one Binance simulator account (127.0.0.1): the first leaves a limit
// order resting; the second starts beside it, leaves that order alone (its foreign-order policy
// is cancel) and sends its own orders under other client order ids.
import { afterEach, describe, expect, test } from 'vitest';
import path from 'node:path';
import { OrderIdRange, ORDER_ID_RANGE_SIZE, ownOrderIdOf } from '../engine/live/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until } from './run-harness.js';

describe('OrderIdRange', () => {
  test('a new journal\'s range: a tag in 1 .. 2^21 - 1 (never 0, the range of journals from before), ids below 2^53', () => {
    const lowest = OrderIdRange.pick((min) => min);
    const highest = OrderIdRange.pick((_min, max) => max - 1);
    expect(lowest.firstOrderId).toBe(ORDER_ID_RANGE_SIZE + 1n);
    expect(highest.firstOrderId).toBe(((1n << 21n) - 1n) * ORDER_ID_RANGE_SIZE + 1n);
    expect(highest.has((1n << 53n) - 1n), 'the last id of the last range is exact in an f64').toBe(true);
    expect(Number((1n << 53n) - 1n)).toBe(2 ** 53 - 1);
    const picked = new Set(Array.from({ length: 50 }, () => OrderIdRange.pick().tag));
    expect(picked.size, 'random tags').toBeGreaterThan(40);
    expect(() => new OrderIdRange(0n)).toThrow(/first order id must be in 1 \.\. 2\^53 - 1, was 0/);
    expect(() => new OrderIdRange(1n << 53n)).toThrow(/first order id/);
  });

  test('has: exactly the 2^32 ids of its tag; legacy journals (first id 1) keep 1 .. 2^32 - 1', () => {
    const range = new OrderIdRange(7n * ORDER_ID_RANGE_SIZE + 1n);
    expect(range.has(7n * ORDER_ID_RANGE_SIZE + 1n)).toBe(true);
    expect(range.has(8n * ORDER_ID_RANGE_SIZE - 1n)).toBe(true);
    expect(range.has(8n * ORDER_ID_RANGE_SIZE)).toBe(false);
    expect(range.has(7n * ORDER_ID_RANGE_SIZE - 1n)).toBe(false);
    expect(range.has(1n)).toBe(false);
    expect(range.describe()).toBe(`order ids ${7n * ORDER_ID_RANGE_SIZE + 1n} .. ${8n * ORDER_ID_RANGE_SIZE - 1n}`);
    const legacy = new OrderIdRange(1n);
    expect(legacy.has(1n) && legacy.has(ORDER_ID_RANGE_SIZE - 1n)).toBe(true);
    expect(legacy.has(ORDER_ID_RANGE_SIZE + 1n)).toBe(false);
  });

  test('ownOrderIdOf: a qf- id in the range is ours; another range\'s, or no qf- id, is not; without a range every qf- id is', () => {
    const range = new OrderIdRange(3n * ORDER_ID_RANGE_SIZE + 1n);
    const ours = 3n * ORDER_ID_RANGE_SIZE + 5n;
    const theirs = 4n * ORDER_ID_RANGE_SIZE + 5n;
    expect(ownOrderIdOf(`qf-${ours}`, range)).toBe(ours);
    expect(ownOrderIdOf(`qf-${theirs}`, range)).toBeNull();
    expect(ownOrderIdOf('qf-5', range)).toBeNull();
    expect(ownOrderIdOf('manual-order-1', range)).toBeNull();
    expect(ownOrderIdOf(`qf-${theirs}`, undefined)).toBe(theirs);
  });
});

const harness = new RunHarness();
afterEach(async () => {
  await harness.cleanup();
});
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };
const RESTING_LIMIT_ENTRY = '  entryOrder: { type: limit, timeInForce: gtc, limitOffsetBps: 200, repriceBps: 1000 }\n';

function submitted(journal: string): bigint[] {
  return journalEntries(journal).filter((e) => e.type === 'submit').map((e) => (e as { orderId: bigint }).orderId);
}

describe('two live sessions with their own journals on one account', () => {
  test('the second leaves the first one\'s resting order alone (policy cancel) and sends other client order ids', async () => {
    const { sim, config, journal, startTime, dir } = await harness.setup('two-journals', 'keep', RESTING_LIMIT_ENTRY);
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--no-serve'], ENV);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    expect(first.stderr).toMatch(/order ids \d+ \.\. \d+; on exit keep/);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 8), { startTime, intervalMs: 60 }).done;
    await until('a limit order resting at the simulator', () => sim.book.orders.some((o) => o.type === 'LIMIT' && o.status === 'NEW'), first);
    const resting = sim.book.orders.find((o) => o.type === 'LIMIT' && o.status === 'NEW')!;
    await new Promise((r) => setTimeout(r, 300));
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
    expect(resting.status, 'on exit keep leaves it working').toBe('NEW');
    const firstRange = new OrderIdRange(submitted(journal)[0]);

    const journalB = path.join(dir, 'journal-b');
    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live', '--no-serve', '--journal', journalB], ENV);
    await until('the second session\'s start reconciliation', () => /reconciliation \(start\)/.test(second.stderr), second);
    expect(second.stderr).toMatch(new RegExp(`order ${resting.clientOrderId} at the venue is another journal's \\(this session's order ids \\d+ \\.\\. \\d+\\): not ours, left alone`));
    expect(second.stderr, 'not counted as foreign, so not cancelled').toMatch(/reconciliation \(start\): [^\n]* 0 foreign/);
    await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
    await new Promise((r) => setTimeout(r, 300));
    // Ten bars further up (its EMAs warm up, then the cross enters): the second session's own entry rests beside the first one's.
    const higher = Array.from({ length: 10 }, (_, i) => PATH[7] + 100 * (i + 1));
    await sim.playPath('BTCUSDT', higher, { startTime: startTime + 8 * 60_000, intervalMs: 60 }).done;
    await until('the second session\'s own limit order', () => sim.book.orders.filter((o) => o.type === 'LIMIT' && o.status === 'NEW').length >= 2, second, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);

    expect(resting.status, 'the first session\'s order is still working').toBe('NEW');
    expect(sim.duplicateSubmissions(), 'no client order id sent twice').toEqual([]);
    const secondIds = submitted(journalB);
    expect(secondIds.length).toBeGreaterThan(0);
    const secondRange = new OrderIdRange(secondIds[0]);
    expect(secondRange.tag, 'each journal its own range').not.toBe(firstRange.tag);
    for (const id of secondIds) expect(firstRange.has(id), `order ${id} of the second journal in the first one's range`).toBe(false);
  }, 180_000);
});
