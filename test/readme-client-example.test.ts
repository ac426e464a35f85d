// The README's client-library example, run as written against a state server on 127.0.0.1 (a
// free port): the code block after "The client library decodes the frames" is taken from
// README.md, its `quantflow/client` import pointed at the compiled library (dist/, what the
// package's `exports` name) and its address at the test server, and run with node. It must print
// the account the server's state topic holds: what a reader copying it gets.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PushStateSource, startStateServer } from '../engine/server/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The first ```ts block after `marker` in README.md. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  expect(at, `README.md has "${marker}"`).toBeGreaterThan(-1);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(match, `a ts code block after "${marker}"`).not.toBeNull();
  return match![1];
}

describe('README client-library example', () => {
  it('prints the equity, cash and positions of the state topic, as written', async () => {
    const source = new PushStateSource();
    source.publish('state', {
      mode: 'paper', equity: 101234.5, cash: 40000.25, equityHighWaterMark: 101234.5, realizedPnl: 0, unrealizedPnl: 0,
      positions: [{ instrumentId: 0, symbol: 'BTCUSDT', quantity: 0.5, averagePrice: 60000, markPrice: 61000, unrealizedPnl: 500, realizedPnl: 0 }],
    });
    const server = await startStateServer({ source });
    cleanups.push(() => server.close());
    const block = readmeBlock('The client library decodes the frames');
    expect(block, 'the example imports the package\'s client').toContain("from 'quantflow/client'");
    expect(block, 'the example names the default address').toContain("'ws://127.0.0.1:8787/'");
    const dir = mkdtempSync(join(tmpdir(), 'qf-readme-client-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'example.mjs');
    writeFileSync(script, block
      .replace("'quantflow/client'", JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'engine', 'client', 'index.js')).href))
      .replace("'ws://127.0.0.1:8787/'", JSON.stringify(server.url)));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => { child.kill(); });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    // The first update printed: up to the end of its positions array (console.log spreads it over lines).
    const printed = await new Promise<string>((resolvePrinted, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const firstLine = stdout.split('\n', 1)[0];
        if (stdout.includes('\n') && (!firstLine.endsWith('[') || stdout.includes('\n]\n'))) resolvePrinted(stdout);
      });
      child.once('exit', (code) => reject(new Error(`the example exited (${code}) before printing: ${stdout}${stderr}`)));
    });
    expect(printed, 'the example prints equity, cash, then the positions').toMatch(/^101234\.5 40000\.25 \[/);
    expect(printed).toContain("symbol: 'BTCUSDT'");
  });
});
