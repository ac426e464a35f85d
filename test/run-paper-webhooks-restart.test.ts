// `quantflow run --mode paper` restarted: recovery replays the journal through the core, whose
// simulated venue fills the journaled orders again (and whose risk module denies again). Those
// fills went to the webhooks a second time: every fill (and denial) after the last checkpoint
// was posted again at each restart. Here checkpoints are off, so the replay covers the whole
// journal; after a restart with no new market data, no fill is posted again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
const receivers: Server[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const server of receivers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

interface Post { body: { event: string; data: Record<string, unknown> } }

async function webhookReceiver(): Promise<{ url: string; posts: Post[] }> {
  const posts: Post[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      posts.push({ body: JSON.parse(body) as Post['body'] });
      res.writeHead(204).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

describe('quantflow run --mode paper restarted with webhooks', () => {
  test('a restart recovers the journaled fills without posting them again', async () => {
    const hook = await webhookReceiver();
    const monitoring = `monitoring:\n  webhooks:\n    - { url: "${hook.url}", events: [fill, riskDenial] }\n`;
    const { sim, config, startTime } = await harness.setup('paper-hooks', 'cancel', '', 3000, '', monitoring);
    // No checkpoints: the restart replays every journaled record through the core.
    writeFileSync(config, readFileSync(config, 'utf8').replace('checkpoint: { everyRecords: 10, everyMs: 0 }', 'checkpoint: { everyRecords: 0, everyMs: 0 }'));
    const first = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    await until('the start', () => /reconciliation \(start \(paper/.test(first.stderr), first);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, first);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH, { startTime, intervalMs: 60 }).done;
    await until('the fills posted', () => hook.posts.filter((p) => p.body.event === 'fill').length >= 3, first);
    await new Promise((r) => setTimeout(r, 800));
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
    const fillsBefore = hook.posts.filter((p) => p.body.event === 'fill').map((p) => p.body.data.fillId);
    expect(new Set(fillsBefore).size, 'each fill posted once by the first process').toBe(fillsBefore.length);
    const postsBefore = hook.posts.length;

    const second = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], {}, ['TEST_BINANCE_KEY', 'TEST_BINANCE_SECRET']);
    await until('the restart recovered and started', () => /reconciliation \(start \(paper/.test(second.stderr), second);
    expect(second.stderr, 'the restart replayed the journal').toMatch(/recovery: checkpoint at inbound 0, [1-9]\d* journal records replayed/);
    await new Promise((r) => setTimeout(r, 1500));
    second.proc.kill('SIGINT');
    expect((await second.exit).code, second.stderr).toBe(0);
    expect(hook.posts.slice(postsBefore).map((p) => `${p.body.event} ${String(p.body.data.fillId ?? '')}`), 'the restart posts none of the journaled fills again').toEqual([]);
  }, 180_000);
});
