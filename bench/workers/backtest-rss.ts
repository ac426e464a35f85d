// Child process of the backtest bench: runs the ema-cross backtest streaming trades from an
// LMDB market-data store up to a time bound, then prints its peak RSS as JSON, so the bench
// can compare peak memory as the range doubles.
// Usage: node dist/bench/workers/backtest-rss.js STORE_DIR CONFIG_FILE TO_NS
import { runBacktest } from '../../engine/backtest/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { openStoreStreams } from '../../adapters/store/index.js';

const [store, configFile, toNs] = process.argv.slice(2);
const streams = openStoreStreams(store, { kind: 'trades', to: BigInt(toNs) });
const run = await runBacktest({ streams, config: loadConfig({ configFile, env: {} }), equity: 100_000, barTimeframe: '1m' });
process.stdout.write(`${JSON.stringify({ events: run.published, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
