// Instrument id <-> ccxt symbol ('BTC/USDT'), and the venue's market id ('BTCUSDT') for raw
// frames. Built from the config's instrument list; unknown symbols are null, never guessed.
export interface InstrumentSymbol {
  readonly instrument: number;
  /** ccxt unified symbol, e.g. 'BTC/USDT'. */
  readonly symbol: string;
}

export class InstrumentSymbols {
  private readonly bySymbol = new Map<string, number>();
  private readonly byInstrument = new Map<number, string>();

  constructor(readonly list: readonly InstrumentSymbol[]) {
    for (const { instrument, symbol } of list) {
      if (this.bySymbol.has(symbol)) throw new Error(`instruments: symbol ${symbol} is listed twice (instruments ${this.bySymbol.get(symbol)} and ${instrument})`);
      if (this.byInstrument.has(instrument)) throw new Error(`instruments: instrument ${instrument} is listed twice`);
      this.bySymbol.set(symbol, instrument);
      this.byInstrument.set(instrument, symbol);
    }
  }

  instrumentOf(symbol: string | undefined): number | null {
    return symbol === undefined ? null : this.bySymbol.get(symbol) ?? null;
  }

  symbolOf(instrument: number): string {
    const symbol = this.byInstrument.get(instrument);
    if (symbol === undefined) throw new Error(`instrument ${instrument} has no ccxt symbol in the adapter's config (known: ${[...this.byInstrument.keys()].join(', ')})`);
    return symbol;
  }

  get symbols(): string[] { return [...this.bySymbol.keys()]; }
}

/** Edit distance between two strings: insertions, deletions, substitutions and swaps of two neighbours (a typo's 'USTD') count one each. */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/**
 * The `count` listed symbols closest to `symbol` (a misspelt or unlisted one): fewest character
 * edits first, same quote currency before another, then alphabetical.
 */
export function closestSymbols(symbol: string, listed: readonly string[], count = 3): string[] {
  const quote = symbol.split('/')[1];
  return listed
    .map((s) => ({ s, d: editDistance(symbol, s), q: s.split('/')[1] === quote ? 0 : 1 }))
    .sort((x, y) => x.d - y.d || x.q - y.q || (x.s < y.s ? -1 : x.s > y.s ? 1 : 0))
    .slice(0, count)
    .map((x) => x.s);
}

/** Configured symbols the venue does not list: each with its place in the instrument list (the config field) and the closest listed ones. */
export class UnlistedSymbolError extends Error {
  constructor(readonly venue: string, readonly unlisted: readonly { readonly index: number; readonly symbol: string; readonly closest: readonly string[] }[], readonly listedCount: number) {
    super('');
    this.message = this.describe('');
    this.name = 'UnlistedSymbolError';
  }

  /** The message with each field under `prefix` (the CLI: 'live.', the configuration's section). */
  describe(prefix: string): string {
    return this.unlisted.map((u) => `\`${prefix}instruments[${u.index}].symbol\` must be a market ${this.venue} lists (${this.listedCount} loaded), was ${JSON.stringify(u.symbol)}${u.closest.length > 0 ? `; closest listed: ${u.closest.join(', ')}` : ''}`).join('; ');
  }
}
