// Test worker: a second reader of the core's published state (engine/snapshot) in its own thread.
// Polls readConsistentState on the shared memory in a tight loop until the test raises the stop
// word, checking every snapshot as the I/O thread's reader does, and posts what it saw (after a
// `{ ready: true }` message once it runs).
import { parentPort, workerData } from 'node:worker_threads';
import { readInstrumentRisk, readRiskAccount } from '../../engine/pipeline/index.js';
import { readConsistentState } from '../../engine/snapshot/index.js';

export interface StateReaderJob {
  memory: WebAssembly.Memory;
  /** Int32Array word 0: 1 once the test wants the reader to stop. */
  stop: SharedArrayBuffer;
  tolerance: number;
  /** 'published': readConsistentState; 'direct': the old reads of the risk region (readRiskAccount, then readInstrumentRisk of each of `instruments`). */
  mode: 'published' | 'direct';
  instruments: number[];
}

export interface StateReaderResult {
  reads: number;
  /** Distinct publications seen (sequence values). */
  snapshots: number;
  /** Snapshots where equity != cash + marketValue or cash + sum(instrument values) beyond the tolerance. */
  inconsistent: number;
  /** Reads whose sequence was lower than the one before. */
  seqDecreases: number;
  firstProblem?: string;
  lastSeq: number;
  error?: string;
}

const { memory, stop, tolerance, mode, instruments } = workerData as StateReaderJob;
const stopWord = new Int32Array(stop);
const result: StateReaderResult = { reads: 0, snapshots: 0, inconsistent: 0, seqDecreases: 0, lastSeq: -1 };
parentPort!.postMessage({ ready: true });
try {
  while (mode === 'direct' && Atomics.load(stopWord, 0) === 0) {
    result.reads += 1;
    const account = readRiskAccount(memory);
    let values = 0;
    for (const instrument of instruments) values += readInstrumentRisk(memory, instrument).value;
    const scale = Math.max(1, Math.abs(account.equity));
    if (Math.abs(account.equity - (account.cash + values)) > tolerance * scale) {
      result.inconsistent += 1;
      result.firstProblem ??= `equity ${account.equity}, cash ${account.cash}, marketValue ${account.marketValue}, cash + sum of instrument values ${account.cash + values}`;
    }
  }
  while (mode === 'published' && Atomics.load(stopWord, 0) === 0) {
    const state = readConsistentState(memory);
    result.reads += 1;
    if (state.seq < result.lastSeq) {
      result.seqDecreases += 1;
      result.firstProblem ??= `sequence went from ${result.lastSeq} to ${state.seq}`;
    }
    if (state.seq !== result.lastSeq) {
      result.snapshots += 1;
      const { equity, cash, marketValue } = state.account;
      const values = state.instruments.reduce((sum, i) => sum + i.value, 0);
      const scale = Math.max(1, Math.abs(equity));
      if (Math.abs(equity - (cash + marketValue)) > tolerance * scale || Math.abs(equity - (cash + values)) > tolerance * scale) {
        result.inconsistent += 1;
        result.firstProblem ??= `seq ${state.seq}: equity ${equity}, cash ${cash}, marketValue ${marketValue}, sum of values ${values}`;
      }
    }
    result.lastSeq = state.seq;
  }
} catch (error) {
  result.error = (error as Error).stack ?? String(error);
}
parentPort!.postMessage(result);
