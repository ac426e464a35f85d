// `quantflow label` and `quantflow regime fit` take their bar file as `--in`: every refusal about
// that file names `--in`, never `--data` (an option neither command has), and the hints the CSV
// reader gives (`--kind`, `--column ROLE=HEADER`, `--time-column`) name options both commands take.
// Runs the commands through a scratch commander program, as the CLI does.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerLabelCommand } from '../engine/cli/commands/label.js';
import { registerRegimeCommand } from '../engine/cli/commands/regime.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-in-flag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const state = path.join(dir, 'research');

async function quantflow(...args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLabelCommand(program);
  registerRegimeCommand(program);
  await program.parseAsync(['node', 'quantflow', ...args]);
}

/** A bar file (open-stamped, in its sidecar) whose content is `text`. */
function barFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  writeFileSync(`${file}.meta.json`, JSON.stringify({ barStamp: 'open' }));
  return file;
}

/** `rows` hourly bars of a random walk under the headers given (close named `closeHeader`). */
function walk(rows: number, closeHeader = 'close'): string {
  const lines = [`timestamp,open,high,low,${closeHeader},volume`];
  let price = 100;
  for (let i = 0; i < rows; i++) {
    const next = price * (1 + 0.01 * Math.sin(i * 1.7) + 0.004 * Math.cos(i * 0.31));
    lines.push(`${new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString()},${price},${Math.max(price, next) * 1.002},${Math.min(price, next) * 0.998},${next},${10 + (i % 7)}`);
    price = next;
  }
  return `${lines.join('\n')}\n`;
}

const commands = [
  { name: 'label', command: ['label', '--out', path.join(dir, 'labels.csv')] },
  { name: 'regime fit', command: ['regime', 'fit', '--out', path.join(dir, 'model.json')] },
];

describe('label and regime fit name --in in every message about their file', () => {
  it.each(commands)('$name: a bad row, an empty file and a header of unknown kind are refused naming --in', async ({ command }) => {
    const cases = [
      barFile('bad-row.csv', `${walk(3).trimEnd()}\n2024-01-01T03:00:00Z,1,2,0.5,x,1\n`),
      barFile('empty.csv', 'timestamp,open,high,low,close,volume\n'),
      barFile('unknown.csv', 'a,b\n1,2\n'),
    ];
    for (const file of cases) {
      const run = quantflow(...command, '--state', state, '--in', file);
      await expect(run, file).rejects.toThrow(new RegExp(`^--in ${file.replace(/[.]/g, '\\.')}: `));
      await expect(run, file).rejects.not.toThrow(/--data/);
    }
  });

  it.each(commands)('$name: the CSV reader\'s hints name options the command takes (--column maps a close column under another name)', async ({ command }) => {
    const file = barFile('last.csv', walk(400, 'last'));
    await expect(quantflow(...command, '--state', state, '--final', '--in', file)).rejects.toThrow(/state --kind bars\|trades\|quotes/);
    await expect(quantflow(...command, '--state', state, '--final', '--in', file, '--kind', 'bars')).rejects.toThrow(/or --column close=HEADER/);
    await quantflow(...command, '--state', state, '--final', '--in', file, '--kind', 'bars', '--column', 'close=last');
    const written = command[0] === 'label' ? readFileSync(path.join(dir, 'labels.csv'), 'utf8') : readFileSync(path.join(dir, 'model.json'), 'utf8');
    expect(written.length, 'the command wrote its output from the mapped file').toBeGreaterThan(100);
  }, 60_000);
});
