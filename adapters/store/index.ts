// Public API of the market-data store: an embedded LMDB environment of event-record blocks per
// series (symbol, kind, bar interval), filled by importStream from any MarketStream and read back
// as MarketStreams over a time range (engine/replay/market-stream.ts), with per-series metadata.
export { MarketStore, listSeries, BLOCK_RECORDS, STORE_FORMAT, type SeriesInfo, type SourceInfo, type OpenStoreOptions } from './market-store.js';
export { importStream, type ImportOptions, type ImportResult } from './store-import.js';
export { openStoreStreams, measureStoreRead, StoreStream, type StoreQuery, type StoreReadMeasure } from './store-stream.js';
export { seriesName, formatInterval, isoNs, selectionNs, type SeriesKey } from './series-key.js';
export { fileSha256, isFile } from './file-sha256.js';
export { StoreError, StoreOpenError, StoreOverlapError, StoreDuplicateSourceError, StoreImportError, type StoreRule } from './store-errors.js';
