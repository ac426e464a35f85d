// `quantflow walkforward` on the bundled ETH 1h bars: the folds cover what they should, each
// fold's regime model was fitted inside its training window, no warm-up bar trades, the run is
// deterministic, and the final reserve is never read without --final (instrumented streams),
// while each --final is logged and counted.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerWalkforwardCommand, runWalkforwardCommand, type WalkforwardFlags } from '../engine/cli/commands/walkforward.js';
import { UserFacingError } from '../engine/cli/cli-error.js';
import { maxTimeRecorder } from './max-time-recorder.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';

const ETH = defaultBarFiles().find((f) => f.includes('ETHUSDT'))!;

function flags(extra: Partial<WalkforwardFlags>, dir: string): WalkforwardFlags {
  return { data: [ETH], train: '6mo', test: '1mo', mode: 'rolling', purge: '0', embargo: '0', reserve: '0.6', state: join(dir, 'state'), equity: '100000', ...extra };
}

const quiet = { print: () => undefined, log: () => undefined };
const withoutTiming = (text: string): string => text;

describe('quantflow walkforward', () => {
  it('runs the rule strategy fold by fold, tiling the research range with untouched warm-ups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    const run = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', out: join(dir, 'out') }, dir), quiet);
    const { report } = run;
    expect(report.folds.length, 'about 9.6 months of research data: three 6+1-month folds').toBe(3);
    const reserveStart = BigInt(report.reserve.startNs);
    report.folds.forEach((fold, i) => {
      expect(BigInt(fold.test.endNs) <= reserveStart, `fold ${i} ends before the reserve`).toBe(true);
      if (i > 0) expect(fold.test.startNs, 'test windows tile').toBe(report.folds[i - 1].test.endNs);
      expect(fold.regimeModel, 'a rule strategy needs no regime model').toBeNull();
      expect(fold.warmup.records, 'the warm-up bars reached the engine').toBeGreaterThan(0);
      if (fold.firstFillNs !== null) expect(BigInt(fold.firstFillNs) >= BigInt(fold.test.startNs), `fold ${i}: no fill before the test start`).toBe(true);
      if (fold.firstTradeEntryNs !== null) expect(BigInt(fold.firstTradeEntryNs) >= BigInt(fold.test.startNs), `fold ${i}: no trade entered in the warm-up`).toBe(true);
    });
    expect(report.stitched?.bars).toBe(report.folds.reduce((sum, f) => sum + f.oos.bars, 0));
    expect(existsSync(join(dir, 'out', 'report.json')) && existsSync(join(dir, 'out', 'fold-0-equity.csv')) && existsSync(join(dir, 'out', 'stitched-equity.csv'))).toBe(true);
    const csv = readFileSync(join(dir, 'out', 'fold-0-equity.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('time,equity');
    expect(Date.parse(csv[1].split(',')[0]) >= Number(BigInt(report.folds[0].test.startNs) / 1_000_000n), 'the OOS equity starts at the test start').toBe(true);
  }, 120_000);

  it('runs CPCV: C(N,k) purged splits, each group tested in k/N of them, assembled into paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-cpcv-'));
    const run = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', cpcv: '4:2', purge: '24h', embargo: '24h', out: join(dir, 'out') }, dir), quiet);
    const cpcv = run.report.cpcv!;
    expect(cpcv.groups.length).toBe(4);
    expect(cpcv.splits.length, 'C(4, 2) splits').toBe(6);
    expect(cpcv.paths.length, 'k/N * C(N, k) = 3 backtest paths').toBe(3);
    for (const split of cpcv.splits) {
      expect(split.testGroups.length).toBe(2);
      expect([...split.testGroups, ...split.trainGroups].sort()).toEqual([0, 1, 2, 3]);
      split.testGroups.forEach((g) => expect(split.groupOos[g], `split ${split.index} has OOS results for its test group ${g}`).not.toBeNull());
      split.trainGroups.forEach((g) => expect(split.groupOos[g], `split ${split.index} has none for its training group ${g}`).toBeNull());
    }
    for (let g = 0; g < 4; g++) expect(cpcv.splits.filter((s) => s.testGroups.includes(g)).length, `group ${g} is tested in 3 splits`).toBe(3);
    for (const path of cpcv.paths) expect(path.splits.length, 'a path takes each group from one split').toBe(4);
    const reserveStart = BigInt(run.report.reserve.startNs);
    expect(BigInt(cpcv.groups[3].endNs) <= reserveStart, 'CPCV groups stay out of the reserve').toBe(true);
    expect(run.report.settings, 'the settings name the CPCV, not walk-forward windows it did not use').toMatchObject({ mode: 'cpcv', cpcv: { groups: 4, testGroups: 2 } });
    for (const unused of ['train', 'test', 'step']) expect(run.report.settings, `settings.${unused}`).not.toHaveProperty(unused);
  }, 180_000);

  it('warms each test window up with the asked number of bars on data whose calendar has gaps (a session of 16 hours a day)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-session-'));
    const [header, ...rows] = readFileSync(ETH, 'utf8').trimEnd().split('\n');
    const session = join(dir, 'ETHUSDT-session.csv');
    // Bars opening 08:00..23:00 UTC only: 16 bars a day, an 8-hour gap every night.
    writeFileSync(session, `${header}\n${rows.filter((row) => Number(row.slice(11, 13)) >= 8).join('\n')}\n`);
    copyFileSync(`${ETH}.meta.json`, `${session}.meta.json`);
    const run = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', data: [session], warmup: '40' }, dir), quiet);
    expect(run.report.folds.length).toBeGreaterThan(0);
    for (const fold of run.report.folds) {
      expect(fold.warmup.records, `fold ${fold.index}: the 40 warm-up bars before ${fold.test.start} reach the engine`).toBe(40);
      const first = BigInt(fold.warmup.firstNs!);
      const barsBetween = rows.filter((row) => Number(row.slice(11, 13)) >= 8).map((row) => BigInt(Date.parse(row.slice(0, 19).replace(' ', 'T') + 'Z') + 3_600_000) * 1_000_000n).filter((close) => close >= first && close < BigInt(fold.test.startNs)).length;
      expect(barsBetween, `fold ${fold.index}: the warm-up starts 40 bars (not 40 hours) before the test`).toBe(40);
    }
  }, 120_000);

  it('counts --train, --test and --step in bars on data whose calendar has gaps, not in bar intervals of time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-session-'));
    const [header, ...rows] = readFileSync(ETH, 'utf8').trimEnd().split('\n');
    const kept = rows.filter((row) => Number(row.slice(11, 13)) >= 8);
    const session = join(dir, 'ETHUSDT-session.csv');
    writeFileSync(session, `${header}\n${kept.join('\n')}\n`);
    copyFileSync(`${ETH}.meta.json`, `${session}.meta.json`);
    const closes = kept.map((row) => BigInt(Date.parse(row.slice(0, 19).replace(' ', 'T') + 'Z') + 3_600_000) * 1_000_000n);
    const barsIn = (r: { startNs: string; endNs: string }): number => closes.filter((t) => t >= BigInt(r.startNs) && t < BigInt(r.endNs)).length;
    const run = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', data: [session], train: '1600bars', test: '480bars', step: '320bars' }, dir), quiet);
    expect(run.report.folds.length).toBeGreaterThan(1);
    for (const fold of run.report.folds) {
      expect(barsIn(fold.train), `fold ${fold.index}: 1600 training bars`).toBe(1600);
      expect(barsIn(fold.test), `fold ${fold.index}: 480 test bars`).toBe(480);
      expect(fold.oos.bars, `fold ${fold.index}: 480 out-of-sample bars`).toBe(480);
      if (fold.index > 0) expect(closes.filter((t) => t >= BigInt(run.report.folds[fold.index - 1].test.startNs) && t < BigInt(fold.test.startNs)).length, 'folds 320 bars apart').toBe(320);
    }
    expect(run.report.settings, 'the report names the spans in bars').toMatchObject({ train: '1600bars', test: '480bars', step: '320bars' });
  }, 120_000);

  it('fits each fold\'s regime model over bars whose calendar has gaps (a 16-hour session), cutting its feature runs only at purged bars', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-session-'));
    const [header, ...rows] = readFileSync(ETH, 'utf8').trimEnd().split('\n');
    const session = join(dir, 'ETHUSDT-session.csv');
    writeFileSync(session, `${header}\n${rows.filter((row) => Number(row.slice(11, 13)) >= 8).join('\n')}\n`);
    copyFileSync(`${ETH}.meta.json`, `${session}.meta.json`);
    // Fusion (the default configuration): each fold refits the regime model on its training bars.
    const run = await runWalkforwardCommand(flags({ data: [session], train: '1600bars', test: '480bars', purge: '24h' }, dir), quiet);
    expect(run.report.folds.length).toBeGreaterThan(1);
    for (const fold of run.report.folds) {
      const model = fold.regimeModel!;
      expect(model.barsKept, `fold ${fold.index}: the 24h purge drops the last 16 session bars of the window`).toBe(1600 - 16);
      expect(model.trainingRange.rows, `fold ${fold.index}: one run of bars, its first 20 in the features' warm-up (rvol:20, volz:20), not 0 rows from 16-bar runs cut every night`).toBe(1600 - 16 - 20);
    }
  }, 180_000);

  it('numbers folds and CPCV splits alike in the progress lines, the summary and report.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    const lines: string[] = [];
    let printed = '';
    const run = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml' }, dir), { print: (text) => { printed += text; }, log: (line) => lines.push(line) });
    const progress = lines.filter((line) => line.startsWith('fold '));
    expect(progress).toHaveLength(run.report.folds.length);
    run.report.folds.forEach((fold, i) => {
      const percent = `${(fold.oos.return * 100).toFixed(2)}%`;
      expect(progress[i], 'the progress line names the fold by its report.json index').toMatch(new RegExp(`^fold ${fold.index} \\(${i + 1} of ${run.report.folds.length}\\): test ${fold.test.start} .*: return ${percent.replace('.', '\\.')},`));
      expect(printed, 'the summary names it the same way').toContain(`  fold ${fold.index}: train `);
    });
    const cpcvLines: string[] = [];
    const cpcv = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', cpcv: '3:1' }, dir), { print: () => undefined, log: (line) => cpcvLines.push(line) });
    expect(cpcvLines.filter((line) => line.startsWith('cpcv split ')), 'CPCV splits by their report.json index').toEqual(cpcv.report.cpcv!.splits.map((s, i) => `cpcv split ${s.index} (${i + 1} of 3): test groups ${s.testGroups.join(', ')}`));
  }, 120_000);

  it('refuses --cpcv beside a walk-forward window option given on the command line, and takes it alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-cpcv-'));
    const cli = async (...args: string[]): Promise<void> => {
      const program = new Command().exitOverride();
      registerWalkforwardCommand(program);
      await program.parseAsync(['node', 'quantflow', 'walkforward', '--data', ETH, '--state', join(dir, 'state'), ...args]);
    };
    await expect(cli('--cpcv', '6:2', '--train', '3mo')).rejects.toThrow(new UserFacingError('`--cpcv` "6:2" excludes --train: a CPCV trains on the groups outside each split\'s test groups (N groups of equal time over the data), not on walk-forward windows; drop it, or drop --cpcv for a walk-forward'));
    await expect(cli('--cpcv', '6:2', '--mode', 'anchored', '--test', '2mo', '--step', '1mo')).rejects.toThrow(/^`--cpcv` "6:2" excludes --test, --step, --mode: .* drop them, or drop --cpcv/);
    expect(existsSync(join(dir, 'state')), 'refused before anything ran').toBe(false);
    // The defaults of --train, --test and --mode are not the user's: --cpcv alone gets past the check (to the bad --reserve here).
    await expect(cli('--cpcv', '6:2', '--reserve', '1.5')).rejects.toThrow(/`--reserve` must be a fraction in \[0, 1\), was "1.5"/);
  });

  it('refits the regime model inside each training window for fusion, deterministically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    const first = await runWalkforwardCommand(flags({}, dir), quiet);
    const second = await runWalkforwardCommand(flags({}, dir), quiet);
    for (const fold of first.report.folds) {
      const range = fold.regimeModel!.trainingRange;
      expect(BigInt(range.fromNs) >= BigInt(fold.train.startNs) && BigInt(range.toNs) < BigInt(fold.train.endNs), `fold ${fold.index}: model trained on ${range.from}..${range.to}, window ${fold.train.start}..${fold.train.end}`).toBe(true);
      if (fold.firstFillNs !== null) expect(BigInt(fold.firstFillNs) >= BigInt(fold.test.startNs)).toBe(true);
    }
    expect(new Set(first.report.folds.map((f) => f.regimeModel!.trainingRange.fromNs)).size, 'every fold has its own model').toBe(first.report.folds.length);
    expect(withoutTiming(JSON.stringify(second.report)), 'same data, configuration and seed: same report').toBe(withoutTiming(JSON.stringify(first.report)));
  }, 180_000);

  it('never reads the reserve without --final, and counts every --final', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    const seen = { maxNs: 0n };
    const held = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', reserve: '0.6' }, dir), { ...quiet, observe: maxTimeRecorder(seen) });
    const reserveStart = BigInt(held.report.reserve.startNs);
    expect(seen.maxNs > 0n && seen.maxNs < reserveStart, `the run read up to ${seen.maxNs}, the reserve starts at ${reserveStart}`).toBe(true);
    expect(held.report.reserve.looks).toBe(0);
    const seenFinal = { maxNs: 0n };
    const looked = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', reserve: '0.6', final: true }, dir), { ...quiet, observe: maxTimeRecorder(seenFinal) });
    expect(looked.report.reserve.looks).toBe(1);
    expect(seenFinal.maxNs >= reserveStart, '--final reads the reserve').toBe(true);
    expect(looked.report.folds.some((f) => f.inReserve)).toBe(true);
    const again = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', reserve: '0.6', train: '3000', test: '2000' }, dir), quiet);
    expect(again.report.reserve.looks, 'a later run without --final still reports the look').toBe(1);
    // A smaller reserve is no way around the look log: it would read what the first run held back.
    await expect(runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', reserve: '0.3', train: '3000', test: '2000' }, dir), quiet))
      .rejects.toThrow(/this --reserve would read the data from .* to .*, which earlier research on it held back as the final reserve .*; give --final/);
    const larger = await runWalkforwardCommand(flags({ config: 'config/examples/ema-cross.yaml', reserve: '0.7', train: '3000', test: '2000' }, dir), quiet);
    expect(larger.report.reserve.looks, 'a larger reserve reads less: allowed').toBe(1);
  }, 180_000);

  it('keeps the reserve of a data file that grew since: newer bars appended do not move it into research', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    const file = join(dir, 'eth.csv');
    copyFileSync(`${ETH}.meta.json`, `${file}.meta.json`);
    const lines = readFileSync(ETH, 'utf8').split('\n');
    const short = { config: 'config/examples/ema-cross.yaml', data: [file], train: '300bars', test: '100bars', reserve: '0.2' };
    writeFileSync(file, `${lines.slice(0, 1001).join('\n')}\n`);
    const first = await runWalkforwardCommand(flags(short, dir), quiet);
    const heldFrom = BigInt(first.report.reserve.startNs);
    const looked = await runWalkforwardCommand(flags({ ...short, final: true }, dir), quiet);
    expect(looked.report.reserve.looks).toBe(1);
    // 300 newer bars: the same --reserve 0.2 of the longer range would start inside the old reserve.
    writeFileSync(file, `${lines.slice(0, 1301).join('\n')}\n`);
    await expect(runWalkforwardCommand(flags(short, dir), quiet))
      .rejects.toThrow(/this --reserve would read the data from .* held back as the final reserve .*; give --final .*, or a --reserve of at least 0\.3\d*/);
    const seen = { maxNs: 0n };
    const kept = await runWalkforwardCommand(flags({ ...short, reserve: '0.4' }, dir), { ...quiet, observe: maxTimeRecorder(seen) });
    expect(seen.maxNs < heldFrom, `read up to ${seen.maxNs}, the first run held back from ${heldFrom}`).toBe(true);
    expect(kept.report.reserve.looks, 'the looks at the series carry over').toBe(1);
  }, 120_000);

  it('rejects bad flags in one line naming the flag, the value and the rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-wf-'));
    await expect(runWalkforwardCommand(flags({ reserve: '1.5' }, dir), quiet)).rejects.toThrow(/`--reserve` must be a fraction in \[0, 1\), was "1.5"/);
    await expect(runWalkforwardCommand(flags({ train: 'six' }, dir), quiet)).rejects.toThrow(/`--train` must be a positive span .* was "six"/);
    await expect(runWalkforwardCommand(flags({ cpcv: '3:3' }, dir), quiet)).rejects.toThrow(/`--cpcv` must be N:k/);
    await expect(runWalkforwardCommand(flags({ train: '2y' }, dir), quiet)).rejects.toThrow(/no fold fits/);
    // CPCV trains on the groups it does not test: `--train` is no remedy there.
    const small = join(dir, 'eth-small.csv');
    writeFileSync(small, `${readFileSync(ETH, 'utf8').split('\n').slice(0, 201).join('\n')}\n`);
    copyFileSync(`${ETH}.meta.json`, `${small}.meta.json`);
    const cpcvShort = runWalkforwardCommand(flags({ config: 'config/examples/fusion-ml.yaml', data: [small], reserve: '0', cpcv: '6:5' }, dir), quiet);
    await expect(cpcvShort).rejects.toThrow(/feature rows in the training window .* need at least 30: fewer test groups per split \(k of --cpcv 6:5\), a shorter --purge or --embargo, or more data/);
  }, 60_000);
});
