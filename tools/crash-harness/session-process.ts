// The process the crash harness kills: one live session (engine/live) against the local
// simulated-venue server, with its journal and checkpoints in a directory. Started as
//   node dist/tools/crash-harness/session-process.js OPTIONS.json
// OPTIONS: { journalDir, venuePort, checkpointEvery, durability?, and either pipelineJson or
// bars + regimeModel (+ config, equity), and optionally record: { questdb: { host, httpPort },
// symbols } to record every market record to QuestDB, and optionally model: { dir, symbols? } for
// the ML expert (a model directory; the pipeline's fusion instruments must carry `model`), and
// acceptCoreChange to start on a journal another core build wrote }
// (README "Crash safety" has an example).
// with QF_CRASH_AT=<point>:<n> to be killed at a scripted point (engine/live/crash-points.ts).
// It recovers from whatever a previous run left in the journal, reconciles, trades until the
// venue's market stream ends, and prints one JSON line: the book, the recovery and the
// reconciliation. Errors print one line on stderr and exit 1.
import { readFileSync } from 'node:fs';
import { runLiveSession, pipelineFromJson, describeReconciliation } from '../../engine/live/index.js';
import { parseDurability } from '../../engine/journal/index.js';
import { SimVenueAdapter } from '../../adapters/sim-venue/index.js';
import { loadBarsCsv } from '../../adapters/files/index.js';
import { buildBarReplayTape, barIntervalNs, instrumentNames, timeframeOfInterval, tradingPipeline } from '../../engine/replay/index.js';
import { loadConfig } from '../../engine/config/index.js';
import { readRegimeModelFile } from '../../engine/regime/index.js';
import type { PipelineSpec } from '../../engine/pipeline/index.js';
import { QuestDbRecorder } from '../../adapters/questdb/index.js';
import { QuantileModelSet } from '../../engine/models/index.js';
import { DEFAULT_MODEL_MONITOR } from '../../engine/config/index.js';

interface SessionProcessOptions {
  journalDir: string;
  venuePort: number;
  /** The pipeline as pipelineToJson wrote it; or, instead, the inputs below to build it from. */
  pipelineJson?: string;
  /** The bar files the venue serves (for instrument names and bar intervals), a regime model from `regime fit`, an optional config file. */
  bars?: string[];
  regimeModel?: string;
  config?: string;
  equity?: number;
  checkpointEvery: number;
  durability?: unknown;
  /** Records every bar, trade and quote the session receives to QuestDB (instrument id i -> symbols[i]; default: from `bars`). */
  record?: { questdb: { host?: string; httpPort: number }; symbols?: string[] };
  /** The ML expert's model directory (quantflow train), served on 1 onnxruntime thread; symbols: instrument id -> symbol (default: from `bars`). */
  model?: { dir: string; symbols?: string[] };
  /** Start on a journal another core build wrote (LiveSessionOptions.acceptCoreChange). */
  acceptCoreChange?: boolean;
}

/** The trading pipeline of the options: given as JSON, or built from bar files, a regime model and a config. */
async function pipelineOf(options: SessionProcessOptions): Promise<PipelineSpec> {
  if (options.pipelineJson !== undefined) return pipelineFromJson(options.pipelineJson);
  if (!options.bars?.length) throw new Error('options need `pipelineJson`, or `bars` (the files the venue serves) with a config (and a `regimeModel` for fusion strategies)');
  const series = await Promise.all(options.bars.map(async (file) => (await loadBarsCsv(file)).series));
  const tape = buildBarReplayTape(series, instrumentNames(options.bars));
  return tradingPipeline({
    config: loadConfig({ configFile: options.config }), instrumentNames: tape.instrumentNames, timeframes: series.map((s) => timeframeOfInterval(barIntervalNs(s))),
    regimeModel: options.regimeModel ? readRegimeModelFile(options.regimeModel) : undefined, indicators: [], equity: options.equity ?? 100_000, startNs: tape.tsExchange[0], halted: false, simulate: false,
  }).spec;
}

async function main(): Promise<void> {
  // A write past a file-size limit then fails (EFBIG) and the journal reports it, instead of the signal killing the process.
  process.on('SIGXFSZ', () => undefined);
  const file = process.argv[2];
  if (!file) throw new Error('usage: session-process OPTIONS.json');
  const options = JSON.parse(readFileSync(file, 'utf8')) as SessionProcessOptions;
  const adapter = new SimVenueAdapter({ host: '127.0.0.1', port: options.venuePort });
  const symbols = options.record?.symbols ?? (options.bars ? instrumentNames(options.bars) : undefined);
  if (options.record && !symbols) throw new Error('`record` needs `symbols` (instrument id -> symbol) when the pipeline is given as JSON');
  const modelSymbols = options.model ? options.model.symbols ?? (options.bars ? instrumentNames(options.bars) : undefined) : undefined;
  if (options.model && !modelSymbols) throw new Error('`model` needs `symbols` (instrument id -> symbol) when the pipeline is given as JSON');
  const model = options.model ? { model: await QuantileModelSet.load(options.model.dir, { threads: 1 }), source: options.model.dir, symbols: modelSymbols!, monitor: DEFAULT_MODEL_MONITOR } : undefined;
  const recorder = options.record ? await QuestDbRecorder.open({ host: options.record.questdb.host ?? '127.0.0.1', httpPort: options.record.questdb.httpPort }) : undefined;
  let flushing: Promise<void> = Promise.resolve();
  const result = await runLiveSession({
    journalDir: options.journalDir,
    durability: options.durability === undefined ? undefined : parseDurability(options.durability, 'durability'),
    pipeline: await pipelineOf(options),
    adapter,
    checkpointEvery: options.checkpointEvery,
    acceptCoreChange: options.acceptCoreChange === true,
    model,
    log: (line) => process.stderr.write(`${line}\n`),
    onMarketRecord: recorder && ((record) => {
      if (!recorder.record(record, symbols!)) flushing = flushing.then(() => recorder.flush());
    }),
  });
  await flushing;
  await recorder?.close();
  process.stdout.write(`${JSON.stringify({
    book: result.book,
    recoveredFromInboundSeq: result.recoveredFromInboundSeq.toString(),
    replayedRecords: result.replayedRecords,
    reconciliation: { ...result.reconciliation, text: describeReconciliation(result.reconciliation) },
    marketRecords: result.marketRecords,
    commandsSent: result.commandsSent,
    decisionsHash: result.decisionsHash,
    reconnects: result.reconnects,
    ...(result.model ? { model: { state: result.model.state, counters: result.model.counters } } : {}),
  })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`session: ${(error as Error).message}\n`);
  process.exit(1);
});
