// `quantflow regime fit` refuses price-level features (ema:10): unchanged-under-price-scaling is
// the rule `quantflow features` applies; the default features pass it. It also refuses fewer
// than 10 rows per state, the minimum walkforward's fold fits hold to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerRegimeCommand } from '../engine/cli/commands/regime.js';
import { UserFacingError } from '../engine/cli/cli-error.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-regime-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerRegimeCommand(program);
  await program.parseAsync(['node', 'quantflow', 'regime', ...args]);
}

describe('quantflow regime fit --features', () => {
  it('refuses a price-level token, naming it, and accepts the default scale-free ones', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => {
      const close = 100 * Math.exp(0.01 * Math.sin(i / 3) + 0.002 * i);
      return `${new Date(Date.UTC(2024, 0, 1, i)).toISOString()},${close * 0.999},${close * 1.002},${close * 0.997},${close},${100 + (i % 7) * 10}`;
    });
    const file = path.join(dir, 'bars.csv');
    writeFileSync(file, `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    await expect(run('fit', '--in', file, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', path.join(dir, 'ema.json'), '--features', 'logret,ema:10', '--restarts', '1')).rejects.toThrow(
      new UserFacingError('`--features` must be scale-free (unchanged when prices are multiplied by 1000, within 1e-9 relative); not scale-free: ema:10'),
    );
    await expect(run('fit', '--in', file, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', path.join(dir, 'ok.json'), '--restarts', '1')).resolves.toBeUndefined();
  });
});

describe('quantflow regime fit on few bars', () => {
  it('refuses fewer than 10 rows per state, as walkforward does', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => {
      const close = 100 * Math.exp(0.01 * Math.sin(i / 3) + 0.002 * i);
      return `${new Date(Date.UTC(2024, 0, 1, i)).toISOString()},${close * 0.999},${close * 1.002},${close * 0.997},${close},${100 + (i % 7) * 10}`;
    });
    const file = path.join(dir, 'short.csv');
    writeFileSync(file, `time,open,high,low,close,volume\n${rows.join('\n')}\n`);
    await expect(run('fit', '--in', file, '--bar-stamp', 'open', '--final', '--state', path.join(dir, 'research'), '--out', path.join(dir, 'short.json'), '--restarts', '1')).rejects.toThrow(
      new UserFacingError(`${file}: 10 bars left after the features' warm-up; need at least 30 (10 per state, --states 3), as walkforward's fold fits do`),
    );
  });
});
