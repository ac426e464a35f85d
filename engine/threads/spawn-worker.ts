// Starts a worker thread from a module that sits beside the caller, whether the
// process runs compiled JavaScript (dist/) or TypeScript sources (tests, via tsx).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * `moduleUrl` is `new URL('./name.js', import.meta.url)` from the caller. When only the
 * `.ts` source exists (tests run from source), the worker loads it through tsx.
 */
export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const jsPath = fileURLToPath(moduleUrl);
  if (existsSync(jsPath)) return new Worker(moduleUrl, options);
  const tsUrl = new URL(moduleUrl.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(tsUrl))) {
    throw new Error(`worker module not found: neither ${jsPath} nor its .ts source exists (run \`npm run build\`)`);
  }
  const execArgv = [...(options.execArgv ?? process.execArgv), '--import', 'tsx'];
  return new Worker(tsUrl, { ...options, execArgv });
}
