// `quantflow run --mode paper` killed (SIGKILL) after the core published a risk record (its input
// journaled) but before the denial's webhook event reached <journal>/webhook-outbox (stored at the
// end of the event loop's turn): the restart's recovery replayed the record, the core denied the
// order again, and the session, quiet about denials while recovering, never posted it. Risk
// records are now numbered by the core (RH_RISK_RECORDS, restored with a checkpoint), the outbox
// records how far the denials were queued (mark 'risk'), and recovery posts the replayed denials
// after that mark, with ids derived from their number, and none at or before it.
// risk.orderRate of one order per day: the strategy's entry is accepted and filled, and its exit,
// within the window, is deferred (DEFERRED_ORDER_RATE: a risk record, a riskDenial event).
// QF_CRASH_AT=denial-before-outbox:1 kills the first process at its first risk record, the journal
// committed and the event queued but not stored. The second process posts it on recovery; the
// third, which replays it too, does not post it again.
import type { Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { PATH, RunHarness, until } from './run-harness.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Paper mode reads market data only: no credentials. */
const KEYS = ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET'];

interface Post { idempotencyKey: string; body: { id: string; event: string; timeNs: string; data: { reason: string } } }

describe('quantflow run --mode paper killed between a risk record and its webhook event', () => {
  test('the restart posts the denial, once, with an id that stays the same across restarts', async () => {
    const { posts, url } = await startWebhookReceiver<Post['body']>(receivers);
    const monitoring = `  orderRate: { maxOrders: 1, windowMs: 86400000 }\nmonitoring:\n  webhooks:\n    - { url: "${url}", events: [riskDenial] }\n`;
    const { sim, config, startTime } = await harness.setup('denials-window', 'cancel', '', 3000, '', monitoring);
    const args = ['--mode', 'paper', '--config', config, '--no-serve'];

    const first = harness.start(args, { QF_CRASH_AT: 'denial-before-outbox:1' }, KEYS);
    await until('the start reconciliation', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const crashed = () => first.stderr.includes('crash point: denial-before-outbox:1');
    let played = 0;
    for (; played < 6 && !crashed(); played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    expect((await first.exit).signal, first.stderr).toBe('SIGKILL');
    expect(first.stderr).toMatch(/crash point: denial-before-outbox:1/);
    const firstPosts = posts.length;
    expect(firstPosts, 'the first process stored no denial, so posted none').toBe(0);

    // The second process: recovery replays the input of the denial, journaled but whose event was never stored.
    const second = harness.start(args, {}, ['QF_CRASH_AT', ...KEYS]);
    await until('the restart posted the denial the kill kept from the outbox', () => posts.length > firstPosts, second);
    await until('the restart started', () => /reconciliation \(start \(paper/.test(second.stderr), second);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    const afterSecond = posts.length;

    // The third: the denials are at the outbox's mark: recovery does not post them again.
    const third = harness.start(args, {}, ['QF_CRASH_AT', ...KEYS]);
    await until('the third start', () => /reconciliation \(start \(paper/.test(third.stderr), third);
    third.proc.kill('SIGINT');
    expect((await third.exit).code, third.stderr).toBe(0);
    expect(posts.length, 'the third process posted nothing: every replayed denial was stored before').toBe(afterSecond);

    for (const post of posts) {
      expect(post.body.event).toBe('riskDenial');
      expect(post.body.data.reason, 'the exit deferred by the order rate').toBe('DEFERRED_ORDER_RATE');
      expect(post.idempotencyKey, 'the header carries the body\'s id').toBe(post.body.id);
    }
    const ids = posts.map((p) => p.body.id);
    expect(new Set(ids).size, 'no denial posted twice').toBe(ids.length);
    const times = posts.map((p) => p.body.timeNs);
    expect(new Set(times).size, 'each denial (its decision time) once').toBe(times.length);
  }, 180_000);
});
