// A config `data:` entry for a bar file with no bar stamp (none in the entry, no sidecar) was
// refused with the flag's wording, "--bar-stamp open|close, or barStamp in FILE.meta.json": a flag
// the user never gave. It names the entry's own field, `cfg.yaml data[1].barStamp`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../engine/config/index.js';
import { openRunData, runDataSources } from '../engine/cli/open-run-data.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-config-bar-stamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';

describe('a config data entry without a bar stamp', () => {
  it('is refused naming the entry\'s barStamp field, not the --bar-stamp flag', async () => {
    writeFileSync(join(dir, 'eth.csv'), readFileSync(ETH));
    writeFileSync(join(dir, 'eth.csv.meta.json'), readFileSync(`${ETH}.meta.json`));
    writeFileSync(join(dir, 'bare.csv'), readFileSync(ETH)); // no sidecar, so no barStamp anywhere
    const file = join(dir, 'cfg.yaml');
    writeFileSync(file, 'data:\n  - { path: eth.csv }\n  - { path: bare.csv, symbol: ETHUSDT, kind: bars }\n');
    const config = loadConfig({ configFile: file, env: {} });
    const refused = openRunData(runDataSources(undefined, config, file), {});
    await expect(refused).rejects.toThrow(`${file} data[1]: ${join(dir, 'bare.csv')}: `);
    await expect(openRunData(runDataSources(undefined, config, file), {})).rejects.toThrow(`\`${file} data[1].barStamp\` (open or close)`);
    await expect(openRunData(runDataSources(undefined, config, file), {})).rejects.not.toThrow(/--bar-stamp/);
  });

  it('keeps the flag\'s wording for a --data file', async () => {
    writeFileSync(join(dir, 'flag.csv'), readFileSync(ETH));
    const config = loadConfig({ env: {} });
    await expect(openRunData(runDataSources([join(dir, 'flag.csv')], config), {})).rejects.toThrow('--bar-stamp open|close, or barStamp in FILE.meta.json');
  });
});
