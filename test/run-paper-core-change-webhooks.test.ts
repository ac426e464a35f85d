// `quantflow run --mode paper --accept-core-change` on a journal another core build wrote (an
// upgrade) replays the journal from its start. Its webhook outbox, written by a QuantFlow from
// before risk records had a mark (its '<scope>#marked' is '1' and it holds the fills' marks only),
// made the restart post every denial in the journal again, under new ids (derived from the risk
// records' numbers, which the receiver never saw): 44 duplicates here. A mark name the outbox's
// writer did not know now covers every replayed event of that kind (its process posted what it
// journaled); outboxes record the names their writer knew.
// The session: risk.orderRate of one order per day, so each exit is deferred (DEFERRED_ORDER_RATE).
import type { Server } from 'node:http';
import { open } from 'lmdb';
import { afterEach, describe, expect, test } from 'vitest';
import { Journal } from '../engine/journal/index.js';
import { WebhookOutbox, webhookOutboxPath } from '../engine/server/index.js';
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
/** The sha256 of a core.wasm that is not this one (the "older build"). */
const OTHER_CORE = 'ab'.repeat(32);

interface Post { idempotencyKey: string; body: { id: string; event: string } }

/** Makes the outbox look written by a QuantFlow that marked fills only: '#marked' '1', no risk mark. */
async function asOutboxBeforeRiskMarks(journalDir: string): Promise<void> {
  const env = open({ path: webhookOutboxPath(journalDir) });
  const meta = env.openDB<string, string>({ name: 'webhook-marks', encoding: 'string' });
  expect(meta.get('session:risk'), 'the first process recorded how far its denials were queued').toBeDefined();
  await meta.remove('session:risk');
  await meta.put('session#marked', '1');
  await env.close();
}

describe('quantflow run --accept-core-change on a journal and outbox an older QuantFlow wrote', () => {
  test('posts none of the denials the older process posted again', async () => {
    const { posts, url } = await startWebhookReceiver<Post['body']>(receivers);
    const monitoring = `  orderRate: { maxOrders: 1, windowMs: 86400000 }\nmonitoring:\n  webhooks:\n    - { url: "${url}", events: [riskDenial, fill] }\n`;
    const { sim, config, startTime, journal } = await harness.setup('core-change-webhooks', 'cancel', '', 3000, '', monitoring);
    const args = ['--mode', 'paper', '--config', config, '--no-serve'];

    const first = harness.start(args, {}, ['QF_CRASH_AT', ...KEYS]);
    await until('the start reconciliation', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    for (let played = 0; played < 3; played++) await sim.playPath('BTCUSDT', PATH, { startTime: startTime + played * PATH.length * 60_000, intervalMs: 60 }).done;
    await until('a denial posted', () => posts.some((p) => p.body.event === 'riskDenial'), first);
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
    const posted = posts.length;
    const denials = posts.filter((p) => p.body.event === 'riskDenial').length;
    expect(denials, 'the exits were deferred').toBeGreaterThan(1);

    // The upgrade: another core is the journal's writer, and the outbox predates the risk mark.
    const written = Journal.open(journal);
    written.addWriter(OTHER_CORE, false);
    written.close();
    await asOutboxBeforeRiskMarks(journal);

    const second = harness.start([...args, '--accept-core-change'], {}, ['QF_CRASH_AT', ...KEYS]);
    await until('the restart recovered and started', () => /reconciliation \(start \(paper/.test(second.stderr), second);
    expect(second.stderr, 'it replayed the journal from its start').toMatch(/recovery: checkpoint at inbound 0, \d+ journal records replayed/);
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    // Whatever the restart queued is posted or left in the outbox: neither may hold a replayed denial.
    const outbox = WebhookOutbox.open(webhookOutboxPath(journal));
    const left = outbox.pending('session').length;
    outbox.close();
    expect(posts.length - posted + left, 'denials and fills the older process posted, queued again by the restart').toBe(0);
    const ids = posts.map((p) => p.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  }, 180_000);
});
