// `quantflow run --mode paper` started on a journal a running session holds, with webhooks: the
// second process opened the journal's webhook outbox (and began posting what it held) when its
// session monitor was built, before the session refused the journal; it was refused ("held by a
// running session") but posted the running session's pending event beside it, for the monitor's
// close grace. Now the journal is held before the outbox is opened. The receiver never answers
// (the first process's POST of the first fill stays in flight until its timeout, and a hook sends
// one event at a time), so a POST that arrives while another is open came from the second process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
const receivers: Server[] = [];
const hung: ServerResponse[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const res of hung.splice(0)) res.destroy();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe('quantflow run --mode paper on a journal a running session holds', () => {
  test('the second process is refused without posting the running session\'s pending webhook events', async () => {
    const posts: string[] = [];
    let open = 0;
    let overlapping = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (open > 0) overlapping++;
      open++;
      res.on('close', () => { open--; });
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => {
        posts.push((JSON.parse(body) as { id: string }).id);
        hung.push(res);
      });
    });
    receivers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${url}", events: [fill] }\n`;
    const { sim, config, startTime } = await harness.setup('paper-hooks-held', 'cancel', '', 3000, '', monitoring);
    const first = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    await until('the start', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 }).done;
    await until('the first fill posted (and left hanging)', () => posts.length >= 1, first);
    await new Promise((r) => setTimeout(r, 500));
    expect(open, 'the first process has one POST in flight').toBe(1);

    const second = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    const exit = await second.exit;
    expect(exit.code, second.stderr).not.toBe(0);
    expect(second.stderr).toMatch(/held by a running session \(pid \d+\)/);
    await new Promise((r) => setTimeout(r, 300));
    expect(overlapping, 'no POST beside the first process\'s (a hook of one process sends one at a time)').toBe(0);
    expect(second.stderr, 'the second process never loaded the outbox').not.toMatch(/left undelivered by a previous session/);
    expect(new Set(posts).size, 'only the first process\'s event (its own retry after a timeout at most)').toBe(1);
    expect(first.proc.exitCode, 'the first session runs on').toBeNull();
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
  }, 120_000);
});
