// Public API of the QuestDB adapter: QuestDB as a tick store. A replay source (a MarketStream
// over a `questdb://` URL), a recorder of TRADE / QUOTE / BAR records over ILP, the table
// schemas, and the adapter's errors. Table schemas and the record mapping: README.md.
export { openQuestDbStream, measureQuestDbReplay, exportQuery, PAGE_ROWS, type QuestDbStreamOptions } from './questdb-stream.js';
export { parseQuestDbUrl, parseTimeBound, nsToUsCeil, type QuestDbSource } from './questdb-url.js';
export { QuestDbRecorder, type QuestDbRecorderOptions, type QuestDbRecorderStats } from './questdb-recorder.js';
export { TABLE_SCHEMAS, DEFAULT_TABLES, createTableSql, checkTableColumns, type ColumnSpec, type ColumnInfo, type TableSchema } from './questdb-schema.js';
export { questDbExec } from './questdb-client.js';
export { QuestDbUrlError, QuestDbSchemaError, QuestDbQueryError, QuestDbStreamError, QuestDbRecorderError } from './questdb-errors.js';
