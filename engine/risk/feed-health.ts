// Feed health as a risk input (issue 15): the FEED_HEALTH record as TypeScript sees it (codes,
// encoder, decoder), the policy the core's risk stage applies to it (config `risk.feedHealth`,
// its defaults and its place in the risk header), and a reader of an instrument's feed state.
// The record layout, with its box diagram, and the core's handling live in
// wasm/assembly/risk/feed-health.ts; FeedHealthTracker (feed-health-tracker.ts) produces records.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK, type EventRecord } from '../layout/event-record.js';
import { INSTRUMENT_CAPACITY } from '../layout/memory-map.js';
import { RH_FEED_POLICY, RISK_REGION_OFFSET, RISK_SLOTS_OFFSET, RISK_SLOT_BYTES, RS_CONFIGURED, RS_FEED_ACTION, RS_FEED_CONDITION, RS_FEED_MASK, RS_FEED_SINCE_NS, RS_FEED_STREAM, RS_FEED_TS_NS, RS_FEED_VALUE } from './risk-region.js';

/** Condition codes (the record's `a`); a mask holds 1 << code. */
export const FeedCondition = {
  RECOVERED: 0,
  STALE: 1,
  GAP: 2,
  CROSSED: 3,
  LOCKED: 4,
  SILENT: 5,
} as const;
export type FeedConditionName = keyof typeof FeedCondition;
export type FeedConditionCode = (typeof FeedCondition)[FeedConditionName];
const CONDITION_NAMES = Object.keys(FeedCondition) as FeedConditionName[];
export const FEED_MASK_ALL = 0x3e;

/** What the policy makes of a condition; FeedAction codes are what the core stores (RS_FEED_ACTION). */
export const FEED_ACTIONS = ['reduceOnly', 'halt', 'cancelAll'] as const;
export type FeedActionName = (typeof FEED_ACTIONS)[number];
export const FeedAction = { OK: 0, REDUCE_ONLY: 1, HALT: 2, CANCEL_ALL: 3 } as const;
const ACTION_CODE: Record<FeedActionName, number> = { reduceOnly: FeedAction.REDUCE_ONLY, halt: FeedAction.HALT, cancelAll: FeedAction.CANCEL_ALL };

/** The `risk.feedHealth` section: an action per condition and the tracker's bounds. No switch turns it off. */
export interface FeedHealthPolicy {
  readonly onStale: FeedActionName;
  readonly onGap: FeedActionName;
  readonly onCrossed: FeedActionName;
  readonly onLocked: FeedActionName;
  readonly onSilent: FeedActionName;
  /** A stream whose newest message (exchange time) is older than this is STALE. */
  readonly staleAfterSeconds: number;
  /** A connected stream that received nothing for this long is SILENT. */
  readonly silentAfterSeconds: number;
}

export const DEFAULT_FEED_HEALTH: FeedHealthPolicy = {
  onStale: 'reduceOnly',
  onGap: 'reduceOnly',
  onCrossed: 'halt',
  onLocked: 'reduceOnly',
  onSilent: 'reduceOnly',
  staleAfterSeconds: 10,
  silentAfterSeconds: 30,
};

const POLICY_KEYS = ['onStale', 'onGap', 'onCrossed', 'onLocked', 'onSilent'] as const;
const POLICY_CONDITION: Record<(typeof POLICY_KEYS)[number], number> = {
  onStale: FeedCondition.STALE, onGap: FeedCondition.GAP, onCrossed: FeedCondition.CROSSED, onLocked: FeedCondition.LOCKED, onSilent: FeedCondition.SILENT,
};

/** The JSON Schema fragment of `risk.feedHealth` (engine/config); every key optional, absent ones take DEFAULT_FEED_HEALTH. */
export const FEED_HEALTH_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    onStale: { enum: [...FEED_ACTIONS] },
    onGap: { enum: [...FEED_ACTIONS] },
    onCrossed: { enum: [...FEED_ACTIONS] },
    onLocked: { enum: [...FEED_ACTIONS] },
    onSilent: { enum: [...FEED_ACTIONS] },
    staleAfterSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
    silentAfterSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
  },
} as const;

/**
 * The policy from a (partial) `risk.feedHealth` section, defaults filled in. Throws a RangeError
 * naming the key, the value and the rule for a value the schema would refuse (callers that skip
 * the config loader get the same check).
 */
