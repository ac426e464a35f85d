// `quantflow run` on IB through a TWS outage: the TWS simulator behind a proxy the test cuts
// (test/cuttable-proxy.ts). The adapter says each reconnect attempt and why the one before failed;
// Ctrl-C while it waits out its backoff stops the session and the process ends by itself (the
// backoff timer outlived the session: engine/cli/exit-when-lingering.ts had to end it), with no
// "TWS system message 504" that TWS never sent.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { RunHarness, until } from './run-harness.js';
import { cuttableProxy, type CuttableProxy } from './cuttable-proxy.js';

const harness = new RunHarness();
const proxies: CuttableProxy[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const p of proxies.splice(0)) await p.close();
});

describe('quantflow run (IB): a TWS outage', () => {
  test('each reconnect attempt is logged with the last failure; Ctrl-C during the backoff ends the process by itself', async () => {
    const { sim, config } = await harness.setupIb('ib-outage', 'cancel');
    const proxy = await cuttableProxy(sim.port);
    proxies.push(proxy);
    writeFileSync(config, readFileSync(config, 'utf8').replace(`port: ${sim.port},`, `port: ${proxy.port},`));
    const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve']);
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    proxy.cut();
    // A backoff of seconds under way: the process must not wait it out after Ctrl-C.
    const longWait = () => [...child.stderr.matchAll(/reconnecting to TWS: attempt (\d+) in (\d+) ms/g)].some((m) => Number(m[2]) >= 4000);
    await until('a reconnect attempt seconds away', longWait, child, 40_000);
    expect(child.stderr, 'the attempt before it and why it failed').toMatch(/reconnecting to TWS: attempt \d+ in \d+ ms \(attempt \d+: TWS 127\.0\.0\.1:\d+ closed the connection/);
    child.proc.kill('SIGINT');
    const exit = await Promise.race([child.exit, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exit?.code, `the process ended within 30 s of SIGINT with 0\n${child.stderr}`).toBe(0);
    expect(child.stdout).toMatch(/run: live session stopped \(operator \(SIGINT/);
    expect(child.stderr, 'no reconnect timer kept the process open after the session stopped').not.toMatch(/still open \d+ ms after it stopped/);
    expect(child.stderr, "@stoqey/ib's own 504 on a link already down is not TWS's message").not.toMatch(/TWS system message 504/);
  }, 90_000);
});
