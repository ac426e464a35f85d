// engine/backtest end to end on the real bundled bars: the same data and config give the same
// fills byte for byte whatever the batch size and wait strategy (thread timing), and nothing
// after a time t changes a fill, an order or the equity at or before t (no look-ahead).
import { describe, expect, it, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCsvStream } from '../adapters/files/index.js';
import { loadConfig, type QuantFlowConfig } from '../engine/config/index.js';
import { MemoryStream, computeReport, fillsCsv, formatIsoNs, runBacktest, summariseBacktest, type BacktestRun } from '../engine/backtest/index.js';
import type { OrderCommandRecord } from '../engine/orders/index.js';
import { packageRoot } from '../engine/core/package-root.js';

const ETH = join(packageRoot(), 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const BTC = join(packageRoot(), 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const EMA_CROSS = join(packageRoot(), 'config', 'examples', 'ema-cross.yaml');

let config: QuantFlowConfig;
let eth: MemoryStream;
let btc: MemoryStream;

beforeAll(async () => {
  config = loadConfig({ configFile: EMA_CROSS, env: {} });
  eth = await MemoryStream.load(await openCsvStream(ETH));
  btc = await MemoryStream.load(await openCsvStream(BTC));
});

async function run(streams: MemoryStream[], options: { batch?: number; wait?: 'spin-then-sleep' | 'busy-spin' | 'spin-then-yield'; orders?: OrderCommandRecord[] } = {}): Promise<BacktestRun> {
  return runBacktest({
    streams,
    config,
    equity: 100_000,
    batch: options.batch,
    wait: options.wait,
    listeners: options.orders ? { onOrder: (order) => void options.orders!.push(order) } : undefined,
  });
}

describe('backtest runs', () => {
  it('is not stopped early by a stop asked for once every record was published', async () => {
    let blocks = 0;
    for await (const block of eth.blocks(0)) blocks += block.count > 0 ? 1 : 0;
    // The player asks before each batch it copies (one block each here): the next ask comes after the last record.
    let asks = 0;
    const played = await runBacktest({ streams: [eth], config, equity: 100_000, batch: 65_536, shouldStop: () => ++asks > blocks });
    expect(played.published, 'every record was published').toBe(eth.expectedRows);
    expect(played.stoppedEarly, 'a run that played all its data is not interrupted').toBe(false);
    let early = 0;
    const stopped = await runBacktest({ streams: [eth], config, equity: 100_000, batch: 65_536, shouldStop: () => ++early > 1 });
    expect([stopped.stoppedEarly, stopped.published < eth.expectedRows!], 'a stop before the end is one').toEqual([true, true]);
  });

  it('gives the same fills, byte for byte, whatever the batch size and wait strategy', async () => {
    const base = await run([eth, btc]);
    expect(base.recording.fills.length).toBeGreaterThan(100);
    expect(base.recording.fillsHash).toBe(createHash('sha256').update(fillsCsv(base.recording)).digest('hex'));
    for (const variant of [{ batch: 1 }, { batch: 7, wait: 'busy-spin' as const }, { batch: 65_536, wait: 'spin-then-yield' as const }]) {
      const again = await run([eth, btc], variant);
      expect(again.recording.fillsHash, JSON.stringify(variant)).toBe(base.recording.fillsHash);
      expect(again.recording.equity).toEqual(base.recording.equity);
      expect(again.recording.trades).toEqual(base.recording.trades);
    }
  });

  it('keeps no bars with recordBars false, and everything else as with bars, including the span of the records', async () => {
    const full = await run([eth, btc]);
    const lean = await runBacktest({ streams: [eth, btc], config, equity: 100_000, recordBars: false });
    expect(full.recording.bars.map((bars) => bars.length), 'the default keeps a bar per hour of each instrument').toEqual([17_520, 17_520]);
    expect(lean.recording.bars, 'one empty list per instrument').toEqual([[], []]);
    const { bars: _full, ...rest } = full.recording;
    const { bars: _lean, ...leanRest } = lean.recording;
    expect(leanRest, 'fills, trades, equity, totals, start and end times, fills hash').toStrictEqual(rest);
    expect(lean.recording.startNs < lean.recording.endNs).toBe(true);
  });

  it('records one equity point per bar close, and the fills of both instruments in time order', async () => {
    const result = await run([eth, btc]);
    const { equity, fills, instruments } = result.recording;
    expect(instruments.map((i) => [i.symbol, i.strategy, i.timeframe])).toEqual([['ETHUSDT', 'ema-cross', '1h'], ['BTCUSDT', 'ema-cross', '1h']]);
    expect(equity.length).toBe(17_520);
    for (let i = 1; i < equity.length; i++) expect(equity[i].timeNs > equity[i - 1].timeNs).toBe(true);
    for (let i = 1; i < fills.length; i++) expect(fills[i].timeNs >= fills[i - 1].timeNs).toBe(true);
    expect(new Set(fills.map((f) => f.instrument))).toEqual(new Set([0, 1]));
    expect(result.recording.totals.finalEquity).toBeCloseTo(equity[equity.length - 1].equity, 6);
  });

  it('never lets data after t change a fill, an order or the equity at or before t', async () => {
    const n = eth.expectedRows;
    for (const cut of [40, 2_000, 9_999, 17_000]) {
      const tNs = new DataView(eth.bytes.buffer, eth.bytes.byteOffset).getBigInt64(cut * 64 + 16, true); // close time of bar `cut`
      const perturbed = eth.bytes.slice();
      const view = new DataView(perturbed.buffer);
      let seed = cut;
      for (let r = cut + 1; r < n; r++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        const factor = 0.8 + (seed / 2_147_483_648) * 0.4;
        for (const field of [24, 40, 48, 56]) view.setFloat64(r * 64 + field, view.getFloat64(r * 64 + field, true) * factor, true);
        view.setFloat64(r * 64 + 32, view.getFloat64(r * 64 + 32, true) * (2 - factor), true);
      }
      const changed = MemoryStream.fromRecords(eth, perturbed);
      const ordersA: OrderCommandRecord[] = [];
      const ordersB: OrderCommandRecord[] = [];
      const a = await run([eth], { orders: ordersA });
      const b = await run([changed], { orders: ordersB });
      const upTo = <T extends { timeNs: bigint }>(xs: readonly T[]): T[] => xs.filter((x) => x.timeNs <= tNs);
      expect(upTo(b.recording.fills), `cut ${cut}`).toEqual(upTo(a.recording.fills));
      expect(upTo(b.recording.equity), `cut ${cut}`).toEqual(upTo(a.recording.equity));
      const decidedBy = (orders: OrderCommandRecord[]): OrderCommandRecord[] => orders.filter((o) => o.tsNs <= tNs);
      expect(decidedBy(ordersB), `cut ${cut}`).toEqual(decidedBy(ordersA));
      // ... and the perturbation does change what comes after (the test can fail).
      expect(b.recording.fillsHash).not.toBe(a.recording.fillsHash);
    }
  });

  it('says when the drawdown kill switch tripped and trading stopped (report.json and the summary)', async () => {
    // BTC, one coin per entry, falls 5% below its high-water mark within months: the core trips,
    // flattens and trades nothing more; the run must say so instead of leaving fills that just stop.
    const tight = loadConfig({ configFile: EMA_CROSS, env: { QF_RISK__MAX_DRAWDOWN_PCT: '0.05' } });
    const tripped = await runBacktest({ streams: [btc], config: tight, equity: 100_000 });
    const report = computeReport(tripped.recording);
    const killSwitch = report.account.killSwitch!;
    expect(killSwitch.trips).toBe(1);
    expect(killSwitch.halted).toBe(true);
    const lastFill = tripped.recording.fills[tripped.recording.fills.length - 1];
    expect(Date.parse(killSwitch.lastTrip!) * 1e6).toBeLessThanOrEqual(Number(lastFill.timeNs));
    expect(1 - killSwitch.tripEquity! / killSwitch.highWaterMark!).toBeGreaterThanOrEqual(0.05);
    const summary = summariseBacktest(tripped, { out: '/out', files: [], sources: [] });
    expect(summary.lines.find((line) => line.startsWith('kill switch: TRIPPED'))).toContain(killSwitch.lastTrip!);
    expect((summary.json.account as { killSwitch: unknown }).killSwitch).toEqual(killSwitch);
    expect(killSwitch.openPositionsAtEnd, 'flattened by the trip').toBe(0);
    expect(summary.lines.find((line) => line.startsWith('kill switch: TRIPPED'))).toMatch(/the book was flattened and nothing traded after it$/);

    const calmRun = await run([eth]);
    const calm = computeReport(calmRun.recording).account.killSwitch;
    const open = Math.abs(calmRun.recording.fills.reduce((sum, f) => sum + (f.side === 'buy' ? f.quantity : -f.quantity), 0)) > 1e-9 ? 1 : 0;
    expect(calm).toEqual({ trips: 0, halted: false, lastTrip: null, tripEquity: null, highWaterMark: null, openPositionsAtEnd: open, finalTimePastLimit: null });
  });

  it('tests the data\'s last time like every other: a drawdown past the limit there trips the kill switch, with no bar left to fill the flatten orders', async () => {
    // ETH with a 1% drawdown limit, cut two bars after the first entry and the bar at `crash` closed
    // at a tenth of its price: the long position's loss is past the limit.
    const tight = loadConfig({ configFile: EMA_CROSS, env: { QF_RISK__MAX_DRAWDOWN_PCT: '0.01' } });
    const firstEntry = (await runBacktest({ streams: [eth], config: tight, equity: 100_000 })).recording.fills[0];
    expect(firstEntry.side).toBe('buy');
    const view = new DataView(eth.bytes.buffer, eth.bytes.byteOffset);
    let entryBar = 0;
    while (view.getBigInt64(entryBar * 64 + 16, true) < firstEntry.timeNs) entryBar++;
    const bars = entryBar + 3;
    const crashed = (crash: number): MemoryStream => {
      const bytes = eth.bytes.slice(0, bars * 64);
      const v = new DataView(bytes.buffer);
      for (const field of [24, 48]) v.setFloat64(crash * 64 + field, v.getFloat64(crash * 64 + 24, true) * 0.1, true);
      return MemoryStream.fromRecords(eth, bytes);
    };
    // The crash one bar before the end: the next bar settles it, the switch trips and the next open flattens.
    const before = computeReport((await runBacktest({ streams: [crashed(bars - 2)], config: tight, equity: 100_000 })).recording).account.killSwitch!;
    expect([before.trips, before.openPositionsAtEnd, before.finalTimePastLimit], 'a drawdown past the limit before the last time trips and flattens').toEqual([1, 0, null]);
    // The crash on the last bar: tested 1 ns after the data's last time, it trips too.
    const last = await runBacktest({ streams: [crashed(bars - 1)], config: tight, equity: 100_000 });
    const report = computeReport(last.recording);
    const killSwitch = report.account.killSwitch!;
    const rows = last.recording.equity;
    const final = rows[rows.length - 1];
    expect([killSwitch.trips, killSwitch.halted], 'the last time past the limit trips the switch').toEqual([1, true]);
    expect(killSwitch.finalTimePastLimit, 'nothing is left untested').toBeNull();
    expect(killSwitch.lastTrip, '1 ns after the data\'s last time').toBe(formatIsoNs(final.timeNs + 1n));
    expect(killSwitch.tripEquity, 'the trip equity is the last row of the equity series').toBe(final.equity);
    expect(killSwitch.tripEquity, 'and the final equity').toBe(report.account.finalEquity);
    expect(killSwitch.highWaterMark).toBe(Math.max(100_000, ...rows.slice(0, -1).map((p) => p.equity)));
    expect(1 - killSwitch.tripEquity! / killSwitch.highWaterMark!, 'the drawdown report.json gives').toBe(report.account.drawdown.maxDrawdown);
    expect(killSwitch.openPositionsAtEnd, 'no bar was left to fill the flatten order').toBe(1);
    const summary = summariseBacktest(last, { out: '/out', files: [], sources: [] });
    expect(summary.lines.find((line) => line.startsWith('kill switch:')), 'the summary says the trip and the open position')
      .toMatch(/^kill switch: TRIPPED .*: flatten orders were sent, but the data ended before they filled: 1 position\(s\) still open at the end/);
    expect((summary.json.account as { killSwitch: unknown }).killSwitch).toEqual(killSwitch);
  });

  it('trips the kill switch against the equity series it records: the high-water mark is its highest row and the trip equity a row', async () => {
    // The paper demo (config/examples/paper-demo.yaml) over the three bundled instruments, whose 1h
    // bars share close times: the core marks them one after the other, and the equity between two
    // marks (one at its new close, the others at their old) never appears in equity.csv. The switch
    // tripped against a high-water mark of 107,329.29 while the series peaked at 107,180.66.
    const demo = loadConfig({ configFile: join(packageRoot(), 'config', 'examples', 'paper-demo.yaml'), env: {} });
    const sol = await MemoryStream.load(await openCsvStream(join(packageRoot(), 'data', 'binance_spot_SOLUSDT_1h_2024-04-16_2026-04-16.csv')));
    const result = await runBacktest({ streams: [btc, eth, sol], config: demo, equity: 100_000 });
    const { equity } = result.recording;
    const killSwitch = computeReport(result.recording).account.killSwitch!;
    expect(killSwitch.trips, 'the demo trips its 15% drawdown limit').toBe(1);
    const tripNs = BigInt(Date.parse(killSwitch.lastTrip!)) * 1_000_000n;
    const before = equity.filter((point) => point.timeNs < tripNs).map((point) => point.equity);
    expect(killSwitch.highWaterMark, 'the high-water mark is the highest equity the series recorded before the trip').toBe(Math.max(100_000, ...before));
    expect(before.includes(killSwitch.tripEquity!), `the trip equity ${killSwitch.tripEquity} is a row of the series before the trip`).toBe(true);
    expect(1 - killSwitch.tripEquity! / killSwitch.highWaterMark!, 'and at least the 15% drawdown from it').toBeGreaterThanOrEqual(0.15);
  });

  it('tells a bar file with no volume column (volume unknown: no cap, said in the summary) from bars with volume 0 (nothing traded: nothing fills)', async () => {
    // The paper demo's venue caps each bar's fills at 10% of its volume (venue.costs.participation 0.1).
    const demo = loadConfig({ configFile: join(packageRoot(), 'config', 'examples', 'paper-demo.yaml'), env: {} });
    const dir = mkdtempSync(join(tmpdir(), 'qf-volume-'));
    try {
      const lines = readFileSync(BTC, 'utf8').split('\n').slice(0, 2001);
      const meta = JSON.stringify({ kind: 'bars', barStamp: 'open', symbol: 'BTCUSDT', barInterval: '1h' });
      const cut = (line: string, volume: (cells: string[]) => string[]): string => volume(line.split(',')).join(',');
      const files = {
        none: lines.map((line) => cut(line, (cells) => cells.slice(0, 5))),
        zero: lines.map((line, i) => cut(line, (cells) => (i === 0 ? cells : [...cells.slice(0, 5), '0']))),
      };
      const runs: Record<string, BacktestRun> = {};
      for (const [name, rows] of Object.entries(files)) {
        const file = join(dir, `${name}.csv`);
        writeFileSync(file, `${rows.join('\n')}\n`);
        writeFileSync(`${file}.meta.json`, meta);
        runs[name] = await runBacktest({ streams: [await MemoryStream.load(await openCsvStream(file))], config: demo, equity: 100_000 });
      }
      const summary = (run: BacktestRun): string[] => summariseBacktest(run, { out: '/out', files: [], sources: [] }).lines;
      expect(runs.none.recording.fills.length, 'no volume column: the strategy trades, uncapped').toBeGreaterThan(10);
      expect(runs.none.execution!.instruments[0].unknownVolumeBars, 'every bar had an unknown volume').toBe(2000);
      expect(summary(runs.none).find((line) => line.startsWith('venue: BTCUSDT: volume unknown on 2,000 bars')), 'the summary says the volume was unknown').toBeDefined();
      expect(runs.zero.execution!.orders.sent, 'volume 0 on every bar: the strategy still sends orders').toBeGreaterThan(0);
      expect(runs.zero.recording.fills, 'bars that traded nothing fill nothing under the participation cap').toEqual([]);
      expect(runs.zero.execution!.instruments[0].unknownVolumeBars, 'a volume of 0 is known').toBe(0);
      expect(summary(runs.zero).some((line) => line.startsWith('venue:')), 'nothing to say about unknown volume').toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the account\'s fees in the account currency when an instrument is quoted in another', async () => {
    // ETH quoted in EUR at 1.25 USD: each fill's fee (fills.csv, quote currency) is EUR; the account's total is USD.
    const euro = loadConfig({
      configFile: EMA_CROSS,
      env: {
        QF_ACCOUNT__CURRENCIES: '[{ code: EUR, rate: 1.25 }]',
        QF_RISK__INSTRUMENTS: '[{ id: 0, symbol: ETHUSDT, assetClass: crypto, lotSize: 0.001, quoteCurrency: EUR }]',
      },
    });
    const quoted = await runBacktest({ streams: [eth], config: euro, equity: 100_000 });
    const feesInEuro = quoted.recording.fills.reduce((sum, fill) => sum + fill.fee, 0);
    expect(feesInEuro).toBeGreaterThan(0);
    expect(quoted.recording.totals.fees, 'the fills\' EUR fees at 1.25 USD per EUR').toBeCloseTo(feesInEuro * 1.25, 6);
    expect(computeReport(quoted.recording).account.fees).toBeCloseTo(feesInEuro * 1.25, 6);
    expect(computeReport(quoted.recording).byInstrument.ETHUSDT.fees, 'the instrument\'s own line stays in its quote currency').toBeCloseTo(feesInEuro, 6);
  });

  it('says which checks refused the orders it counts as refused (summary and --json)', async () => {
    // A daily-loss limit of 0.01%: after the first losing hour of a UTC day, the day's entries are denied.
    const tight = loadConfig({ configFile: EMA_CROSS, env: { QF_RISK__DAILY_LOSS_PCT: '0.0001' } });
    const denied = await runBacktest({ streams: [eth], config: tight, equity: 100_000 });
    const refused = denied.execution!.orders.refused;
    expect(refused).toBeGreaterThan(0);
    expect(denied.refusals, 'every refusal has its reason').toEqual({ DAILY_LOSS: refused });
    const summary = summariseBacktest(denied, { out: '/out', files: [], sources: [] });
    expect(summary.lines.find((line) => line.startsWith('orders:'))).toContain(`${refused.toLocaleString('en-US')} refused by the checks (DAILY_LOSS ${refused.toLocaleString('en-US')}); `);
    expect(summary.json.refusedBy).toEqual({ DAILY_LOSS: refused });
  });

  it('runs two instruments with exits as each runs alone: no exit judged stale because the other\'s bar of the same close moved the clock', async () => {
    // ETH and BTC 1h bars share every close time, and the core takes them one after the other.
    // A market entry fills at the next bar's open and the venue reports it at that bar's close,
    // before the bar is marked; the second instrument's fill is applied after the first one's
    // bar moved the risk clock to that close, so its stop and profit tier were deferred as stale
    // (DEFERRED_STALE_PRICE) though its own bar of that close was in hand. A fixed quantity keeps
    // the two instruments from interacting, so each must trade exactly as it does alone.
    const dir = mkdtempSync(join(tmpdir(), 'qf-exits-two-'));
    try {
      const file = join(dir, 'exits.yaml');
      writeFileSync(file, [
        'strategies:',
        '  - { name: ema-cross, type: rules, long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }, size: { quantity: 0.1 } }',
        'execution: { noTradeBand: { equityPct: 0, positionPct: 0 }, confirmBars: 1 }',
        'exits: { stopPct: 0.02, trailPct: 0.03, targets: [ { pct: 0.04, fraction: 0.5 } ] }',
        'risk: { maxPositionPct: 1.0, maxAssetClassPct: 1.0, replayDefaults: { assetClass: crypto, lotSize: 0.001 } }',
        'venue: { mode: bars, costs: { makerFee: 0.001, takerFee: 0.001, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, participation: 0 } }',
        '',
      ].join('\n'));
      const withExits = loadConfig({ configFile: file, env: {} });
      const backtest = async (streams: MemoryStream[]) => {
        const orders: OrderCommandRecord[] = [];
        const result = await runBacktest({ streams, config: withExits, equity: 100_000, listeners: { onOrder: (order) => void orders.push(order) } });
        return { result, orders };
      };
      /** Per symbol: its fills and the orders it sent (decision time, type, rule, quantity, prices), ids left out (they count across instruments). */
      const bySymbol = ({ result, orders }: Awaited<ReturnType<typeof backtest>>) => Object.fromEntries(result.recording.instruments.map((instrument, id) => [instrument.symbol, {
        fills: result.recording.fills.filter((fill) => fill.instrument === id).map(({ orderId: _id, instrument: _i, ...fill }) => fill),
        orders: orders.filter((order) => order.instrument === id).map((order) => [order.tsNs, order.orderType, order.rule, order.qty, order.limitPrice, order.stopPrice]),
      }]));
      const together = await backtest([eth, btc]);
      expect(together.result.refusals, 'no order refused or deferred by the checks').toEqual({});
      expect(together.result.execution!.orders.refused).toBe(0);
      const summary = summariseBacktest(together.result, { out: '/out', files: [], sources: [] });
      expect(summary.lines.find((line) => line.startsWith('orders:'))).toContain(' 0 refused by the checks; ');
      const joint = bySymbol(together);
      for (const stream of [eth, btc]) {
        const alone = await backtest([stream]);
        expect(alone.result.refusals, 'alone: no refusal either').toEqual({});
        const [symbol, own] = Object.entries(bySymbol(alone))[0];
        const exitFills = own.fills.filter((fill) => fill.side === 'sell').length;
        expect(exitFills, `${symbol}: the exits fill (stops, trails and tiers as well as the strategy's closes)`).toBeGreaterThan(own.orders.filter((order) => order[2] === 0 && (order[3] as number) < 0).length);
        expect(joint[symbol].fills, `${symbol}: the same fills (time, side, quantity, price, fee) alone and together`).toEqual(own.fills);
        expect(joint[symbol].orders, `${symbol}: the same orders at the same decision times alone and together`).toEqual(own.orders);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says when a venue cost override names no instrument of the run (a typo would leave its costs unapplied)', async () => {
    const overridden = loadConfig({ configFile: EMA_CROSS, env: { QF_VENUE__INSTRUMENTS: '[{ symbol: ETHUSD, takerFee: 0.05 }, { symbol: ETHUSDT, makerFee: 0.002 }]' } });
    const lines: string[] = [];
    await runBacktest({ streams: [eth], config: overridden, equity: 100_000, recordBars: false, log: (line) => void lines.push(line) });
    expect(lines.filter((line) => line.includes('venue.instruments')), 'ETHUSD is named, ETHUSDT (traded) is not').toEqual([
      'venue: venue.instruments overrides the costs of ETHUSD, not an instrument of this run (ETHUSDT): those overrides apply to nothing',
    ]);
  });

  it('says when entries joined another order\'s lot (too many open lots), which makes the trade list approximate', async () => {
    // Half the equity in ETH, re-sized every bar: each fall adds a small buy, each its own lot, until the instrument holds its most lots.
    const strategies = [{ name: 'half-eth', type: 'rules', long: { entry: 'close > 0', exit: 'close < 0' }, size: { equityFraction: 0.5 } }];
    const resized = loadConfig({
      configFile: EMA_CROSS,
      env: { QF_STRATEGIES: JSON.stringify(strategies), QF_RISK__MIN_NOTIONAL: '0', QF_RISK__REPLAY_DEFAULTS__LOT_SIZE: '0.0001' },
    });
    const merged = await runBacktest({ streams: [eth], config: resized, equity: 100_000, recordBars: false });
    const merges = merged.execution!.lotMerges;
    expect(merges, 'the core joined entries to lots of other orders').toBeGreaterThan(0);
    const summary = summariseBacktest(merged, { out: '/out', files: [], sources: [] });
    expect(summary.lines.find((line) => line.startsWith('note:'))).toBe(
      `note: ${merges.toLocaleString('en-US')} entries joined an open lot of another order (an instrument held more than 60 lots at once): ` +
        'trades.csv pairs them at the joined average price and time, so per-trade figures (win rate, profit factor, expectancy) are approximate; the equity is exact',
    );
    expect(summary.json.lotMerges).toBe(merges);
    const quiet = summariseBacktest(await run([eth]), { out: '/out', files: [], sources: [] });
    expect(quiet.lines.some((line) => line.startsWith('note:')), 'ema-cross holds one lot at a time: no note').toBe(false);
  });

  it('says why a run sent no orders when the risk limits left no whole lot to trade', async () => {
    // BTC in lots of 1: one coin (~60,000) is more than risk.maxPositionPct 0.25 of 100,000 allows, so every target is cut to nothing.
    const wholeCoins = loadConfig({ configFile: EMA_CROSS, env: { QF_RISK__MAX_POSITION_PCT: '0.25', QF_RISK__REPLAY_DEFAULTS__LOT_SIZE: '1' } });
    const none = await runBacktest({ streams: [btc], config: wholeCoins, equity: 100_000, recordBars: false });
    expect(none.execution!.orders.sent).toBe(0);
    expect(none.pipeline.limitSkips).toBeGreaterThan(0);
    const summary = summariseBacktest(none, { out: '/out', files: [], sources: [] });
    expect(summary.lines.find((line) => line.startsWith('orders:'))).toBe(
      `orders: 0 sent, 0 filled, 0 canceled, 0 rejected, 0 expired, 0 refused by the checks; 0 fills; not traded: ${none.pipeline.limitSkips.toLocaleString('en-US')} target changes ` +
        'the risk limits cut to less than a lot (risk.maxPositionPct, maxAssetClassPct, maxGrossExposure, maxLeverage or minNotional against the lot size)',
    );
    expect(summary.json.notTraded).toEqual({ noTradeBand: 0, confirmation: 0, riskLimits: none.pipeline.limitSkips });
  });

  it('says why a run sent no orders when the no-trade band kept every target change out', async () => {
    // The default band (10% of equity) is wider than one ETH (~3% of 100,000): nothing trades.
    const strategies = [{ name: 'one-eth', type: 'rules', long: { entry: 'ema:10 >= ema:20', exit: 'ema:10 < ema:20' }, size: { quantity: 1 } }];
    const banded = loadConfig({ env: { QF_STRATEGIES: JSON.stringify(strategies) } });
    const quiet = await runBacktest({ streams: [eth], config: banded, equity: 100_000 });
    expect(quiet.execution!.orders.sent).toBe(0);
    expect(quiet.pipeline.bandSkips).toBeGreaterThan(0);
    const summary = summariseBacktest(quiet, { out: '/out', files: [], sources: [] });
    const orders = summary.lines.find((line) => line.startsWith('orders:'))!;
    expect(orders).toBe(`orders: 0 sent, 0 filled, 0 canceled, 0 rejected, 0 expired, 0 refused by the checks; 0 fills; not traded: ${quiet.pipeline.bandSkips.toLocaleString('en-US')} target changes inside the no-trade band (execution.noTradeBand)`);
    expect(summary.json.notTraded).toEqual({ noTradeBand: quiet.pipeline.bandSkips, confirmation: quiet.pipeline.confirmSkips, riskLimits: 0 });
  });
});
