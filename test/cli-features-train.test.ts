// `quantflow features` and `quantflow train` as commands: the default export of the bundled
// BTCUSDT 1h file (reserve held back, or included and logged with --final), one-line errors
// naming the flag, a missing Python named with its fix, and the committed default model
// data/models/btc-1h-q5 checked against what the code gives today: the same feature file hash
// and feature list, its ONNX files' hashes, and its graphs reproducing the LightGBM
// predictions stored beside them (onnxruntime-node; no Python needed).
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { describeFeatures, registerFeaturesCommand, runFeatures, type FeaturesSummary } from '../engine/cli/commands/features.js';
import { planFolds, registerTrainCommand, runTrain } from '../engine/cli/commands/train.js';
import { DEFAULT_FEATURE_HORIZON, DEFAULT_FEATURE_TOKENS, readFeatureFile } from '../engine/research/features/index.js';

const BTC = 'data/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
const MODEL = 'data/models/btc-1h-q5';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-cli-features-'));
const state = path.join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const features = path.join(dir, 'features');
let summary: FeaturesSummary;

beforeAll(async () => {
  summary = await runFeatures({ out: features, state });
});

describe('quantflow features', () => {
  it('exports the default features of the bundled BTCUSDT 1h bars with the reserve held back', () => {
    const m = summary.manifest;
    expect(m.source.file).toBe(path.basename(BTC));
    expect(m.source.sha256).toBe(createHash('sha256').update(readFileSync(BTC)).digest('hex'));
    expect(m.features).toEqual([...DEFAULT_FEATURE_TOKENS]);
    expect(m.horizonBars).toBe(DEFAULT_FEATURE_HORIZON);
    expect(m.timeframe).toBe('1h');
    expect(m.rows, 'the first 80% of the time range: 14,016 of 17,520 bars').toBe(14_016);
    expect(m.reserve).toMatchObject({ fraction: 0.2, included: false });
    expect(BigInt(m.lastCloseNs) < BigInt(m.reserve.startNs), 'no bar of the reserve').toBe(true);
    expect(BigInt(m.firstCloseNs), 'times are bar closes: the first bar opens 2024-04-16 01:00').toBe(BigInt(Date.UTC(2024, 3, 16, 2)) * 1_000_000n);
    expect(m.usableRows).toBe(14_016 - 24 - DEFAULT_FEATURE_HORIZON - 3);
    expect(describeFeatures(summary)).toContain('14016 rows (13977 usable)');
  });

  it('includes the reserve with --final and logs the look', async () => {
    const lines: string[] = [];
    const final = await runFeatures({ out: path.join(dir, 'final'), state, final: true }, (line) => lines.push(line));
    expect(final.manifest.rows).toBe(17_520);
    expect(final.manifest.reserve.included).toBe(true);
    expect(lines.join('\n')).toContain('--final: the reserve from 2025-11-21T01:12:00.000Z is included; looks at this data\'s reserve: 1');
    expect(final.reserveLooks).toBe(1);
    const again = await runFeatures({ out: path.join(dir, 'final2'), state, final: true });
    expect(again.reserveLooks, 'each --final look is logged under the data\'s identity').toBe(2);
  });

  it('rejects bad flags and tokens in one line naming the flag', async () => {
    const fails = async (flags: Record<string, unknown>, message: string | RegExp) => {
      const run = runFeatures({ out: path.join(dir, 'bad'), state, ...flags });
      await expect(run).rejects.toBeInstanceOf(UserFacingError);
      await expect(run).rejects.toThrow(message);
    };
    await fails({ horizon: '0' }, '`--horizon` must be an integer in [1, 100000], was "0"');
    await fails({ features: 'rsi:14,ema:10' }, /^`--features` must be scale-free .*not scale-free: `ema:10` \(row 9: /);
    await fails({ features: 'rsi:14,bb:20:2' }, '`--features` token `bb:20:2` must have one output, it has 5');
    await fails({ features: 'rsi:14,,roc:1' }, '`--features` must be comma-separated indicator tokens with none empty, was "rsi:14,,roc:1"');
    await fails({ features: 'rsi:14,rsi:14' }, '`--features` lists `rsi:14` twice');
    await fails({ features: 'nope:3' }, /^`--features`: token `nope:3`: unknown indicator `nope`/);
    await fails({ reserve: '1.5' }, '`--reserve` must be a fraction in [0, 1), was "1.5"');
    await fails({ pt: 'x' }, '`--pt` must be a finite number >= 0 (0 removes the barrier), was "x"');
    await fails({ vol: 'bb:20:2' }, '`--vol` token `bb:20:2` must have one output, it has 5');
    await fails({ data: path.join(dir, 'none.csv') }, /none\.csv/);
  });

  it('refuses a feature that is constant over the usable rows (relvol over bars without volume), naming it and its value', async () => {
    const lines = readFileSync(BTC, 'utf8').split('\n').slice(0, 301).map((line) => line.split(',').slice(0, 5).join(','));
    const noVolume = path.join(dir, 'btc-no-volume.csv');
    writeFileSync(noVolume, `${lines.join('\n')}\n`);
    const run = runFeatures({ data: noVolume, out: path.join(dir, 'no-volume'), state, barStamp: 'open', reserve: '0' });
    await expect(run).rejects.toBeInstanceOf(UserFacingError);
    await expect(run).rejects.toThrow(`\`--features\` must vary over the 261 usable rows of ${noVolume}; constant: \`relvol:20\` (0 on every row).`);
    const kept = await runFeatures({ data: noVolume, out: path.join(dir, 'no-volume'), state, barStamp: 'open', reserve: '0', features: 'roc:1,rsi:14,rvol:20' });
    expect(kept.manifest.usableRows, 'the price features alone pass').toBe(300 - 20 - DEFAULT_FEATURE_HORIZON);
  });
});

describe('quantflow train (flags; no Python needed)', () => {
  it('rejects bad flags in one line naming the flag', async () => {
    const fails = async (flags: Record<string, unknown>, message: string | RegExp) => {
      const run = runTrain({ features, out: path.join(dir, 'model'), ...flags });
      await expect(run).rejects.toBeInstanceOf(UserFacingError);
      await expect(run).rejects.toThrow(message);
    };
    await fails({ folds: '0' }, '`--folds` must be an integer in [1, 50], was "0"');
    await fails({ trees: '-3' }, '`--trees` must be an integer in [1, 10000], was "-3"');
    await fails({ seed: 'x' }, '`--seed` must be an integer in [0, 2147483647], was "x"');
    await fails({ windows: 'expanding' }, '`--windows` must be rolling or anchored, was "expanding"');
    await fails({ purge: '6mo' }, '`--purge` must be a fixed span such as 0, 24h, 2d, 90m or a bar count (12 or 12bars), was "6mo"');
    await fails({ embargo: 'soon' }, '`--embargo` must be a fixed span');
    // Not "--folds: ... lengthen `train`": train has no --train; its blocks come from --folds.
    await fails({ purge: '100000h' }, /^`--purge` must be shorter than each fold's training block, was 100000h: it leaves no training row in fold 0, whose block is \S+ \(the usable rows' span \/ \(--folds \+ 1\)\); give a shorter --purge or fewer --folds$/);
    await fails({ features: path.join(dir, 'nothing') }, /^--features: .*manifest\.json: no such file \(write it with `quantflow features --out DIR`\)/);
  });

  it('takes a bar count in --purge as bar intervals even when the first two rows straddle a night', async () => {
    // ETH 1h bars of a 16-hour session (08:00-23:00 opens), the file starting with a 23:00 bar: its first gap is 9 hours.
    const eth = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
    const [header, ...rows] = readFileSync(eth, 'utf8').trimEnd().split('\n');
    const session = rows.filter((row) => Number(row.slice(11, 13)) >= 8);
    const first = session.findIndex((row) => row.slice(11, 13) === '23');
    const csv = path.join(dir, 'ETHUSDT-session.csv');
    writeFileSync(csv, `${header}\n${session.slice(first, first + 800).join('\n')}\n`);
    writeFileSync(`${csv}.meta.json`, readFileSync(`${eth}.meta.json`));
    const sessionFeatures = path.join(dir, 'session-features');
    await runFeatures({ data: csv, out: sessionFeatures, reserve: '0', state: path.join(dir, 'session-state'), features: 'roc:1,rsi:14' });
    await expect(runTrain({ features: sessionFeatures, out: path.join(dir, 'session-model'), purge: '100000bars' })).rejects.toThrow(/^`--purge` must be shorter than each fold's training block, was 100000h:/);
  });

  it('plans anchored folds on growing training windows and rolling folds on one block, validation tiling the rest', () => {
    const t = readFeatureFile(features).table;
    const timeNs = t.getChild('time_ns')!.toArray() as BigInt64Array;
    const fwdEnd = Array.from({ length: t.numRows }, (_, i) => t.getChild('fwd_end_ns')!.get(i) as bigint | null);
    const usable = Array.from({ length: t.numRows }, (_, i) => t.getChild('usable')!.get(i) as boolean);
    const anchored = planFolds(timeNs, fwdEnd, usable, { folds: 4, windows: 'anchored', purgeNs: 0n, embargoNs: 0n });
    const rolling = planFolds(timeNs, fwdEnd, usable, { folds: 4, windows: 'rolling', purgeNs: 0n, embargoNs: 0n });
    const block = anchored[0].validation.endNs - anchored[0].validation.startNs;
    anchored.forEach((f, k) => {
      expect(f.train.startNs).toBe(anchored[0].train.startNs);
      expect(f.validation.startNs).toBe(f.train.endNs);
      if (k > 0) expect(f.validation.startNs).toBe(anchored[k - 1].validation.endNs);
      expect(rolling[k].validation).toEqual(f.validation);
      expect(rolling[k].train.endNs - rolling[k].train.startNs).toBe(block);
      expect(f.availableFromNs < f.validation.startNs).toBe(true);
    });
  });

  it('refuses an edited manifest.json in one line naming the field and value, and a horizonBars the data does not have', async () => {
    const before = process.env.QF_PYTHON;
    process.env.QF_PYTHON = path.join(dir, 'no-python'); // the manifest is checked first; without the check a run went on to Python
    let copies = 0;
    const edited = (edit: (m: Record<string, any>) => void): string => {
      const copy = path.join(dir, `edited-${++copies}`);
      cpSync(features, copy, { recursive: true });
      const manifest = JSON.parse(readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
      edit(manifest);
      writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
      return copy;
    };
    const cases: [(m: Record<string, any>) => void, RegExp][] = [
      [(m) => delete m.columns, /manifest\.json: `columns` must be the list of column descriptions \(time_ns, roc:1, .*, usable\), was missing$/],
      [(m) => { m.features = null; }, /manifest\.json: `features` must be a non-empty list of indicator tokens, was null$/],
      [(m) => { m.reserve = null; }, /manifest\.json: `reserve` must be an object \{ fraction, startNs, included \}, was null$/],
      [(m) => { m.reserve.startNs = 5; }, /manifest\.json: `reserve\.startNs` must be ns since the epoch as a decimal string, was 5$/],
      [(m) => { m.source = 'btc.csv'; }, /manifest\.json: `source` must be an object \{ file, sha256, symbol, barStamp \}, was "btc\.csv"$/],
      [(m) => { m.features = [...m.features].reverse(); }, /manifest\.json: `columns` must be named time_ns, relvol:20, .* \(time, `features` in order, targets, flag\), was \["time_ns","roc:1"/],
      [(m) => { m.rows += 1; }, /manifest\.json: `rows` must be the Arrow file's row count \(\d+\), was \d+$/],
      [(m) => { m.horizonBars = 6; }, /manifest\.json: `horizonBars` must be the span of the data's forward returns \(fwd_end_ns = the close time horizonBars bars later\), was 6: row 0 ends at \S+, 6 bars later is \S+; the data's forward returns span 12 bars$/],
    ];
    try {
      for (const [edit, message] of cases) {
        const copy = edited(edit);
        const run = runTrain({ features: copy, out: path.join(copy, 'model') });
        await expect(run, String(edit)).rejects.toBeInstanceOf(UserFacingError);
        await expect(run, String(edit)).rejects.toThrow(message);
        await expect(run, 'one line').rejects.toThrow(/^--features: [^\n]*$/);
      }
    } finally {
      if (before === undefined) delete process.env.QF_PYTHON;
      else process.env.QF_PYTHON = before;
    }
  });

  it('names the missing Python and how to install it in one line', async () => {
    const before = process.env.QF_PYTHON;
    process.env.QF_PYTHON = path.join(dir, 'no-python');
    try {
      await expect(runTrain({ features, out: path.join(dir, 'model') })).rejects.toThrow(/^train needs Python with numpy, lightgbm, onnxmltools, onnx, pyarrow: .*no-python cannot run .*; run `node tools\/pyenv\/ensure-python.mjs`$/);
    } finally {
      if (before === undefined) delete process.env.QF_PYTHON;
      else process.env.QF_PYTHON = before;
    }
  });

  it('registers `features` and `train` on a commander program with their flags', () => {
    const program = new Command();
    registerFeaturesCommand(program);
    registerTrainCommand(program);
    const flagsOf = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    for (const flag of ['--data', '--features', '--horizon', '--out', '--final', '--reserve', '--state', '--vol', '--pt', '--sl', '--zero-at-time', '--json', '--bar-stamp']) expect(flagsOf('features'), flag).toContain(flag);
    for (const flag of ['--features', '--out', '--folds', '--windows', '--purge', '--embargo', '--trees', '--seed', '--name', '--json']) expect(flagsOf('train'), flag).toContain(flag);
  });
});

describe('the committed default model data/models/btc-1h-q5', () => {
  const model = JSON.parse(readFileSync(path.join(MODEL, 'model.json'), 'utf8'));

  it('was trained on exactly the feature file `quantflow features` gives today for the bundled BTCUSDT file', () => {
    expect(model.schema).toBe('quantflow.quantile-model/1');
    expect(model.features, 'the default feature list').toEqual(summary.manifest.features);
    expect(model.target).toEqual({ kind: 'forward_log_return', horizonBars: summary.manifest.horizonBars });
    expect(model.data.sha256, 'rebuild it (data/README.md) when the features change').toBe(summary.manifest.sha256);
    expect(model.data.source).toBe(summary.manifest.source.file);
    expect(model.data.sourceSha256).toBe(summary.manifest.source.sha256);
    expect(model.data.rows).toBe(summary.manifest.rows);
    expect(model.folding.reserveIncluded, 'the reserve was held back').toBe(false);
    for (const f of model.folds) expect(createHash('sha256').update(readFileSync(path.join(MODEL, f.file))).digest('hex'), f.file).toBe(f.sha256);
  });

  it('its ONNX graphs reproduce the stored LightGBM validation predictions within 1e-5 on today\'s features', async () => {
    const file = readFeatureFile(features);
    const preds = tableFromIPC(readFileSync(path.join(MODEL, 'validation-predictions.arrow')));
    const fold = preds.getChild('fold')!.toArray() as Int32Array;
    const times = preds.getChild('time_ns')!.toArray() as BigInt64Array;
    const expected = ['q10', 'q25', 'q50', 'q75', 'q90'].map((t) => preds.getChild(t)!.toArray() as Float64Array);
    const rowOf = new Map<bigint, number>();
    (file.table.getChild('time_ns')!.toArray() as BigInt64Array).forEach((t, i) => rowOf.set(t, i));
    const columns = model.features.map((f: string) => file.table.getChild(f)!.toArray() as Float64Array);
    let worst = 0;
    for (const f of model.folds) {
      const at = [...fold.keys()].filter((i) => fold[i] === f.index);
      expect(at.length).toBe(f.validation.rows);
      const x = new Float32Array(at.length * columns.length);
      at.forEach((p, r) => columns.forEach((c: Float64Array, j: number) => { x[r * columns.length + j] = c[rowOf.get(times[p])!]; }));
      const session = await ort.InferenceSession.create(path.join(MODEL, f.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
      const q = (await session.run({ features: new ort.Tensor('float32', x, [at.length, columns.length]) })).quantiles.data as Float32Array;
      at.forEach((p, r) => { for (let k = 0; k < 5; k++) worst = Math.max(worst, Math.abs(q[r * 5 + k] - expected[k][p])); });
      await session.release();
      expect(BigInt(f.availableFromNs) < BigInt(f.validation.startNs)).toBe(true);
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
