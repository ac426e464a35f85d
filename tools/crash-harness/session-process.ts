// The process the crash harness kills: one live session (engine/live) against the local
// simulated-venue server, with its journal and checkpoints in a directory. Started as
//   node dist/tools/crash-harness/session-process.js OPTIONS.json
// with QF_CRASH_AT=<point>:<n> to be killed at a scripted point (engine/live/crash-points.ts).
// It recovers from whatever a previous run left in the journal, reconciles, trades until the
// venue's market stream ends, and prints one JSON line: the book, the recovery and the
// reconciliation. Errors print one line on stderr and exit 1.
import { readFileSync } from 'node:fs';
import { runLiveSession, pipelineFromJson, describeReconciliation } from '../../engine/live/index.js';
import { parseDurability } from '../../engine/journal/index.js';
import { SimVenueAdapter } from '../../adapters/sim-venue/index.js';

interface SessionProcessOptions {
  journalDir: string;
  venuePort: number;
  pipelineJson: string;
  checkpointEvery: number;
  durability?: unknown;
}

async function main(): Promise<void> {
  // A write past a file-size limit then fails (EFBIG) and the journal reports it, instead of the signal killing the process.
  process.on('SIGXFSZ', () => undefined);
  const file = process.argv[2];
  if (!file) throw new Error('usage: session-process OPTIONS.json');
  const options = JSON.parse(readFileSync(file, 'utf8')) as SessionProcessOptions;
  const adapter = new SimVenueAdapter({ host: '127.0.0.1', port: options.venuePort });
  const result = await runLiveSession({
    journalDir: options.journalDir,
    durability: options.durability === undefined ? undefined : parseDurability(options.durability, 'durability'),
    pipeline: pipelineFromJson(options.pipelineJson),
    adapter,
    checkpointEvery: options.checkpointEvery,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({
    book: result.book,
    recoveredFromInboundSeq: result.recoveredFromInboundSeq.toString(),
    replayedRecords: result.replayedRecords,
    reconciliation: { ...result.reconciliation, text: describeReconciliation(result.reconciliation) },
    marketRecords: result.marketRecords,
    commandsSent: result.commandsSent,
    decisionsHash: result.decisionsHash,
    reconnects: result.reconnects,
  })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`session: ${(error as Error).message}\n`);
  process.exit(1);
});
