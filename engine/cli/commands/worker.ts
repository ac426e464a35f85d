// `quantflow worker --queue redis://HOST:PORT`: a sweep worker for `quantflow sweep --queue`.
// Takes runs from the queue, executes them (data held in memory per process) and returns the
// results; any number of workers, on any machine that can read the sweep's data sources. A
// worker that dies mid-run loses its lock; its run comes back to the queue after --lock-ms and
// another worker runs it. The same code runs as `node dist/engine/research/sweep/worker-main.js`.
import { Command } from 'commander';
import { runWorkerCli, SweepError, type WorkerCliFlags } from '../../research/sweep/index.js';
import { UserFacingError } from '../cli-error.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run sweep runs from a Redis queue (for `quantflow sweep --queue`); one run at a time, start one per core')
    .requiredOption('--queue <url>', 'Redis URL of the sweep queue (redis://HOST:PORT)')
    .option('--queue-name <name>', 'BullMQ queue name', 'quantflow-sweep')
    .option('--lock-ms <ms>', 'job lock duration: a dead worker\'s run comes back after about this long', '30000')
    .option('--stalled-interval-ms <ms>', 'how often to look for stalled runs (default: --lock-ms)')
    .option('--quiet', 'no per-run log on stderr')
    .action(async (flags: WorkerCliFlags) => {
      try {
        await runWorkerCli(flags);
      } catch (error) {
        if (error instanceof RangeError || error instanceof SweepError) throw new UserFacingError(error.message);
        throw error;
      }
    });
}
