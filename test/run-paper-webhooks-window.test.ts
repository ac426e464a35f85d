// `quantflow run --mode paper` killed (SIGKILL) after a fill was journaled but before its webhook
// event reached <journal>/webhook-outbox (stored at the end of the event loop's turn): the
// restart's recovery replayed the fill and, posting none of what it replays, never posted it: the
// receiver never heard of it. The outbox now records, with the events, how far the fills were
// queued (the simulated venue's fill id); the restart posts the replayed fills after that mark,
// each with an id derived from its journal position, and none before it.
// The crash point QF_CRASH_AT=fill-before-outbox:2 kills the first process at its second fill, the
// journal committed and the event queued but not stored. The second process posts that fill on
// recovery; the receiver refuses it (500) and the process is killed while retrying it; the third
// sends it again from the outbox with the same id, and does not post it a second time on its own
// recovery. Deduplicated by id, the receiver gets every fill exactly once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

interface Post { status: number; idempotencyKey: string; body: { id: string; event: string; data: { fillId: number; orderId: number } } }

async function webhookReceiver(): Promise<{ url: string; posts: Post[]; refuseFillId: { value: number | null } }> {
  const posts: Post[] = [];
  const refuseFillId = { value: null as number | null };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const parsed = JSON.parse(body) as Post['body'];
      const status = refuseFillId.value !== null && parsed.data.fillId === refuseFillId.value ? 500 : 204;
      posts.push({ status, idempotencyKey: String(req.headers['idempotency-key']), body: parsed });
      res.writeHead(status).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts, refuseFillId };
}

describe('quantflow run --mode paper killed between a fill\'s journal record and its webhook event', () => {
  test('the restart posts the fill, once, with an id that stays the same across restarts', async () => {
    const hook = await webhookReceiver();
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${hook.url}", events: [fill] }\n`;
    const { sim, config, startTime } = await harness.setup('paper-hooks-window', 'cancel', '', 3000, '', monitoring);
    const args = ['--mode', 'paper', '--config', config, '--no-serve'];
    const keys = ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET'];

    const first = harness.start(args, { QF_CRASH_AT: 'fill-before-outbox:2' }, keys);
    await until('the start', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    const playing = sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 });
    expect((await first.exit).signal, first.stderr).toBe('SIGKILL');
    expect(first.stderr).toMatch(/crash point: fill-before-outbox:2/);
    await playing.done;
    const fills = (from = 0): Post[] => hook.posts.slice(from).filter((p) => p.body.event === 'fill');
    // The first fill was stored before the kill: its POST may have gone out or not (then the restart sends it from the outbox).
    const firstFillIds = new Set(fills().map((p) => p.body.data.fillId));
    expect([...firstFillIds].every((id) => id === 1), 'the first process posted its first fill only').toBe(true);

    // The second process: recovery replays the second fill, journaled but never stored in the outbox.
    hook.refuseFillId.value = 2;
    const second = harness.start(args, {}, keys);
    await until('the restart posted the fill the kill kept from the outbox (refused, retried)', () => fills().filter((p) => p.body.data.fillId === 2).length >= 2, second);
    second.proc.kill('SIGKILL');
    expect((await second.exit).signal).toBe('SIGKILL');
    const postsBefore = hook.posts.length;

    // The third: the fill is in the outbox (stored with its mark): sent from there, not posted again by recovery.
    hook.refuseFillId.value = null;
    const third = harness.start(args, {}, keys);
    await until('the restart recovered and started', () => /reconciliation \(start \(paper/.test(third.stderr), third);
    await until('the fill delivered', () => fills(postsBefore).some((p) => p.body.data.fillId === 2 && p.status === 204), third, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    third.proc.kill('SIGINT');
    expect((await third.exit).code, third.stderr).toBe(0);

    const all = fills();
    for (const post of all) expect(post.idempotencyKey, 'the header carries the body\'s id').toBe(post.body.id);
    const idsOfFill2 = new Set(all.filter((p) => p.body.data.fillId === 2).map((p) => p.body.id));
    expect(idsOfFill2.size, 'the second fill has one id in every process that posted it').toBe(1);
    expect(fills(postsBefore).filter((p) => p.body.data.fillId === 2).length, 'the third process sent it once (from the outbox), not again on recovery').toBe(1);
    // Deduplicated by id, as a receiver does: every fill delivered exactly once, each fill one id.
    const delivered = new Map<string, number>();
    for (const post of all) if (post.status === 204) delivered.set(post.body.id, post.body.data.fillId);
    const fillIds = [...delivered.values()].sort((a, b) => a - b);
    expect(fillIds.slice(0, 2), 'the first two fills delivered').toEqual([1, 2]);
    expect(new Set(fillIds).size, 'each fill under one id').toBe(fillIds.length);
    const idsByFill = new Map<number, Set<string>>();
    for (const post of all) idsByFill.set(post.body.data.fillId, (idsByFill.get(post.body.data.fillId) ?? new Set()).add(post.body.id));
    for (const [fillId, ids] of idsByFill) expect(ids.size, `fill ${fillId}: one id across restarts`).toBe(1);
  }, 180_000);
});
