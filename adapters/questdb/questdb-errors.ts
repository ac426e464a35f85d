// Errors of the QuestDB adapter. Each carries its facts as properties (the URL, the table, the
// column, the rule) so callers never parse the message, and each message names them.

/** A `questdb://` URL that does not parse or breaks a rule. */
export class QuestDbUrlError extends Error {
  constructor(
    readonly url: string,
    /** The URL part at fault: `scheme`, `host`, `port`, `table`, `symbol`, `kind`, `from`, `to`, `local`, `interval_s`, `block`, a parameter name. */
    readonly field: string,
    readonly value: string,
    readonly rule: string,
  ) {
    super(`${url}: \`${field}\` ${rule}, was ${JSON.stringify(value)}`);
    this.name = 'QuestDbUrlError';
  }
}

/** The table is missing, or a column is missing or has the wrong type. */
export class QuestDbSchemaError extends Error {
  constructor(
    readonly url: string,
    readonly table: string,
    /** The column at fault, or undefined when the table itself is missing. */
    readonly column: string | undefined,
    readonly rule: string,
  ) {
    super(`${url}: table \`${table}\`${column === undefined ? '' : `, column \`${column}\``}: ${rule}`);
    this.name = 'QuestDbSchemaError';
  }
}

/** The server refused a query or could not be reached. */
export class QuestDbQueryError extends Error {
  constructor(
    /** The URL (questdb://...) or endpoint (http://host:port) the query was for. */
    readonly url: string,
    readonly query: string,
    /** HTTP status, or undefined when no response came (connection refused, reset, timeout). */
    readonly status: number | undefined,
    readonly detail: string,
  ) {
    super(`${url}: QuestDB ${status === undefined ? 'could not be reached' : `answered HTTP ${status}`}: ${detail} (query: ${query})`);
    this.name = 'QuestDbQueryError';
  }
}

/** A replay stream broke off (server stopped, connection reset, truncated or malformed export). */
export class QuestDbStreamError extends Error {
  constructor(
    readonly url: string,
    /** Records yielded or decoded before the failure. */
    readonly rows: number,
    readonly detail: string,
  ) {
    super(`${url}: replay stopped after ${rows} rows: ${detail}`);
    this.name = 'QuestDbStreamError';
  }
}

/** Rows the recorder could not write: the server is down or refused them. Nothing is dropped silently. */
export class QuestDbRecorderError extends Error {
  constructor(
    /** The ILP endpoint (`http://127.0.0.1:9000`, `tcp://...`). */
    readonly endpoint: string,
    /** Rows of the failed flush by table (`{ trades: 50000, quotes: 120 }`). */
    readonly rowsByTable: Readonly<Record<string, number>>,
    readonly detail: string,
  ) {
    const rows = Object.values(rowsByTable).reduce((sum, n) => sum + n, 0);
    const tables = Object.entries(rowsByTable)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ');
    super(`${endpoint}: QuestDB did not take ${rows} rows (${tables || 'no rows'}): ${detail}`);
    this.name = 'QuestDbRecorderError';
  }

  get rows(): number {
    return Object.values(this.rowsByTable).reduce((sum, n) => sum + n, 0);
  }
}
