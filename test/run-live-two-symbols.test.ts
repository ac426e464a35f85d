// `quantflow run --mode live` on two Binance symbols, whose trade ids the venue numbers per symbol
// (the simulator too: BTCUSDT's and ETHUSDT's ids overlap, and here BTC's run far ahead). A fill
// the first process never heard of, on the symbol with the lower ids, must be recovered at the
// restart: the journal's last fill id of the other symbol says nothing of this one's. Before, the
// restart asked every symbol for trades above the largest journaled id, found none, and stopped
// on the position mismatch at every start after.
// Also: a journal keeps its instrument list (engine/live journal-instruments.ts): a restart whose
// live.instruments maps the journal's instrument ids to other symbols is refused, and so is one
// whose journal lost the list (it was recorded anew from live.instruments, any list passing).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { EV_B, EV_INSTRUMENT, EV_KIND, EventKind, KIND_MASK } from '../engine/layout/event-record.js';
import { TEST_API_KEY, TEST_SECRET } from './venues/binance-sim/index.js';
import { journalEntries, PATH, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());
const ENV = { TEST_BINANCE_KEY: TEST_API_KEY, TEST_BINANCE_SECRET: TEST_SECRET };

describe('quantflow run --mode live on two symbols with per-symbol trade ids', () => {
  test('kill -9 after the venue filled an order of the symbol with the lower trade ids: the restart recovers that fill, once, and the positions agree', async () => {
    // ETHUSDT trades in steps of 0.0001 at the simulator: its lot is given (the replay default, 0.00001, is refused).
    const { sim, config, journal, startTime } = await harness.setup('two-symbols', 'keep', '', 3000, '', '  instruments:\n    - { id: 1, symbol: ETHUSDT, assetClass: crypto, lotSize: 0.0001 }\n');
    writeFileSync(config, readFileSync(config, 'utf8')
      .replace('    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n', '    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n    - { symbol: ETH/USDT, channel: bars, timeframe: 1m }\n')
      .replace('    size: { quantity: 0.01 }\n', '    size: { quantity: 0.01 }\n    instruments: [BTCUSDT]\n  - name: eth-cross\n    type: rules\n    long: { entry: "ema:2 >= ema:4", exit: "ema:2 < ema:4" }\n    size: { quantity: 0.1 }\n    instruments: [ETHUSDT]\n'));
    // BTC's trade ids run far ahead of ETH's, as on Binance (trades on the REST tape, never streamed).
    sim.book.skipTradeIds('BTCUSDT', 500, startTime - 60_000);
    sim.trade('ETHUSDT', 3000, 1, startTime - 60_000);
    // The ETH order executes at the venue, but its answer and reports never reach the session.
    let armed = false;
    const submit = sim.book.submit.bind(sim.book);
    sim.book.submit = (...args: Parameters<typeof submit>) => {
      if (armed && args[0].symbol === 'ETHUSDT') {
        armed = false;
        sim.faults.dropNextOrderResponse = true;
        sim.faults.holdReports = true;
        sim.faults.rateLimit = { count: 1_000_000, status: 429, retryAfterSeconds: 30 };
      }
      return submit(...args);
    };

    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(first.stderr), first);
    await until('both kline streams', () => sim.subscribed('btcusdt@kline_1m') && sim.subscribed('ethusdt@kline_1m'), first);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 8), { startTime, intervalMs: 60 }).done;
    await until('the BTC buy filled and journaled', () => journalEntries(journal).some((e) => e.type === 'inbound' && fillOf(e.record)?.instrument === 0), first);
    armed = true;
    const eth = sim.playPath('ETHUSDT', [3000, 3010, 3020, 3030, 3040, 3050, 3060, 3070], { startTime, intervalMs: 60 });
    await until('the ETH order at the venue', () => sim.book.orders.some((o) => o.symbol === 'ETHUSDT' && o.status === 'FILLED'), first);
    first.proc.kill('SIGKILL');
    await first.exit;
    await eth.done;
    sim.faults.rateLimit = null;
    sim.faults.holdReports = false;
    const ethTradeIds = sim.book.orders.filter((o) => o.symbol === 'ETHUSDT').flatMap((o) => o.fills.map((f) => f.tradeId));
    const btcTradeIds = sim.book.orders.filter((o) => o.symbol === 'BTCUSDT').flatMap((o) => o.fills.map((f) => f.tradeId));
    expect(Math.max(...ethTradeIds), 'the ETH fill has a lower trade id than the journaled BTC fill').toBeLessThan(Math.min(...btcTradeIds));
    expect(journalEntries(journal).some((e) => e.type === 'inbound' && fillOf(e.record)?.instrument === 1), 'the first process journaled no ETH fill').toBe(false);

    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the restart reconciliation', () => /reconciliation \(start\)/.test(second.stderr) || second.proc.exitCode !== null, second);
    expect(second.stderr).toMatch(/reconciliation \(start\): 1 missed fills, [^\n]*0 UNCERTAIN, [^\n]*0 position mismatches/);
    await new Promise((r) => setTimeout(r, 500));
    second.proc.kill('SIGINT');
    const { code } = await second.exit;
    expect(code, second.stderr).toBe(0);
    const book = (JSON.parse(second.stdout.trim().split('\n').pop()!) as { book: { positions: { instrument: number; position: number }[] } }).book;
    expect(book.positions.find((p) => p.instrument === 0)?.position).toBeCloseTo(0.01, 8);
    expect(book.positions.find((p) => p.instrument === 1)?.position).toBeCloseTo(0.1, 8);
    const ethFills = journalEntries(journal).filter((e) => e.type === 'inbound').map((e) => fillOf(e.record)).filter((f) => f?.instrument === 1);
    expect(ethFills.map((f) => f!.fillId), 'the ETH fill journaled once, under its trade id').toEqual(ethTradeIds);
    expect(sim.duplicateSubmissions()).toEqual([]);
  }, 120_000);
});

