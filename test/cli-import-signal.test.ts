// `quantflow import` stopped by SIGINT (compiled dist/, a real process): the file being imported
// is rolled back at its next block, the files before it stay, and the command says which were
// imported and which not, then exits with 130 (it used to die mid-file, saying nothing).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MarketStore, listSeries } from '../adapters/store/index.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'qf-import-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `rows` trades from `startMs`, 250 ms apart. */
function tradeFile(name: string, rows: number, startMs: number): string {
  const file = join(dir, name);
  const lines = ['trade_time_ms,trade_id,price,qty,aggressor_side'];
  for (let i = 0; i < rows; i++) lines.push(`${startMs + i * 250},${startMs + i},${(60_000 + (i % 97)).toFixed(2)},0.01,${i % 2 ? 'buy' : 'sell'}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe.skipIf(!existsSync(cli))('quantflow import stopped by a signal (needs `npm run build`)', () => {
  it('on SIGINT rolls back the file being imported, keeps the ones before it, says which, and exits with 130', async () => {
    const small = tradeFile('small-BTCUSDT.csv', 100, 1_723_000_000_000);
    const big = tradeFile('big-BTCUSDT.csv', 1_000_000, 1_724_000_000_000);
    const store = join(dir, 'store');
    const run = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, [cli, 'import', '--store', store, '--in', small, big, '--no-progress'], { cwd: root });
      let stdout = '';
      let stderr = '';
      let sent = false;
      const deadline = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`import did not end within 120 s; stderr: ${stderr}`));
      }, 120_000);
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        // The small file is in: the big one is being imported now.
        if (!sent && stdout.includes('series now 100 rows')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code, signal) => {
        clearTimeout(deadline);
        resolvePromise({ code, signal, stdout, stderr });
      });
    });
    expect(run.stderr, 'says what was and was not imported').toContain(`1 file(s) imported, 1 not: ${big}`);
    expect(run.stderr).toMatch(/import interrupted: .*the import of .*big-BTCUSDT\.csv was interrupted after \d+ rows; nothing of it was kept/);
    expect(run.stdout).toMatch(/store .*: 1 file\(s\), 100 rows in .*, INTERRUPTED/);
    expect([run.code, run.signal], `exit code 128 + SIGINT; stderr:\n${run.stderr}`).toEqual([130, null]);
    const [series] = listSeries(store);
    expect([series.rows, series.sources.map((s) => s.label)], 'only the small file is stored').toEqual([100, [small]]);
    const opened = MarketStore.open(store);
    try {
      expect(opened.pending(), 'nothing left pending').toBeUndefined();
    } finally {
      await opened.close();
    }
  });
});
