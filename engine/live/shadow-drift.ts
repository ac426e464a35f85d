// The drift report of shadow paper (shadow-paper.ts): live vs the simulated venue on the same
// decisions, so the paper venue's models (latency, slippage, fill probability) can be calibrated.
// Pure: it takes each side's orders with their fills and computes, for the orders both sides
// decided (matched by instrument, decision time, side and rank among such orders):
//   fill rate   |filled| / |sent|, summed over the matched orders of a side
//   slippage    (average fill price - decision price) / decision price * 1e4 * side, in bps
//               (positive: paid more than the decision price), mean over filled matched orders
//   latency     decision -> first fill, ms (live: wall time; shadow: the simulated venue's clock),
//               mean over filled matched orders
// and drift = live - shadow for each; orders only one side decided are listed apart.

export interface SideFill { readonly price: number; readonly qty: number; readonly atMs: number }

/** One side's order: what was decided and what filled. */
export interface SideOrder {
  readonly orderId: bigint;
  readonly instrument: number;
  readonly decisionNs: bigint;
  /** Signed quantity sent. */
  readonly qty: number;
  readonly decisionPrice: number;
  /** When it was decided, ms on the side's clock (the clock its fills' atMs are on). */
  readonly decidedAtMs: number;
  readonly fills: SideFill[];
}

export interface OrderOutcome {
  readonly orderId: string;
  readonly sent: number;
  readonly filled: number;
  /** null when nothing filled (so are slippage and latency). */
  readonly avgPrice: number | null;
  readonly slippageBps: number | null;
  readonly latencyMs: number | null;
  /** The fills the figures come from (atMs on the side's clock). */
  readonly fills: readonly SideFill[];
  readonly decidedAtMs: number;
}

export interface MatchedOrder {
  readonly instrument: number;
  readonly decisionNs: string;
  readonly qty: number;
  readonly decisionPrice: number;
  readonly live: OrderOutcome;
  readonly shadow: OrderOutcome;
}

export interface SideSummary {
  readonly orders: number;
  readonly filledOrders: number;
  readonly fillRate: number | null;
  readonly slippageBps: number | null;
  readonly latencyMs: number | null;
}

export interface DriftReport {
  readonly matched: number;
  readonly live: SideSummary;
  readonly shadow: SideSummary;
  /** live - shadow (null where either side has no figure). */
  readonly drift: { readonly fillRate: number | null; readonly slippageBps: number | null; readonly latencyMs: number | null };
  readonly orders: readonly MatchedOrder[];
  readonly liveOnly: readonly { orderId: string; instrument: number; decisionNs: string; qty: number }[];
  readonly shadowOnly: readonly { orderId: string; instrument: number; decisionNs: string; qty: number }[];
}

/** The outcome of one order: filled quantity, average price, slippage against its decision price, time to first fill. */
export function orderOutcome(order: SideOrder): OrderOutcome {
  const filled = order.fills.reduce((sum, f) => sum + Math.abs(f.qty), 0);
  const notional = order.fills.reduce((sum, f) => sum + Math.abs(f.qty) * f.price, 0);
  const avgPrice = filled > 0 ? notional / filled : null;
  const side = Math.sign(order.qty);
  const slippageBps = avgPrice !== null && order.decisionPrice > 0 ? ((avgPrice - order.decisionPrice) / order.decisionPrice) * 1e4 * side : null;
  const first = order.fills.length > 0 ? Math.min(...order.fills.map((f) => f.atMs)) : null;
  return {
    orderId: order.orderId.toString(), sent: Math.abs(order.qty), filled, avgPrice, slippageBps,
    latencyMs: first !== null ? Math.max(0, first - order.decidedAtMs) : null, fills: order.fills.map((f) => ({ ...f })), decidedAtMs: order.decidedAtMs,
  };
}

const keyOf = (o: SideOrder): string => `${o.instrument}:${o.decisionNs}:${Math.sign(o.qty)}`;
const mean = (values: readonly (number | null)[]): number | null => {
  const xs = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
};

function summary(outcomes: readonly OrderOutcome[]): SideSummary {
  const sent = outcomes.reduce((s, o) => s + o.sent, 0);
  const filled = outcomes.reduce((s, o) => s + o.filled, 0);
  return {
    orders: outcomes.length, filledOrders: outcomes.filter((o) => o.filled > 0).length, fillRate: sent > 0 ? filled / sent : null,
    slippageBps: mean(outcomes.map((o) => o.slippageBps)), latencyMs: mean(outcomes.map((o) => o.latencyMs)),
  };
}

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);

export function buildDriftReport(live: readonly SideOrder[], shadow: readonly SideOrder[]): DriftReport {
  const byKey = new Map<string, SideOrder[]>();
  for (const o of [...shadow].sort((a, b) => (a.orderId < b.orderId ? -1 : 1))) {
    const list = byKey.get(keyOf(o)) ?? [];
    list.push(o);
    byKey.set(keyOf(o), list);
  }
  const orders: MatchedOrder[] = [];
  const liveOnly: SideOrder[] = [];
  for (const o of [...live].sort((a, b) => (a.orderId < b.orderId ? -1 : 1))) {
    const twin = byKey.get(keyOf(o))?.shift();
    if (!twin) { liveOnly.push(o); continue; }
    orders.push({ instrument: o.instrument, decisionNs: o.decisionNs.toString(), qty: o.qty, decisionPrice: o.decisionPrice, live: orderOutcome(o), shadow: orderOutcome(twin) });
  }
  const shadowOnly = [...byKey.values()].flat();
  const liveSummary = summary(orders.map((o) => o.live));
  const shadowSummary = summary(orders.map((o) => o.shadow));
  const brief = (o: SideOrder) => ({ orderId: o.orderId.toString(), instrument: o.instrument, decisionNs: o.decisionNs.toString(), qty: o.qty });
  return {
    matched: orders.length, live: liveSummary, shadow: shadowSummary,
    drift: { fillRate: diff(liveSummary.fillRate, shadowSummary.fillRate), slippageBps: diff(liveSummary.slippageBps, shadowSummary.slippageBps), latencyMs: diff(liveSummary.latencyMs, shadowSummary.latencyMs) },
    orders, liveOnly: liveOnly.map(brief), shadowOnly: shadowOnly.map(brief),
  };
}

/** The report in a few lines, for the session's log. */
export function describeDrift(report: DriftReport): string {
  const f = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));
  const side = (name: string, s: SideSummary) => `${name}: fill rate ${f(s.fillRate, 3)}, slippage ${f(s.slippageBps, 2)} bps, latency ${f(s.latencyMs, 1)} ms`;
  return [
    `shadow paper: ${report.matched} orders both decided, ${report.liveOnly.length} live only, ${report.shadowOnly.length} shadow only`,
    `  ${side('live  ', report.live)}`,
    `  ${side('shadow', report.shadow)}`,
    `  drift (live - shadow): fill rate ${f(report.drift.fillRate, 3)}, slippage ${f(report.drift.slippageBps, 2)} bps, latency ${f(report.drift.latencyMs, 1)} ms`,
  ].join('\n');
}
