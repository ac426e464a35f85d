// Independent P&L check of the core's ledger: random streams of fills (written as FILL records,
// as a venue adapter puts them on the inbound ring, and decoded the way the I/O thread reads
// them), marks and RATE records run through the core on spot and margin instruments with
// multipliers in two currencies, under FIFO and LIFO; engine/portfolio/pnl-export.ts writes
// the fills and the final state, and tools/pnl/recompute_pnl.py (numpy, no engine code)
// recomputes cash per currency and equity from them, once with its own lot matching and once
// with no lots at all. Core and script must agree within 1e-9 (relative).
// Peer: numpy in the project venv (.cache/pyenv); missing, the suite skips outside CI and fails under CI=true (test/peers.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../engine/layout/event-record.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { exportPnl, LinkingPolicy, readFillRecord, SettlementCode, type FillRecord, type LinkingCode } from '../engine/portfolio/index.js';
import type { RiskLimits } from '../engine/risk/index.js';
import { pythonBin, pythonPeer, skipWithout } from './peers.js';
import { createWasmRisk, drain, MS, SECOND_NS, START_NS } from './risk-stream.js';

const SCRIPT = path.resolve(import.meta.dirname, '../tools/pnl/recompute_pnl.py');
const RELATIVE_TOLERANCE = 1e-9;
const CASH = 1_000_000;
const EUR = 1;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e12, maxLeverage: 100, dailyLossPct: 1, maxDrawdownPct: 1, priceBandPct: 1, minNotional: 0, maxOrders: 1024, windowNs: 1n,
};

/** id, lot size, starting price, contract: spot and margin, in the account currency and in EUR. */
const BOOK = [
  { instrument: 0, lotSize: 0.1, startPrice: 100, multiplier: 1, currency: 0, settlement: SettlementCode.SPOT },
  { instrument: 1, lotSize: 0.01, startPrice: 3_000, multiplier: 1, currency: 0, settlement: SettlementCode.MARGIN },
  { instrument: 2, lotSize: 1, startPrice: 20, multiplier: 10, currency: EUR, settlement: SettlementCode.SPOT },
  { instrument: 3, lotSize: 1, startPrice: 80, multiplier: 50, currency: EUR, settlement: SettlementCode.MARGIN },
] as const;

type Event =
  | { readonly type: 'fill'; readonly instrument: number; readonly lots: number; readonly move: number; readonly fee: number }
  | { readonly type: 'mark'; readonly instrument: number; readonly move: number }
  | { readonly type: 'rate'; readonly change: number };

const instrumentArb = fc.integer({ min: 0, max: BOOK.length - 1 });
const moveArb = fc.integer({ min: -200, max: 200 }).map((bp) => bp / 10_000);
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('fill' as const), instrument: instrumentArb, lots: fc.integer({ min: -30, max: 30 }).filter((n) => n !== 0), move: moveArb, fee: fc.integer({ min: 0, max: 300 }).map((c) => c / 100) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('mark' as const), instrument: instrumentArb, move: moveArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('rate' as const), change: moveArb }) },
);
const scenarioArb = fc.record({
  linking: fc.constantFrom<LinkingCode>(LinkingPolicy.FIFO, LinkingPolicy.LIFO),
  events: fc.array(eventArb, { minLength: 10, maxLength: 120 }),
});

interface Recomputed {
  cash: Record<string, number>;
  accountCash: number;
  equity: number;
  equityLotFree: number;
  positions: Record<string, number>;
}

