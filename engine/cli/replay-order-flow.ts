// How `quantflow replay --decide` reports the order flow and the risk account: counts of
// ORDER records and of risk records by reason, the account (cash, equity, high-water mark,
// drawdown), the kill switch, and each instrument's position and working quantity; as text
// lines, or as a JSON-safe object (bigints as strings, reasons by name).
import { riskReasonName, RiskReason } from '../risk/index.js';
import type { InstrumentRiskSnapshot, RiskAccountSnapshot } from '../pipeline/index.js';
import type { OrderFlowTally } from '../threads/engine-host.js';
import type { KillSwitchState } from '../killswitch/index.js';

export interface ReplayRiskResult {
  account: RiskAccountSnapshot;
  instruments: InstrumentRiskSnapshot[];
  orderFlow: OrderFlowTally;
  /** The persisted kill switch after the run (with --persist-kill-switch). */
  persisted?: KillSwitchState;
  /** Simulated fills at the next bar open; orders accepted on an instrument's last bar stay unfilled. */
  fills?: { fills: number; notional: number; fees: number; unfilledAtEnd: number };
}

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

export function replayRiskJson(result: ReplayRiskResult, names: readonly string[]): unknown {
  return {
    orders: result.orderFlow.orders,
    ordersCutToFit: reasonCounts(result.orderFlow.cutOrders),
    riskRecords: reasonCounts(result.orderFlow.riskRecords),
    fills: result.fills,
    account: { ...result.account, tripTsNs: result.account.tripTsNs.toString(), clockNs: result.account.clockNs.toString() },
    instruments: result.instruments.map((entry) => ({ name: names[entry.instrument], ...entry, markTsNs: entry.markTsNs.toString() })),
    persistedKillSwitch: result.persisted && { ...result.persisted, changedAtNs: result.persisted.changedAtNs.toString() },
  };
}

export function describeReplayRisk(result: ReplayRiskResult, names: readonly string[]): string[] {
  const { account, orderFlow } = result;
  const denied = [...orderFlow.riskRecords].filter(([reason]) => reason !== RiskReason.KILL_SWITCH_FLATTEN);
  const flatten = orderFlow.riskRecords.get(RiskReason.KILL_SWITCH_FLATTEN) ?? 0;
  const cut = [...orderFlow.cutOrders];
  const lines = [
    `orders: ${orderFlow.orders} accepted (ORDER records for the venue${cut.length ? `; cut to fit a limit: ${listReasonCounts(cut)}` : ''}), ${denied.reduce((n, [, c]) => n + c, 0)} denied or deferred${denied.length ? ` (${listReasonCounts(denied)})` : ''}${flatten ? `, ${flatten} FlattenRequired` : ''}`,
    ...(result.fills ? [`fills: ${result.fills.fills} at the next bar open (notional ${result.fills.notional.toFixed(2)}, fees ${result.fills.fees.toFixed(2)}); ${result.fills.unfilledAtEnd} order(s) accepted on a last bar stay unfilled`] : []),
    `account: equity ${account.equity.toFixed(2)} (cash ${account.cash.toFixed(2)}), high-water mark ${account.highWaterMark.toFixed(2)}, drawdown ${(account.drawdown * 100).toFixed(2)}%; kill switch ${account.halted ? `HALTED (${account.tripCount} trip${account.tripCount === 1 ? '' : 's'} this run)` : 'armed'}${result.persisted ? `, persisted: ${result.persisted.halted ? 'halted' : 'armed'}` : ''}`,
  ];
  for (const entry of result.instruments) {
    lines.push(`  ${names[entry.instrument]}: position ${formatQty(entry.position)}, working +${formatQty(entry.pendingBuy)}/-${formatQty(entry.pendingSell)}, mark ${entry.hasMark ? entry.mark : 'none'}`);
  }
  return lines;
}

/** Quantities to 10 significant digits (f64 sums of lots carry dust in the last bits). */
function formatQty(qty: number): string {
  return qty === 0 ? '0' : String(Number(qty.toPrecision(10)));
}
