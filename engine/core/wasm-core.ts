// Loads the compiled AssemblyScript core into a shared WebAssembly.Memory.
// The engine creates the memory at a fixed size (it never grows, so typed views
// stay attached) and passes it to the core, which imports it.
import { readFileSync } from 'node:fs';
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

/** Compiles the core once per build and caches the module. Modules can be posted to workers. */
export function compileCore(build: CoreBuild = 'release'): WebAssembly.Module {
  let module = compiledModules.get(build);
  if (!module) {
    const path = coreWasmPath(build);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch {
      throw new Error(`WASM core not found at ${path}: run \`npm run build\` first`);
    }
    module = new WebAssembly.Module(bytes);
    compiledModules.set(build, module);
  }
  return module;
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
