// Which file a worker thread loads for an entry module of dist/: the entry's bundle beside it
// (`name.bundle.js`, tools/bundle/bundle-workers.mjs: the entry and its own imports in one file,
// npm packages external) when the bundle is at least as new as the entry, else the entry itself.
// tsc rewrites every file it emits, so a build that stopped before the bundle step leaves the
// bundle older than the entry and the entry is used: a bundle never runs code older than dist/.
import { statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The bundle of `entryUrl` (a dist/ `.js` file URL) when it is current, else `entryUrl`. */
export function workerEntry(entryUrl: URL): URL {
  if (!entryUrl.pathname.endsWith('.js') || entryUrl.pathname.endsWith('.bundle.js')) return entryUrl;
  const entryPath = fileURLToPath(entryUrl);
  const bundlePath = entryPath.replace(/\.js$/, '.bundle.js');
  const entry = statSync(entryPath, { throwIfNoEntry: false });
  const bundle = statSync(bundlePath, { throwIfNoEntry: false });
  if (entry === undefined || bundle === undefined || bundle.mtimeMs < entry.mtimeMs) return entryUrl;
  return pathToFileURL(bundlePath);
}
