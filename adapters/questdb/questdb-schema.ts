// The three tick-store tables (trades, quotes, bars): their columns, the CREATE TABLE statements
// the recorder runs when a table is absent, and the check a replay stream runs before reading.
// The record mapping is in README.md. QuestDB timestamps are microseconds; records carry ns.
import type { MarketRecordKind } from '../../engine/replay/index.js';
import { QuestDbSchemaError } from './questdb-errors.js';

export interface ColumnSpec {
  readonly name: string;
  /** QuestDB types accepted when reading (the first is the one CREATE TABLE uses). */
  readonly types: readonly string[];
  /** Optional columns are created by the recorder but not required by the replay (unless asked for). */
  readonly optional?: boolean;
}

export interface TableSchema {
  readonly kind: MarketRecordKind;
  readonly columns: readonly ColumnSpec[];
}

const SYMBOL: readonly string[] = ['SYMBOL', 'VARCHAR', 'STRING'];

/** The documented schemas; `ts` is the designated timestamp of each. */
export const TABLE_SCHEMAS: Readonly<Record<MarketRecordKind, TableSchema>> = {
  trades: {
    kind: 'trades',
    columns: [
      { name: 'symbol', types: SYMBOL },
      { name: 'price', types: ['DOUBLE'] },
      { name: 'size', types: ['DOUBLE'] },
      { name: 'side', types: ['BYTE', 'SHORT'] },
      { name: 'trade_id', types: ['LONG'] },
      { name: 'ts', types: ['TIMESTAMP'] },
      { name: 'recv_ts', types: ['TIMESTAMP'], optional: true },
    ],
  },
  quotes: {
    kind: 'quotes',
    columns: [
      { name: 'symbol', types: SYMBOL },
      { name: 'bid', types: ['DOUBLE'] },
      { name: 'ask', types: ['DOUBLE'] },
      { name: 'bid_size', types: ['DOUBLE'] },
      { name: 'ask_size', types: ['DOUBLE'] },
      { name: 'ts', types: ['TIMESTAMP'] },
      { name: 'recv_ts', types: ['TIMESTAMP'], optional: true },
    ],
  },
  bars: {
    kind: 'bars',
    columns: [
      { name: 'symbol', types: SYMBOL },
      { name: 'open', types: ['DOUBLE'] },
      { name: 'high', types: ['DOUBLE'] },
      { name: 'low', types: ['DOUBLE'] },
      { name: 'close', types: ['DOUBLE'] },
      { name: 'volume', types: ['DOUBLE'] },
      { name: 'interval_s', types: ['INT'] },
      { name: 'ts', types: ['TIMESTAMP'] },
    ],
  },
};

/** The default table name of each kind (the recorder's default). */
export const DEFAULT_TABLES: Readonly<Record<MarketRecordKind, string>> = { trades: 'trades', quotes: 'quotes', bars: 'bars' };

/** `CREATE TABLE IF NOT EXISTS` for `kind` under the name `table`: designated `ts`, PARTITION BY DAY, WAL. */
export function createTableSql(kind: MarketRecordKind, table: string): string {
  const columns = TABLE_SCHEMAS[kind].columns.map((c) => `${c.name} ${c.types[0]}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns}) TIMESTAMP(ts) PARTITION BY DAY WAL`;
}

/** One row of `table_columns('t')`. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly designated: boolean;
}

/**
 * Checks a table's columns against the schema of `kind`; throws QuestDbSchemaError naming the
 * URL, the table, the column and the rule. `need` lists optional columns the caller requires.
 */
export function checkTableColumns(url: string, table: string, kind: MarketRecordKind, columns: readonly ColumnInfo[], need: readonly string[] = []): void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const spec of TABLE_SCHEMAS[kind].columns) {
    const found = byName.get(spec.name);
    if (!found) {
      if (spec.optional && !need.includes(spec.name)) continue;
      const why = spec.optional ? ` (needed for local=${spec.name})` : '';
      throw new QuestDbSchemaError(url, table, spec.name, `a ${kind} table must have a \`${spec.name}\` column of type ${spec.types.join(' or ')}${why}; the table has ${columns.map((c) => c.name).join(', ')}`);
    }
    if (!spec.types.includes(found.type)) {
      throw new QuestDbSchemaError(url, table, spec.name, `must be of type ${spec.types.join(' or ')}, is ${found.type}`);
    }
  }
  const ts = byName.get('ts');
  if (ts && !ts.designated) throw new QuestDbSchemaError(url, table, 'ts', 'must be the designated timestamp (TIMESTAMP(ts)), so rows come in time order');
}
