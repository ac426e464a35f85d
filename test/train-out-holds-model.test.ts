// `train --out DIR` on a directory that already holds a model (its model.json) replaced it
// silently; it is refused, naming the model, unless --force.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrain } from '../engine/cli/commands/train.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-train-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const out = path.join(dir, 'eth-q');
mkdirSync(out);
const held = JSON.stringify({ name: 'eth-q', folds: [] });
writeFileSync(path.join(out, 'model.json'), held);
const missingFeatures = path.join(dir, 'no-features');

describe('train --out on a directory that holds a model', () => {
  it('is refused, naming the model and --force, and leaves it as it was', async () => {
    await expect(runTrain({ features: missingFeatures, out })).rejects.toThrow(/`--out` .*eth-q already holds the model "eth-q" .*model\.json.*--force to replace it/);
    expect(readFileSync(path.join(out, 'model.json'), 'utf8')).toBe(held);
  });

  it('goes on to train with --force (here: to the missing --features)', async () => {
    await expect(runTrain({ features: missingFeatures, out, force: true })).rejects.toThrow(/^--features: /);
  });

  it('takes an empty directory', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    await expect(runTrain({ features: missingFeatures, out: empty })).rejects.toThrow(/^--features: /);
  });
});
