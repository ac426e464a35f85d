// `quantflow run --mode live` on an account the venue refuses every order for (the Binance
// simulator with 10 USDT: -2010 insufficient balance): each refusal is logged with the venue's
// reason, and the closing summary and result JSON say how many orders were rejected, instead of
// only "N commands sent" beside an unchanged book; and after live.maxConsecutiveRejects refusals
// in a row the session trips the kill switch (journaled as risk.rejects with the count and the
// venue's last message: the log, /health, the webhooks) and sends no new order. The venue's words
// are journaled with each REJECT, so a restart that trips names the same last refusal.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../engine/config/index.js';
import { boundedRejectMessage } from '../engine/journal/index.js';
import { REJECT_WITHHELD_BY_KILL_SWITCH } from '../engine/live/index.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until } from './run-harness.js';
import { EventKind, KIND_MASK, loadEventRecord } from '../engine/layout/event-record.js';

/** The client order ids of the orders journaled in `entries` that were sent: every one but those the session withheld (REJECT_WITHHELD_BY_KILL_SWITCH). */
function sentAfter(entries: ReturnType<typeof journalEntries>): string[] {
  const withheld = new Set(entries.flatMap((e) => {
    if (e.type !== 'inbound') return [];
    const r = loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0);
    return (r.kind & KIND_MASK) === EventKind.REJECT && r.a === REJECT_WITHHELD_BY_KILL_SWITCH ? [`qf-${r.id}`] : [];
  }));
  return entries.flatMap((e) => (e.type === 'submit' && !withheld.has(e.clientOrderId) ? [e.clientOrderId] : []));
}

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});
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

  test('after live.maxConsecutiveRejects refusals in a row the kill switch trips, journaled with the count and the venue\'s message, and no order follows', async () => {
    const posts: { event: string; data: Record<string, unknown> }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => { posts.push(JSON.parse(body) as { event: string; data: Record<string, unknown> }); res.writeHead(204).end(); });
    });
    receivers.push(receiver);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const monitoring = `monitoring:\n  host: 127.0.0.1\n  port: 0\n  webhooks:\n    - { url: "http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook", events: [killSwitch] }\n`;
    const { sim, config, startTime, journal } = await harness.setup('rejects-trip', 'cancel', '', 3000, '', monitoring);
    sim.book.balances.set('USDT', { free: 10, locked: 0 });
    const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config], ENV);
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    const port = Number(/run: state server at http:\/\/127\.0\.0\.1:(\d+)\//.exec(child.stderr)![1]);
    // The path again, later, until the fifth refusal came back (bars may outrun the venue's answers).
    const tripped = () => child.stderr.includes('kill switch: TRIPPED by risk.rejects');
    let played = 0;
    for (; played < 4 && !tripped(); played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    await until('the kill switch tripped by the rejections', tripped, child);
    const reason = /5 orders in a row rejected by the venue \(limit live\.maxConsecutiveRejects 5\); last: qf-\d+: InsufficientFunds/;
    const healthNow = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { reasons: string[] };
    expect(healthNow.reasons.join('; '), '/health says the trip and why').toMatch(new RegExp(`kill switch is tripped \\(risk\\.rejects: ${reason.source}`));
    await until('the trip webhook', () => posts.some((p) => p.event === 'killSwitch'), child);
    expect(String(posts.find((p) => p.event === 'killSwitch')!.data.reason)).toMatch(new RegExp(`^risk\\.rejects: ${reason.source}`));
    // The path once more after the trip: its crosses send no order.
    await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { commandsSent: number; ordersRejected: number };
    expect(result.ordersRejected, 'five refusals, then none: no order was sent after the trip').toBe(5);
    expect(result.commandsSent).toBe(5);
    const entries = journalEntries(journal);
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    expect(entries[trip], 'the trip is journaled as the engine\'s risk.rejects, with the count and the venue\'s message').toMatchObject({ who: 'risk.rejects', why: expect.stringMatching(reason) });
    const after = entries.slice(trip + 1);
    expect(after.filter((e) => e.type === 'inbound' && (loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0).kind & KIND_MASK) === EventKind.BAR).length, 'bars came after the trip').toBeGreaterThan(10);
    expect(sentAfter(after), 'no order sent after the trip (one the core decided before it is journaled and withheld)').toEqual([]);
  }, 90_000);

  test('a session killed after the last rejection was journaled but before its trip trips at once on restart, journaled the same way', async () => {
    const { sim, config, startTime, journal } = await harness.setup('rejects-crash', 'cancel');
    sim.book.balances.set('USDT', { free: 10, locked: 0 });
    const args = ['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'];
    const first = harness.start(args, { ...ENV, QF_CRASH_AT: 'rejects-trip-before-journal:1' });
    await until('the start reconciliation', () => first.stderr.includes('reconciliation (start)'), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const crashed = () => first.stderr.includes('crash point: rejects-trip-before-journal:1');
    let played = 0;
    for (; played < 4 && !crashed(); played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    expect((await first.exit).signal, first.stderr).toBe('SIGKILL');
    const isOrderReject = (e: ReturnType<typeof journalEntries>[number]) => e.type === 'inbound' && (() => {
      const r = loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0);
      return (r.kind & KIND_MASK) === EventKind.REJECT && r.b === 0;
    })();
    const before = journalEntries(journal);
    expect(before.filter(isOrderReject).length, 'the five rejections are journaled').toBe(5);
    expect(before.some((e) => e.type === 'killSwitchTripped'), 'the trip is not').toBe(false);

    const second = harness.start(args, ENV, ['QF_CRASH_AT']);
    await until('the kill switch tripped on restart', () => second.stderr.includes('kill switch: TRIPPED by risk.rejects'), second);
    expect(second.stderr).toMatch(/recovery: the journal ends with 5 orders in a row rejected by the venue \(limit live\.maxConsecutiveRejects 5\)/);
    await until('market streams subscribed again', () => sim.marketStreamCount >= 1, second);
    await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as { commandsSent: number };
    expect(result.commandsSent, 'no order after the restart').toBe(0);
    const entries = journalEntries(journal);
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    // The venue's words for the last refusal, as the first process heard them: journaled with the REJECT, so the restarted session names them as the killed one would have.
    const [, lastId, lastWords] = [...first.stderr.matchAll(/createOrder (qf-\d+) failed: (.*)$/gm)].at(-1)!;
    expect(entries[trip], 'the same reason as the uninterrupted session\'s').toMatchObject({
      who: 'risk.rejects', why: `5 orders in a row rejected by the venue (limit live.maxConsecutiveRejects 5); last: ${lastId}: ${boundedRejectMessage(lastWords)}`,
    });
    expect(entries[trip]).toMatchObject({ why: expect.stringMatching(/; last: qf-\d+: InsufficientFunds/) });
    expect(entries.slice(0, trip).filter(isOrderReject).length).toBe(5);
    const barsAfter = entries.slice(before.length).filter((e) => e.type === 'inbound' && (loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0).kind & KIND_MASK) === EventKind.BAR);
    expect(barsAfter.length, 'bars came after the restart').toBeGreaterThan(10);
    expect(sentAfter(entries.slice(before.length)), 'no order sent after the restart (one the core decided before the trip is journaled and withheld)').toEqual([]);
  }, 90_000);

  test('an accepted order between rejections starts the count again (maxConsecutiveRejects 3: refused, refused, accepted, then three refused trip)', async () => {
    const { sim, config, startTime, journal } = await harness.setup('rejects-reset', 'cancel');
    appendFileSync(config, '  maxConsecutiveRejects: 3\n');
    // The venue's funds per buy: the third is accepted (and filled; its exit sell too), every other refused.
    const submit = sim.book.submit.bind(sim.book);
    let buys = 0;
    sim.book.submit = (p, now) => {
      if (p.side === 'BUY') sim.book.balances.set('USDT', { free: ++buys === 3 ? 1_000_000 : 10, locked: 0 });
      return submit(p, now);
    };
    const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'], ENV);
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child);
    const tripped = () => child.stderr.includes('kill switch: TRIPPED by risk.rejects');
    for (let played = 0; played < 4 && !tripped(); played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    await until('the kill switch tripped', tripped, child);
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
    const entries = journalEntries(journal);
    const trip = entries.findIndex((e) => e.type === 'killSwitchTripped');
    expect(entries[trip]).toMatchObject({ who: 'risk.rejects', why: expect.stringMatching(/^3 orders in a row rejected by the venue \(limit live\.maxConsecutiveRejects 3\)/) });
    const replies = entries.slice(0, trip).flatMap((e) => {
      if (e.type !== 'inbound') return [];
      const r = loadEventRecord(new DataView(e.record.buffer, e.record.byteOffset, 64), 0);
      const kind = r.kind & KIND_MASK;
      return kind === EventKind.REJECT && r.b === 0 ? ['R'] : kind === EventKind.ACK || kind === EventKind.FILL ? ['A'] : [];
    });
    expect(replies.filter((r) => r === 'R').length, 'two refusals, the accepted order, then three refusals: five before the trip').toBe(5);
    expect(replies.join('').replace(/A+/g, 'A'), 'the order of the venue\'s replies').toBe('RRARRR');
  }, 90_000);
});

describe('live.maxConsecutiveRejects in the configuration', () => {
  const load = (extra: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-rejects-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      writeFileSync(file, `live:\n  adapter: ccxt\n  instruments: [{ symbol: BTC/USDT }]\n${extra}`);
      return loadConfig({ configFile: file, env: {} }).live!;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  test('defaults to 5, may be set within 1..100, and cannot be turned off', () => {
    expect(load('').maxConsecutiveRejects).toBe(5);
    expect(load('  maxConsecutiveRejects: 20\n').maxConsecutiveRejects).toBe(20);
    for (const bad of ['0', '101', '2.5', 'null']) expect(() => load(`  maxConsecutiveRejects: ${bad}\n`), bad).toThrow(/maxConsecutiveRejects/);
  });
});
