// `quantflow paper --record questdb://...` records every bar the session plays to a real QuestDB
// (the run's shared server, test/questdb-global-setup.ts), and `quantflow backtest --data
// questdb://...` over the recording gives the paper session's fills, byte for byte (the same
// fills hash).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedQuestDb } from './questdb-global-setup.js';

const qdb = sharedQuestDb();
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'engine', 'cli', 'main.js');
const ETH = join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
const BARS = 800;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, QF_CONTROL_SECRET: 's'.repeat(40) } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

if (!qdb.available) {
  describe('paper --record', () => {
    it.skip(`skipped: ${qdb.reason}`, () => {});
  });
} else {
  describe('paper --record', () => {
    it('records the session to QuestDB, and a backtest of the recording gives the same fills', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qf-paper-record-'));
      const file = join(dir, 'ETHUSDT_1h.csv');
      writeFileSync(file, `${readFileSync(ETH, 'utf8').split('\n').slice(0, BARS + 1).join('\n')}\n`);
      const config = join(root, 'config', 'examples', 'ema-cross.yaml');
      const url = `questdb://127.0.0.1:${qdb.httpPort}`;
      const paper = run(['paper', '--data', file, '--bar-stamp', 'open', '--symbol', 'ETHUSDT', '--config', config, '--speed', '360000000', '--no-serve', '--record', url]);
      expect(paper.code, paper.stderr).toBe(0);
      expect(paper.stderr).toContain(`${BARS} records written to ${url}`);
      const paperHash = /fills sha256 ([0-9a-f]{64})/.exec(paper.stdout)?.[1];
      expect(paperHash).toBeDefined();
      let replay = run(['backtest', '--no-run-store', '--data', `${url}/bars?symbol=ETHUSDT`, '--config', config, '--out', join(dir, 'out'), '--json']);
      for (let attempt = 0; attempt < 100 && (replay.code !== 0 || JSON.parse(replay.stdout).events !== BARS); attempt++) {
        await new Promise((wait) => setTimeout(wait, 200)); // WAL applies asynchronously
        replay = run(['backtest', '--no-run-store', '--data', `${url}/bars?symbol=ETHUSDT`, '--config', config, '--out', join(dir, 'out'), '--json']);
      }
      expect(replay.code, replay.stderr).toBe(0);
      const summary = JSON.parse(replay.stdout);
      expect(summary.events).toBe(BARS);
      expect(summary.fills).toBeGreaterThan(10);
      expect(summary.fillsSha256).toBe(paperHash);
    }, 240_000);
  });
}
