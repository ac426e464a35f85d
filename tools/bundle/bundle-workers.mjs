#!/usr/bin/env node
// Build step after tsc (`npm run build:ts`): bundles each worker thread's entry module with its
// own code (dist/ only; npm packages stay external) into one file beside it, `<name>.bundle.js`.
// A worker thread loads its whole module graph on start: ~300 ES modules for a sweep's pool
// worker, most of its start-up spent resolving, reading and linking them one by one. One file
// loads in about half the time, and every sweep, backtest and paper session starts threads.
// engine/threads/worker-entry.ts picks the bundle when it is at least as new as the entry
// (tsc rewrites every file it emits, so a build without this step leaves the bundle older and
// it is not used).
//
// A bundled module's `import.meta.url` is the bundle's, not the file it came from: each one is
// rewritten to the original file's URL (relative to the bundle), so paths beside modules (the
// generated config validator, worker entries, createRequire) resolve as they do unbundled.
//   node tools/bundle/bundle-workers.mjs
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(root, 'dist');

/** The worker threads' entry modules (dist/, relative). */
const WORKER_ENTRIES = [
  'engine/research/sweep/pool-worker.js',
  'engine/threads/engine-thread.js',
  'engine/models/ahead-worker.js',
];

/** `file` (absolute) as an import specifier relative to the bundle at `bundleFile`. */
function specifierFrom(bundleFile, file) {
  const relative = path.relative(path.dirname(bundleFile), file).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/**
 * import.meta.url of the file being loaded, as seen from the bundle at `bundleFile`; and our own
 * modules imported with `import()` stay out of the bundle (loaded from dist/ when called): the
 * bundle's static imports of npm packages are hoisted to its top, so a module bundled behind an
 * `import()` would load its packages (lmdb, jose ...) when the thread starts, not when needed.
 */
function originalUrlPlugin(bundleFile) {
  return {
    name: 'original-import-meta-url',
    setup(b) {
      // npm packages stay external and count as free of side effects, so a package whose imports
      // the bundle dropped (tree-shaken code) is not loaded for nothing (no module of ours
      // imports a package for its side effects alone).
      b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') ? undefined : { path: args.path, external: true, sideEffects: false }));
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        return { path: specifierFrom(bundleFile, path.resolve(args.resolveDir, args.path)), external: true };
      });
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
        const href = `new URL(${JSON.stringify(specifierFrom(bundleFile, args.path))}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', href), loader: 'js' };
      });
    },
  };
}

function bundleFileOf(entry) {
  return entry.replace(/\.js$/, '.bundle.js');
}

async function bundleOne(entry) {
  const input = path.join(dist, entry);
  const output = path.join(dist, bundleFileOf(entry));
  await stat(input).catch(() => {
    throw new Error(`bundle-workers: ${path.relative(root, input)} is missing; run tsc first (npm run build:ts)`);
  });
  await build({
    entryPoints: [input],
    outfile: output,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [originalUrlPlugin(output)],
  });
  return output;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    for (const entry of WORKER_ENTRIES) await bundleOne(entry);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
