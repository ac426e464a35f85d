// Keys of the market-data store: which series a block belongs to and where it sits in time.
// A block key is 16 bytes compared as bytes (LMDB's default memcmp order), so one series' blocks
// are contiguous and ordered by the time of their first record: a time range is a cursor range.
//
//   block key (16 bytes, big-endian)
//   0            4                              12           16
//   | series id  | first ts_local (i64, sign    | sequence   |
//   | (u32)      | bit flipped: orders as u64)  | (u32)      |
//
// The sequence tells apart blocks that start at the same nanosecond (a run of ties longer than a
// block). Appended blocks take SEQUENCE_BASE, then SEQUENCE_BASE + 1, ... for further ties; a
// block split off in front of an existing tie takes the sequence below it, so ties keep their
// order. A series is identified by (symbol, kind, bar interval): SeriesKey.
import type { MarketRecordKind } from '../../engine/replay/index.js';

export const BLOCK_KEY_BYTES = 16;
/** Sequence of the first block starting at a given ts_local. */
export const SEQUENCE_BASE = 0x8000_0000;
export const SEQUENCE_MAX = 0xffff_ffff;
const SIGN = 1n << 63n;
const U64 = (1n << 64n) - 1n;

/** (symbol, kind, bar interval): one series of the store. */
export interface SeriesKey {
  readonly symbol: string;
  readonly kind: MarketRecordKind;
  /** Bars: the bar interval in ns; undefined for trades and quotes. */
  readonly intervalNs?: bigint;
}

export function blockKey(seriesId: number, firstTsLocal: bigint, sequence: number): Buffer {
  const key = Buffer.allocUnsafe(BLOCK_KEY_BYTES);
  key.writeUInt32BE(seriesId, 0);
  key.writeBigUInt64BE((BigInt.asUintN(64, firstTsLocal) ^ SIGN) & U64, 4);
  key.writeUInt32BE(sequence, 12);
  return key;
}

/** The smallest key of a series (before any of its blocks). */
export function seriesStartKey(seriesId: number): Buffer {
  return blockKey(seriesId, -SIGN, 0);
}

/** The smallest key after every block of a series (the next series' start). */
export function seriesEndKey(seriesId: number): Buffer {
  const key = Buffer.alloc(BLOCK_KEY_BYTES);
  if (seriesId === 0xffff_ffff) return Buffer.alloc(BLOCK_KEY_BYTES + 1, 0xff);
  key.writeUInt32BE(seriesId + 1, 0);
  return key;
}

export interface DecodedBlockKey {
  readonly seriesId: number;
  readonly firstTsLocal: bigint;
  readonly sequence: number;
}

export function decodeBlockKey(key: Uint8Array): DecodedBlockKey {
  if (key.length !== BLOCK_KEY_BYTES) throw new RangeError(`block key must be ${BLOCK_KEY_BYTES} bytes, was ${key.length}`);
  const view = new DataView(key.buffer, key.byteOffset, key.length);
  return {
    seriesId: view.getUint32(0),
    firstTsLocal: BigInt.asIntN(64, view.getBigUint64(4) ^ SIGN),
    sequence: view.getUint32(12),
  };
}

/** The smallest key strictly after `key` (for resuming a cursor range). */
export function keyAfter(key: Uint8Array): Buffer {
  const next = Buffer.alloc(key.length + 1);
  next.set(key, 0);
  return next;
}

export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** `1h`, `5m`, `1d`, `30s`, `250ms`, or `N ns` when no unit divides it. */
export function formatInterval(ns: bigint): string {
  const units: [bigint, string][] = [[86_400_000_000_000n, 'd'], [3_600_000_000_000n, 'h'], [60_000_000_000n, 'm'], [1_000_000_000n, 's'], [1_000_000n, 'ms'], [1_000n, 'us']];
  for (const [size, name] of units) if (ns > 0n && ns % size === 0n) return `${ns / size}${name}`;
  return `${ns}ns`;
}

/** `BTCUSDT/trades`, `BTCUSDT/bars/1h`: how messages and labels name a series. */
export function seriesName(key: SeriesKey): string {
  return key.kind === 'bars' && key.intervalNs !== undefined ? `${key.symbol}/bars/${formatInterval(key.intervalNs)}` : `${key.symbol}/${key.kind}`;
}

/** An ns time as ISO 8601 UTC, with micro- or nanosecond digits when there are any. */
export function isoNs(ns: bigint): string {
  const ms = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
  const rest = ns - ms * 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  if (rest === 0n) return iso;
  const digits = rest.toString().padStart(6, '0');
  return `${iso.slice(0, -1)}${digits.endsWith('000') ? digits.slice(0, 3) : digits}Z`;
}

/**
 * The time a stored row is selected by in a `store:DIR?from=&to=` window, and what `data ls`
 * prints: a bar's open (a bar is stored under its close, ts_local, one interval after its open),
 * as the CSV files, QuestDB tables and exchanges label bars; a tick's own time.
 */
export function selectionNs(series: { readonly kind: string; readonly intervalNs?: bigint }, storedNs: bigint): bigint {
  return series.kind === 'bars' && series.intervalNs !== undefined ? storedNs - series.intervalNs : storedNs;
}
