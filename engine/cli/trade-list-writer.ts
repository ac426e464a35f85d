// Writes the trade list of a replay (`--trades FILE`): one CSV row per round trip as the core
// reported it (an entry lot, or part of one, and the fill that closed it), streamed as the
// records arrive so a long backtest holds none of them in memory. Times are ISO 8601 UTC;
// P&L and fees in the instrument's quote currency except net_pnl (account currency); quantity
// and prices to 15 significant digits, money to 8 decimals, as the backtest's CSVs
// (engine/backtest csvDecimal, csvMoney).
import { createWriteStream, type WriteStream } from 'node:fs';
import { csvDecimal, csvMoney } from '../backtest/index.js';
import type { RoundTrip } from '../portfolio/index.js';

const RULE_NAMES = ['strategy', 'stop', 'atr_stop', 'trailing_stop', 'target_1', 'target_2', 'target_3', 'target_4', 'max_hold', 'manual'];
const HEADER = 'entry_time,exit_time,instrument,side,quantity,entry_price,exit_price,gross_pnl,entry_fees,exit_fees,net_pnl,entry_order,exit_order,entry_rule,exit_rule\n';

const NS_PER_SECOND = 1_000_000_000n;

/** ISO 8601 UTC with 9 fraction digits; before 1970 the second is floored so the fraction stays 0..999,999,999. */
export function tradeListTime(ns: bigint): string {
  let seconds = ns / NS_PER_SECOND;
  let sub = ns % NS_PER_SECOND;
  if (sub < 0n) {
    sub += NS_PER_SECOND;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${sub.toString().padStart(9, '0')}Z`;
}

function ruleName(rule: number): string {
  return RULE_NAMES[rule] ?? (rule < 0 ? 'unknown' : String(rule));
}

export class TradeListWriter {
  private readonly out: WriteStream;
  private failure: Error | undefined;
  rows = 0;

  constructor(readonly path: string, private readonly names: readonly string[]) {
    this.out = createWriteStream(path);
    this.out.on('error', (error) => {
      this.failure = error;
    });
    this.out.write(HEADER);
  }

  write(t: RoundTrip): void {
    this.rows++;
    this.out.write(
      `${tradeListTime(t.entryNs)},${tradeListTime(t.exitNs)},${this.names[t.instrument] ?? t.instrument},${t.qty > 0 ? 'long' : 'short'},${csvDecimal(Math.abs(t.qty))},${csvDecimal(t.entryPrice)},${csvDecimal(t.exitPrice)},` +
        `${csvMoney(t.grossPnl)},${csvMoney(t.entryFees)},${csvMoney(t.exitFees)},${csvMoney(t.netPnl)},${t.entryOrderId},${t.exitOrderId},${ruleName(t.entryRule)},${ruleName(t.exitRule)}\n`,
    );
  }

  /** Flushes and closes the file; rejects with the write error, naming the file, if one happened. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.failure) throw new Error(`--trades: cannot write ${this.path}: ${this.failure.message}`);
  }
}
