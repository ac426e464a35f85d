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
