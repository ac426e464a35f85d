// `quantflow run --mode live` through a venue outage: the Binance simulator behind a TCP proxy the
// test cuts (every connection dropped, new ones reset) and restores (test/cuttable-proxy.ts). A stream that came back
// before the REST side did (or a second drop right after) made the session's reconnect
// reconciliation fail on its REST call, and that error ended the session (exit 1, "fetch failed"),
// leaving its working orders to no on-exit policy. The reconciliation is now tried again with
// backoff while /health says not ready, and the session reconciles once the venue answers.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { RunHarness, until } from './run-harness.js';
import { cuttableProxy, type CuttableProxy } from './cuttable-proxy.js';

const harness = new RunHarness();
const proxies: CuttableProxy[] = [];
afterEach(async () => {
  await harness.cleanup();
  for (const p of proxies.splice(0)) await p.close();
});
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

/** A live session on the Binance simulator reached through a proxy the test can cut. */
async function startBehindProxy(name: string) {
  const { sim, config } = await harness.setup(name, 'cancel');
  const proxy = await cuttableProxy(Number(new URL(sim.baseUrl).port));
  proxies.push(proxy);
  writeFileSync(config, readFileSync(config, 'utf8').replace(`baseUrl: ${sim.baseUrl}`, `baseUrl: http://127.0.0.1:${proxy.port}`));
  const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'], ENV);
  return { sim, proxy, child };
}

describe('quantflow run: a venue outage', () => {
  test('the reconnect reconciliation failing while the venue is down is tried again, not the end of the session', async () => {
    const { sim, proxy, child } = await startBehindProxy('outage');
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    proxy.cut();
    await until('a refused reconnect', () => /reconnecting: .*ECONNRESET/.test(child.stderr), child, 20_000);
    // The streams come back before REST does: the reconnect reconciliation's REST calls fail. The
    // session reconciles once every stream is back, the bars stream with its first kline: the
    // venue prints a trade on every poll.
    let price = 50_100;
    const printing = (done: () => boolean) => () => {
      sim.trade('BTCUSDT', price++, 0.1);
      return done();
    };
    proxy.restoreWebSockets();
    await until('a failed reconnect reconciliation, or the session ending', printing(() => child.stderr.includes('reconciliation after a reconnect failed') || child.proc.exitCode !== null), child, 20_000);
    expect(child.proc.exitCode, child.stderr).toBeNull();
    proxy.restore();
    await until('a reconnect reconciliation', printing(() => child.stderr.includes('reconciliation (reconnect)')), child, 30_000);
    expect(child.proc.exitCode, child.stderr).toBeNull();
    expect(child.stderr, 'no stack').not.toMatch(/\n\s+at /);
    // Ctrl-C after the outage: the session stops by its policy and the process ends (a venue
    // client's handle left open by the outage kept it running after the session had stopped).
    child.proc.kill('SIGINT');
    const exit = await Promise.race([child.exit, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exit?.code, `the process ended within 30 s of SIGINT with 0\n${child.stderr}`).toBe(0);
    expect(child.stdout).toMatch(/run: live session stopped \(operator \(SIGINT/);
    expect(child.stderr, 'the process ended by itself: no venue handle kept it open (engine/cli/exit-when-lingering.ts did not fire)').not.toMatch(/still open \d+ ms after it stopped/);
  }, 90_000);

  test('Ctrl-C while the streams reconnect after an outage: the process ends by itself, no socket or timer of the venue client left', async () => {
    const { proxy, child } = await startBehindProxy('outage-stop');
    await until('the start reconciliation', () => child.stderr.includes('reconciliation (start)'), child);
    proxy.cut();
    // Several refused reconnects per stream: ccxt's own dial backoff (when it has one) grows to seconds.
    const refused = () => (child.stderr.match(/feed orders reconnecting: .*ECONNRESET/g) ?? []).length;
    await until('five refused reconnects of the user stream', () => refused() >= 5, child, 30_000);
    proxy.restore();
    await until('a stream back', () => /feed \S+ reconnected/.test(child.stderr.slice(child.stderr.lastIndexOf('ECONNRESET'))), child, 30_000);
    child.proc.kill('SIGINT');
    const exit = await Promise.race([child.exit, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exit?.code, `the process ended within 30 s of SIGINT with 0\n${child.stderr}`).toBe(0);
    expect(child.stdout).toMatch(/run: live session stopped \(operator \(SIGINT/);
    expect(child.stderr, `no venue handle kept the process open after the session stopped\n${child.stderr}`).not.toMatch(/still open \d+ ms after it stopped/);
  }, 90_000);
});
