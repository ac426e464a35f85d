// The bundled demo data (data/, provenance in data/README.md) that default runs use.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';

/** The bundled 1h bar files, sorted by name. */
export function defaultBarFiles(): string[] {
  const dir = join(packageRoot(), 'data');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.csv'))
    .sort()
    .map((name) => join(dir, name));
}
