// A refused research run leaves nothing behind: run from an empty working directory, `label`,
// `regime fit`, `features`, `walkforward` and `sweep` refused for a bad option, a missing data file, an
// unknown indicator token or a reserve the look log holds leave that directory empty (no
// `.quantflow/research`, no empty `--out` folder). Nor does a refused run count in the look log: a
// refused `--final` is no look at the reserve, and a refused run holds back no reserve start.
// Runs the built CLI (dist/) as a child process, each in its own temporary working directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const ETH = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const CONFIG = join(root, 'config', 'examples', 'ema-cross.yaml');
const scratch = mkdtempSync(join(tmpdir(), 'qf-refused-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A sweep spec (in the scratch directory, outside every working directory) whose entry rule is `entry`. */
function sweepSpec(name: string, entry: string): string {
  const file = join(scratch, name);
  writeFileSync(file, [`base: ${CONFIG}`, `data: [${ETH}]`, 'parameters:', '  fast: [5, 8]', 'set:', `  strategies[0].long.entry: "${entry}"`, ''].join('\n'));
  return file;
}

let cwds = 0;
function emptyCwd(): string {
  const cwd = join(scratch, `cwd-${cwds++}`);
  mkdirSync(cwd);
  return cwd;
}

function quantflow(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

const REFUSED: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['label: --reserve out of range', ['label', '--in', ETH, '--out', 'out/labels.csv', '--reserve', '2']],
  ['label: unknown --vol token', ['label', '--in', ETH, '--out', 'out/labels.csv', '--vol', 'nope:3']],
  ['label: unknown --vol token with --final', ['label', '--in', ETH, '--out', 'labels.csv', '--vol', 'nope:3', '--final']],
  ['regime fit: unknown --features token', ['regime', 'fit', '--in', ETH, '--out', 'models/model.json', '--features', 'logret,nope:3']],
  ['features: data file missing', ['features', '--data', 'missing.csv', '--out', 'features']],
  ['features: unknown --features token', ['features', '--data', ETH, '--out', 'features', '--features', 'nope:3']],
  ['walkforward: data file missing', ['walkforward', '--config', CONFIG, '--data', 'missing.csv', '--out', 'wf']],
  ['walkforward: folds past the limit', ['walkforward', '--config', CONFIG, '--data', ETH, '--out', 'wf', '--train', '2bars', '--test', '1bars']],
  ['sweep: a template that breaks the configuration', ['sweep', sweepSpec('broken.yaml', 'nope:{fast} >= ema:20'), '--out', 'sweep', '--workers', '1']],
  ['sweep: a template that breaks the configuration, with --final', ['sweep', sweepSpec('broken-final.yaml', 'nope:{fast} >= ema:20'), '--final', '--workers', '1']],
];

describe('a refused research run', () => {
  it.each(REFUSED)('%s leaves the working directory empty', (_, args) => {
    const cwd = emptyCwd();
    const run = quantflow(cwd, ...args);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^quantflow: /m);
    expect(tree(cwd), `left behind by: quantflow ${args.join(' ')}\n${run.stderr}`).toEqual([]);
  }, 120_000);

  it('refused for a reserve the look log holds, leaves no empty --out folder', () => {
    const cwd = emptyCwd();
    expect(quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv').status).toBe(0);
    const refused = quantflow(cwd, 'walkforward', '--config', CONFIG, '--data', ETH, '--out', 'wf', '--reserve', '0.1');
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/this --reserve would read the data from .* held back as the final reserve/);
    expect(tree(cwd).filter((p) => !p.startsWith('.quantflow')), 'only the label run\'s output and its look log').toEqual(['labels.csv']);
  }, 120_000);

  it('is no look at the reserve and holds back no reserve start', () => {
    const cwd = emptyCwd();
    expect(quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv', '--vol', 'nope:3', '--final').status).toBe(2);
    expect(quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv', '--reserve', '0.3', '--vol', 'nope:3').status).toBe(2);
    const after = quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv', '--reserve', '0.25', '--json');
    expect(after.status, 'the refused --reserve 0.3 held nothing back: --reserve 0.25 reads its data\n' + after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).reserve.looks, 'the refused --final was no look').toBe(0);
    const looked = quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv', '--final', '--json');
    expect(JSON.parse(looked.stdout).reserve.looks, 'a --final that ran is one').toBe(1);
    const smaller = quantflow(cwd, 'label', '--in', ETH, '--out', 'labels.csv', '--reserve', '0.2');
    expect(smaller.status, 'the reserve held back is the one of the run that succeeded (0.25)').toBe(2);
  }, 120_000);
});
