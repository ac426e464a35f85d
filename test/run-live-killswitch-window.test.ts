// `quantflow run --mode live` killed (SIGKILL) after a kill-switch trip was journaled but before
// its webhook event reached <journal>/webhook-outbox (stored at the end of the event loop's
// turn): the restart's recovery replayed the trip and, posting none of what it replays, never
// posted it: the receiver never heard the switch tripped. The kill switch's outbox scope now
// records, with the events, how far the journal's transitions were queued (their journal
// position); the restart posts a replayed transition after that mark, with an id derived from its
// position, and none at or before it.
// The venue (the Binance simulator with 10 USDT) refuses every order; the fifth refusal in a row
// trips the switch (risk.rejects), and QF_CRASH_AT=killswitch-before-outbox:1 kills the first
// process right after the trip is journaled and committed. The second process posts the trip on
// recovery; the third, which replays it too, does not post it again.
import type { Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until } from './run-harness.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

interface Post { idempotencyKey: string; body: { id: string; event: string; data: { tripped: boolean; reason: string } } }

describe('quantflow run --mode live killed between a kill-switch trip\'s journal record and its webhook event', () => {
  test('the restart posts the trip, once, with an id that stays the same across restarts', async () => {
    const { posts, url } = await startWebhookReceiver<Post['body']>(receivers);
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${url}", events: [killSwitch] }\n`;
    const { sim, config, startTime, journal } = await harness.setup('killswitch-window', 'cancel', '', 3000, '', monitoring);
    sim.book.balances.set('USDT', { free: 10, locked: 0 });
    const args = ['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'];

    const first = harness.start(args, { ...ENV, QF_CRASH_AT: 'killswitch-before-outbox:1' });
    await until('the start reconciliation', () => first.stderr.includes('reconciliation (start)'), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    const crashed = () => first.stderr.includes('crash point: killswitch-before-outbox:1');
    let played = 0;
    for (; played < 4 && !crashed(); played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    expect((await first.exit).signal, first.stderr).toBe('SIGKILL');
    expect(first.stderr).toMatch(/crash point: killswitch-before-outbox:1/);
    expect(journalEntries(journal).filter((e) => e.type === 'killSwitchTripped'), 'the trip is journaled').toHaveLength(1);
    expect(posts, 'the first process stored no event, so posted none').toEqual([]);

    // The second process: recovery replays the trip, which the killed process never stored in the outbox.
    const second = harness.start(args, ENV, ['QF_CRASH_AT']);
    await until('the restart posted the trip the kill kept from the outbox', () => posts.length >= 1, second);
    await until('the restart started', () => second.stderr.includes('reconciliation (start)'), second);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    expect(posts.map((p) => p.body.event)).toEqual(['killSwitch']);
    expect(posts[0].body.data.tripped).toBe(true);
    expect(posts[0].body.data.reason).toMatch(/^risk\.rejects: 5 orders in a row rejected by the venue/);
    expect(posts[0].idempotencyKey, 'the header carries the body\'s id').toBe(posts[0].body.id);

    // The third: the trip is at the outbox's mark (stored and delivered): recovery does not post it again.
    const third = harness.start(args, ENV, ['QF_CRASH_AT']);
    await until('the third start', () => third.stderr.includes('reconciliation (start)'), third);
    third.proc.kill('SIGINT');
    expect((await third.exit).code, third.stderr).toBe(0);
    expect(posts, 'posted once across the three processes').toHaveLength(1);
  }, 180_000);
});
