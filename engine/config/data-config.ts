// The `data` section: the market data a backtest reads when `--data` is not given, each source
// with the column mapping its file needs (the keys of a CSV sidecar FILE.meta.json, see
// adapters/files). Relative paths are relative to the configuration file that names them.
//
//   data:
//     - path: ticks/IBM_trades.csv.gz       # a CSV file, store:DIR[?...] or questdb://...
//       kind: trades
//       timeColumn: datetime_ny
//       timezone: America/New_York
//     - path: bars/SPY_1h.csv
//       barStamp: open                      # bars: always stated, never guessed

export interface DataSourceConfig {
  readonly path: string;
  readonly kind?: 'bars' | 'trades' | 'quotes';
  readonly symbol?: string;
  readonly timeColumn?: string;
  readonly timeFormat?: 'auto' | 'iso' | 'epoch-s' | 'epoch-ms' | 'epoch-us' | 'epoch-ns';
  readonly timezone?: string;
  readonly barStamp?: 'open' | 'close';
  readonly barInterval?: string;
  readonly receiveTimeColumn?: string;
  readonly columns?: Readonly<Record<string, string>>;
  readonly onBadRow?: 'reject' | 'skip';
  readonly onDuplicate?: 'drop' | 'keep' | 'reject';
  readonly gapSeconds?: number;
}

const COLUMN_ROLES = ['open', 'high', 'low', 'close', 'volume', 'price', 'size', 'side', 'bid', 'ask', 'bidSize', 'askSize', 'tradeId'] as const;
const text = { type: 'string', minLength: 1 } as const;

export const DATA_CONFIG_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: text,
      kind: { enum: ['bars', 'trades', 'quotes'] },
      symbol: text,
      timeColumn: text,
      timeFormat: { enum: ['auto', 'iso', 'epoch-s', 'epoch-ms', 'epoch-us', 'epoch-ns'] },
      timezone: text,
      barStamp: { enum: ['open', 'close'] },
      barInterval: { type: 'string', pattern: '^[1-9][0-9]*[smhdw]$' },
      receiveTimeColumn: text,
      columns: { type: 'object', additionalProperties: false, properties: Object.fromEntries(COLUMN_ROLES.map((role) => [role, text])) },
      onBadRow: { enum: ['reject', 'skip'] },
      onDuplicate: { enum: ['drop', 'keep', 'reject'] },
      gapSeconds: { type: 'number', exclusiveMinimum: 0 },
    },
  },
} as const;
