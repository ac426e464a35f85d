// `quantflow run` with a configured symbol the venue does not list (the Binance simulator lists
// BTC/USDT and ETH/USDT): the start is refused as the configuration's error, naming the file, the
// field, the symbol, the rule and the closest listed symbols, not as a connection failure; the
// corrected configuration then starts on the same journal.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

describe('quantflow run: a symbol the venue does not list', () => {
  for (const mode of ['live', 'paper'] as const) {
    test(`--mode ${mode}: refused naming the field, the symbol, the rule and the closest listed symbols (exit 2)`, async () => {
      const { sim, config } = await harness.setup(`unlisted-${mode}`, 'cancel');
      const good = readFileSync(config, 'utf8');
      writeFileSync(config, good.replace('- { symbol: BTC/USDT, channel: bars, timeframe: 1m }', '- { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n    - { symbol: FOO/USDT, channel: bars, timeframe: 1m }'));
      const flags = mode === 'live' ? ['--mode', 'live', '--i-understand-live'] : ['--mode', 'paper'];
      const child = harness.start([...flags, '--config', config, '--no-serve'], ENV);
      const exit = await child.exit;
      expect(exit.code, child.stderr).toBe(2);
      const line = child.stderr.split('\n').find((l) => l.startsWith('quantflow: ')) ?? '';
      expect(line, child.stderr).toBe(`quantflow: ${config}: \`live.instruments[1].symbol\` must be a market binance at ${sim.baseUrl} lists (2 loaded), was "FOO/USDT"; closest listed: BTC/USDT, ETH/USDT`);
      expect(child.stderr, 'not a connection failure').not.toMatch(/cannot connect/);
      expect(child.stderr, 'no stack').not.toMatch(/\n\s+at /);

      writeFileSync(config, good);
      const fixed = harness.start([...flags, '--config', config, '--no-serve'], ENV);
      await until('the corrected configuration started on the same journal', () => fixed.stderr.includes('reconciliation (start'), fixed);
      fixed.proc.kill('SIGINT');
      expect((await fixed.exit).code, fixed.stderr).toBe(0);
    }, 60_000);
  }
});
