// `quantflow label` and `quantflow regime fit` hold the final reserve back as walkforward and
// features do: without --final they never read a bar of it (the research stream instrumented as
// in cli-walkforward.test.ts), their output says how many bars were held back and how often the
// reserve was looked at; with --final they read it and the look is logged in --state and counted.
// The look log is shared with the other research commands: a later smaller --reserve is refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCounts, runLabel } from '../engine/cli/commands/label.js';
import { runRegimeFit } from '../engine/cli/commands/regime.js';
import { readRegimeModelFile } from '../engine/regime/index.js';
import { maxTimeRecorder } from './max-time-recorder.js';

const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-research-reserve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fitFlags = (state: string, out: string, extra: Record<string, unknown> = {}) => ({
  in: ETH, out, states: '2', covariance: 'diag', restarts: '1', seed: '1', maxIterations: '5', tolerance: '0.001',
  features: 'logret,rvol:20,volz:20', minDwell: '1', onBadRow: 'reject', state, ...extra,
});

describe('the final reserve in label and regime fit', () => {
  it('label never reads the reserve without --final, says what it held back, and counts every --final', async () => {
    const state = path.join(dir, 'label-state');
    const seen = { maxNs: 0n };
    const out = path.join(dir, 'held.csv');
    const held = await runLabel({ in: ETH, out, state }, () => {}, { observe: maxTimeRecorder(seen) });
    const reserveStart = BigInt(held.reserve.startNs);
    expect(seen.maxNs > 0n && seen.maxNs < reserveStart, `label read up to ${seen.maxNs}, the reserve starts at ${reserveStart}`).toBe(true);
    expect(held.bars + held.reserve.heldBackBars, 'the bars labelled and those held back are the file').toBe(17_520);
    expect(held.reserve.heldBackBars, 'the last 20% of two years of 1h bars').toBeGreaterThan(3_000);
    const lastEnd = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((row) => Date.parse(row.split(',')[1])).reduce((a, b) => Math.max(a, b));
    expect(BigInt(lastEnd) * 1_000_000n < reserveStart, 'no label ends inside the reserve').toBe(true);
    expect(held.reserve.looks).toBe(0);
    expect(describeCounts(held)).toMatch(new RegExp(`${held.reserve.heldBackBars} bars held back as the final reserve .*; reserve looked at 0 time\\(s\\)`));

    const seenFinal = { maxNs: 0n };
    const looked = await runLabel({ in: ETH, out: path.join(dir, 'final.csv'), state, final: true }, () => {}, { observe: maxTimeRecorder(seenFinal) });
    expect(seenFinal.maxNs >= reserveStart, '--final reads the reserve').toBe(true);
    expect(looked.bars).toBe(17_520);
    expect(looked.reserve.heldBackBars).toBe(0);
    expect(looked.reserve.looks).toBe(1);
    expect(describeCounts(looked)).toMatch(/reserve from .* INCLUDED \(--final\); reserve looked at 1 time\(s\)/);
    const again = await runLabel({ in: ETH, out: path.join(dir, 'again.csv'), state });
    expect(again.reserve.looks, 'a later run without --final still reports the look').toBe(1);
    await expect(runLabel({ in: ETH, out: path.join(dir, 'smaller.csv'), state, reserve: '0.1' }))
      .rejects.toThrow(/this --reserve would read the data from .* which earlier research on it held back as the final reserve .*; give --final/);
  }, 120_000);

  it('regime fit never reads the reserve without --final, and counts every --final', async () => {
    const state = path.join(dir, 'fit-state');
    const seen = { maxNs: 0n };
    const model = path.join(dir, 'held.json');
    await runRegimeFit(fitFlags(state, model), { observe: maxTimeRecorder(seen) });
    const heldRange = readRegimeModelFile(model).trainingRange;
    const seenFinal = { maxNs: 0n };
    const finalModel = path.join(dir, 'final.json');
    await runRegimeFit(fitFlags(state, finalModel, { final: true }), { observe: maxTimeRecorder(seenFinal) });
    const finalRange = readRegimeModelFile(finalModel).trainingRange;
    expect(seen.maxNs > 0n && seen.maxNs < seenFinal.maxNs, `without --final the fit read up to ${seen.maxNs}, with it up to ${seenFinal.maxNs}`).toBe(true);
    expect(BigInt(heldRange.toNs) < BigInt(finalRange.toNs), 'the held-back fit ends before the reserve').toBe(true);
    expect(finalRange.rows - heldRange.rows, 'the reserve holds the last 20% of the bars').toBeGreaterThan(3_000);
    // The look log is the one walkforward and features keep: a smaller reserve than this data's is refused.
    await expect(runRegimeFit(fitFlags(state, path.join(dir, 'smaller.json'), { reserve: '0.1' })))
      .rejects.toThrow(/this --reserve would read the data from .* held back as the final reserve .*; give --final/);
    await expect(runLabel({ in: ETH, out: path.join(dir, 'after-fit.csv'), state }).then((s) => s.reserve.looks), 'the --final of regime fit is counted for label too').resolves.toBe(1);
  }, 120_000);
});
