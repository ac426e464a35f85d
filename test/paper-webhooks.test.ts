// Webhooks of a paper session (config `monitoring.webhooks`): a local HTTP receiver on 127.0.0.1
// gets one signed POST per fill of the session (the fills the session recorded, in order), the
// kill switch's trip when a tight drawdown limit trips it, and the risk denials; a hook that
// asked only for fills gets nothing else; the engine's run is the same with and without hooks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { SIGNATURE_HEADER, webhookSignature } from '../engine/server/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const BARS = 800;
const SECRET = 'webhook-secret-0123456789';
let dir: string;
let receiver: Server;
let port: number;
const received: { path: string; body: string; signature: string | undefined }[] = [];

function read(request: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => done(body));
    request.on('error', fail);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qf-paper-webhooks-'));
  const lines = readFileSync(join(ROOT, 'data', ETH), 'utf8').split('\n');
  writeFileSync(join(dir, ETH), `${lines.slice(0, BARS + 1).join('\n')}\n`);
  copyFileSync(join(ROOT, 'data', `${ETH}.meta.json`), join(dir, `${ETH}.meta.json`));
  receiver = createServer((request, response) => {
    void read(request).then((body) => {
      received.push({ path: request.url ?? '', body, signature: request.headers[SIGNATURE_HEADER] as string | undefined });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  port = (receiver.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((done) => receiver.close(done));
  rmSync(dir, { recursive: true, force: true });
});

/** The EMA-cross example with `configText` appended (and `risk` keys added to its risk section). */
async function runSession(configText: string, riskKeys = '') {
  const configFile = join(dir, `config-${received.length}-${Math.random().toString(36).slice(2)}.yaml`);
  const example = readFileSync(join(ROOT, 'config', 'examples', 'ema-cross.yaml'), 'utf8').replace(/^risk:\n/m, `risk:\n${riskKeys}`);
  writeFileSync(configFile, `${example}\n${configText}`);
  const config = loadConfig({ configFile, env: {} });
  const session = await startPaperSession({ streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 1e9, serve: false, controlLogPath: join(dir, 'control.jsonl') });
  const run = await session.finished;
  await session.close();
  return run;
}

describe('paper session webhooks', () => {
  it('POSTs every fill, signed, and nothing a hook did not ask for; the run is the same as without hooks', async () => {
    const plain = await runSession('');
    received.length = 0;
    const run = await runSession([
      'monitoring:',
      '  webhooks:',
      `    - { url: "http://127.0.0.1:${port}/fills", events: [fill], secret: "${SECRET}" }`,
      `    - { url: "http://127.0.0.1:${port}/alerts", events: [killSwitch, modelAlert] }`,
    ].join('\n'));
    expect(run.recording.fillsHash, 'hooks never change what the engine does').toBe(plain.recording.fillsHash);
    expect(run.recording.fills.length, 'the session trades').toBeGreaterThan(5);
    const fills = received.filter((r) => r.path === '/fills');
    expect(fills.length, 'one POST per fill').toBe(run.recording.fills.length);
    for (const post of fills) expect(post.signature, 'each body carries its HMAC').toBe(webhookSignature(post.body, SECRET));
    const bodies = fills.map((post) => JSON.parse(post.body) as { event: string; data: { instrument: string; price: number; qty: number } });
    expect(bodies.every((b) => b.event === 'fill' && b.data.instrument === 'ETHUSDT')).toBe(true);
    expect(bodies.map((b) => [b.data.price, b.data.qty]), 'the fills as the session recorded them, in order')
      .toEqual(run.recording.fills.map((f) => [f.price, f.side === 'buy' ? f.quantity : -f.quantity]));
    expect(received.filter((r) => r.path === '/alerts'), 'no kill-switch trip or model alert happened, so nothing went to that hook').toEqual([]);
  }, 180_000);

  it('POSTs the kill switch trip and the risk denials that follow it', async () => {
    received.length = 0;
    await runSession([
      'monitoring:',
      '  webhooks:',
      `    - { url: "http://127.0.0.1:${port}/risk", events: [killSwitch, riskDenial] }`,
    ].join('\n'), '  maxDrawdownPct: 0.002\n');
    const events = received.filter((r) => r.path === '/risk').map((r) => JSON.parse(r.body) as { event: string; data: Record<string, unknown> });
    const trips = events.filter((e) => e.event === 'killSwitch');
    expect(trips.length, 'the 0.2% drawdown limit trips the kill switch once').toBe(1);
    expect(trips[0].data.tripped).toBe(true);
    expect(events.some((e) => e.event === 'riskDenial' && typeof e.data.reason === 'string' && typeof e.data.message === 'string'), 'denials carry the reason by name').toBe(true);
    expect(received.every((r) => r.signature === undefined), 'a hook without a secret is unsigned').toBe(true);
  }, 180_000);
});
