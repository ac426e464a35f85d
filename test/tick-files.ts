// Reads the trade and quote capture files of /work/shared/data (crypto_trades, crypto_quotes)
// into ticks, for the bar-builder suites. Header names from /work/shared/data/README.md.
import { readFileSync } from 'node:fs';

export interface Tick {
  timeNs: bigint;
  x: number; // trade price or bid
  y: number; // trade size or ask
}

/** Trades: (trade_time_ms, price, qty); quotes: (local_recv_ns, bid_price, ask_price). */
export function readTicks(file: string, kind: 'trades' | 'quotes'): Tick[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const col = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${file}: header must have a \`${name}\` column, has ${header.join(',')}`);
    return index;
  };
  const [t, x, y] = kind === 'trades' ? [col('trade_time_ms'), col('price'), col('qty')] : [col('local_recv_ns'), col('bid_price'), col('ask_price')];
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    const tick = { timeNs: kind === 'trades' ? BigInt(cells[t]) * 1_000_000n : BigInt(cells[t]), x: Number(cells[x]), y: Number(cells[y]) };
    if (!Number.isFinite(tick.x) || !Number.isFinite(tick.y)) throw new Error(`${file} line ${i + 2}: price columns must be finite numbers, were ${cells[x]}, ${cells[y]}`);
    return tick;
  });
}
