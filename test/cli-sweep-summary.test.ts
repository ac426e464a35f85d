// `quantflow sweep`'s one-screen summary, as a user reads it (compiled CLI): the stability line of
// a sweep whose best run lost money. Its ratio to the best is undefined (the best Sharpe is not
// above 0) and printed as '(ratio to best -)', which reads as a minus sign with no number.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quantflow } from './run-harness.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'qf-sweep-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quantflow sweep summary', () => {
  it('says why a best run with a Sharpe below 0 has no ratio to its neighbours', async () => {
    const spec = path.join(dir, 'sweep.yaml');
    writeFileSync(spec, [
      `base: ${path.join(root, 'config', 'examples', 'ema-cross.yaml')}`,
      `data: [${path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv')}]`,
      'parameters:', '  fast: [5, 8, 10]', '  slow: [20, 30]',
      'set:', '  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"', '  strategies[0].long.exit: "ema:{fast} < ema:{slow}"',
      'constraints:', '  - fast < slow', '',
    ].join('\n'));
    const run = await quantflow(['sweep', spec, '--state', path.join(dir, 'state'), '--out', path.join(dir, 'out'), '--workers', '1'], 120_000);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('stability of run'));
    expect(line, `stdout:\n${run.stdout}`).toBeDefined();
    expect(line, 'every run of this grid loses on the ETH bars: the best Sharpe is below 0').toMatch(/^stability of run \d+: mean neighbour Sharpe -[\d.]+ \(no ratio to best: its Sharpe is not above 0\), worst -[\d.]+$/);
  });
});
