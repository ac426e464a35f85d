// One worker thread of the ahead pool (ahead-pool.ts): it loads every fold of one model into its
// own QuantileSessions (1 intra-op thread, created once, reused for the pool's life) and answers
// run requests one at a time, in the order they arrive.
//
//   main --init {label, spec fields, foldBytes[]}-->  worker: QuantileSession.create per fold
//        <--------------- {type: 'ready'} | {type: 'error', message}
//   main --run {id, fold, rows (f64 m x F, transferred), m}-->  session[fold].run
//        <--------------- {type: 'done', id, out (f64 m x 5, transferred)} | {type: 'error', id, message}
//
// Rows must be finite (the pool's caller filters the others out, as predictBatch does).
import { parentPort } from 'node:worker_threads';
import { QUANTILE_COUNT, type InputType } from './model-metadata.js';
import { QuantileSession } from './quantile-session.js';
import { ModelContractError } from './model-errors.js';

export interface AheadInit {
  readonly type: 'init';
  readonly origin: string;
  readonly files: readonly string[];
  readonly inputName: string;
  readonly inputType: InputType;
  readonly columns: number;
  readonly outputName: string;
  readonly features: readonly string[];
  readonly foldBytes: readonly Uint8Array[];
}

export interface AheadRun {
  readonly type: 'run';
  readonly id: number;
  readonly fold: number;
  readonly rows: Float64Array;
  readonly n: number;
}

export type AheadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly out: Float64Array }
  | { readonly type: 'error'; readonly id?: number; readonly message: string; /** The model broke its contract (a ModelContractError: unloadable graph, wrong signature). */ readonly contract?: boolean };

const port = parentPort;
if (port === null) throw new Error('ahead-worker.ts runs as a worker thread (engine/models/ahead-pool.ts starts it)');

let sessions: QuantileSession[] = [];
let queue: Promise<void> = Promise.resolve();

async function init(message: AheadInit): Promise<AheadReply> {
  try {
    for (let k = 0; k < message.foldBytes.length; k++) {
      sessions.push(await QuantileSession.create(message.foldBytes[k], {
        label: `${message.origin}/${message.files[k]}`,
        inputName: message.inputName,
        inputType: message.inputType,
        columns: message.columns,
        outputName: message.outputName,
        features: message.features,
      }, { threads: 1 }));
    }
    return { type: 'ready' };
  } catch (error) {
    for (const s of sessions) await s.release();
    sessions = [];
    return { type: 'error', message: (error as Error).message ?? String(error), contract: error instanceof ModelContractError };
  }
}

async function run(message: AheadRun): Promise<AheadReply> {
  try {
    const session = sessions[message.fold];
    if (session === undefined) throw new RangeError(`ahead worker: no session for fold ${message.fold} (${sessions.length} loaded)`);
    const out = new Float64Array(message.n * QUANTILE_COUNT);
    await session.run(message.rows, 0, message.n, out, 0);
    return { type: 'done', id: message.id, out };
  } catch (error) {
    return { type: 'error', id: message.id, message: (error as Error).message ?? String(error) };
  }
}

port.on('message', (message: AheadInit | AheadRun | { type: 'close' }) => {
  queue = queue.then(async () => {
    if (message.type === 'init') port.postMessage(await init(message));
    else if (message.type === 'run') {
      const reply = await run(message);
      port.postMessage(reply, reply.type === 'done' ? [reply.out.buffer as ArrayBuffer] : []);
    } else {
      for (const s of sessions) await s.release();
      sessions = [];
      port.close();
    }
  });
});
