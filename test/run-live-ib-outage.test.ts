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

/** `quantflow run --mode live` on the TWS simulator, reached through a proxy the test can cut. */
async function startBehindProxy(name: string) {
  const { sim, config } = await harness.setupIb(name, 'cancel');
  const proxy = await cuttableProxy(sim.port);
  proxies.push(proxy);
  writeFileSync(config, readFileSync(config, 'utf8').replace(`port: ${sim.port},`, `port: ${proxy.port},`));
  const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve']);
  return { proxy, child };
}

describe('quantflow run (IB): a TWS outage', () => {
  test('each reconnect attempt is logged with the last failure; Ctrl-C during the backoff ends the process by itself', async () => {
    const { proxy, child } = await startBehindProxy('ib-outage');
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

  test('TWS back after an outage: the log says so once, before the reconnect reconciliation', async () => {
    const { proxy, child } = await startBehindProxy('ib-outage-back');
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    proxy.cut();
    await until('a refused reconnect attempt', () => /reconnecting to TWS: attempt 2 in \d+ ms \(attempt 1: /.test(child.stderr), child, 30_000);
    expect(child.stderr, 'not back while TWS is unreachable').not.toMatch(/reconnected to TWS/);
    proxy.restore();
    await until('the reconnect reconciliation', () => child.stderr.includes('reconciliation (reconnect)'), child, 30_000);
    const back = [...child.stderr.matchAll(/reconnected to TWS 127\.0\.0\.1:\d+ \(attempt (\d+)\): resubscribing, asking for the executions missed/g)];
    expect(back, child.stderr).toHaveLength(1);
    expect(child.stderr.indexOf(back[0][0]), 'said before the reconciliation it starts').toBeLessThan(child.stderr.indexOf('reconciliation (reconnect)'));
    child.proc.kill('SIGINT');
    expect((await child.exit).code, child.stderr).toBe(0);
  }, 90_000);
});
