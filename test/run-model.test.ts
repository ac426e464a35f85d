// `quantflow run --mode paper` serving the configured ML model (config `model`) against the local
// Binance simulator: a fusion strategy on BTC/USDT with the bundled regime model and the bundled
// quantile model data/models/btc-1h-q5 (its last fold serves any later bar, the simulator's clock
// is ~now); the core waits for each decided bar's MODEL record, the journal holds them, the
// summary says the model served, and `quantflow replay --journal` decides the same commands.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type JournalEntry } from '../engine/journal/index.js';
import { EventKind, EV_KIND, KIND_MASK } from '../engine/layout/event-record.js';
import { journalEntries, PATH, quantflow, RunHarness, until } from './run-harness.js';

const harness = new RunHarness();
afterEach(() => harness.cleanup());

const root = path.resolve(import.meta.dirname, '..');
const REGIME = path.join(root, 'data', 'models', 'btc-1h-regime.json');
const MODEL = path.join(root, 'data', 'models', 'btc-1h-q5');

const kindOf = (e: JournalEntry): number => (e.type === 'inbound' ? new DataView(e.record.buffer, e.record.byteOffset, 64).getInt32(EV_KIND, true) & KIND_MASK : -1);

/**
 * The bundled regime model labelled for the simulator's 1m bars: a model names the timeframe it
 * was fitted on and the core refuses it on other bars. These tests are about serving the ML
 * model, not about the regime fit, so the 1h model's states stand in for a 1m model's.
 */
function regimeModelFor1m(dir: string): string {
  const model = JSON.parse(readFileSync(REGIME, 'utf8')) as { timeframe?: string };
  expect(model.timeframe, 'the bundled regime model names its timeframe').toBe('1h');
  const file = path.join(dir, 'regime-1m.json');
  writeFileSync(file, JSON.stringify({ ...model, timeframe: '1m' }));
  return file;
}

/** The harness's configuration with its rule strategy replaced by fusion on BTCUSDT and `model` (`modelLines`) added. */
function fusionConfig(config: string, modelLines: string): void {
  const text = readFileSync(config, 'utf8');
  const rules = /^strategies:\n(?: {2,}.*\n)+/m;
  expect(rules.test(text), 'the harness config starts with its strategies block').toBe(true);
  writeFileSync(config, text.replace(rules, `strategies:
  - name: btc-fusion-ml
    type: fusion
    regimeModel: ${regimeModelFor1m(path.dirname(config))}
    instruments: [BTCUSDT]
fusion:
  ml: { horizonBars: 12, maxAgeSeconds: 7200 }
${modelLines}`));
}