const workDir = mkdtempSync(path.join(tmpdir(), 'qf-pnl-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function recompute(input: unknown): Recomputed {
  const file = path.join(workDir, 'fills.json');
  writeFileSync(file, JSON.stringify(input));
  const run = spawnSync(pythonBin, [SCRIPT, file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`recompute_pnl.py exited with ${run.status ?? run.signal}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Recomputed;
}

/** |a - b| within RELATIVE_TOLERANCE of `scale`, the size of the amounts that were summed. */
const agrees = (a: number, b: number, scale: number) => Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), scale);

describe.skipIf(skipWithout(pythonPeer(['numpy'])))('portfolio P&L against an independent numpy recomputation', () => {
  it('agrees on cash per currency and equity for random fills, marks and rates under FIFO and LIFO', () => {
    const { risk, consumer, memory } = createWasmRisk();
    const view = new DataView(memory.buffer);
    let runs = 0;
    fc.assert(
      fc.property(scenarioArb, ({ linking, events }) => {
        risk.configure(LIMITS);
        for (const entry of BOOK) risk.configureInstrument({ instrument: entry.instrument, assetClass: 0, lotSize: entry.lotSize, staleNs: 1_000n * SECOND_NS });
        risk.configurePortfolio({ linking, negativeCashRate: 0, daysPerYear: 365 });
        risk.configureCurrency(EUR, 1.1);
        risk.init(CASH, START_NS);
        for (const entry of BOOK) {
          risk.configureContract({ instrument: entry.instrument, multiplier: entry.multiplier, currency: entry.currency, settlement: entry.settlement, fundingRate: 0, fundingIntervalNs: 0n, borrowRate: 0 });
          risk.onMark(entry.instrument, START_NS, entry.startPrice);
        }
        const prices: number[] = BOOK.map((entry) => entry.startPrice);
        let eurRate = 1.1;
        let now = START_NS;
        let orderId = 1n;
        const fills: FillRecord[] = [];
        const flows = [CASH, 0];
        for (const event of events) {
          now += 250n * MS;
          if (event.type === 'rate') {
            eurRate *= 1 + event.change;
            risk.onRate({ currency: EUR, tsNs: now, rate: eurRate });
          } else if (event.type === 'mark') {
            prices[event.instrument] *= 1 + event.move;
            risk.onMark(event.instrument, now, prices[event.instrument]);
          } else {
            const entry = BOOK[event.instrument];
            const price = (prices[event.instrument] *= 1 + event.move);
            const at = SCRATCH_REGION_OFFSET;
            view.setInt32(at + EV_KIND, EventKind.FILL | EventKind.DIRECTION_INBOUND, true);
            view.setInt32(at + EV_INSTRUMENT, event.instrument, true);
            view.setBigInt64(at + EV_TS_EXCHANGE, now, true);
            view.setBigInt64(at + EV_TS_LOCAL, now, true);
            view.setFloat64(at + EV_PRICE, price, true);
            view.setFloat64(at + EV_SIZE, event.lots * entry.lotSize, true);
            view.setFloat64(at + EV_A, event.fee, true);
            view.setFloat64(at + EV_B, 0, true);
            view.setBigUint64(at + EV_ID, orderId++, true);
            const fill = readFillRecord(view, at);
            fills.push(fill);
            flows[entry.currency] += Math.abs(fill.qty * fill.price * entry.multiplier) + fill.fee;
            risk.applyFill({ ...fill, rule: 0, parentId: 0n, referencePrice: 0 });
          }
          drain(consumer);
        }
        expect(risk.portfolioTotals().lotMerges, 'no instrument reached its most lots (the script never merges lots)').toBe(0);
        const exported = exportPnl(risk, fills, CASH);
        const script = recompute(exported);
        const where = `${events.length} events, ${LinkingPolicy.FIFO === linking ? 'FIFO' : 'LIFO'}`;
        for (const { currency, balance, rate } of risk.currencies()) {
          expect(agrees(balance, script.cash[String(currency)], flows[currency]), `${where}: currency ${currency}: core balance ${balance}, numpy ${script.cash[String(currency)]} (flows ${flows[currency]})`).toBe(true);
          expect(exported.rates[String(currency)], `${where}: the export carries currency ${currency}'s final rate`).toBe(rate);
        }
        const { cash, equity } = risk.account();
        const scale = flows[0] + flows[1] * eurRate;
        expect(agrees(cash, script.accountCash, scale), `${where}: account cash: core ${cash}, numpy ${script.accountCash}`).toBe(true);
        expect(agrees(equity, script.equity, scale), `${where}: equity: core ${equity}, numpy with lots ${script.equity}`).toBe(true);
        expect(agrees(equity, script.equityLotFree, scale), `${where}: equity: core ${equity}, numpy without lots ${script.equityLotFree}`).toBe(true);
        for (const entry of BOOK) {
          const position = script.positions[String(entry.instrument)] ?? 0;
          expect(agrees(risk.instrumentState(entry.instrument).position, position, Math.abs(position) + entry.lotSize), `${where}: instrument ${entry.instrument}: position`).toBe(true);
        }
        runs += 1;
      }),
      { numRuns: 12, seed: 20261124 },
    );
    expect(runs, 'every run reached the comparison').toBe(12);
  });

  it('refuses to export a PARENT-linked ledger, whose lots the FILL records cannot rebuild', () => {
    const { risk } = createWasmRisk(64);
    risk.configure(LIMITS);
    risk.configureInstrument({ instrument: 0, assetClass: 0, lotSize: 1, staleNs: SECOND_NS });
    risk.configurePortfolio({ linking: LinkingPolicy.PARENT, negativeCashRate: 0, daysPerYear: 365 });
    risk.init(CASH, START_NS);
    expect(() => exportPnl(risk, [], CASH)).toThrow(/linking must be FIFO \(0\) or LIFO \(1\) for the P&L check, was 2/);
  });
});
