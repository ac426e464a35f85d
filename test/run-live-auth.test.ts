// `quantflow run --mode live` against the Binance simulator with an API key the venue refuses
// (-2014 "API-key format invalid." on the WebSocket API's user-data subscription): the process
// died of an unhandled rejection with ccxt's stack trace, since ccxt rejects a future it keeps
// for concurrent authenticate callers that no one awaits. The start is refused instead with one
// line naming the venue and its answer (the credentials themselves never printed), no order sent.
import { afterEach, describe, expect, test } from 'vitest';
import { RunHarness } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

describe('quantflow run: credentials the venue refuses', () => {
  test('a wrong API key refuses the live start with the venue\'s answer, not a stack trace', async () => {
    const { sim, config } = await harness.setup('auth', 'cancel');
    const child = harness.start(['--mode', 'live', '--i-understand-live', '--config', config, '--no-serve'], { TEST_BINANCE_KEY: 'qf-wrong-key-7d1c', TEST_BINANCE_SECRET: 'qf-wrong-secret-93ab' });
    const { code, signal } = await child.exit;
    expect(signal, child.stderr).toBeNull();
    expect(code, child.stderr).toBe(1);
    expect(child.stderr).toContain(`ccxt:binance: cannot connect to ${sim.baseUrl}`);
    expect(child.stderr).toContain('API-key format invalid.');
    expect(child.stderr, 'one line, no stack').not.toMatch(/\n\s+at /);
    expect(child.stdout + child.stderr, 'the credentials are never printed').not.toMatch(/qf-wrong-(key|secret)/);
    expect(sim.book.orders, 'no order reached the venue').toEqual([]);
  }, 60_000);
});
