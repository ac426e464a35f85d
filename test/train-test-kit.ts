// Shared by the trainer tests: the quantiles and their tags, an hour in ns, the first 3,000
// bundled BTC 1h bars and their feature export, and a byte-for-byte comparison of two model directories.
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runFeatures } from '../engine/cli/commands/features.js';

export const QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9];
export const TAGS = ['q10', 'q25', 'q50', 'q75', 'q90'];
export const HOUR = 3_600_000_000_000n;
const BTC = 'data/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';

/** Writes the first 3,000 BTC bars (with their sidecar) into `dir` and exports their features (horizon 12, no reserve) into `featuresDir`. */
export async function btcSliceFeatures(dir: string, featuresDir: string): Promise<void> {
  const csv = path.join(dir, 'btc-3000.csv');
  writeFileSync(csv, `${readFileSync(BTC, 'utf8').split('\n').slice(0, 3001).join('\n')}\n`);
  copyFileSync(`${BTC}.meta.json`, `${csv}.meta.json`);
  await runFeatures({ data: csv, out: featuresDir, reserve: '0', horizon: '12', state: path.join(dir, 'state') });
}

/** `actualDir` holds the same file names as `expectedDir`, each with the same bytes. */
export function expectSameFiles(expectedDir: string, actualDir: string): void {
  const names = readdirSync(expectedDir).sort();
  expect(readdirSync(actualDir).sort()).toEqual(names);
  for (const name of names) expect(readFileSync(path.join(actualDir, name)).equals(readFileSync(path.join(expectedDir, name))), name).toBe(true);
}