export function feedHealthPolicyFromConfig(section: Partial<FeedHealthPolicy> | undefined, where = 'risk.feedHealth'): FeedHealthPolicy {
  const policy = { ...DEFAULT_FEED_HEALTH, ...(section ?? {}) };
  for (const key of Object.keys(section ?? {})) {
    if (!(key in DEFAULT_FEED_HEALTH)) throw new RangeError(`\`${where}.${key}\` is not a known key (known: ${Object.keys(DEFAULT_FEED_HEALTH).join(', ')}); there is no switch to disable feed health`);
  }
  for (const key of POLICY_KEYS) {
    if (!FEED_ACTIONS.includes(policy[key])) throw new RangeError(`\`${where}.${key}\` must be one of ${FEED_ACTIONS.join(', ')}, was ${JSON.stringify(policy[key])}`);
  }
  for (const key of ['staleAfterSeconds', 'silentAfterSeconds'] as const) {
    const value = policy[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 86_400) {
      throw new RangeError(`\`${where}.${key}\` must be a number of seconds in (0, 86400], was ${JSON.stringify(value)}`);
    }
  }
  return policy;
}

/** Writes the policy's actions into the risk header (RH_FEED_POLICY), where the core reads them on every FEED_HEALTH record. */
export function writeFeedHealthPolicy(view: DataView, policy: FeedHealthPolicy): void {
  const checked = feedHealthPolicyFromConfig(policy);
  view.setInt32(RISK_REGION_OFFSET + RH_FEED_POLICY, 0, true);
  for (const key of POLICY_KEYS) view.setInt32(RISK_REGION_OFFSET + RH_FEED_POLICY + 4 * POLICY_CONDITION[key], ACTION_CODE[checked[key]], true);
}

export function feedConditionName(code: number): FeedConditionName {
  const name = CONDITION_NAMES[code];
  if (!Number.isInteger(code) || name === undefined) throw new RangeError(`feed-health condition code must be an integer in 0..${CONDITION_NAMES.length - 1}, was ${code}`);
  return name;
}

/** Condition names of a mask, in code order. */
export function feedMaskNames(mask: number): FeedConditionName[] {
  return CONDITION_NAMES.filter((_, code) => code > 0 && (mask & (1 << code)) !== 0);
}

/** One FEED_HEALTH record (see wasm/assembly/risk/feed-health.ts for the layout). */
export interface FeedHealthRecord {
  readonly instrument: number;
  /** Exchange time of the newest message on the stream (0n: none yet). */
  readonly lastMessageNs: bigint;
  /** When the change was detected. */
  readonly detectedNs: bigint;
  readonly condition: FeedConditionCode;
  /** STALE, SILENT: age in ns; GAP: messages missed; CROSSED, LOCKED: bid - ask; RECOVERED: 0. */
  readonly value: number;
  /** Conditions active on the instrument after this change (1 << code). */
  readonly mask: number;
  readonly stream: number;
  /** Last sequence number seen on the stream (0n: none). */
  readonly sequence: bigint;
}

/** Source bits a record may carry (EventKind.SOURCE_*). */
const SOURCES = EventKind.SOURCE_LIVE | EventKind.SOURCE_REPLAY | EventKind.SOURCE_PAPER;

function checkRecord(record: FeedHealthRecord, where: string): void {
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new RangeError(`${where}: \`${field}\` ${rule}, was ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`);
  };
  if (!Number.isInteger(record.instrument) || record.instrument < 0 || record.instrument >= INSTRUMENT_CAPACITY) fail('instrument', record.instrument, `must be an integer in 0..${INSTRUMENT_CAPACITY - 1}`);
  if (!Number.isInteger(record.condition) || record.condition < 0 || record.condition > FeedCondition.SILENT) fail('condition', record.condition, 'must be a condition code 0..5');
  if (!Number.isInteger(record.mask) || (record.mask & ~FEED_MASK_ALL) !== 0) fail('mask', record.mask, `must be an integer of condition bits (within ${FEED_MASK_ALL})`);
  if (record.condition === FeedCondition.RECOVERED ? record.mask !== 0 : (record.mask & (1 << record.condition)) === 0) {
    fail('mask', record.mask, record.condition === FeedCondition.RECOVERED ? 'must be 0 on a RECOVERED record' : `must include the record's condition bit ${1 << record.condition}`);
  }
  if (!Number.isFinite(record.value)) fail('value', record.value, 'must be finite');
  if (!Number.isInteger(record.stream) || record.stream < 0 || record.stream > 0x7fff_ffff) fail('stream', record.stream, 'must be an integer in 0..2^31-1');
  if (record.lastMessageNs < 0n || record.detectedNs < 0n) fail(record.lastMessageNs < 0n ? 'lastMessageNs' : 'detectedNs', record.lastMessageNs < 0n ? record.lastMessageNs : record.detectedNs, 'must be >= 0');
  if (record.sequence < 0n || record.sequence >= 1n << 64n) fail('sequence', record.sequence, 'must be a u64');
}

