// The one-screen summary `quantflow backtest` prints when a run ends (and its --json form):
// the data and speed, the orders and fills (and why orders were canceled, rejected or expired,
// when any were), the account's metrics from report.json, each
// instrument's line, what the sources reported (skipped rows, duplicates, gaps), the fills
// hash and where the outputs went.
import { computeReport, type BacktestReport } from './report/index.js';
import type { BacktestRun } from './run-backtest.js';
import { modelSummaryLines } from './backtest-model.js';
import { LOTS_PER_INSTRUMENT_MAX } from '../portfolio/index.js';

export interface BacktestSummary {
  readonly lines: string[];
  readonly json: Record<string, unknown>;
}

export interface SummaryContext {
  readonly out: string;
  readonly files: readonly string[];
  readonly sources: readonly string[];
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (x: number): string => x.toLocaleString('en-US');

function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

/** Why orders were refused: the checks' reasons with their counts (` (PRICE_BAND 3, MIN_NOTIONAL 1)`), or nothing. */
function refusedBy(run: BacktestRun): string {
  const parts = Object.entries(run.refusals).map(([reason, n]) => `${reason} ${count(n)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `N canceled (unfilled 2, requested 1)` for each of canceled, rejected and expired that any order ended, or '' when none did. */
function endedUnfilled(report: BacktestReport): string {
  const orders = report.orders;
  if (orders === null) return '';
  const parts = (['canceled', 'rejected', 'expired'] as const)
    .filter((how) => orders[how].count > 0)
    .map((how) => {
      const reasons = Object.entries(orders[how].byReason).map(([reason, n]) => `${reason} ${count(n)}`);
      return `${count(orders[how].count)} ${how}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
    });
  return parts.join(', ');
}

