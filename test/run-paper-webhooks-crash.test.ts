// `quantflow run --mode paper` killed (SIGKILL) while a webhook event is being retried and others
// wait behind it: the events lived only in the process's memory, so the receiver never got them.
// Each event is now kept in <journal>/webhook-outbox until its hook answers 2xx, and the restart
// sends what is left, first, with the same event id (body `id`, Idempotency-Key header); what was
// delivered is not posted again. Two hooks on one receiver: /all answers 204 to everything (it
// tells the test every event the first process made, with its id); /flaky answers 204 to the
// first event, then 500 until the first process is dead; a third hook's receiver is down (nothing
// listens on its port) until the first process is dead.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

interface Post { path: string; status: number; headers: IncomingHttpHeaders; body: { id: string; event: string; data: Record<string, unknown> } }

async function webhookReceiver(port = 0): Promise<{ url: string; posts: Post[]; refuse: { flaky: boolean } }> {
  const posts: Post[] = [];
  const refuse = { flaky: true };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const parsed = JSON.parse(body) as Post['body'];
      const flakyAccepted = posts.filter((p) => p.path === '/flaky' && p.status === 204).length;
      const status = req.url === '/flaky' && refuse.flaky && flakyAccepted >= 1 ? 500 : 204;
      posts.push({ path: req.url ?? '', status, headers: req.headers, body: parsed });
      res.writeHead(status).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, refuse };
}

describe('quantflow run --mode paper killed with webhook events undelivered', () => {
  test('the restart sends each undelivered event with its id, and none that was delivered', async () => {
    const hook = await webhookReceiver();
    // A receiver that is down while the first process runs: a port that was free (nothing listens), taken after the kill.
    const probe = await webhookReceiver();
    const downPort = Number(new URL(probe.url).port);
    await new Promise((resolve) => receivers.pop()!.close(resolve));
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${hook.url}/all", events: [fill] }\n    - { url: "${hook.url}/flaky", events: [fill] }\n    - { url: "http://127.0.0.1:${downPort}/down", events: [fill] }\n`;
    const { sim, config, journal, startTime } = await harness.setup('paper-hooks-crash', 'cancel', '', 3000, '', monitoring);
    const first = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    await until('the start', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 }).done;
    const at = (where: string, from = 0): Post[] => hook.posts.slice(from).filter((p) => p.path === where);
    await until('three fills posted to /all', () => at('/all').length >= 3, first);
    await until('the second fill retried at /flaky', () => at('/flaky').filter((p) => p.status === 500).length >= 2, first);
    await new Promise((r) => setTimeout(r, 800));
    first.proc.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const made = at('/all').map((p) => p.body);
    const postsBefore = hook.posts.length;

    hook.refuse.flaky = false;
    const down = await webhookReceiver(downPort);
    const second = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    await until('the restart recovered and started', () => /reconciliation \(start \(paper/.test(second.stderr), second);
    await until('the restart sent /flaky every event it lacked', () => at('/flaky', postsBefore).length >= made.length - 1, second, 15_000);
    await until('the restart sent the receiver that was down every event', () => down.posts.length >= made.length, second, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/left undelivered by a previous session: sending again, with the same ids/);
    expect(existsSync(path.join(journal, 'webhook-outbox')), 'the outbox lives in the journal directory').toBe(true);

    const ids = made.map((body) => body.id);
    expect(new Set(ids).size, 'one id per event').toBe(ids.length);
    for (const post of hook.posts) expect(post.headers['idempotency-key'], 'the header carries the body\'s id').toBe(post.body.id);
    const beforeKill = hook.posts.slice(0, postsBefore).filter((p) => p.path === '/flaky');
    expect(beforeKill.filter((p) => p.status === 204).map((p) => p.body.id), 'the first process delivered the first event to /flaky').toEqual([ids[0]]);
    expect(beforeKill.filter((p) => p.status === 500).every((p) => p.body.id === ids[1]), 'and retried the second, the rest waiting behind it').toBe(true);

    const resent = at('/flaky', postsBefore);
    expect(resent.every((p) => p.status === 204)).toBe(true);
    expect(resent.map((p) => p.body.id), 'each undelivered event once, in order, with the id the first process gave it').toEqual(ids.slice(1));
    expect(resent.map((p) => p.body.data), 'and the same body').toEqual(made.slice(1).map((body) => body.data));
    expect(at('/all', postsBefore), 'nothing delivered before the kill is posted again').toEqual([]);
    expect(down.posts.map((p) => p.body.id), 'the receiver that was down: every event once, in order, with its id').toEqual(ids);
    expect(down.posts.map((p) => p.body.data)).toEqual(made.map((body) => body.data));
    for (const post of down.posts) expect(post.headers['idempotency-key']).toBe(post.body.id);
  }, 180_000);
});
