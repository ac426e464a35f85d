// Resolves the package root (where package.json, wasm/build, config/ and data/ live),
// whether this module runs compiled from dist/ or as TypeScript source.
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = here.includes('/dist/engine/') ? '/dist/engine/' : '/engine/';
  return here.slice(0, here.lastIndexOf(marker));
}