/** Target changes the order stage did not trade (execution.noTradeBand, execution.confirmBars): why a run can send few or no orders. */
function notTraded(run: BacktestRun): string {
  const { bandSkips, confirmSkips, limitSkips } = run.pipeline;
  const parts = [
    bandSkips > 0 ? `${count(bandSkips)} target changes inside the no-trade band (execution.noTradeBand)` : '',
    limitSkips > 0 ? `${count(limitSkips)} target changes the risk limits cut to less than a lot (risk.maxPositionPct, maxAssetClassPct, maxGrossExposure, maxLeverage or minNotional against the lot size)` : '',
    confirmSkips > 0 ? `${count(confirmSkips)} waiting for confirmation (execution.confirmBars)` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? `; not traded: ${parts.join(', ')}` : '';
}

export function summariseBacktest(run: BacktestRun, context: SummaryContext): BacktestSummary {
  const { recording } = run;
  const report: BacktestReport = computeReport(recording);
  const a = report.account;
  const seconds = Number(run.elapsedNs) / 1e9;
  const orders = run.execution?.orders;
  const lines = [
    `backtest: ${recording.instruments.map((i) => `${i.symbol} (${i.timeframe ?? '?'}${i.strategy ? `, ${i.strategy}` : ''})`).join(', ')}; ${report.period.start} .. ${report.period.end}`,
    `${run.stoppedEarly ? 'INTERRUPTED after ' : ''}${count(run.published)} events through the engine thread in ${seconds.toFixed(2)} s: ${rate(run.eventsPerSecond)} events/s`,
    orders
      ? `orders: ${count(orders.sent)} sent, ${count(orders.filled)} filled, ${count(orders.canceled)} canceled, ${count(orders.rejected)} rejected, ${count(orders.expired)} expired, ${count(orders.refused)} refused by the checks${refusedBy(run)}; ${count(recording.fills.length)} fills${notTraded(run)}`
      : 'orders: none (no strategy)',
    `equity: ${money(a.startingCash)} -> ${money(a.finalEquity)} (${pct(a.totalReturn)}); CAGR ${pct(a.cagr)}, volatility ${pct(a.annualisedVolatility)}, Sharpe ${num(a.sharpe)}, Sortino ${num(a.sortino)}, Calmar ${num(a.calmar)}`,
    `drawdown: max ${pct(a.drawdown.maxDrawdown)} over ${num(a.drawdown.durationDays, 1)} days${a.drawdown.recovered ? '' : ' (not recovered)'}; exposure ${pct(a.exposure)}, turnover ${num(a.turnover)}x`,
    `trades: ${count(a.trades)} round trips, win rate ${pct(a.winRate)}, profit factor ${num(a.profitFactor)}, expectancy ${num(a.expectancy)}; fees ${money(a.fees)}, slippage ${money(a.slippage)}, funding ${money(a.funding)}`,
  ];
  const unfilled = endedUnfilled(report);
  if (unfilled !== '') lines.splice(3, 0, `orders canceled, rejected or expired: ${unfilled} (report.json orders.*.byReason)`);
  const lotMerges = run.execution?.lotMerges ?? 0;
  if (lotMerges > 0) {
    lines.push(
      `note: ${count(lotMerges)} entries joined an open lot of another order (an instrument held more than ${LOTS_PER_INSTRUMENT_MAX} lots at once): ` +
        'trades.csv pairs them at the joined average price and time, so per-trade figures (win rate, profit factor, expectancy) are approximate; the equity is exact',
    );
  }
  const killSwitch = a.killSwitch;
  if (killSwitch !== null && killSwitch.trips > 0) {
    const drawdown = killSwitch.highWaterMark !== null && killSwitch.tripEquity !== null && killSwitch.highWaterMark > 0 ? 1 - killSwitch.tripEquity / killSwitch.highWaterMark : null;
    lines.push(
      `kill switch: TRIPPED ${killSwitch.lastTrip ?? ''} (equity ${money(killSwitch.tripEquity ?? 0)}, ${pct(drawdown)} below the high-water mark ${money(killSwitch.highWaterMark ?? 0)}; risk.maxDrawdownPct): ` +
        `${!killSwitch.halted ? 'the book was flattened, then reset'
          : killSwitch.openPositionsAtEnd > 0 ? `flatten orders were sent, but the data ended before they filled: ${count(killSwitch.openPositionsAtEnd)} position(s) still open at the end, marked at the last price`
          : 'the book was flattened and nothing traded after it'}`,
    );
  }
  const past = killSwitch?.finalTimePastLimit;
  if (past) {
    lines.push(
      `kill switch: NOT TRIPPED, but the data's last time ${past.time} ended ${pct(past.drawdown)} below the high-water mark ${money(past.highWaterMark)} (equity ${money(past.equity)}; risk.maxDrawdownPct ${pct(past.maxDrawdownPct)}): ` +
        'a time is tested once the risk clock moves past it, which this run\'s last time never did, so nothing was flattened',
    );
  }
  for (const [symbol, slice] of Object.entries(report.byInstrument)) {
    lines.push(`  ${symbol}: ${count(slice.trades)} trades, net ${money(slice.netPnl)}, ${count(slice.fills)} fills, fees ${money(slice.fees)}, exposure ${pct(slice.exposure)}`);
  }
  for (const { instrument, unknownVolumeBars } of run.execution?.instruments ?? []) {
    if (unknownVolumeBars === 0) continue;
    const symbol = recording.instruments[instrument]?.symbol ?? `instrument ${instrument}`;
    lines.push(
      `venue: ${symbol}: volume unknown on ${count(unknownVolumeBars)} bars (the data gives none: no volume column, or NULL): venue.costs.participation capped no fill on them and no impact was priced; ` +
        'a bar with volume 0 is one that traded nothing, and fills nothing under the cap',
    );
  }
  if (run.model) lines.push(...modelSummaryLines(run.model));
  for (const short of run.warmupShortfalls) {
    const symbol = recording.instruments[short.instrument]?.symbol ?? `instrument ${short.instrument}`;
    lines.push(`warning: ${symbol} had ${count(short.bars)} bars, fewer than the ${count(short.warmupBars)} its strategy's indicators need before all have a value (${short.token}), so no bar had every input the strategy reads; give more data`);
  }
  if (run.defaulted.length > 0) lines.push(`risk: ${run.defaulted.join(', ')} not in risk.instruments; risk.replayDefaults applied (asset class, lot size)`);
  for (const { label, issues } of run.issues) {
    for (const issue of issues) lines.push(`data: ${label}: ${count(issue.count)} rows ${issue.rule} (${issue.action})${issue.examples.length ? `, e.g. ${issue.examples[0]}` : ''}`);
  }
  lines.push(`fills sha256 ${recording.fillsHash}`);
  lines.push(`outputs: ${context.files.map((f) => f.replace(`${context.out}/`, '')).join(', ')} in ${context.out}`);
  return {
    lines,
    json: {
      sources: context.sources,
      instruments: recording.instruments,
      events: run.published,
      seconds,
      eventsPerSecond: Math.round(run.eventsPerSecond),
      interrupted: run.stoppedEarly,
      orders: orders ?? null,
      notTraded: { noTradeBand: run.pipeline.bandSkips, confirmation: run.pipeline.confirmSkips, riskLimits: run.pipeline.limitSkips },
      refusedBy: run.refusals,
      lotMerges,
      fills: recording.fills.length,
      account: a,
      byInstrument: report.byInstrument,
      byStrategy: report.byStrategy,
      dataIssues: run.issues,
      defaulted: run.defaulted,
      warmupShortfalls: run.warmupShortfalls.map((s) => ({ symbol: recording.instruments[s.instrument]?.symbol, bars: s.bars, warmupBars: s.warmupBars, token: s.token })),
      model: run.model ?? null,
      fillsSha256: recording.fillsHash,
      out: context.out,
      files: context.files,
    },
  };
}
