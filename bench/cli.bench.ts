// CLI start-up benchmark: what a user waits for before a `quantflow` command does its work, and a
// whole backtest as a user runs it. Each case is a child process (`node dist/engine/cli/main.js
// ...`, what the package's bin runs), timed from spawn to exit:
//
//   node -e 0                     bare Node start: the floor of any command (the baseline)
//   quantflow --version           the CLI itself (no command module is loaded)
//   quantflow --help              every command module imported: what every command paid before the
//                                 CLI loaded only the invoked one (the reference, same run)
//   quantflow backtest --help     one command's module graph
//   quantflow run --help          the live command, whose venue packages (ccxt, @stoqey/ib) load
//                                 only when a session starts
//   quantflow backtest ...        config/examples/ema-cross.yaml on the bundled ETH 1h bars
//                                 (--no-progress --json --no-run-store): start-up, CSV, engine
//                                 thread, core, report files; its fills hash is checked every run
//
// Repetitions: one untimed round, then --repeats R (default 5) rounds, each case once per round in
// the order above; medians, and each median's ratio to bare Node's. No goal: the figures say
// where start-up time goes (engine/cli/main.ts, README "CLI reference").
// Run: `npx tsc -p tsconfig.json && node dist/bench/main.js cli [--repeats R] [--json]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { packageRoot } from '../engine/core/package-root.js';
import { median } from './latency-percentiles.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

interface CliCase {
  readonly name: string;
  /** Arguments after `node`; `out` is a fresh output directory for the case's run. */
  args(out: string): string[];
  /** Checks the run's stdout; returns what to compare across runs (or ''). */
  check(stdout: string): string;
}

interface CaseResult {
  name: string;
  runsMs: number[];
  medianMs: number;
  /** medianMs / bare Node's medianMs. */
  ratio: number;
}

function cases(): CliCase[] {
  const root = packageRoot();
  const cli = path.join(root, 'dist', 'engine', 'cli', 'main.js');
  const eth = path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv');
  const config = path.join(root, 'config', 'examples', 'ema-cross.yaml');
  const none = (): string => '';
  const usage = (command: string) => (stdout: string): string => {
    if (!stdout.includes(`Usage: quantflow ${command}`)) throw new Error(`result check: \`quantflow ${command} --help\` printed no usage`);
    return '';
  };
  return [
    { name: 'node -e 0 (baseline)', args: () => ['-e', '0'], check: none },
    { name: 'quantflow --version', args: () => [cli, '--version'], check: (stdout) => { if (!/^\d+\.\d+\.\d+\s*$/.test(stdout)) throw new Error(`result check: --version printed ${JSON.stringify(stdout)}`); return ''; } },
    { name: 'quantflow --help (all commands)', args: () => [cli, '--help'], check: (stdout) => { if (!stdout.includes('backtest') || !stdout.includes('run [options]')) throw new Error('result check: --help did not list the commands'); return ''; } },
    { name: 'quantflow backtest --help', args: () => [cli, 'backtest', '--help'], check: usage('backtest') },
    { name: 'quantflow run --help', args: () => [cli, 'run', '--help'], check: usage('run') },
    {
      name: 'quantflow backtest (ETH 1h, ema-cross)',
      args: (out) => [cli, 'backtest', '--data', eth, '--config', config, '--out', out, '--no-progress', '--json', '--no-run-store'],
      check: (stdout) => {
        const fills = (JSON.parse(stdout) as { fillsSha256?: string }).fillsSha256;
        if (typeof fills !== 'string' || fills.length !== 64) throw new Error('result check: the backtest printed no fills hash');
        return fills;
      },
    },
  ];
}

function runCases(repeats: number): CaseResult[] {
  const list = cases();
  const tmp = mkdtempSync(path.join(tmpdir(), 'qf-cli-bench-'));
  const runs: number[][] = list.map(() => []);
  const seen: string[] = list.map(() => '');
  let outs = 0;
  try {
    for (let round = -1; round < repeats; round++) {
      list.forEach((c, index) => {
        const started = performance.now();
        const child = spawnSync(process.execPath, c.args(path.join(tmp, `out-${outs++}`)), { encoding: 'utf8', cwd: tmp });
        const ms = performance.now() - started;
        if (child.status !== 0) throw new Error(`${c.name} exited with ${child.status ?? child.signal}: ${child.stderr}`);
        const value = c.check(child.stdout);
        if (seen[index] !== '' && value !== seen[index]) throw new Error(`result check: ${c.name} gave ${value}, another run ${seen[index]}`);
        seen[index] = value;
        if (round >= 0) runs[index].push(ms);
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const baseline = median(runs[0]);
  return list.map((c, index) => ({ name: c.name, runsMs: runs[index], medianMs: median(runs[index]), ratio: median(runs[index]) / baseline }));
}

function parseOptions(args: readonly string[]): { repeats: number } {
  const program = new Command('cli').option('--repeats <n>', 'timed rounds', '5').exitOverride();
  program.parse([...args], { from: 'user' });
  const repeats = Number(program.opts().repeats);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 100) throw new RangeError(`\`--repeats\` must be a whole number from 1 to 100, was ${JSON.stringify(program.opts().repeats)}`);
  return { repeats };
}

async function run(suiteOptions: BenchSuiteOptions): Promise<unknown> {
  const { repeats } = parseOptions(suiteOptions.args ?? []);
  const load = loadavg()[0];
  const results = runCases(repeats);
  const report = { node: process.version, load, repeats, cases: results };
  if (suiteOptions.json) {
    console.log(JSON.stringify(report, null, 2));
    return report;
  }
  console.log(`cli: start-up of \`quantflow\` commands (child processes, spawn to exit), median of ${repeats}, load ${load.toFixed(2)}`);
  for (const r of results) {
    console.log(`  ${r.name.padEnd(40)} ${r.medianMs.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(2).padStart(6)}x bare node  (${r.runsMs.map((ms) => ms.toFixed(0)).join(' ')})`);
  }
  return report;
}

export const cliSuite: BenchSuite = {
  name: 'cli',
  description: 'start-up of `quantflow` commands and a whole backtest, as child processes, against bare node',
  run,
};
