// How `quantflow replay --decide` reports its trading: orders (sent, cut to fit a limit,
// amended or canceled by the strategy, kept out by the no-trade band, refused by the checks)
// and their final states (why they were canceled, rejected or expired), fills and costs (fees,
// slippage, funding, borrow, interest) and turnover, the round trips, the account (equity, high-water mark, drawdown, kill switch) and
// each instrument's position and P&L; as text lines, or as a JSON-safe object (bigints as
// strings, reasons and codes by name).
import { riskReasonName, RiskReason } from '../risk/index.js';
import type { ExecutionReport } from '../execution/index.js';

/** What a replay's risk account amounted to (engine/replay's driver reads it). */
import type { BarReplayRiskResult } from '../replay/index.js';
export type ReplayRiskResult = BarReplayRiskResult;

/** Counts by risk reason code, keyed by reason name in code order. */
function reasonCounts(byReason: ReadonlyMap<number, number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [reason, count] of [...byReason].sort((a, b) => a[0] - b[0])) counts[riskReasonName(reason)] = count;
  return counts;
}

/** `NAME count, NAME count` of reason counts. */
function listReasonCounts(entries: readonly (readonly [number, number])[]): string {
  return entries.map(([reason, count]) => `${riskReasonName(reason)} ${count}`).join(', ');
}

/** ` (unfilled 2, requested 1)`: ended orders by reason name, or nothing when none ended so. */
function why(byReason: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byReason).map(([reason, n]) => `${reason} ${count(n)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}

/** The totals over instruments (quote currencies summed: exact when all are the account currency). */
function totals(execution: ExecutionReport) {
  const rows = execution.instruments;
  return {
    fees: sum(rows.map((r) => r.fees)),
    slippage: sum(rows.map((r) => r.slippage)),
    funding: sum(rows.map((r) => r.funding)),
    borrow: sum(rows.map((r) => r.borrow)),
    turnover: sum(rows.map((r) => r.turnover)),
    realisedPnl: sum(rows.map((r) => r.realisedPnl)),
  };
}

export function replayRiskJson(result: ReplayRiskResult, names: readonly string[]): unknown {
  const { execution, orderFlow } = result;
  return {
    orders: {
      ...execution.orders,
      firstId: orderFlow.firstOrderId.toString(),
      lastId: orderFlow.lastOrderId.toString(),
      cutToFit: reasonCounts(orderFlow.cutOrders),
      strategyCancels: result.pipeline.strategyCancels,
      strategyReplaces: result.pipeline.strategyReplaces,
      noTradeBandSkips: result.pipeline.bandSkips,
      confirmationSkips: result.pipeline.confirmSkips,
    },
    riskRecords: reasonCounts(orderFlow.riskRecords),
    fills: { count: execution.orders.fills, partial: execution.orders.partialFills, maker: orderFlow.fills.maker },
    costs: { ...totals(execution), interest: execution.interestPaid },
    roundTrips: { count: orderFlow.roundTrips.count, winners: orderFlow.roundTrips.winners, netPnl: orderFlow.roundTrips.netPnl },
    account: { ...result.account, tripTsNs: result.account.tripTsNs.toString(), clockNs: result.account.clockNs.toString() },
    instruments: result.instruments.map((entry) => ({
      name: names[entry.instrument],
      ...entry,
      markTsNs: entry.markTsNs.toString(),
      priceInHandNs: entry.priceInHandNs.toString(),
      ...execution.instruments.find((row) => row.instrument === entry.instrument),
    })),
    persistedKillSwitch: result.persisted && { ...result.persisted, changedAtNs: result.persisted.changedAtNs.toString() },
  };
}

function money(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function describeReplayRisk(result: ReplayRiskResult, names: readonly string[]): string[] {
  const { account, orderFlow, execution, pipeline } = result;
  const o = execution.orders;
  const refusals = [...orderFlow.riskRecords].filter(([reason]) => reason !== RiskReason.KILL_SWITCH_FLATTEN);
  const flatten = orderFlow.riskRecords.get(RiskReason.KILL_SWITCH_FLATTEN) ?? 0;
  const cut = [...orderFlow.cutOrders];
  const working = Object.entries(o.working).map(([state, n]) => `${state} ${n}`).join(', ');
  const t = totals(execution);
  const rt = orderFlow.roundTrips;
  const lines = [
    `orders: ${count(o.sent)} sent${cut.length ? ` (cut to fit a limit: ${listReasonCounts(cut)})` : ''}; the strategy replaced ${count(pipeline.strategyReplaces)} and canceled ${count(pipeline.strategyCancels)} working orders; ${count(pipeline.bandSkips)} target changes inside the no-trade band and ${count(pipeline.confirmSkips)} waiting for confirmation were not traded`,
    `  by final state: filled ${count(o.filled)}, canceled ${count(o.canceled)}${why(o.endedBy.canceled)}, rejected ${count(o.rejected)}${why(o.endedBy.rejected)}, expired ${count(o.expired)}${why(o.endedBy.expired)}${working ? `, still working ${working}` : ''}; ${count(refusals.reduce((n, [, c]) => n + c, 0))} refused or deferred by the checks${refusals.length ? ` (${listReasonCounts(refusals)})` : ''}${flatten ? `, ${flatten} FlattenRequired` : ''}${o.uncertain ? `; ${o.uncertain} turned UNCERTAIN` : ''}${o.illegalTransitions ? `; ${o.illegalTransitions} illegal venue events` : ''}`,
    `fills: ${count(o.fills)} (${count(o.partialFills)} partial, ${count(orderFlow.fills.maker)} maker, ${count(pipeline.exitFills)} from exits); fees ${money(t.fees)}, slippage ${money(t.slippage)}, funding ${money(t.funding)}, borrow ${money(t.borrow)}, interest ${money(execution.interestPaid)}; turnover ${money(t.turnover)} (${(t.turnover / result.startingCash).toFixed(1)}x the starting equity)`,
    `round trips: ${count(rt.count)}, win rate ${rt.count ? ((100 * rt.winners) / rt.count).toFixed(1) : '0.0'}%, average net P&L ${rt.count ? money(rt.netPnl / rt.count) : '0.00'}; realised ${money(t.realisedPnl)} before fees`,
    `account: equity ${money(account.equity)} (cash ${money(account.cash)}), high-water mark ${money(account.highWaterMark)}, drawdown ${(account.drawdown * 100).toFixed(2)}%; kill switch ${account.halted ? `HALTED (${account.tripCount} trip${account.tripCount === 1 ? '' : 's'} this run)` : 'armed'}${result.persisted ? `, persisted: ${result.persisted.halted ? 'halted' : 'armed'}` : ''}`,
  ];
  for (const entry of result.instruments) {
    const row = execution.instruments.find((r) => r.instrument === entry.instrument);
    lines.push(
      `  ${names[entry.instrument]}: position ${formatQty(entry.position)}${entry.position !== 0 ? ` at ${entry.averagePrice.toPrecision(8)}` : ''}, working +${formatQty(entry.pendingBuy)}/-${formatQty(entry.pendingSell)}, mark ${entry.hasMark ? entry.mark : 'none'}` +
        (row ? `; realised ${money(row.realisedPnl)}, fees ${money(row.fees)}, ${count(row.fills)} fills, ${count(row.roundTrips)} round trips` : ''),
    );
  }
  return lines;
}

/** Quantities to 10 significant digits (f64 sums of lots carry dust in the last bits). */
function formatQty(qty: number): string {
  return qty === 0 ? '0' : String(Number(qty.toPrecision(10)));
}