describe('quantflow run serves the configured ML model', () => {
  test('paper: MODEL records journaled for the decided bars, summary says serving, replay --journal reproduces the decisions', async () => {
    const { sim, config, journal, startTime } = await harness.setup('model');
    fusionConfig(config, `model:\n  path: ${MODEL}\n  instruments: [BTCUSDT]\n  waitMs: 2000\n  threads: 1\n`);
    const child = harness.start(['--mode', 'paper', '--config', config]);
    await until('the model served', () => /run: model .* serving \(.*5 folds/.test(child.stderr), child, 60_000);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', [...PATH, ...PATH], { startTime, intervalMs: 60 }).done;
    // Bars are journaled as they arrive; wait until the MODEL answers stop growing past the last bars.
    await until('MODEL records journaled', () => journalEntries(journal).filter((e) => kindOf(e) === EventKind.MODEL).length >= 20, child, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(result.model?.state, child.stderr).toBe('serving');
    expect(result.model.source).toContain('btc-1h-q5');
    expect(result.model.fold, 'the last fold serves bars at ~now').toBe(4);
    const entries = journalEntries(journal);
    const models = entries.filter((e) => kindOf(e) === EventKind.MODEL);
    const bars = entries.filter((e) => kindOf(e) === EventKind.BAR);
    expect(bars.length).toBeGreaterThanOrEqual(60);
    expect(models.length, 'at most one MODEL record per bar').toBeLessThanOrEqual(bars.length);
    expect(models.length, 'every bar with a full feature vector answered').toBeGreaterThanOrEqual(result.model.counters.predictions);
    expect(result.model.counters.predictions).toBeGreaterThanOrEqual(20);
    // A paper session journals no commands (the core's simulated venue fills them), so replay's
    // command-by-command check has nothing to compare: the decisions (every outbound record) must hash the same.
    const replay = await quantflow(['replay', '--journal', journal, '--json']);
    const replayed = JSON.parse(replay.stdout.trim().split('\n').pop()!);
    expect(replay.code, `replay --journal exits 0 on a paper journal: ${replay.stderr}`).toBe(0);
    expect(replayed.mode).toBe('paper');
    expect(replayed.firstMismatch).toBeNull();
    expect(replayed.commandsJournaled, replay.stderr).toBe(0);
    expect(replayed.commandsReplayed, 'the fusion strategy traded').toBeGreaterThan(0);
    expect(replayed.decisionsHash, 'replay --journal decides the same as the session').toBe(result.decisionsHash);
    expect(replayed.book.positions, 'and ends with the same positions').toEqual(result.book.positions);
  }, 180_000);

  test('paper: a model that cannot serve (wrong horizon) leaves the session trading without the ML expert and says why', async () => {
    const { sim, config, journal, startTime } = await harness.setup('model-absent');
    fusionConfig(config, `model:\n  path: ${MODEL}\n  waitMs: 2000\n`);
    writeFileSync(config, readFileSync(config, 'utf8').replace('horizonBars: 12', 'horizonBars: 6'));
    const child = harness.start(['--mode', 'paper', '--config', config]);
    await until('the model absent, with the reason', () => /run: model .* absent, trading without the ML expert: .*12-bar returns.*horizonBars` is 6/.test(child.stderr), child, 60_000);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 6), { startTime, intervalMs: 60 }).done;
    await until('bars journaled', () => journalEntries(journal).filter((e) => kindOf(e) === EventKind.BAR).length >= 5, child, 60_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(result.model?.state).toBe('absent');
    expect(journalEntries(journal).filter((e) => kindOf(e) === EventKind.MODEL)).toEqual([]);
  }, 180_000);

  test('paper: a model no instrument would wait for (rule strategy) is absent, with the reason; the session still runs', async () => {
    const { sim, config, journal, startTime } = await harness.setup('model-rules');
    writeFileSync(config, `${readFileSync(config, 'utf8')}fusion:\n  ml: { horizonBars: 12 }\nmodel:\n  path: ${MODEL}\n`);
    const child = harness.start(['--mode', 'paper', '--config', config]);
    await until('the model absent, with the reason', () => /run: model .* absent, trading without the ML expert: no instrument gets the ML expert/.test(child.stderr), child, 60_000);
    await until('market streams subscribed', () => sim.marketStreamCount >= 1, child, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    await sim.playPath('BTCUSDT', PATH.slice(0, 6), { startTime, intervalMs: 60 }).done;
    await until('bars journaled', () => journalEntries(journal).filter((e) => kindOf(e) === EventKind.BAR).length >= 5, child, 60_000);
    child.proc.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n').pop()!).model?.state).toBe('absent');
  }, 180_000);

  test('a model.instruments symbol the session lacks is refused at start in one line (it left the session without the ML expert)', async () => {
    const { config } = await harness.setup('model-typo');
    fusionConfig(config, `model:\n  path: ${MODEL}\n  instruments: [BTCUSD]\n`);
    const child = harness.start(['--mode', 'paper', '--config', config]);
    const { code } = await child.exit;
    expect(code, child.stderr).toBe(2);
    expect(child.stderr).toBe('quantflow: configuration: `model.instruments[0]` must be an instrument of the run (BTCUSDT), was "BTCUSD"\n');
  }, 60_000);
});
