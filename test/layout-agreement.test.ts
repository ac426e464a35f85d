// The three descriptions of the shared memory agree: the TypeScript layout (engine/layout/),
// the compiled AssemblyScript core (wasm/assembly/layout.ts, read through the
// wasm/assembly/introspect.ts exports, never from source text) and schemas/event-record.json.
// Also checks the layout's own rules: regions disjoint, aligned and inside memory; ring
// slots on cache lines; record fields contiguous over 64 bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore, type CoreBuild, type CoreExports } from '../engine/core/wasm-core.js';
import * as eventRecord from '../engine/layout/event-record.js';
import * as memoryMap from '../engine/layout/memory-map.js';
import { LAYOUT_IDS, type LayoutName } from './layout-ids.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ERR_BAD_ARGUMENT = -6;

interface RecordJson {
  recordBytes: number;
  fields: { name: string; offset: number; type: 'i32' | 'u32' | 'i64' | 'u64' | 'f64' }[];
  kinds: Record<string, number>;
}
const recordJson = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'event-record.json'), 'utf8')) as RecordJson;
const TYPE_BYTES = { i32: 4, u32: 4, i64: 8, u64: 8, f64: 8 } as const;

interface IntrospectExports extends CoreExports {
  layoutValue(id: number): number;
  layoutValueCount(): number;
  copyEventField(record: number, field: number, target: number): number;
}

/** `TRADE` -> `KIND_TRADE`; source, direction and flag bits keep their names (as in layout.ts). */
function kindConstantName(name: string): string {
  return isModifierBit(name) ? name : `KIND_${name}`;
}

/** Bits that qualify a kind (source, direction, the maker flag of a fill) rather than being one. */
function isModifierBit(name: string): boolean {
  return name.startsWith('SOURCE_') || name.startsWith('DIRECTION_') || name.startsWith('FLAG_');
}

