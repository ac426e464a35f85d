// The sweep benchmark (bench/sweep.bench.ts) run as a user runs it (compiled dist/, a real
// process), at its smallest scale: without a redis-server it still reports the pool legs and
// says the queue leg was not measured, instead of failing after the pool rounds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bench = join(root, 'dist', 'bench', 'main.js');

describe.skipIf(!existsSync(bench))('bench sweep (needs `npm run build`)', () => {
  it('without a redis-server reports the pool legs and says the queue overhead was not measured', () => {
    const missing = join(root, 'no-such-dir', 'redis-server');
    const result = spawnSync(process.execPath, [bench, 'sweep', '--runs', '2', '--repeats', '1', '--queue-runs', '1', '--json'], {
      cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, REDIS_SERVER: missing },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`no redis-server at ${missing}`);
    const report = JSON.parse(result.stdout);
    expect(report.pool.oneWorker.backtestsPerMinute, 'the pool legs ran').toBeGreaterThan(0);
    expect(report.pool.allCores.backtestsPerMinute).toBeGreaterThan(0);
    expect(report.queue.skipped).toMatch(/^not measured: no redis-server at /);
  });
});
