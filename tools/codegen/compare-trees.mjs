// Compares files generated in memory with the files committed on disk, byte for byte.
// Used by `flatc.mjs --check` and by test/schemas-drift.test.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Relative POSIX paths of every file under `dir` (recursively), sorted; [] when `dir` is absent. */
export function listFilesRecursively(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * @param {Map<string, string>} expected relative path -> content
 * @param {string} dir directory holding the committed files
 * @returns {{ path: string, problem: 'missing' | 'differs' | 'unexpected' }[]} empty when identical
 */
export function compareWithDirectory(expected, dir) {
  const differences = [];
  const onDisk = new Set(listFilesRecursively(dir));
  for (const [path, content] of expected) {
    if (!onDisk.has(path)) differences.push({ path, problem: 'missing' });
    else if (!readFileSync(join(dir, path)).equals(Buffer.from(content, 'utf8'))) differences.push({ path, problem: 'differs' });
  }
  for (const path of onDisk) {
    if (!expected.has(path)) differences.push({ path, problem: 'unexpected' });
  }
  return differences.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
