// walkforward without --data reads the configuration's `data:` sources; a source that cannot be
// opened was reported as "--data PATH: ...", a flag the user never gave. It names the
// configuration file and its `data` entry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWalkforwardCommand, type WalkforwardFlags } from '../engine/cli/commands/walkforward.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-wf-config-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EMA_CROSS = readFileSync('config/examples/ema-cross.yaml', 'utf8');
const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const quiet = { print: () => undefined, log: () => undefined };

function flags(config: string): WalkforwardFlags {
  return { config, train: '6mo', test: '1mo', mode: 'rolling', purge: '0', embargo: '0', reserve: '0.2', state: join(dir, 'state'), equity: '100000' };
}

function configWith(name: string, data: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${EMA_CROSS}\ndata:\n${data}\n`);
  return file;
}

describe('walkforward on the configuration\'s data sources', () => {
  it('names the configuration file and its data entry for a missing file', async () => {
    const config = configWith('missing.yaml', '  - { path: eth.csv }\n  - { path: gone.csv }');
    writeFileSync(join(dir, 'eth.csv'), readFileSync(`${ETH}`));
    writeFileSync(join(dir, 'eth.csv.meta.json'), readFileSync(`${ETH}.meta.json`));
    const refused = runWalkforwardCommand(flags(config), quiet);
    await expect(refused).rejects.toThrow(`${config} data[1]: ${join(dir, 'gone.csv')}: `);
    await expect(runWalkforwardCommand(flags(config), quiet)).rejects.not.toThrow(/--data/);
  });

  it('names the configuration\'s data for a source that holds no rows', async () => {
    const config = configWith('empty.yaml', '  - { path: empty.csv }');
    writeFileSync(join(dir, 'empty.csv'), `${readFileSync(ETH, 'utf8').split('\n')[0]}\n`);
    writeFileSync(join(dir, 'empty.csv.meta.json'), readFileSync(`${ETH}.meta.json`));
    await expect(runWalkforwardCommand(flags(config), quiet)).rejects.toThrow(`${config} data`);
    await expect(runWalkforwardCommand(flags(config), quiet)).rejects.not.toThrow(/--data/);
  });

  it('names them for a store source with a bad parameter', async () => {
    const config = configWith('store.yaml', `  - { path: "store:${join(dir, 'store')}?kind=candles" }`);
    await expect(runWalkforwardCommand(flags(config), quiet)).rejects.toThrow(new RegExp(`^${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} data\\[0\\]: store:.*kind must be bars, trades or quotes`));
  });
});
