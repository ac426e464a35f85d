// What a local sweep's main thread prepares once and shares with its pool workers: the sweep's
// data, read and parsed once into SharedArrayBuffers (each worker would otherwise read and parse
// the same files on its first run), and the compiled WASM core (each worker would otherwise
// compile it). Both cross to a worker with each task without being copied: a SharedArrayBuffer
// and a WebAssembly.Module are shared between the threads of a process.
//
//   main thread                                 pool worker (first task it gets)
//   openDataSources + MemoryStream.load         DataCache.adopt(data, MemoryStream.shared(...))
//   bytes copied once into a SharedArrayBuffer  -> the same bytes, read only (a stream copies
//   compileCore()                                  them before renumbering their instrument)
//                                               adoptCompiledCore(module)
//
// A run is the same pure function of its document, data and seed whichever thread loaded the data.
import { MemoryStream } from '../../backtest/index.js';
import { adoptCompiledCore, compileCore } from '../../core/wasm-core.js';
import type { MarketRecordKind, StreamIssue } from '../../replay/index.js';
import type { DataCache } from './execute-run.js';

/** One loaded stream, as it crosses to a worker. */
export interface SharedStream {
  readonly label: string;
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  readonly barIntervalNs?: bigint;
  readonly issues: readonly StreamIssue[];
  /** The instrument id the records hold. */
  readonly instrument: number;
  /** 64-byte event records, on a SharedArrayBuffer. */
  readonly bytes: Uint8Array;
}

export interface SharedRunInputs {
  /** The sweep's data sources, as its tasks name them. */
  readonly data: readonly string[];
  readonly streams: readonly SharedStream[];
  /** The compiled core (release build). */
  readonly core: WebAssembly.Module;
}

/** Loads `data` through `cache` (this thread keeps it too) and shares its records; compiles the core. */
export async function prepareSharedRunInputs(data: readonly string[], cache: DataCache): Promise<SharedRunInputs> {
  const core = compileCore();
  const streams = (await cache.streams(data)).map((stream): SharedStream => {
    const bytes = new Uint8Array(new SharedArrayBuffer(stream.bytes.byteLength));
    bytes.set(stream.bytes);
    return {
      label: stream.label,
      symbol: stream.symbol,
      kind: stream.kind,
      ...(stream.barIntervalNs !== undefined ? { barIntervalNs: stream.barIntervalNs } : {}),
      // Plain copies: they cross threads with every task.
      issues: stream.issues().map((issue) => ({ rule: issue.rule, count: issue.count, action: issue.action, examples: [...issue.examples] })),
      instrument: stream.recordsInstrument,
      bytes,
    };
  });
  return { data: [...data], streams, core };
}

/** In a worker: the shared data goes into `cache` (unless it holds that data already) and the core is adopted. */
export function adoptSharedRunInputs(inputs: SharedRunInputs, cache: DataCache): void {
  adoptCompiledCore(inputs.core);
  if (cache.has(inputs.data)) return;
  cache.adopt(inputs.data, inputs.streams.map((s) => MemoryStream.shared(s, s.bytes, s.issues, s.instrument)));
}
