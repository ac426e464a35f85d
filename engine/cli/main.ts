#!/usr/bin/env node
// The `quantflow` command line: one sub-command per implemented feature.
// Each command lives in engine/cli/commands/<name>.ts and registers itself here.
import { Command } from 'commander';
import { reportCliError } from './cli-error.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerIndicatorsCommand } from './commands/indicators.js';
import { registerRegimeCommand } from './commands/regime.js';
import { registerKillswitchCommand } from './commands/killswitch.js';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerImportCommand } from './commands/import.js';
import { registerDataCommand } from './commands/data.js';
import { registerMontecarloCommand } from './commands/montecarlo.js';
import { registerLabelCommand } from './commands/label.js';
import { registerWalkforwardCommand } from './commands/walkforward.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerPaperCommand } from './commands/paper.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerFeaturesCommand } from './commands/features.js';
import { registerTrainCommand } from './commands/train.js';
import { registerModelsCommand } from './commands/models.js';
import { registerRunCommand } from './commands/run.js';

const program = new Command();
program
  .name('quantflow')
  .description('QuantFlow: a low-latency trading engine (TypeScript + WebAssembly over shared memory)')
  .version('0.1.0')
  .showHelpAfterError();

// Commands register here (one line each).
registerReplayCommand(program);
registerIndicatorsCommand(program);
registerRegimeCommand(program);
registerKillswitchCommand(program);
registerBacktestCommand(program);
registerImportCommand(program);
registerDataCommand(program);
registerMontecarloCommand(program);
registerLabelCommand(program);
registerWalkforwardCommand(program);
registerSweepCommand(program);
registerWorkerCommand(program);
registerPaperCommand(program);
registerWatchCommand(program);
registerFeaturesCommand(program);
registerTrainCommand(program);
registerModelsCommand(program);
registerRunCommand(program);

program.parseAsync(process.argv).catch(reportCliError);
