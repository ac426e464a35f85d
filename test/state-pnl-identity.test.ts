// The state topic's P&L reconciles with the account: equity - starting cash = realizedPnl +
// unrealizedPnl, with open lots at the end of the run. An open lot's entry fee is in its
// position's unrealised P&L (backtesting.py's open Trade.pl: mark-to-market less the entry
// commission) and moves to realised (the round trip's net P&L) when the lot closes; funding
// paid is realised. A real EngineHost run: the EMA 10/20 cross on the bundled ETH bars, fees
// and funding on, the simulated venue in the core, the EngineStateSource the server streams.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBarsCsv, type BarSeries } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { loadConfig } from '../engine/config/index.js';
import { buildBarReplayTape, barIntervalNs, instrumentNames, playTape, timeframeOfInterval, tradingPipeline } from '../engine/replay/index.js';
import { EngineHost } from '../engine/threads/index.js';
import type { VenueReply } from '../engine/venue/index.js';
import type { RoundTrip } from '../engine/portfolio/index.js';
import type { StateView } from '../engine/client/index.js';
import { EngineStateSource, mergeOutboundListeners } from '../engine/server/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-state-pnl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASH = 100_000;

/** The EMA cross over the first `bars` bundled ETH bars; `funding` adds a perpetual's funding rate per 8 h. */
async function run(bars: number, funding: number) {
  const ethFile = defaultBarFiles().find((file) => file.includes('ETHUSDT'))!;
  const series = (await loadBarsCsv(ethFile)).series;
  const cut: BarSeries = { ...series, length: bars } as BarSeries;
  const tape = buildBarReplayTape([cut], instrumentNames([ethFile]));
  const configFile = path.join(dir, `ema-${bars}-${funding}.yaml`);
  writeFileSync(configFile, [
    'execution:', '  noTradeBand: { equityPct: 0, positionPct: 0 }', '  confirmBars: 1',
    'strategies:', '  - name: ema-cross', '    type: rules', '    instruments: [ETHUSDT]',
    '    long: { entry: "ema:10 >= ema:20", exit: "ema:10 < ema:20" }', '    size: { quantity: 3 }',
    'venue:', '  costs: { makerFee: 0.002, takerFee: 0.004 }',
    ...(funding !== 0 ? ['risk:', '  replayDefaults: { assetClass: crypto, lotSize: 0.0001, settlement: margin, fundingRate: ' + funding + ', fundingIntervalHours: 8 }'] : []),
    '',
  ].join('\n'));
  const planned = tradingPipeline({
    config: loadConfig({ env: {}, configFile }), instrumentNames: tape.instrumentNames, timeframes: [timeframeOfInterval(barIntervalNs(series))],
    indicators: [], equity: CASH, startNs: tape.tsExchange[0], halted: false, simulate: true,
  });
  const source = new EngineStateSource({ instruments: [{ instrument: 0, symbol: tape.instrumentNames[0] }], mode: 'backtest', throttleMs: 10_000, startingCash: CASH });
  const fills: { qty: number; fee: number }[] = [];
  const trips: RoundTrip[] = [];
  const host = await EngineHost.start({
    pipeline: planned.spec,
    ...mergeOutboundListeners(source.listeners(), {
      onVenueReport: (r: VenueReply) => { if (r.type === 'fill') fills.push({ qty: r.qty, fee: r.fee }); },
      onRoundTrip: (trip: RoundTrip) => { trips.push(trip); },
    }),
  });
  try {
    source.attach(host);
    await playTape(tape, host, { batch: 256, rate: 0, shouldStop: () => false });
    await host.drainAndStop();
    source.tick(true);
    const state = source.snapshot('state') as StateView;
    source.detach();
    return { state, fills, trips };
  } finally {
    await host.terminate();
  }
}

describe('state topic P&L', () => {
  it('reconciles equity - starting cash with realised + unrealised when lots are open at the end, the entry fees of open lots in unrealised', async () => {
    // 1,470 bars end inside a long (checked below): its lot is open with its entry fee paid.
    const { state, fills, trips } = await run(1470, 0);
    const position = state.positions[0];
    expect(trips.length, 'the strategy closed trades').toBeGreaterThan(5);
    expect(position.quantity, 'a lot is open at the end').toBeGreaterThan(0);
    const fees = fills.reduce((sum, f) => sum + f.fee, 0);
    const closedFees = trips.reduce((sum, t) => sum + t.entryFees + t.exitFees, 0);
    const openFees = fees - closedFees;
    expect(openFees, 'the open lot paid an entry fee').toBeGreaterThan(1);
    expect(state.equity - CASH, 'equity change = realised + unrealised').toBeCloseTo(state.realizedPnl + state.unrealizedPnl, 6);
    expect(state.realizedPnl, 'realised = the closed round trips\' net P&L').toBeCloseTo(trips.reduce((sum, t) => sum + t.netPnl, 0), 6);
    expect(position.unrealizedPnl, 'unrealised = mark-to-market less the open lot\'s entry fee')
      .toBeCloseTo(position.quantity * (position.markPrice - position.averagePrice) - openFees, 6);
    expect(position.realizedPnl, 'the position\'s realised is the account\'s (one instrument)').toBeCloseTo(state.realizedPnl, 9);
  }, 120_000);

  it('counts funding paid in realised P&L, so the identity holds for a perpetual', async () => {
    const { state, trips } = await run(1470, 0.0005);
    expect(state.positions[0].quantity, 'a lot is open at the end').toBeGreaterThan(0);
    const netTrips = trips.reduce((sum, t) => sum + t.netPnl, 0);
    expect(state.equity - CASH, 'equity change = realised + unrealised').toBeCloseTo(state.realizedPnl + state.unrealizedPnl, 6);
    expect(netTrips - state.realizedPnl, 'funding paid by the longs is realised').toBeGreaterThan(1);
  }, 120_000);
});
