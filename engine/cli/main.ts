#!/usr/bin/env node
// The `quantflow` command line: one sub-command per implemented feature.
// Each command lives in engine/cli/commands/<name>.ts and is listed in COMMANDS below, in the
// order help shows them. Only the invoked command's module is imported, with the part of the
// engine and the packages it needs: importing all of them took ~1.2 s on this 2-core machine
// before any command ran (`run` alone brings ccxt, `sweep` bullmq, `paper` uWebSockets.js).
// `--version` imports none; help, no command and an unknown name import every module, so the
// listing and commander's "did you mean" stay complete.
import { Command } from 'commander';
import { reportCliError } from './cli-error.js';
import { applyUsageErrorPolicy } from './usage-errors.js';

type RegisterCommand = (program: Command) => void;

/** Each command's name (its first word on the command line) and how to load its registration. */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<RegisterCommand>]> = [
  ['replay', async () => (await import('./commands/replay.js')).registerReplayCommand],
  ['indicators', async () => (await import('./commands/indicators.js')).registerIndicatorsCommand],
  ['regime', async () => (await import('./commands/regime.js')).registerRegimeCommand],
  ['killswitch', async () => (await import('./commands/killswitch.js')).registerKillswitchCommand],
  ['backtest', async () => (await import('./commands/backtest.js')).registerBacktestCommand],
  ['import', async () => (await import('./commands/import.js')).registerImportCommand],
  ['data', async () => (await import('./commands/data.js')).registerDataCommand],
  ['montecarlo', async () => (await import('./commands/montecarlo.js')).registerMontecarloCommand],
  ['label', async () => (await import('./commands/label.js')).registerLabelCommand],
  ['walkforward', async () => (await import('./commands/walkforward.js')).registerWalkforwardCommand],
  ['sweep', async () => (await import('./commands/sweep.js')).registerSweepCommand],
  ['worker', async () => (await import('./commands/worker.js')).registerWorkerCommand],
  ['paper', async () => (await import('./commands/paper.js')).registerPaperCommand],
  ['watch', async () => (await import('./commands/watch.js')).registerWatchCommand],
  ['features', async () => (await import('./commands/features.js')).registerFeaturesCommand],
  ['train', async () => (await import('./commands/train.js')).registerTrainCommand],
  ['models', async () => (await import('./commands/models.js')).registerModelsCommand],
  ['run', async () => (await import('./commands/run.js')).registerRunCommand],
];

/** The commands to register for `argv` (node, script, args...): the invoked one, none for the version, or all of them. */
function commandsFor(argv: readonly string[]): ReadonlyArray<readonly [string, () => Promise<RegisterCommand>]> {
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) return [];
  const invoked = COMMANDS.find(([name]) => name === argv[2]);
  return invoked ? [invoked] : COMMANDS;
}

async function main(): Promise<void> {
  const program = new Command();
  program
    .name('quantflow')
    .description('QuantFlow: a low-latency trading engine (TypeScript + WebAssembly over shared memory)')
    .version('0.1.0');
  const registrations = await Promise.all(commandsFor(process.argv).map(([, load]) => load()));
  for (const register of registrations) register(program);
  applyUsageErrorPolicy(program);
  await program.parseAsync(process.argv);
}

// A reader that goes away before the command is done (`quantflow import ... | head -1`,
// `quantflow killswitch status | head -1`) is not a failure of the command: its writes to the
// closed pipe are dropped and the work goes on to its end and its own exit code (a session keeps
// its on-exit policy). Without this the first write after it threw EPIPE as an unhandled 'error'
// event: a stack trace and exit 1, in the middle of an import. Any other output error ends the
// command with one line, unless the command handles its output's errors itself (watch).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || stream.listenerCount('error') > 1) return;
    if (stream === process.stdout) process.stderr.write(`quantflow: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
}

main().catch(reportCliError);
