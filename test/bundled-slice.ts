// The first bars of a bundled data file (data/<name>) written into a test's own directory, with
// its provenance sidecar (<name>.meta.json): how the paper, control and dashboard tests get a
// short run of real bars.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DATA = resolve(import.meta.dirname, '..', 'data');

/** Writes the header and the first `bars` rows of data/`name` to `dir`/`as` (default `name`); returns that path. */
export function writeBundledSlice(dir: string, name: string, bars: number, as: string = name): string {
  const lines = readFileSync(join(DATA, name), 'utf8').split('\n');
  const path = join(dir, as);
  writeFileSync(path, `${lines.slice(0, bars + 1).join('\n')}\n`);
  copyFileSync(join(DATA, `${name}.meta.json`), `${path}.meta.json`);
  return path;
}
