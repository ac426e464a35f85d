#!/usr/bin/env node
// Benchmark dispatcher: `node dist/bench/main.js <suite> [suite options] [--json]`
// (or `npm run bench -- <suite>` after `npx tsc`). Suites register in `suites`
// below, one line each; a suite prints a human table, or one JSON document with --json.
import { Command } from 'commander';
import { ringSuite } from './ring.bench.js';
import { indicatorsSuite } from './indicators.bench.js';
import { regimeSuite } from './regime.bench.js';
import { decisionSuite } from './decision.bench.js';
import { executionSuite } from './execution.bench.js';
import { journalSuite } from './journal.bench.js';
import { backtestSuite } from './backtest.bench.js';
import { sweepSuite } from './sweep.bench.js';
import { modelsSuite } from './models.bench.js';
import { adaptersSuite } from './adapters.bench.js';
import { streamSuite } from './stream.bench.js';
import { cliSuite } from './cli.bench.js';

export interface BenchSuiteOptions {
  json?: boolean;
  /** Suite-specific options, as given on the command line after the suite name. */
  args?: string[];
}

export interface BenchSuite {
  name: string;
  description: string;
  run(options: BenchSuiteOptions): unknown;
}

const suites: Record<string, BenchSuite> = {
  ring: ringSuite,
  indicators: indicatorsSuite,
  regime: regimeSuite,
  decision: decisionSuite,
  execution: executionSuite,
  journal: journalSuite,
  backtest: backtestSuite,
  sweep: sweepSuite,
  models: modelsSuite,
  adapters: adaptersSuite,
  stream: streamSuite,
  cli: cliSuite,
};

const program = new Command();
program
  .name('bench')
  .description(`QuantFlow benchmarks. Suites:\n${Object.values(suites).map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}`)
  .argument('<suite>', `one of: ${Object.keys(suites).join(', ')}`)
  .argument('[options...]', 'suite-specific options (see the suite header)')
  .option('--json', 'print one JSON document instead of a table')
  .allowUnknownOption()
  .action(async (name: string, args: string[], options: { json?: boolean }) => {
    const suite = suites[name];
    if (!suite) throw new Error(`\`suite\` must be one of ${Object.keys(suites).join(', ')}, was ${JSON.stringify(name)}`);
    await suite.run({ json: options.json ?? false, args });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