/** Writes `record` as a 64-byte FEED_HEALTH record at `offset` (kind | DIRECTION_INBOUND | `source`); throws on a field out of range. */
export function encodeFeedHealth(view: DataView, offset: number, record: FeedHealthRecord, source: number = EventKind.SOURCE_LIVE): void {
  checkRecord(record, 'FEED_HEALTH record');
  if ((source & ~SOURCES) !== 0) throw new RangeError(`FEED_HEALTH record: \`source\` must be SOURCE_LIVE, SOURCE_REPLAY or SOURCE_PAPER bits, was ${source}`);
  view.setInt32(offset + EV_KIND, EventKind.FEED_HEALTH | EventKind.DIRECTION_INBOUND | source, true);
  view.setInt32(offset + EV_INSTRUMENT, record.instrument, true);
  view.setBigInt64(offset + EV_TS_EXCHANGE, record.lastMessageNs, true);
  view.setBigInt64(offset + EV_TS_LOCAL, record.detectedNs, true);
  view.setFloat64(offset + EV_PRICE, record.value, true);
  view.setFloat64(offset + EV_SIZE, record.mask, true);
  view.setFloat64(offset + EV_A, record.condition, true);
  view.setFloat64(offset + EV_B, record.stream, true);
  view.setBigUint64(offset + EV_ID, record.sequence, true);
}

/** `record` as the nine fields of an inbound event record (for publishers that take EventRecord: replays, sessions, tests); throws on a field out of range. */
export function feedHealthEventRecord(record: FeedHealthRecord, source: number = EventKind.SOURCE_LIVE): EventRecord {
  checkRecord(record, 'FEED_HEALTH record');
  if ((source & ~SOURCES) !== 0) throw new RangeError(`FEED_HEALTH record: \`source\` must be SOURCE_LIVE, SOURCE_REPLAY or SOURCE_PAPER bits, was ${source}`);
  return {
    kind: EventKind.FEED_HEALTH | EventKind.DIRECTION_INBOUND | source, instrument: record.instrument, tsExchange: record.lastMessageNs, tsLocal: record.detectedNs,
    price: record.value, size: record.mask, a: record.condition, b: record.stream, id: record.sequence,
  };
}

/** Reads the FEED_HEALTH record at `offset`; throws a RangeError naming the field for anything else. */
export function decodeFeedHealth(view: DataView, offset: number): FeedHealthRecord {
  const kind = view.getInt32(offset + EV_KIND, true);
  if ((kind & KIND_MASK) !== EventKind.FEED_HEALTH) throw new RangeError(`record at offset ${offset}: \`kind\` must be FEED_HEALTH (${EventKind.FEED_HEALTH}), was ${kind & KIND_MASK}`);
  const record: FeedHealthRecord = {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    lastMessageNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    detectedNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    value: view.getFloat64(offset + EV_PRICE, true),
    mask: view.getFloat64(offset + EV_SIZE, true),
    condition: view.getFloat64(offset + EV_A, true) as FeedConditionCode,
    stream: view.getFloat64(offset + EV_B, true),
    sequence: view.getBigUint64(offset + EV_ID, true),
  };
  checkRecord(record, `FEED_HEALTH record at offset ${offset}`);
  return record;
}

/** An instrument's feed state in the core's risk slot. */
export interface FeedHealthState {
  readonly action: 'ok' | FeedActionName;
  /** Active conditions (1 << code). */
  readonly mask: number;
  readonly conditions: FeedConditionName[];
  /** Risk-clock time the instrument last went from healthy to degraded (0n while healthy). */
  readonly sinceNs: bigint;
  readonly lastCondition: FeedConditionName;
  readonly lastValue: number;
  readonly lastStream: number;
  readonly lastAppliedNs: bigint;
}

const ACTION_NAMES = ['ok', 'reduceOnly', 'halt', 'cancelAll'] as const;

/** Reads `instrument`'s feed state from the risk region (null for an instrument without a risk slot). */
export function readFeedHealthState(view: DataView, instrument: number): FeedHealthState | null {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= INSTRUMENT_CAPACITY) throw new RangeError(`\`instrument\` must be an integer in 0..${INSTRUMENT_CAPACITY - 1}, was ${instrument}`);
  const s = RISK_SLOTS_OFFSET + instrument * RISK_SLOT_BYTES;
  if (view.getInt32(s + RS_CONFIGURED, true) !== 1) return null;
  const mask = view.getInt32(s + RS_FEED_MASK, true);
  return {
    action: ACTION_NAMES[view.getInt32(s + RS_FEED_ACTION, true)] ?? 'halt',
    mask,
    conditions: feedMaskNames(mask),
    sinceNs: view.getBigInt64(s + RS_FEED_SINCE_NS, true),
    lastCondition: CONDITION_NAMES[view.getInt32(s + RS_FEED_CONDITION, true)] ?? 'RECOVERED',
    lastValue: view.getFloat64(s + RS_FEED_VALUE, true),
    lastStream: view.getInt32(s + RS_FEED_STREAM, true),
    lastAppliedNs: view.getBigInt64(s + RS_FEED_TS_NS, true),
  };
}
