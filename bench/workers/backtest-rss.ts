// Child process of the backtest bench: runs the ema-cross backtest over one source (a CSV file,
// or `store:DIR?to=NS` for the LMDB market-data store) and prints, as JSON, its peak RSS
// (process.resourceUsage().maxRSS) and its peak anonymous RSS (RssAnon of /proc/self/status,
// sampled every 20 ms): LMDB reads through a memory map, whose file pages count in RSS while
// they are mapped but are the kernel's page cache, not memory the backtest holds.
// Usage: node dist/bench/workers/backtest-rss.js SOURCE CONFIG_FILE
import { readFileSync } from 'node:fs';
import { runBacktest } from '../../engine/backtest/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { openDataSources } from '../../adapters/sources/index.js';

function rssAnonMb(): number {
  const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

const [source, configFile] = process.argv.slice(2);
let peakAnon = rssAnonMb();
const sampler = setInterval(() => (peakAnon = Math.max(peakAnon, rssAnonMb())), 20);
const streams = await openDataSources([source], {});
const run = await runBacktest({ streams, config: loadConfig({ configFile, env: {} }), equity: 100_000, barTimeframe: '1m' });
clearInterval(sampler);
peakAnon = Math.max(peakAnon, rssAnonMb());
process.stdout.write(`${JSON.stringify({ events: run.published, maxRssMb: process.resourceUsage().maxRSS / 1024, maxRssAnonMb: peakAnon })}\n`);
