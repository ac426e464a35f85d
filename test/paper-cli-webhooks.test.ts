// `quantflow paper --no-serve` with `monitoring.webhooks`, run as a user runs it (a child
// process): when the run is over the CLI must give the webhooks their grace to deliver (the
// session's close) before the process ends. A receiver on 127.0.0.1 answers the first POST
// with 503 (a transient failure: retried after the backoff) and every later one with 200; every
// fill the session made must reach it, in order, and nothing may be said lost on stderr.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from './child-env.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'engine', 'cli', 'main.js');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const BARS = 300;
let dir: string;
let receiver: Server;
let url: string;
const received: { event: string; data: { orderId: string } }[] = [];
let posts = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qf-paper-cli-webhooks-'));
  const lines = readFileSync(join(ROOT, 'data', ETH), 'utf8').split('\n');
  writeFileSync(join(dir, ETH), `${lines.slice(0, BARS + 1).join('\n')}\n`);
  copyFileSync(join(ROOT, 'data', `${ETH}.meta.json`), join(dir, `${ETH}.meta.json`));
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      posts += 1;
      if (posts === 1) return void response.writeHead(503).end();
      received.push(JSON.parse(body) as { event: string; data: { orderId: string } });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise((done) => receiver.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('quantflow paper --no-serve with webhooks', () => {
  it('delivers every fill before the process ends, the one the receiver first refused included', async () => {
    const config = join(dir, 'hooks.yaml');
    writeFileSync(config, [
      readFileSync(join(ROOT, 'config', 'examples', 'paper-demo.yaml'), 'utf8'),
      'killSwitch:',
      `  statePath: ${JSON.stringify(join(dir, 'killswitch'))}`,
      'monitoring:',
      '  webhooks:',
      `    - url: ${url}`,
      '      events: [fill]',
      '',
    ].join('\n'));
    const child = spawn(process.execPath, [CLI, 'paper', '--config', config, '--data', join(dir, ETH), '--no-serve', '--no-run-store', '--speed', '36000000'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code, stderr).toBe(0);
    const fills = Number(/(\d+) fills/.exec(stdout)?.[1]);
    expect(fills, stdout).toBeGreaterThan(1);
    expect(received.map((r) => r.event)).toEqual(Array(fills).fill('fill'));
    const ids = received.map((r) => Number(r.data.orderId));
    expect(ids, 'in order').toEqual([...ids].sort((a, b) => a - b));
    expect(stderr).not.toMatch(/not delivered|gave up/);
  }, 60_000);
});
