// `quantflow regime fit` / `regime filter` end to end on real bars: the model file and
// registry entry are written, and the filter output has one row per featured bar with
// probabilities summing to 1, valid labels and increments adding up to the fit's
// log-likelihood on the training file.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerRegimeCommand } from '../engine/cli/commands/regime.js';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { readRegimeModelFile } from '../engine/regime/regime-model-record.js';
import { RegimeModelRegistry } from '../engine/regime/regime-model-registry.js';
import { sharedData, sharedDataPath, skipWithout } from './peers.js';

const bars = sharedDataPath('crypto_ohlcv/binance_spot_BTCUSDT_4h_2024-04-16_2026-04-16.csv');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-regime-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerRegimeCommand(program);
  await program.parseAsync(['node', 'quantflow', 'regime', ...args]);
}

describe.skipIf(skipWithout(sharedData([bars])))('quantflow regime fit / filter', () => {
  it('fits a model, registers it, and filters the bars it was fitted on', async () => {
    const model = path.join(dir, 'btc-4h.json');
    const registry = path.join(dir, 'registry');
    await run('fit', '--in', bars, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', model, '--restarts', '2', '--min-dwell', '2', '--registry', registry, '--name', 'btc-4h');
    const record = readRegimeModelFile(model);
    expect(record.featureSpec).toEqual(['logret', 'rvol:20', 'volz:20']);
    expect(record.trainingRange.rows, '4,380 bars less the 20 bars before rvol:20 and volz:20 both have a value').toBe(4_360);
    const reg = RegimeModelRegistry.open(registry);
    expect(reg.get('btc-4h').dataHash).toBe(record.dataHash);
    await reg.close();

    const out = path.join(dir, 'filtered.csv');
    await run('filter', '--model', 'btc-4h@1', '--registry', registry, '--in', bars, '--out', out);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('time_ns,p0,p1,p2,label,loglik_increment');
    expect(lines.length - 1).toBe(record.trainingRange.rows);
    expect(lines[1].split(',')[0], 'first row is the first training row').toBe(record.trainingRange.fromNs);
    let total = 0;
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      const p = cells.slice(1, 4).map(Number);
      expect(Math.abs(p[0] + p[1] + p[2] - 1), `probabilities of ${cells[0]}`).toBeLessThan(1e-12);
      expect(['trending', 'mean_reverting', 'choppy']).toContain(cells[4]);
      total += Number(cells[5]);
    }
    expect(Math.abs(total / record.logLikelihood - 1), 'increments add up to the training log-likelihood').toBeLessThan(1e-9);
  });

  it('refuses a bad flag with a one-line message naming the flag and the value', async () => {
    await expect(run('fit', '--in', bars, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', path.join(dir, 'x.json'), '--covariance', 'tied')).rejects.toThrow(
      new UserFacingError('`--covariance` must be diag or full, was "tied"'),
    );
    await expect(run('filter', '--model', 'missing', '--registry', path.join(dir, 'registry'), '--in', bars, '--out', path.join(dir, 'y.csv'))).rejects.toThrow(
      '--model: regime model "missing" version latest is not in the registry',
    );
  });

  it('refuses a repeated feature token, naming it, before fitting a degenerate model', async () => {
    const out = path.join(dir, 'repeated.json');
    await expect(run('fit', '--in', bars, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', out, '--features', 'logret,rvol:20,logret', '--covariance', 'full', '--restarts', '1')).rejects.toThrow(
      new UserFacingError('--features: feature spec must not repeat a token, was "logret,rvol:20,logret": `logret` is feature 1 and 3'),
    );
    expect(existsSync(out), 'no model file is written').toBe(false);
  });
});

describe('quantflow regime fit on data that does not vary', () => {
  it('refuses features that are constant over the rows, naming them', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `${new Date(Date.UTC(2024, 0, 1, i)).toISOString()},100,100,100,100,${i % 2 === 0 ? 5 : 7}`);
    const flat = path.join(dir, 'flat.csv');
    writeFileSync(flat, `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    await expect(run('fit', '--in', flat, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', path.join(dir, 'flat.json'))).rejects.toThrow(
      new UserFacingError(`${flat}: features logret, rvol:20 are constant over the 100 rows (constant prices or volume?): a regime model needs features that vary; give other data or --features`),
    );
  });
});
