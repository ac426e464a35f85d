// `quantflow backtest` with the ML expert, as a user runs it (compiled dist/, a real process):
// the example config/examples/fusion-ml.yaml on the bundled BTC bars with the committed models
// (no Python), its summary line and report.json section, and a configured model that cannot
// serve: the run completes without the ML expert and says why. The example names its regime model
// relative to itself (no --regime-model flag); a rerun reads the answers from the ahead cache and
// gives the same fills.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelDir } from '../engine/models/index.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const BTC = 'data/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
const EXAMPLE = 'config/examples/fusion-ml.yaml';

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('quantflow backtest with the ML expert', () => {
  it('runs the example end to end: every bar with a fold decided on time, the model section in the summary and report.json', () => {
    const out = mkdtempSync(join(tmpdir(), 'qf-bt-ml-'));
    const cache = join(out, 'cache');
    const json = run(['backtest', '--no-run-store', '--data', BTC, '--config', EXAMPLE, '--ahead-cache', cache, '--out', join(out, 'a'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout);
    const model = summary.model;
    expect(model.state).toBe('serving');
    expect(model.name).toBe('btc-1h-q5');
    expect(model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(model.instruments).toEqual(['BTCUSDT']);
    expect(model.predictions).toBeGreaterThan(15_000);
    expect(model.onTime).toBe(model.predictions);
    expect(model.timeouts).toBe(model.noFoldBars);
    expect(model.folds).toHaveLength(5);
    expect(model.answers, 'first run: computed, then stored').toBe('stored');
    expect(model.cacheDir).toBe(cache);
    expect(summary.fills).toBeGreaterThan(20);
    const report = JSON.parse(readFileSync(join(out, 'a', 'report.json'), 'utf8'));
    expect(report.model).toEqual(model);

    const text = run(['backtest', '--no-run-store', '--data', BTC, '--config', EXAMPLE, '--ahead-cache', cache, '--out', join(out, 'b')]);
    expect(text.code, text.stderr).toBe(0);
    const line = text.stdout.split('\n').find((l) => l.startsWith('ML expert: '));
    expect(line, text.stdout).toContain(`btc-1h-q5 (${model.hash.slice(0, 12)}`);
    expect(line).toContain(`${model.predictions.toLocaleString('en-US')} predictions ahead`);
    expect(line, 'the rerun says where its answers came from').toContain(`answers from the ahead cache ${cache}`);
    expect(text.stdout, 'the same fills from the cache').toContain(`fills sha256 ${summary.fillsSha256}`);
  });

  it('refuses the model registry given as --ahead-cache in one line, and the registry keeps serving its promoted model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-ml-registry-cache-'));
    const registry = join(dir, 'registry');
    const model = join(root, 'data', 'models', 'btc-1h-q5');
    expect(run(['models', 'add', model, '--registry', registry]).code).toBe(0);
    expect(run(['models', 'promote', readModelDir(model).hash, '--strategy', 'btc-fusion-ml', '--by', 'test', '--reason', 'test', '--registry', registry]).code).toBe(0);
    const refused = run(['backtest', '--no-run-store', '--no-progress', '--data', BTC, '--config', EXAMPLE, '--ahead-cache', registry, '--out', join(dir, 'a')]);
    expect(refused.code, refused.stdout).toBe(2);
    expect(refused.stderr).toBe(`quantflow: --ahead-cache ${registry}: cannot open the cache (${registry} is a model registry (meta kind "model-registry"), not an ahead cache; the ahead cache needs a directory of its own); give another directory or --no-ahead-cache\n`);
    const ls = run(['models', 'ls', '--registry', registry]);
    expect(ls.stderr).toBe('');
    expect(ls.stdout).toContain('btc-1h-q5');
    const config = join(dir, 'fusion-ml-registry.yaml');
    writeFileSync(config, readFileSync(join(root, EXAMPLE), 'utf8')
      .replace('path: ../../data/models/btc-1h-q5', `registry: ${registry}\n  promoted: btc-fusion-ml`)
      .replace('regimeModel: ../../data/models/btc-1h-regime.json', `regimeModel: ${join(root, 'data', 'models', 'btc-1h-regime.json')}`));
    const served = run(['backtest', '--no-run-store', '--no-progress', '--data', BTC, '--config', config, '--no-ahead-cache', '--out', join(dir, 'b')]);
    expect(served.code, served.stderr).toBe(0);
    expect(served.stdout, 'the promoted model serves').toMatch(/^ML expert: btc-1h-q5 \(/m);
  });

  it('a configured model that cannot serve: the run completes without the ML expert and prints why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-bt-ml-bad-'));
    const config = join(dir, 'fusion-ml-h1.yaml');
    writeFileSync(config, readFileSync(join(root, EXAMPLE), 'utf8')
      .replace('horizonBars: 12', 'horizonBars: 1')
      .replace('path: ../../data/models/btc-1h-q5', `path: ${join(root, 'data', 'models', 'btc-1h-q5')}`)
      .replace('regimeModel: ../../data/models/btc-1h-regime.json', `regimeModel: ${join(root, 'data', 'models', 'btc-1h-regime.json')}`));
    const result = run(['backtest', '--no-run-store', '--data', BTC, '--config', config, '--no-ahead-cache', '--out', join(dir, 'out')]);
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout.split('\n').find((l) => l.startsWith('ML expert absent: '));
    expect(line, result.stdout).toMatch(/the model predicts 12-bar returns, the ML expert's `fusion.ml.horizonBars` is 1/);
    expect(result.stderr).toContain('ML expert absent: ');
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.model.state).toBe('absent');
  });
});
