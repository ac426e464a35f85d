// The research `--state DIR` (the reserve's look log, the sweep store) is a directory whatever its
// name: lmdb-js takes a path with an extension (`research.v2`) for a file, so `label --state
// research.v2` failed with lmdb's "Is a directory: Attempting to open main database file" stack
// trace, leaving a stray `research.v2-lock` file beside it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLabel } from '../engine/cli/commands/label.js';
import { SweepStore } from '../engine/research/sweep/sweep-store.js';

const ETH = 'data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-dotted-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a research --state directory whose name has a dot', () => {
  it('holds the look log in the directory and counts each --final', async () => {
    const state = path.join(dir, 'research.v2');
    const first = await runLabel({ in: ETH, out: path.join(dir, 'a.csv'), state, final: true });
    const second = await runLabel({ in: ETH, out: path.join(dir, 'b.csv'), state, final: true });
    expect([first.reserve.looks, second.reserve.looks]).toEqual([1, 2]);
    expect(existsSync(path.join(state, 'data.mdb')), 'the environment is inside the directory').toBe(true);
    expect(existsSync(`${state}-lock`), 'no lock file beside it').toBe(false);
  }, 60_000);

  it('holds the sweep store in the directory', async () => {
    const state = path.join(dir, 'sweeps.2024');
    const store = SweepStore.open(state);
    await store.close();
    expect(existsSync(path.join(state, 'data.mdb'))).toBe(true);
  });
});
