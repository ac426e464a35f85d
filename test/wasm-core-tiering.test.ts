// The core's compile (engine/core/wasm-core.ts): every exported function is compiled with V8's
// optimizing tier up front, and the V8 flags that do it are put back, so V8's code-cache tag
// (v8.cachedDataVersionTag(), a hash of the flags) is the same after the compile as before it;
// a changed tag made V8 reject Node's built-in code cache for every module loaded afterwards.
// In a child process of the built dist/ (the tier check needs --allow-natives-syntax).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipWithout } from './peers.js';

const root = resolve(import.meta.dirname, '..');
const wasmCore = join(root, 'dist', 'engine', 'core', 'wasm-core.js');
const built = { what: 'built dist/engine/core/wasm-core.js', missing: existsSync(wasmCore) ? '' : 'dist/engine/core/wasm-core.js is missing (run `npm run build`)' };

const probe = `
import v8 from 'node:v8';
const { compileCore, createSharedMemory, instantiateCore } = await import(${JSON.stringify(pathToFileURL(wasmCore).href)});
const before = v8.cachedDataVersionTag();
const core = instantiateCore(createSharedMemory(), compileCore());
const after = v8.cachedDataVersionTag();
const functions = Object.entries(core).filter(([, f]) => typeof f === 'function');
const notOptimized = functions.filter(([, f]) => !%IsTurboFanFunction(f) || %IsLiftoffFunction(f)).map(([name]) => name);
process.stdout.write(JSON.stringify({ before, after, functions: functions.length, notOptimized }));
`;

describe.skipIf(skipWithout(built))('WASM core compile', () => {
  it('compiles every export with the optimizing tier and leaves V8 flags (the code-cache tag) as they were', () => {
    const child = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as { before: number; after: number; functions: number; notOptimized: string[] };
    expect(result.functions, 'the core exports functions').toBeGreaterThan(50);
    expect(result.notOptimized, 'exports not compiled by TurboFan').toEqual([]);
    expect(result.after, 'v8.cachedDataVersionTag() after the compile').toBe(result.before);
  });
});
