// Recovery through the core, for the journal suite: what a restarted session (and `replay
// --journal`) actually runs: a session journal's inbound records read from LMDB, published into
// the inbound ring and consumed by the WASM core (replayJournal in engine/live), timed from the
// first read (finding the session start's pipeline, then one pass over the journal: inbound
// records copied into ring slots, control entries decoded, commands compared) until the core
// has consumed the last record and the engine thread has drained and stopped. Two pipelines:
//   transport  no per-bar stages: the journal, the ring and the core's intake alone;
//   trading    the demo strategy (indicators, the HMM filter, fusion, sizing, the order stage,
//              risk) on every bar, with the simulated venue in the core filling its orders (a
//              paper session's journal): order, fill, portfolio and exit work is timed too. (With
//              the orders leaving for a venue and no venue answering, they would turn UNCERTAIN
//              and block trading after the first ones: less work, not a session.)
// Records: the bundled demo bars (BTC, ETH, SOL 1h), replayed again and again, each pass
// shifted in time past the last, until --recovery-records. Left out of the timed region: writing
// the journal and starting the engine thread (compiling the core, configuring the pipeline).
// The I/O thread's latency stamps (per published slot) and histogram (per consumed record) run
// as in a session and are timed too.
import { buildBarReplayTape, barIntervalNs, instrumentNames, timeframeOfInterval, tradingPipeline } from '../engine/replay/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../engine/journal/index.js';
import { pipelineToJson, replayJournal } from '../engine/live/index.js';
import { loadBarsCsv } from '../adapters/files/index.js';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { loadConfig } from '../engine/config/index.js';
import { buildRegimeFeatures, trainRegimeModel } from '../engine/regime/index.js';
import { EventKind } from '../engine/layout/event-record.js';
import type { PipelineSpec } from '../engine/pipeline/index.js';

export interface CoreRecoveryResult {
  readonly pipeline: 'transport' | 'trading';
  readonly records: number;
  /** Median records/s over the repetitions, and the samples. */
  readonly recordsPerSecond: number;
  readonly samples: number[];
  readonly decisions: number;
}

/** Writes a session journal of `records` demo bars (untimed); returns its directory. */
export async function writeSessionJournal(root: string, name: string, pipeline: PipelineSpec, records: number): Promise<string> {
  const files = defaultBarFiles();
  const series = await Promise.all(files.map(async (file) => (await loadBarsCsv(file)).series));
  const tape = buildBarReplayTape(series, instrumentNames(files));
  const span = tape.tsLocal[tape.length - 1] - tape.tsExchange[0] + 3_600_000_000_000n;
  const dir = path.join(root, name);
  const journal = Journal.open(dir, { durability: { mode: 'async' } });
  journal.append({ type: 'sessionStarted', sessionId: 'bench', mode: 'live', pipelineJson: pipelineToJson(pipeline), recoveredFromInboundSeq: 0n, replayedRecords: 0n });
  const record = new Uint8Array(64);
  const view = new DataView(record.buffer);
  for (let i = 0; i < records; i++) {
    const row = i % tape.length;
    const shift = span * BigInt(Math.floor(i / tape.length));
    view.setInt32(0, EventKind.BAR | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
    view.setInt32(4, tape.instrument[row], true);
    view.setBigInt64(8, tape.tsExchange[row] + shift, true);
    view.setBigInt64(16, tape.tsLocal[row] + shift, true);
    view.setFloat64(24, tape.close[row], true);
    view.setFloat64(32, tape.volume[row], true);
    view.setFloat64(40, tape.high[row], true);
    view.setFloat64(48, tape.low[row], true);
    view.setFloat64(56, tape.open[row], true);
    journal.append({ type: 'inbound', inboundSeq: BigInt(i), record, sourceSeq: BigInt(i + 1) });
    if ((i & 4095) === 4095) journal.commit();
  }
  journal.close();
  return dir;
}

/** The demo strategy as a paper session runs it (the core's simulated venue fills it). */
export async function tradingSpec(): Promise<PipelineSpec> {
  const files = defaultBarFiles();
  const series = await Promise.all(files.map(async (file) => (await loadBarsCsv(file)).series));
  const names = instrumentNames(files);
  const model = trainRegimeModel(buildRegimeFeatures(series[1]), { restarts: 1, seed: 1, maxIterations: 50 });
  return tradingPipeline({
    config: loadConfig(), instrumentNames: names, timeframes: series.map((s) => timeframeOfInterval(barIntervalNs(s))), regimeModel: model, indicators: [],
    equity: 100_000, startNs: 0n, halted: false, simulate: true,
  }).spec;
}

export async function coreRecoveryBench(records: number, repetitions: number, log: (line: string) => void): Promise<CoreRecoveryResult[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'qf-journal-core-recovery-'));
  try {
    const out: CoreRecoveryResult[] = [];
    const specs: [CoreRecoveryResult['pipeline'], PipelineSpec][] = [['transport', { indicators: [], instruments: [] }], ['trading', await tradingSpec()]];
    for (const [name, spec] of specs) {
      log(`journal: recovery through the core (${name}), ${records.toLocaleString('en')} records, ${repetitions} repetitions ...`);
      const dir = await writeSessionJournal(root, name, spec, records);
      const samples: number[] = [];
      let decisions = 0;
      for (let r = 0; r < repetitions; r++) {
        const result = await replayJournal(dir);
        if (result.inboundRecords !== records) throw new Error(`recovery replayed ${result.inboundRecords} of ${records} records`);
        samples.push(result.inboundRecords / (result.elapsedMs / 1000));
        decisions = result.decisions;
      }
      const sorted = [...samples].sort((a, b) => a - b);
      out.push({ pipeline: name, records, recordsPerSecond: sorted[Math.floor(sorted.length / 2)], samples, decisions });
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
