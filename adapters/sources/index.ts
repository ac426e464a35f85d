// Public API of adapters/sources: one entry point that turns data sources (CSV files, the LMDB
// store, QuestDB) into market streams, for the CLI, the research tools and the benches.
export { openDataSources, DataSourceError, type DataSource } from './open-data-sources.js';
