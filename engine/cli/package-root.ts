// Resolves the package root from compiled (dist/) or source locations.
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = here.includes('/dist/engine/') ? '/dist/engine/' : '/engine/';
  return here.slice(0, here.lastIndexOf(marker));
}
