// temporary dev profiling script (not part of the repo; deleted before report)
import { readOhlcvCsv } from './engine/bars/index.js';
import { compileCore, createSharedMemory, instantiateCore } from './engine/core/wasm-core.js';
import { buildPlan, IndicatorExecutor, type IndicatorCoreExports } from './engine/indicators/index.js';
import { SCRATCH_REGION_OFFSET } from './engine/layout/memory-map.js';
const bars = readOhlcvCsv('/work/shared/data/crypto_ohlcv/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv');
const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as IndicatorCoreExports;
const n = bars.length;
const plans = process.argv.slice(2).map((s) => s.split(','));
const f64 = new Float64Array(memory.buffer);
const base = SCRATCH_REGION_OFFSET / 8;
new BigInt64Array(memory.buffer).set(bars.timeNs, base);
[bars.open, bars.high, bars.low, bars.close, bars.volume].forEach((c, k) => f64.set(c, base + (k + 1) * n));
const out = SCRATCH_REGION_OFFSET + 8 * 6 * n;
const res: Record<string, number[]> = {};
const execs = plans.map((p) => IndicatorExecutor.create(buildPlan(p), { core, memory }));
for (let r = 0; r < 15; r++) {
  execs.forEach((e, k) => {
    // reload plan: executors share the core; recreate
    const ex = IndicatorExecutor.create(e.plan, { core, memory });
    ex.resetSlot(0);
    const t0 = process.hrtime.bigint();
    let passes = 0;
    while (Number(process.hrtime.bigint() - t0) < 10e6) { core.indRunBatch(0, SCRATCH_REGION_OFFSET, n, out); passes++; }
    const ns = Number(process.hrtime.bigint() - t0) / passes / n;
    if (r > 2) (res[plans[k].join(',').slice(0, 40)] ??= []).push(ns);
  });
}
for (const [k, v] of Object.entries(res)) { v.sort((a, b) => a - b); console.log(k.padEnd(42), v[v.length >> 1].toFixed(2), 'min', v[0].toFixed(2)); }
