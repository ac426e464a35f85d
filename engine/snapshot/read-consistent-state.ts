// Reads the published-state block (state-layout.ts; written by the core at batch boundaries,
// wasm/assembly/state/state-publish.ts) whole, on any thread holding the shared memory:
//
//   s1 = Atomics.load(seq); odd: the core is writing, try again
//   copy the block (header, then `count` entries) into a private buffer
//   s2 = Atomics.load(seq); s2 != s1: the core wrote meanwhile, try again
//   decode the private copy
//
// The copy is bracketed by two seq-cst loads, which V8 never moves plain memory accesses across;
// on x86-64 loads are not reordered with loads either, so a copy seen between two equal even
// sequence values is one the core finished before s1 and did not touch until after s2.
// After `maxAttempts` attempts that saw the core writing, it throws StateNotPublishedError.
import * as S from './state-layout.js';

export interface ConsistentAccount {
  /** cash + marketValue, as the core computed it from the two values below. */
  readonly equity: number;
  readonly cash: number;
  readonly marketValue: number;
  /** Sum of the instruments' realised P&L (gross round-trip P&L, before fees; account currency). */
  readonly realisedPnl: number;
  /** Sum of the instruments' unrealised P&L (account currency). */
  readonly unrealisedPnl: number;
  readonly highWaterMark: number;
  /** max(0, (highWaterMark - equity) / highWaterMark). */
  readonly drawdown: number;
  readonly halted: boolean;
  readonly tripCount: number;
  /** The risk engine's gross exposure (worst case, working orders included). */
  readonly grossExposure: number;
  /** Sum of position * mark * valueFactor, signed. */
  readonly netExposure: number;
  /** Live orders in UNCERTAIN. */
  readonly uncertainOrders: number;
  /** Orders refused before they were created, since the start. */
  readonly deniedOrders: number;
}

export interface ConsistentInstrument {
  readonly instrument: number;
  /** Signed contracts. */
  readonly position: number;
  /** Last mark (0 before any). */
  readonly mark: number;
  readonly avgPrice: number;
  /** Account currency. */
  readonly unrealisedPnl: number;
  /** Gross realised P&L at the quote currency's current rate, account currency. */
  readonly realisedPnl: number;
  /** Its part of marketValue, account currency. */
  readonly value: number;
}

export interface ConsistentState {
  /** The seqlock value the block was read at (even; grows by 2 per publication). */
  readonly seq: number;
  /** Inbound records consumed over the core's life when the block was written: it covers exactly those. */
  readonly inboundSeq: number;
  /** The risk clock (ns). */
  readonly clockNs: bigint;
  readonly account: ConsistentAccount;
  /** Every configured instrument, by id. */
  readonly instruments: ConsistentInstrument[];
}

export interface ReadConsistentStateOptions {
  /** Attempts before giving up while the core keeps writing (default 1,000,000). */
  readonly maxAttempts?: number;
}

/** The core held the block's sequence odd (writing) for every attempt of a read. */
export class StateNotPublishedError extends Error {
  constructor(readonly attempts: number, readonly seq: bigint) {
    super(`readConsistentState: the published state stayed mid-write (sequence ${seq} odd or changing) for ${attempts} attempts; `
      + 'the engine thread is stuck inside a publication or something other than the core writes the block');
    this.name = 'StateNotPublishedError';
  }
}

const DEFAULT_MAX_ATTEMPTS = 1_000_000;

interface Reader {
  readonly seq: BigInt64Array;
  readonly bytes: Uint8Array;
  readonly copy: Uint8Array;
  readonly view: DataView;
}

const readers = new WeakMap<ArrayBufferLike, Reader>();

function readerFor(memory: WebAssembly.Memory): Reader {
  const buffer = memory.buffer;
  let reader = readers.get(buffer);
  if (!reader) {
    const copy = new Uint8Array(S.PS_BLOCK_BYTES_MAX);
    reader = {
      seq: new BigInt64Array(buffer, S.PUBLISHED_STATE_OFFSET, 1),
      bytes: new Uint8Array(buffer, S.PUBLISHED_STATE_OFFSET, S.PS_BLOCK_BYTES_MAX),
      copy,
      view: new DataView(copy.buffer),
    };
    readers.set(buffer, reader);
  }
  return reader;
}

export function readConsistentState(memory: WebAssembly.Memory, options: ReadConsistentStateOptions = {}): ConsistentState {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`\`maxAttempts\` must be an integer >= 1, was ${maxAttempts}`);
  const { seq, bytes, copy, view } = readerFor(memory);
  let last = 0n;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const before = Atomics.load(seq, 0);
    last = before;
    if ((before & 1n) !== 0n) continue;
    copy.set(bytes.subarray(0, S.PS_ENTRIES));
    const count = view.getInt32(S.PS_COUNT, true);
    if (count >= 0 && count <= (S.PS_BLOCK_BYTES_MAX - S.PS_ENTRIES) / S.PS_ENTRY_BYTES) {
      copy.set(bytes.subarray(S.PS_ENTRIES, S.PS_ENTRIES + count * S.PS_ENTRY_BYTES), S.PS_ENTRIES);
    }
    const after = Atomics.load(seq, 0);
    if (after !== before) continue;
    if (count < 0 || count > (S.PS_BLOCK_BYTES_MAX - S.PS_ENTRIES) / S.PS_ENTRY_BYTES) {
      throw new Error(`readConsistentState: the published block lists ${count} instruments at sequence ${before}, expected 0 .. ${(S.PS_BLOCK_BYTES_MAX - S.PS_ENTRIES) / S.PS_ENTRY_BYTES}`);
    }
    return decode(view, Number(before), count);
  }
  throw new StateNotPublishedError(maxAttempts, last);
}

function decode(view: DataView, seq: number, count: number): ConsistentState {
  const f64 = (at: number): number => view.getFloat64(at, true);
  const instruments: ConsistentInstrument[] = [];
  for (let i = 0; i < count; i += 1) {
    const e = S.PS_ENTRIES + i * S.PS_ENTRY_BYTES;
    instruments.push({
      instrument: view.getInt32(e + S.PE_INSTRUMENT, true),
      position: f64(e + S.PE_POSITION),
      mark: f64(e + S.PE_MARK),
      avgPrice: f64(e + S.PE_AVG_PRICE),
      unrealisedPnl: f64(e + S.PE_UNREALISED_PNL),
      realisedPnl: f64(e + S.PE_REALISED_PNL),
      value: f64(e + S.PE_VALUE),
    });
  }
  return {
    seq,
    inboundSeq: Number(view.getBigInt64(S.PS_INBOUND_SEQ, true)),
    clockNs: view.getBigInt64(S.PS_CLOCK_NS, true),
    account: {
      equity: f64(S.PS_EQUITY),
      cash: f64(S.PS_CASH),
      marketValue: f64(S.PS_MARKET_VALUE),
      realisedPnl: f64(S.PS_REALISED_PNL),
      unrealisedPnl: f64(S.PS_UNREALISED_PNL),
      highWaterMark: f64(S.PS_HWM),
      drawdown: f64(S.PS_DRAWDOWN),
      halted: view.getInt32(S.PS_HALTED, true) === 1,
      tripCount: view.getInt32(S.PS_TRIP_COUNT, true),
      grossExposure: f64(S.PS_GROSS_EXPOSURE),
      netExposure: f64(S.PS_NET_EXPOSURE),
      uncertainOrders: view.getInt32(S.PS_UNCERTAIN_ORDERS, true),
      deniedOrders: Number(view.getBigInt64(S.PS_DENIED_ORDERS, true)),
    },
    instruments,
  };
}
