// A regime model records the timeframe of the bars it was fitted on and is refused on bars of
// another: `regime filter` and every pipeline (backtest, replay, paper, run, walkforward, sweep
// build one) name the model file and both timeframes. A model file written before the field
// existed is read, with one warning.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerRegimeCommand } from '../engine/cli/commands/regime.js';
import { checkPipelineSpec } from '../engine/pipeline/index.js';
import { readRegimeModelFile, regimeModelTimeframeNote } from '../engine/regime/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-regime-timeframe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerRegimeCommand(program);
  await program.parseAsync(['node', 'quantflow', 'regime', ...args]);
}

/** `n` bars `hours` apart: a seeded random walk with varying volume. */
function barFile(name: string, n: number, hours: number): string {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let close = 100;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const open = close;
    close = open * Math.exp((random() - 0.5) * (i % 200 < 100 ? 0.01 : 0.04));
    const time = new Date(Date.UTC(2024, 0, 1) + i * hours * 3_600_000).toISOString();
    rows.push(`${time},${open},${Math.max(open, close) * 1.001},${Math.min(open, close) * 0.999},${close},${100 + Math.floor(random() * 50)}`);
  }
  const file = path.join(dir, name);
  writeFileSync(file, `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
  return file;
}

describe('regime model timeframe', () => {
  const hourly = barFile('h1.csv', 400, 1);
  const fourHourly = barFile('h4.csv', 400, 4);
  const model = path.join(dir, 'h1.json');

  it('records the bars\' timeframe and refuses bars of another in `regime filter`', async () => {
    await run('fit', '--in', hourly, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', model, '--restarts', '1');
    expect(readRegimeModelFile(model).timeframe).toBe('1h');
    await expect(run('filter', '--model', model, '--in', fourHourly, '--out', path.join(dir, 'f4.csv'))).rejects.toThrow(
      `--model: regime model ${model} was fitted on 1h bars and ${fourHourly} are 4h bars`,
    );
    await run('filter', '--model', model, '--in', hourly, '--out', path.join(dir, 'f1.csv'));
    expect(readFileSync(path.join(dir, 'f1.csv'), 'utf8').split('\n').length).toBeGreaterThan(300);
  });

  it('refuses a model of another timeframe in a pipeline, naming the file and both timeframes', async () => {
    const record = readRegimeModelFile(model);
    expect(() => checkPipelineSpec({ indicators: [], instruments: [{ instrument: 0, regimeModel: record, timeframe: '4h' }] })).toThrow(
      `regime model ${model} was fitted on 1h bars and instrument 0's bars are 4h bars`,
    );
    expect(() => checkPipelineSpec({ indicators: [], instruments: [{ instrument: 0, regimeModel: record, timeframe: '1h' }] })).not.toThrow();
  });

  it('reads a model file without a timeframe, warning once', async () => {
    const old = path.join(dir, 'old.json');
    const json = JSON.parse(readFileSync(model, 'utf8')) as Record<string, unknown>;
    delete json.timeframe;
    writeFileSync(old, JSON.stringify(json));
    const record = readRegimeModelFile(old);
    expect(() => checkPipelineSpec({ indicators: [], instruments: [{ instrument: 0, regimeModel: record, timeframe: '4h' }] })).not.toThrow();
    expect(regimeModelTimeframeNote(record)).toContain(`${old}: the regime model records no \`timeframe\``);
    expect(regimeModelTimeframeNote(record), 'said once').toBeNull();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await run('filter', '--model', old, '--in', fourHourly, '--out', path.join(dir, 'f-old.csv'));
      expect(stderr.mock.calls.filter(([line]) => String(line).includes('records no `timeframe`'))).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });

  it('refuses a malformed timeframe, naming the field and the value', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, readFileSync(model, 'utf8').replace('"timeframe": "1h"', '"timeframe": "hourly"'));
    expect(() => readRegimeModelFile(bad)).toThrow(`${bad}: \`timeframe\` must be a whole number and a unit s, m, h, d or w (e.g. "1h"), was "hourly"`);
  });
});
