// Loads the compiled AssemblyScript core into a shared WebAssembly.Memory.
// The engine creates the memory at a fixed size (it never grows, so typed views
// stay attached) and passes it to the core, which imports it.
//
// The core compiles with V8's optimizing tier up front (no Liftoff baseline, no lazy
// compilation): otherwise its functions start in the baseline tier and are recompiled while
// the engine runs, so a session's first events (a live open, a short backtest) run slower and
// with compile pauses. Measured on the bundled ETH replay (`replay --decide`): 0.49-0.76M
// events/s with tier-up vs 0.78-1.18M compiled up front; the up-front compile takes ~67 ms.
// The tiering flags are V8 flags, set for the compile and put back to their defaults right
// after: V8 rejects a code cache made under other flags, and Node's own modules load from one,
// so while they stayed changed every built-in module the process (and each thread it starts)
// loaded afterwards was compiled from source: two threads starting at once took 79-91 ms
// instead of 31-46 ms here, the built-ins they loaded 20 ms instead of 5.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { packageRoot } from './package-root.js';
import { MEMORY_PAGES } from '../layout/memory-map.js';
import { checkCoreStatus } from './core-status.js';

export type CoreBuild = 'release' | 'debug';

/** Exports of wasm/assembly/index.ts. Only scalars cross. */
export interface CoreExports {
  coreInit(): number;
  eventBytes(): number;
  [name: string]: unknown;
}

const compiledModules = new Map<CoreBuild, WebAssembly.Module>();

/** Path of the compiled core, relative to the package root (works from dist/ and from source). */
export function coreWasmPath(build: CoreBuild = 'release'): string {
  const file = build === 'release' ? 'core.wasm' : 'core.debug.wasm';
  return `${packageRoot()}/wasm/build/${file}`;
}

const buildHashes = new Map<CoreBuild, string>();

/**
 * sha256 (hex) of the compiled core's bytes, once per build and process: what state a checkpoint
 * image holds, and how the kernels compute, follow from it.
 */
export function coreBuildHash(build: CoreBuild = 'release'): string {
  let hash = buildHashes.get(build);
  if (hash === undefined) {
    hash = createHash('sha256').update(readBuiltWasm(coreWasmPath(build), 'core')).digest('hex');
    buildHashes.set(build, hash);
  }
  return hash;
}

/** Compiles the core once per build and caches the module. Modules can be posted to workers. */
export function compileCore(build: CoreBuild = 'release'): WebAssembly.Module {
  let module = compiledModules.get(build);
  if (!module) {
    module = compileOptimizedUpFront(readBuiltWasm(coreWasmPath(build), 'core'));
    compiledModules.set(build, module);
  }
  return module;
}

/**
 * Uses `module` (compiled by another thread of this process and posted here) as this thread's
 * compiled core for `build`, unless one is already compiled: a pool worker then skips the compile.
 * It must come from coreWasmPath(build).
 */
export function adoptCompiledCore(module: WebAssembly.Module, build: CoreBuild = 'release'): void {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError(`adoptCompiledCore: expected a WebAssembly.Module, was ${Object.prototype.toString.call(module)}`);
  if (!compiledModules.has(build)) compiledModules.set(build, module);
}

/** The flags that compile a module with the optimizing tier, every function at once. */
const UP_FRONT_FLAGS = ['--no-liftoff', '--no-wasm-lazy-compilation'];
/** Their defaults (`--no-liftoff` also turns dynamic tiering off), unless the command line set them. */
const DEFAULT_FLAGS = ['--liftoff', '--wasm-lazy-compilation', '--wasm-dynamic-tiering'];

/** Compiles `bytes` under UP_FRONT_FLAGS (V8 reads them at compile time), then restores the defaults. */
function compileOptimizedUpFront(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  for (const flag of UP_FRONT_FLAGS) setFlagsFromString(flag);
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    for (const flag of DEFAULT_FLAGS) if (!setOnCommandLine(flag)) setFlagsFromString(flag);
  }
}

/** Whether node's command line names V8 flag `flag` (either polarity, `-` or `_`). */
function setOnCommandLine(flag: string): boolean {
  const name = flag.replace(/^--(no-)?/, '').replaceAll('_', '-');
  return process.execArgv.some((arg) => arg.replace(/=.*$/, '').replace(/^--(no-)?/, '').replaceAll('_', '-') === name);
}

/** Path of the page-reset module (wasm/page-reset/page-reset.ts), relative to the package root. */
export function pageResetWasmPath(): string {
  return `${packageRoot()}/wasm/build/page-reset.wasm`;
}

let pageResetModule: WebAssembly.Module | undefined;

/** Compiles the page-reset module once per thread (optimizing tier up front: each call is one long loop). */
export function compilePageReset(): WebAssembly.Module {
  pageResetModule ??= compileOptimizedUpFront(readBuiltWasm(pageResetWasmPath(), 'page-reset module'));
  return pageResetModule;
}

/** The bytes of a module `npm run build` writes to wasm/build, or an error saying to build. */
function readBuiltWasm(path: string, what: string): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(path));
  } catch {
    throw new Error(`WASM ${what} not found at ${path}: run \`npm run build\` first`);
  }
}

export function createSharedMemory(pages: number = MEMORY_PAGES): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Instantiates the core over `memory` and runs coreInit. */
export function instantiateCore(memory: WebAssembly.Memory, module: WebAssembly.Module = compileCore()): CoreExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort(_message: number, _file: number, line: number, column: number): never {
        throw new Error(`WASM core aborted at line ${line}:${column} (debug build assertion)`);
      },
    },
  });
  const core = instance.exports as unknown as CoreExports;
  checkCoreStatus(core.coreInit(), 'coreInit');
  return core;
}
