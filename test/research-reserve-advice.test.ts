// A read refused for a reserve the look log holds names the smallest --reserve (three decimals)
// that keeps it held back, and that --reserve is accepted: rounding the fraction up alone said
// "at least 0.301" after a --reserve 0.3 run, where 0.3 itself holds the reserve back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLabel } from '../engine/cli/commands/label.js';

const SOL = 'data/binance_spot_SOLUSDT_1h_2024-04-16_2026-04-16.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-reserve-advice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The --reserve the refusal of `smaller` names, after a run with `held`; then that one is run. */
async function advised(held: string, smaller: string): Promise<string> {
  const state = path.join(dir, `state-${held}`);
  const out = path.join(dir, 'labels.csv');
  await runLabel({ in: SOL, out, state, reserve: held });
  const refusal = await runLabel({ in: SOL, out, state, reserve: smaller }).then(() => '', (error: Error) => error.message);
  const least = /or a --reserve of at least ([0-9.]+) /.exec(refusal)?.[1];
  expect(least, refusal).toBeDefined();
  await expect(runLabel({ in: SOL, out, state, reserve: least }), `--reserve ${least}, as advised, is accepted`).resolves.toBeDefined();
  return least!;
}

describe('the --reserve a refused read advises', () => {
  it('is the reserve that was held back, when it has three decimals', async () => {
    expect(await advised('0.3', '0.25')).toBe('0.3');
  }, 60_000);

  it('is the next three-decimal reserve holding it back otherwise', async () => {
    expect(await advised('0.2345', '0.2')).toBe('0.235');
  }, 60_000);
});
