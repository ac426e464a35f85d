// The inputs a local sweep's main thread shares with its pool workers: the parsed data on
// SharedArrayBuffers, read only by the workers' streams (a stream that renumbers its instrument
// copies the records first), and the compiled core; a run over the shared data gives what a run
// over data its own thread loaded gives.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataCache, executeRun, parseSweepSpec, planSweep, sweepTasks, type RunResult } from './index.js';
import { adoptSharedRunInputs, prepareSharedRunInputs } from './shared-run-inputs.js';
import { adoptCompiledCore } from '../../core/wasm-core.js';

const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const DATA = [
  path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv'),
  path.join(root, 'data', 'binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv'),
];

function instrumentsOf(bytes: Uint8Array): Set<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Set<number>();
  for (let at = 4; at < bytes.byteLength; at += 64) out.add(view.getInt32(at, true));
  return out;
}

function comparable(result: RunResult): Omit<RunResult, 'runMs' | 'attempts'> {
  const { runMs: _runMs, attempts: _attempts, ...rest } = result;
  return rest;
}

describe('sweep: inputs shared with pool workers', () => {
  it('shares the parsed records read-only and copies them before a stream renumbers its instrument', async () => {
    const inputs = await prepareSharedRunInputs(DATA, new DataCache());
    expect(inputs.core, 'the compiled core crosses with the data').toBeInstanceOf(WebAssembly.Module);
    expect(inputs.streams.map((s) => s.symbol)).toStrictEqual(['ETHUSDT', 'BTCUSDT']);
    for (const stream of inputs.streams) expect(stream.bytes.buffer, `${stream.label} is on a SharedArrayBuffer`).toBeInstanceOf(SharedArrayBuffer);
    const own = await new DataCache().streams(DATA);
    inputs.streams.forEach((stream, i) => expect(Buffer.compare(stream.bytes, own[i].bytes), `${stream.label}: the same records as a thread's own load`).toBe(0));

    const cache = new DataCache();
    adoptSharedRunInputs(inputs, cache);
    expect(cache.has(DATA)).toBe(true);
    const [eth, btc] = await cache.streams(DATA);
    expect(eth.bytes.buffer, 'an adopted stream reads the shared records in place').toBe(inputs.streams[0].bytes.buffer);
    const before = Buffer.from(inputs.streams[1].bytes);
    const blocks: Uint8Array[] = [];
    for await (const block of btc.blocks(1)) blocks.push(block.bytes.slice(0, block.count * 64));
    expect(instrumentsOf(Buffer.concat(blocks)), 'the run sees its instrument id').toStrictEqual(new Set([1]));
    expect(Buffer.compare(inputs.streams[1].bytes, before), 'the shared records were not written').toBe(0);
    expect(instrumentsOf(inputs.streams[1].bytes)).toStrictEqual(new Set([0]));
    expect(btc.bytes.buffer, 'the renumbered stream holds its own copy').not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('gives a run over shared data the result of a run over data its thread loaded', async () => {
    const spec = parseSweepSpec([
      `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
      `data: [${DATA.join(', ')}]`,
      'parameters: { fast: [8, 12] }',
      'set:',
      '  strategies[0].long.entry: "ema:{fast} >= ema:30"',
      '  strategies[0].long.exit: "ema:{fast} < ema:30"',
      '',
    ].join('\n'), path.join(root, 'sweep.test.yaml'));
    const tasks = sweepTasks('shared', spec, planSweep(spec));
    const shared = new DataCache();
    adoptSharedRunInputs(await prepareSharedRunInputs(spec.data, new DataCache()), shared);
    const own = new DataCache();
    for (const task of tasks) {
      const a = await executeRun(task, shared);
      const b = await executeRun(task, own);
      expect(a.fills, `run ${task.index} trades`).toBeGreaterThan(0);
      expect(comparable(a), `run ${task.index}`).toStrictEqual(comparable(b));
    }
  });

  it('refuses to adopt something that is not a compiled module', () => {
    expect(() => adoptCompiledCore({} as WebAssembly.Module)).toThrow(/expected a WebAssembly.Module, was \[object Object\]/);
  });
});