describe('quantflow run --mode live: a journal keeps its instrument list', () => {
  test('a restart with live.instruments changed (a symbol added in front) is refused before anything is sent', async () => {
    const { sim, config } = await harness.setup('remap', 'keep');
    const original = readFileSync(config, 'utf8');
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(first.stderr), first);
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
    // ETH/USDT added in front: id 0 would be ETH/USDT while the journal's pipeline trades id 0 as BTC/USDT.
    writeFileSync(config, original
      .replace('    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n', '    - { symbol: ETH/USDT, channel: bars, timeframe: 1m }\n    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n')
      .replace('    size: { quantity: 0.01 }\n', '    size: { quantity: 0.01 }\n    instruments: [BTCUSDT]\n  - name: eth-cross\n    type: rules\n    long: { entry: "ema:2 >= ema:4", exit: "ema:2 < ema:4" }\n    size: { quantity: 0.5 }\n    instruments: [ETHUSDT]\n'));
    const requestsBefore = sim.requests.length;
    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    const { code } = await second.exit;
    expect(code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/live\.instruments is 0=ETH\/USDT bars 1m, 1=BTC\/USDT bars 1m, but journal .* trades 0=BTC\/USDT bars 1m: .*give the new list a new journal/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(sim.requests.slice(requestsBefore), 'nothing reached the venue').toEqual([]);
  }, 120_000);

  test('a restart whose journal lost its instruments.json is refused, not given the new list', async () => {
    const { sim, config, journal } = await harness.setup('list-lost', 'keep');
    const original = readFileSync(config, 'utf8');
    const first = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    await until('the start reconciliation', () => /reconciliation \(start\)/.test(first.stderr), first);
    first.proc.kill('SIGINT');
    expect((await first.exit).code, first.stderr).toBe(0);
    // The list is lost (deleted; a backup of data.mdb alone), and live.instruments now has ETH/USDT in front.
    rmSync(path.join(journal, 'instruments.json'));
    writeFileSync(config, original
      .replace('    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n', '    - { symbol: ETH/USDT, channel: bars, timeframe: 1m }\n    - { symbol: BTC/USDT, channel: bars, timeframe: 1m }\n')
      .replace('    size: { quantity: 0.01 }\n', '    size: { quantity: 0.01 }\n    instruments: [BTCUSDT]\n  - name: eth-cross\n    type: rules\n    long: { entry: "ema:2 >= ema:4", exit: "ema:2 < ema:4" }\n    size: { quantity: 0.5 }\n    instruments: [ETHUSDT]\n'));
    const requestsBefore = sim.requests.length;
    const second = harness.start(['--mode', 'live', '--config', config, '--i-understand-live'], ENV);
    const { code } = await second.exit;
    expect(code, second.stderr).toBe(2);
    expect(second.stderr).toContain(`journal ${journal} has sessions but its instrument list ${path.join(journal, 'instruments.json')} is missing`);
    expect(second.stderr).toMatch(/restore instruments\.json from a backup .*or give this session a new journal/);
    expect(existsSync(path.join(journal, 'instruments.json')), 'the new list was not recorded in its place').toBe(false);
    expect(sim.requests.slice(requestsBefore), 'nothing reached the venue').toEqual([]);
  }, 120_000);
});

function fillOf(record: Uint8Array | undefined): { instrument: number; fillId: number } | undefined {
  if (record === undefined) return undefined;
  const view = new DataView(record.buffer, record.byteOffset, 64);
  if ((view.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.FILL) return undefined;
  return { instrument: view.getInt32(EV_INSTRUMENT, true), fillId: view.getFloat64(EV_B, true) };
}