/** `tsExchange` -> `EV_TS_EXCHANGE`. */
function fieldConstantName(name: string): string {
  return `EV_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Every numeric constant of the TypeScript layout, under its layout.ts name. */
function typeScriptConstants(): Map<string, number> {
  const out = new Map<string, number>();
  const add = (name: string, value: number, source: string) => {
    if (out.has(name) && out.get(name) !== value) throw new Error(`${source}: ${name} = ${value} conflicts with ${out.get(name)} from another TS layout file`);
    out.set(name, value);
  };
  for (const [name, value] of Object.entries(memoryMap)) if (typeof value === 'number') add(name, value, 'engine/layout/memory-map.ts');
  for (const [name, value] of Object.entries(eventRecord)) if (typeof value === 'number') add(name, value, 'engine/layout/event-record.ts');
  for (const [name, value] of Object.entries(eventRecord.EventKind)) add(kindConstantName(name), value, 'engine/layout/event-record.ts EventKind');
  return out;
}

/** The constants event-record.json defines, under their layout.ts names. */
function jsonConstants(): Map<string, number> {
  const out = new Map<string, number>([['EVENT_BYTES', recordJson.recordBytes]]);
  for (const field of recordJson.fields) out.set(fieldConstantName(field.name), field.offset);
  for (const [name, value] of Object.entries(recordJson.kinds)) out.set(kindConstantName(name), value);
  return out;
}

function coreConstants(core: IntrospectExports): Map<LayoutName, number> {
  return new Map(LAYOUT_IDS.map((name, id) => [name, core.layoutValue(id)]));
}

const ts = typeScriptConstants();

describe.each<CoreBuild>(['release', 'debug'])('layout agreement with the %s core', (build) => {
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore(build)) as IntrospectExports;
  const as = coreConstants(core);
  const value = (name: LayoutName) => as.get(name)!;

  it('answers one introspection id per entry of test/layout-ids.ts and rejects ids outside the table', () => {
    expect(core.layoutValueCount(), 'introspect.ts LAYOUT_VALUE_COUNT vs test/layout-ids.ts entries').toBe(LAYOUT_IDS.length);
    expect(core.layoutValue(LAYOUT_IDS.length), 'first id past the table').toBe(ERR_BAD_ARGUMENT);
    expect(core.layoutValue(-1), 'negative id').toBe(ERR_BAD_ARGUMENT);
  });

  it('gives every AssemblyScript layout constant the value of the TypeScript constant of the same name', () => {
    const mismatches = LAYOUT_IDS.filter((name) => ts.get(name) !== value(name)).map((name) => `${name}: core ${value(name)}, TS ${ts.get(name)}`);
    expect(mismatches, 'wasm/assembly/layout.ts and engine/layout/*.ts disagree (or test/layout-ids.ts lists a name in the wrong order)').toEqual([]);
  });

  it('agrees with schemas/event-record.json on the record size, field offsets and kind bits', () => {
    const json = jsonConstants();
    const mismatches = [...json].filter(([name, v]) => as.get(name as LayoutName) !== v).map(([name, v]) => `${name}: JSON ${v}, core ${as.get(name as LayoutName)}`);
    expect(mismatches, 'every JSON field and kind must exist in layout.ts with the same value').toEqual([]);
    const coreEventNames = LAYOUT_IDS.filter((name) => /^(EV_|KIND_(?!MASK)|SOURCE_|DIRECTION_|FLAG_)/.test(name));
    expect(coreEventNames.filter((name) => !json.has(name)), 'layout.ts record fields and kind bits missing from event-record.json').toEqual([]);
  });

  it('fits the memory the engine creates, of the size the core is built for', () => {
    const asconfig = JSON.parse(readFileSync(path.join(repoRoot, 'asconfig.json'), 'utf8')) as { options: { initialMemory: number; maximumMemory: number } };
    expect(memory.buffer.byteLength, 'createSharedMemory() bytes').toBe(value('MEMORY_BYTES'));
    expect(value('MEMORY_BYTES')).toBe(value('PAGE_BYTES') * value('MEMORY_PAGES'));
    expect([asconfig.options.initialMemory, asconfig.options.maximumMemory], 'asconfig.json memory pages (fixed size: initial = maximum)').toEqual([value('MEMORY_PAGES'), value('MEMORY_PAGES')]);
  });

  it('lays out disjoint regions, in address order, inside memory, with the control block and state regions 64 KiB aligned', () => {
    const inboundBytes = value('RING_HEADER_BYTES') + value('INBOUND_CAPACITY') * value('SLOT_BYTES');
    const outboundBytes = value('RING_HEADER_BYTES') + value('OUTBOUND_CAPACITY') * value('SLOT_BYTES');
    const regions = [
      { name: 'core statics', offset: 0, bytes: value('CORE_STATIC_LIMIT'), align: 0x10000 },
      { name: 'control block', offset: value('CONTROL_OFFSET'), bytes: value('CONTROL_BYTES'), align: 0x10000 },
      { name: 'inbound ring', offset: value('INBOUND_RING_OFFSET'), bytes: inboundBytes, align: 64 },
      { name: 'outbound ring', offset: value('OUTBOUND_RING_OFFSET'), bytes: outboundBytes, align: 64 },
      { name: 'outbound extension', offset: value('OUTBOUND_EXT_OFFSET'), bytes: value('OUTBOUND_CAPACITY') * value('SLOT_BYTES'), align: 64 },
      { name: 'bars', offset: value('BARS_REGION_OFFSET'), bytes: value('BARS_REGION_BYTES'), align: 0x10000 },
      { name: 'indicators', offset: value('INDICATOR_REGION_OFFSET'), bytes: value('INDICATOR_REGION_BYTES'), align: 0x10000 },
      { name: 'hmm', offset: value('HMM_REGION_OFFSET'), bytes: value('HMM_REGION_BYTES'), align: 0x10000 },
      { name: 'decision', offset: value('DECISION_REGION_OFFSET'), bytes: value('DECISION_REGION_BYTES'), align: 0x10000 },
      { name: 'pipeline', offset: value('PIPELINE_REGION_OFFSET'), bytes: value('PIPELINE_REGION_BYTES'), align: 0x10000 },
      { name: 'risk', offset: value('RISK_REGION_OFFSET'), bytes: value('RISK_REGION_BYTES'), align: 0x10000 },
      { name: 'orders', offset: value('ORDERS_REGION_OFFSET'), bytes: value('ORDERS_REGION_BYTES'), align: 0x10000 },
      { name: 'portfolio', offset: value('PORTFOLIO_REGION_OFFSET'), bytes: value('PORTFOLIO_REGION_BYTES'), align: 0x10000 },
      { name: 'exits', offset: value('EXITS_REGION_OFFSET'), bytes: value('EXITS_REGION_BYTES'), align: 0x10000 },
      { name: 'venue', offset: value('VENUE_REGION_OFFSET'), bytes: value('VENUE_REGION_BYTES'), align: 0x10000 },
      { name: 'scratch', offset: value('SCRATCH_REGION_OFFSET'), bytes: value('SCRATCH_REGION_BYTES'), align: 0x10000 },
      { name: 'published signals', offset: value('PUBLISHED_SIGNALS_REGION_OFFSET'), bytes: value('PUBLISHED_SIGNALS_REGION_BYTES'), align: 0x10000 },
    ];
    for (const r of regions) {
      expect(r.bytes, `${r.name} size`).toBeGreaterThan(0);
      expect(r.offset % r.align, `${r.name} offset 0x${r.offset.toString(16)} must be a multiple of ${r.align}`).toBe(0);
      expect(r.offset + r.bytes, `${r.name} end must not pass MEMORY_BYTES`).toBeLessThanOrEqual(value('MEMORY_BYTES'));
    }
    for (let i = 1; i < regions.length; i++) {
      const previous = regions[i - 1]!;
      expect(regions[i]!.offset, `${regions[i]!.name} starts before ${previous.name} ends (0x${(previous.offset + previous.bytes).toString(16)})`).toBeGreaterThanOrEqual(previous.offset + previous.bytes);
    }
    expect(value('STATE_OFFSET') % 0x10000, 'STATE_OFFSET 64 KiB aligned').toBe(0);
    expect(value('STATE_OFFSET'), 'the state region starts after the outbound ring').toBeGreaterThanOrEqual(value('OUTBOUND_RING_OFFSET') + outboundBytes);
    expect(value('STATE_BYTES'), 'state region runs to the end of memory').toBe(value('MEMORY_BYTES') - value('STATE_OFFSET'));
    expect(value('BARS_REGION_OFFSET'), 'state sub-regions start at STATE_OFFSET').toBe(value('STATE_OFFSET'));
    const stateRegions = regions.slice(5);
    for (let i = 1; i < stateRegions.length; i++) {
      expect(stateRegions[i]!.offset, `${stateRegions[i]!.name} follows ${stateRegions[i - 1]!.name} without a gap`).toBe(stateRegions[i - 1]!.offset + stateRegions[i - 1]!.bytes);
    }
    expect(value('SCRATCH_REGION_OFFSET') + value('SCRATCH_REGION_BYTES'), 'scratch runs up to the published signals').toBe(value('PUBLISHED_SIGNALS_REGION_OFFSET'));
    expect(value('PUBLISHED_SIGNALS_REGION_OFFSET') + value('PUBLISHED_SIGNALS_REGION_BYTES'), 'the published signals end the memory').toBe(value('MEMORY_BYTES'));
  });

  it('puts ring slots on 64-byte cache lines and producer and consumer words on different lines', () => {
    expect(value('SLOT_BYTES'), 'one slot holds one event record').toBe(value('EVENT_BYTES'));
    expect(1 << value('SLOT_SHIFT'), 'SLOT_SHIFT').toBe(value('SLOT_BYTES'));
    expect(value('RING_HEADER_BYTES') % 64, 'header size keeps slot 0 on a cache line').toBe(0);
    for (const ring of ['INBOUND', 'OUTBOUND'] as const) {
      const offset = value(`${ring}_RING_OFFSET`);
      const capacity = value(`${ring}_CAPACITY`);
      expect((offset + value('RING_HEADER_BYTES')) % 64, `${ring} slot 0 address`).toBe(0);
      expect(capacity > 0 && (capacity & (capacity - 1)) === 0, `${ring}_CAPACITY must be a power of two, was ${capacity}`).toBe(true);
    }
    const line = (name: LayoutName) => Math.floor(value(name) / 64);
    expect(line('RING_PUBLISHED'), 'published and released on different cache lines').not.toBe(line('RING_RELEASED'));
    expect(line('RING_CONSUMER_WAITING'), 'consumerWaiting on the producer-written line').toBe(line('RING_PUBLISHED'));
    expect(line('RING_PRODUCER_WAITING'), 'producerWaiting on the consumer-written line').toBe(line('RING_RELEASED'));
    for (const name of ['RING_PUBLISHED', 'RING_CONSUMER_WAITING', 'RING_RELEASED', 'RING_PRODUCER_WAITING', 'RING_CAPACITY', 'RING_MASK', 'RING_MAGIC_FIELD'] as const) {
      expect(value(name) % 4 === 0 && value(name) + 4 <= value('RING_HEADER_BYTES'), `${name} (${value(name)}) must be an aligned i32 inside the header`).toBe(true);
    }
  });

  it('keeps control-block fields aligned and inside the control block', () => {
    const fields = [['CONTROL_ENGINE_STATE', 4], ['CONTROL_STOP_REQUESTED', 4], ['CONTROL_LAST_STATUS', 4], ['CONTROL_EVENTS_PROCESSED', 8], ['CONTROL_EVENTS_CHECKSUM', 8], ['CONTROL_BARS_PROCESSED', 8]] as const;
    for (const [name, bytes] of fields) {
      expect(value(name) % bytes === 0 && value(name) + bytes <= value('CONTROL_BYTES'), `${name} (${value(name)}) must be ${bytes}-byte aligned inside CONTROL_BYTES`).toBe(true);
    }
    const sorted = [...fields].sort((x, y) => value(x[0]) - value(y[0]));
    for (let i = 1; i < sorted.length; i++) {
      expect(value(sorted[i]![0]), `${sorted[i]![0]} overlaps ${sorted[i - 1]![0]}`).toBeGreaterThanOrEqual(value(sorted[i - 1]![0]) + sorted[i - 1]![1]);
    }
  });

  it('round-trips a record written by TypeScript at the JSON offsets through the core reading at its own offsets', () => {
    const record = value('SCRATCH_REGION_OFFSET');
    const target = record + value('EVENT_BYTES');
    const view = new DataView(memory.buffer);
    const written: Record<string, number | bigint> = {
      kind: eventRecord.EventKind.TRADE | eventRecord.EventKind.SOURCE_LIVE | eventRecord.EventKind.DIRECTION_INBOUND,
      instrument: 4242,
      tsExchange: 1_763_700_000_123_456_789n,
      tsLocal: 1_763_700_000_123_999_001n,
      price: 64_250.125,
      size: 0.003,
      a: -1.5,
      b: 1e300,
      id: 0xfedc_ba98_7654_3210n,
    };
    const write = (offset: number, type: RecordJson['fields'][number]['type'], v: number | bigint) => {
      if (type === 'i32') view.setInt32(offset, v as number, true);
      else if (type === 'u32') view.setUint32(offset, v as number, true);
      else if (type === 'i64') view.setBigInt64(offset, v as bigint, true);
      else if (type === 'u64') view.setBigUint64(offset, v as bigint, true);
      else view.setFloat64(offset, v as number, true);
    };
    const read = (offset: number, type: RecordJson['fields'][number]['type']) =>
      type === 'i32' ? view.getInt32(offset, true) : type === 'u32' ? view.getUint32(offset, true) : type === 'i64' ? view.getBigInt64(offset, true) : type === 'u64' ? view.getBigUint64(offset, true) : view.getFloat64(offset, true);

    expect(Object.keys(written), 'test values cover every JSON field').toEqual(recordJson.fields.map((f) => f.name));
    for (const field of recordJson.fields) write(record + field.offset, field.type, written[field.name]!);
    recordJson.fields.forEach((field, index) => {
      view.setBigUint64(target, 0n, true);
      expect(core.copyEventField(record, index, target), `${field.name}: width the core uses vs JSON type ${field.type}`).toBe(TYPE_BYTES[field.type]);
      expect(read(target, field.type), `${field.name} read back by the core`).toEqual(written[field.name]);
    });
    expect(core.copyEventField(record, recordJson.fields.length, target), 'unknown field index').toBe(ERR_BAD_ARGUMENT);
    expect(core.copyEventField(value('MEMORY_BYTES') - value('EVENT_BYTES') + 1, 0, target), 'record running past the end of memory').toBe(ERR_BAD_ARGUMENT);
  });
});

describe('layout tables', () => {
  it('lists every TypeScript layout constant in the introspection table, and nothing else', () => {
    const table = new Set<string>(LAYOUT_IDS);
    expect([...ts.keys()].filter((name) => !table.has(name)), 'TS constants missing from test/layout-ids.ts (add them to introspect.ts too)').toEqual([]);
    expect(LAYOUT_IDS.filter((name) => !ts.has(name)), 'names in test/layout-ids.ts with no TS constant').toEqual([]);
    expect(new Set(LAYOUT_IDS).size, 'names in test/layout-ids.ts are unique').toBe(LAYOUT_IDS.length);
  });

  it('names every constant layout.ts exports in the introspection table', () => {
    // Coverage only: values always come from the compiled core, never from this text.
    const source = readFileSync(path.join(repoRoot, 'wasm', 'assembly', 'layout.ts'), 'utf8');
    const exported = [...source.matchAll(/^export const (\w+)/gm)].map((m) => m[1]!);
    expect(exported.filter((name) => !(LAYOUT_IDS as readonly string[]).includes(name)), 'layout.ts constants without an introspection id: add them to introspect.ts and test/layout-ids.ts').toEqual([]);
  });

  it('describes a record whose fields are contiguous, naturally aligned and cover exactly recordBytes', () => {
    let next = 0;
    for (const field of recordJson.fields) {
      expect(field.offset, `${field.name} must start where the previous field ends`).toBe(next);
      expect(field.offset % TYPE_BYTES[field.type], `${field.name} (${field.type}) must be naturally aligned`).toBe(0);
      next = field.offset + TYPE_BYTES[field.type];
    }
    expect(next, 'fields cover the record').toBe(recordJson.recordBytes);
    expect(recordJson.recordBytes).toBe(64);
    expect(eventRecord.EVENT_FIELDS.map(([name, offset]) => [name, offset]), 'EVENT_FIELDS in engine/layout/event-record.ts lists the JSON fields in order').toEqual(recordJson.fields.map((f) => [f.name, f.offset]));
  });

  it('uses distinct single-bit kinds inside KIND_MASK and source and direction bits outside it', () => {
    const bits = Object.entries(recordJson.kinds);
    for (const [name, bit] of bits) {
      expect(bit > 0 && (bit & (bit - 1)) === 0, `${name} must be a single bit, was ${bit}`).toBe(true);
      const isKind = !isModifierBit(name);
      expect((bit & eventRecord.KIND_MASK) !== 0, `${name} ${isKind ? 'inside' : 'outside'} KIND_MASK`).toBe(isKind);
    }
    expect(new Set(bits.map(([, bit]) => bit)).size, 'no two kinds share a bit').toBe(bits.length);
  });
});
