// `quantflow run` against the Binance simulator with an instrument whose lot size the venue does
// not take: ETH/USDT trades in steps of 0.0001 there, and a configuration that does not list
// ETHUSDT in risk.instruments sized its orders in the replay default's lots of 0.00001, which the
// adapter's precision guard then refused order by order. The session now checks the core's lot
// of every instrument against the venue's amount step once connected, and refuses to start,
// before reconciliation or any order, naming the instrument, both sizes and what to set, and
// before its start is journaled: the corrected configuration then starts on the same journal.
// IB sessions too: the adapter reports each contract's size increment from its contract details.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { RunHarness, journalEntries, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

/** The harness's BTC/USDT session moved to ETH/USDT (risk.instruments lists no ETHUSDT: the replay default's lot). */
function onEth(config: string, riskInstruments = ''): void {
  let text = readFileSync(config, 'utf8').replace('symbol: BTC/USDT', 'symbol: ETH/USDT');
  if (riskInstruments) text = text.replace('  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }\n', `  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }\n${riskInstruments}`);
  writeFileSync(config, text);
}

describe('quantflow run: the core\'s lot sizes against the venue\'s amount steps', () => {
  test('refuses to trade an instrument whose lot (the replay default 0.00001) is not a whole multiple of the venue\'s step (0.0001), before any order', async () => {
    for (const mode of ['live', 'paper'] as const) {
      const { sim, config } = await harness.setup(`lots-${mode}`, 'cancel');
      onEth(config);
      sim.trade('ETHUSDT', 3000, 1, sim.now() - 60_000);
      const child = harness.start(['--mode', mode, ...(mode === 'live' ? ['--i-understand-live'] : []), '--config', config, '--no-serve'], ENV);
      const { code } = await child.exit;
      expect(code, child.stderr).toBe(1);
      expect(child.stderr).toContain('instrument 0 (ETH/USDT): the core sizes orders in lots of 0.00001, which is not a whole multiple of ccxt:binance\'s amount step 0.0001 for ETH/USDT');
      expect(child.stderr).toContain('give each symbol its venue\'s lot in risk.instruments (e.g. - { id: 0, symbol: ETHUSDT, assetClass: crypto, lotSize: 0.0001 }');
      expect(child.stderr, 'one line, no stack').not.toMatch(/\n\s+at /);
      expect(sim.book.orders, 'no order reached the venue').toEqual([]);
    }
  }, 120_000);

  test('a refused first start journals no session: the corrected configuration starts on the same journal', async () => {
    const { sim, config, journal } = await harness.setup('lots-retry', 'cancel');
    onEth(config);
    sim.trade('ETHUSDT', 3000, 1, sim.now() - 60_000);
    const refused = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], ENV);
    expect((await refused.exit).code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('which is not a whole multiple of ccxt:binance\'s amount step 0.0001 for ETH/USDT');
    expect(journalEntries(journal).filter((e) => e.type === 'sessionStarted'), 'the refused start journaled no session').toEqual([]);

    // The fix the refusal names: ETHUSDT's lot in risk.instruments; the journal directory is the same.
    writeFileSync(config, readFileSync(config, 'utf8').replace('  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }\n', '  replayDefaults: { assetClass: crypto, lotSize: 0.00001 }\n  instruments:\n    - { id: 0, symbol: ETHUSDT, assetClass: crypto, lotSize: 0.0001 }\n'));
    const fixed = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], ENV);
    await until('the corrected start reconciled', () => /reconciliation \(start \(paper/.test(fixed.stderr), fixed);
    fixed.proc.kill('SIGINT');
    expect((await fixed.exit).code, fixed.stderr).toBe(0);
    expect(fixed.stderr).not.toContain('not a whole multiple');
    const started = journalEntries(journal).filter((e) => e.type === 'sessionStarted');
    expect(started, 'one session, the corrected one').toHaveLength(1);
    expect(started[0].type === 'sessionStarted' && started[0].pipelineJson, 'its pipeline sizes ETHUSDT in the venue\'s lot').toMatch(/"lotSize":0\.0001[,}]/);
  }, 120_000);

  test('applies to IB sessions: a lot (0.5 shares) that is not a whole multiple of the contract\'s size increment (1) is refused', async () => {
    const { sim, config } = await harness.setupIb('lots-ib', 'cancel');
    writeFileSync(config, readFileSync(config, 'utf8').replace('replayDefaults: { assetClass: equity, lotSize: 1 }', 'replayDefaults: { assetClass: equity, lotSize: 0.5 }'));
    const child = harness.start(['--mode', 'paper', '--config', config, '--no-serve']);
    await until('the start refused (or reconciled)', () => child.proc.exitCode !== null || /reconciliation \(start/.test(child.stderr), child);
    expect(child.stderr, 'refused before reconciliation').not.toMatch(/reconciliation \(start/);
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(1);
    expect(child.stderr).toMatch(/instrument 0 \(AAPL\): the core sizes orders in lots of 0\.5, which is not a whole multiple of \S+'s amount step 1 for AAPL/);
    expect(child.stderr, 'one line, no stack').not.toMatch(/\n\s+at /);
    expect(sim.protocolErrors).toEqual([]);
  }, 120_000);

  test('starts when risk.instruments gives the venue\'s lot (0.0001) or a whole multiple of it', async () => {
    const { sim, config } = await harness.setup('lots-ok', 'cancel', '', 3000, '', '');
    onEth(config, '  instruments:\n    - { id: 0, symbol: ETHUSDT, assetClass: crypto, lotSize: 0.001 }\n');
    sim.trade('ETHUSDT', 3000, 1, sim.now() - 60_000);
    const child = harness.start(['--mode', 'paper', '--config', config, '--no-serve'], ENV);
    for (let waited = 0; waited < 60_000 && !/reconciliation|trading|subscribed/.test(child.stderr); waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(child.stderr).not.toContain('not a whole multiple');
  }, 120_000);
});
