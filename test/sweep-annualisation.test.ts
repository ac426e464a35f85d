// A sweep run's annualised Sharpe on a market closed at weekends: the periods per year are the
// bars the run has over its span (as the backtest report counts them), not 365.25 days over the
// median bar interval, which counted the weekends' missing hours as periods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataCache, executeRun, parseSweepSpec, planSweep, sweepTasks } from '../engine/research/sweep/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const ETH = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
let dir: string;
/** First to last bar of the weekday file, hours. */
let spanHours: number;

beforeAll(() => {
  if (!existsSync(ETH)) throw new Error(`${ETH} is missing: it is bundled with the repository`);
  dir = mkdtempSync(path.join(tmpdir(), 'quantflow-sweep-annual-'));
  // 20 weeks of the ETH hours, Monday to Friday only (a session market's calendar).
  const [header, ...rows] = readFileSync(ETH, 'utf8').trim().split('\n');
  const weekdays = rows.filter((row) => {
    const day = new Date(row.slice(0, 10) + 'T00:00:00Z').getUTCDay();
    return day !== 0 && day !== 6;
  }).slice(0, 20 * 5 * 24);
  spanHours = (Date.parse(weekdays[weekdays.length - 1].slice(0, 19).replace(' ', 'T') + 'Z') - Date.parse(weekdays[0].slice(0, 19).replace(' ', 'T') + 'Z')) / 3_600_000;
  writeFileSync(path.join(dir, 'eth-weekdays.csv'), `${[header, ...weekdays].join('\n')}\n`);
  copyFileSync(`${ETH}.meta.json`, path.join(dir, 'eth-weekdays.csv.meta.json'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sweep run annualisation', () => {
  it('annualises with the hours the data has (~6,261 a year Monday to Friday), not 8,766', async () => {
    const spec = parseSweepSpec([
      `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
      'data: [eth-weekdays.csv]',
      'reserve: 0',
      'parameters:',
      '  fast: [5]',
      '  slow: [20]',
      'set:',
      '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"',
      '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
      '',
    ].join('\n'), path.join(dir, 'sweep.yaml'));
    const [task] = sweepTasks('annual', spec, planSweep(spec));
    const result = await executeRun(task, new DataCache());
    // 2,400 hourly bars whose 2,399 intervals span them and the weekends between them.
    expect(spanHours, 'the weekends are in the span').toBeGreaterThan(2399 + 18 * 48);
    const expected = 2399 / (spanHours / (365.25 * 24));
    expect(result.returns.length, 'one return per bar after the first').toBe(2399);
    expect(result.periodsPerYear, 'observed hours a year; 365.25 * 24 = 8,766 counted the weekends').toBeCloseTo(expected, 6);
    expect(result.periodsPerYear!).toBeLessThan(6400);
    expect(result.sharpe).not.toBeNull();
    expect(result.sharpeAnnualised!).toBeCloseTo(result.sharpe! * Math.sqrt(expected), 9);
  });
});
