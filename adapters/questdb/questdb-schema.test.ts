import { describe, expect, it } from 'vitest';
import { checkTableColumns, createTableSql, TABLE_SCHEMAS, type ColumnInfo } from './questdb-schema.js';
import { QuestDbSchemaError } from './questdb-errors.js';

const trades: ColumnInfo[] = TABLE_SCHEMAS.trades.columns.map((c) => ({ name: c.name, type: c.types[0], designated: c.name === 'ts' }));

function schemaError(columns: ColumnInfo[], need: string[] = []): QuestDbSchemaError {
  try {
    checkTableColumns('questdb://h/t?symbol=A&kind=trades', 't', 'trades', columns, need);
  } catch (error) {
    expect(error).toBeInstanceOf(QuestDbSchemaError);
    return error as QuestDbSchemaError;
  }
  throw new Error('the columns were accepted but must not be');
}

describe('table schemas', () => {
  it('creates each table with a designated ts, partitioned by day, on WAL', () => {
    expect(createTableSql('trades', 'trades')).toBe(
      'CREATE TABLE IF NOT EXISTS trades (symbol SYMBOL, price DOUBLE, size DOUBLE, side BYTE, trade_id LONG, ts TIMESTAMP, recv_ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL',
    );
    expect(createTableSql('bars', 'bars_1m')).toContain('interval_s INT, ts TIMESTAMP) TIMESTAMP(ts)');
  });

  it('accepts the documented columns, SHORT sides and a table without the optional recv_ts', () => {
    expect(() => checkTableColumns('u', 't', 'trades', trades)).not.toThrow();
    const noRecv = trades.filter((c) => c.name !== 'recv_ts').map((c) => (c.name === 'side' ? { ...c, type: 'SHORT' } : c));
    expect(() => checkTableColumns('u', 't', 'trades', noRecv)).not.toThrow();
  });

  it('names the column and the rule of a missing, mistyped or undesignated column', () => {
    expect(schemaError(trades.filter((c) => c.name !== 'price'))).toMatchObject({ table: 't', column: 'price' });
    expect(schemaError(trades.map((c) => (c.name === 'price' ? { ...c, type: 'FLOAT' } : c))).message).toBe(
      'questdb://h/t?symbol=A&kind=trades: table `t`, column `price`: must be of type DOUBLE, is FLOAT',
    );
    expect(schemaError(trades.map((c) => ({ ...c, designated: false }))).message).toMatch(/column `ts`: must be the designated timestamp/);
    expect(schemaError(trades.filter((c) => c.name !== 'recv_ts'), ['recv_ts']).message).toMatch(/needed for local=recv_ts/);
  });
});
