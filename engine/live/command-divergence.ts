// What a journaled command and the one a replay decided in its place say, field by field, for
// the messages of recovery and `replay --journal` when they differ: the 64-byte ORDER, CANCEL or
// REPLACE records decoded (engine/orders), each field shown with its name, and the fields that
// differ listed as journaled -> decided. Bytes that do not decode as a command show in hex.
import { OrderFlag, decodeOrderFlowRecord, orderRuleName, orderTypeName, timeInForceName } from '../orders/index.js';

type Fields = Record<string, string>;

const FLAG_NAMES = Object.entries(OrderFlag) as [string, number][];

function named(name: (code: number) => string, code: number): string {
  try {
    return name(code);
  } catch {
    return String(code);
  }
}

function flagsText(flags: number): string {
  const names = FLAG_NAMES.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  return names.length === 0 ? 'none' : names.join('|');
}

/** The record's fields as text (its kind first); null when the bytes are not a command record. */
function commandFields(bytes: Uint8Array): Fields | null {
  let record;
  try {
    record = decodeOrderFlowRecord(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  } catch {
    return null;
  }
  const head = { command: record.record.toUpperCase() };
  switch (record.record) {
    case 'order':
      return {
        ...head, orderId: String(record.orderId), instrument: String(record.instrument), qty: String(record.qty), type: named(orderTypeName, record.orderType),
        timeInForce: named(timeInForceName, record.timeInForce), limitPrice: String(record.limitPrice), stopPrice: String(record.stopPrice), flags: flagsText(record.flags),
        rule: named(orderRuleName, record.rule), cutBy: String(record.cutBy), decisionNs: String(record.tsNs), clockNs: String(record.clockNs),
      };
    case 'cancel':
      return { ...head, orderId: String(record.orderId), instrument: String(record.instrument), leaves: String(record.leaves), rule: named(orderRuleName, record.rule), decisionNs: String(record.tsNs), clockNs: String(record.clockNs) };
    case 'replace':
      return {
        ...head, orderId: String(record.orderId), instrument: String(record.instrument), qty: String(record.qty), limitPrice: String(record.limitPrice), stopPrice: String(record.stopPrice),
        rule: named(orderRuleName, record.rule), decisionNs: String(record.tsNs), clockNs: String(record.clockNs),
      };
    default:
      return null;
  }
}

function text(fields: Fields | null, bytes: Uint8Array): string {
  if (fields === null) return `bytes ${Buffer.from(bytes).toString('hex')}`;
  return Object.entries(fields).map(([name, value]) => (name === 'command' ? value : `${name} ${value}`)).join(' ');
}

/** One command record as text: `ORDER orderId 2 instrument 0 qty -1 ... flags REDUCE_ONLY ...`. */
export function describeCommand(bytes: Uint8Array): string {
  return text(commandFields(bytes), bytes);
}

/** How `decided` differs from `journaled` (null: the replay decided none in its place): both records, then the fields that differ. */
export function describeCommandDifference(journaled: Uint8Array, decided: Uint8Array | null): string {
  if (decided === null) return `journaled ${describeCommand(journaled)}; the replay decided no command in its place`;
  const before = commandFields(journaled);
  const after = commandFields(decided);
  const differing = before !== null && after !== null
    ? [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => before[name] !== after[name]).map((name) => `${name} ${before[name] ?? '-'} -> ${after[name] ?? '-'}`)
    : [];
  return `journaled ${text(before, journaled)}; the replay decided ${text(after, decided)}${differing.length > 0 ? `; differs in: ${differing.join(', ')}` : ''}`;
}
