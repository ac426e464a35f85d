// Starts a worker thread from a module that sits beside the caller, whether the
// process runs compiled JavaScript (dist/) or TypeScript sources (tests, via tsx).
//
// For a .ts entry point, `execArgv: ['--import', 'tsx']` does not reach a worker's
// entry module on Node 20 ("Unknown file extension .ts"), so a one-line eval
// bootstrap registers tsx's ESM hooks inside the worker and then imports the module. A compiled
// entry with a current bundle beside it starts from the bundle (worker-entry.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { workerEntry } from './worker-entry.js';

/**
 * `moduleUrl` is `new URL('./name.js', import.meta.url)` from the caller (or a `.ts`
 * URL in tests). When only the `.ts` source exists, the worker loads it through tsx.
 */
export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts') && existsSync(fileURLToPath(moduleUrl))) return new Worker(workerEntry(moduleUrl), options);
  const tsUrl = new URL(moduleUrl.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(tsUrl))) {
    throw new Error(`worker module not found: neither ${fileURLToPath(moduleUrl)} nor its .ts source exists (run \`npm run build\`)`);
  }
  const tsxApi = tsxEsmApiUrl();
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(tsUrl.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** URL of tsx's ESM register API (the `import` condition of its `./esm/api` export). */
function tsxEsmApiUrl(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}
