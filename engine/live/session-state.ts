// Reads of the core's state a live session needs between batches (read only while the engine
// is idle: everything published consumed, outbound drained): the live orders of the order
// table, each instrument's position, and the account. Also the JSON form of a pipeline (with
// bigints), which a session journals and a replay of its journal reads back.
import { OrderLayout, isLiveState, readInstrumentOrderIndex, readOrderSlot, type OrderSlotState } from '../orders/index.js';
import { readInstrumentRisk, readRiskAccount, type PipelineSpec } from '../pipeline/index.js';
import { readPortfolioTotals } from '../portfolio/index.js';

/** Every live order of the given instruments (working, in flight, UNCERTAIN), in slot-list order. */
export function liveOrders(memory: WebAssembly.Memory, instruments: readonly number[]): OrderSlotState[] {
  const view = new DataView(memory.buffer);
  const out: OrderSlotState[] = [];
  for (const instrument of instruments) {
    let slot = readInstrumentOrderIndex(view, instrument).head;
    for (let guard = 0; slot >= 0 && guard < OrderLayout.ORDER_CAPACITY_MAX; guard++) {
      const order = readOrderSlot(view, OrderLayout.ORDER_SLOTS_OFFSET + slot * OrderLayout.ORDER_SLOT_BYTES);
      if (isLiveState(order.state)) out.push(order);
      slot = order.next;
    }
  }
  return out;
}

/** What a session reports and a crash test compares: the account and each position. */
export interface SessionBook {
  readonly cash: number;
  readonly equity: number;
  readonly halted: boolean;
  /** Round trips of the trade list so far, and the winners among them. */
  readonly roundTrips: number;
  readonly winners: number;
  readonly positions: { instrument: number; position: number; averagePrice: number }[];
}

export function readSessionBook(memory: WebAssembly.Memory, instruments: readonly number[]): SessionBook {
  const account = readRiskAccount(memory);
  const totals = readPortfolioTotals(new DataView(memory.buffer));
  return {
    cash: account.cash,
    equity: account.equity,
    halted: account.halted,
    roundTrips: totals.roundTrips,
    winners: totals.winners,
    positions: instruments.map((instrument) => {
      const risk = readInstrumentRisk(memory, instrument);
      return { instrument, position: risk.position, averagePrice: risk.averagePrice };
    }),
  };
}

/** Typed arrays a pipeline holds (regime model parameters), by the tag their JSON form carries. */
const TYPED_ARRAYS = { Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array } as const;
type TypedArrayTag = keyof typeof TYPED_ARRAYS;

/** JSON of a pipeline spec: bigints as {"$bigint": "..."}, typed arrays as {"$Float64Array": [...]} (numbers round-trip exactly). */
export function pipelineToJson(spec: PipelineSpec): string {
  return JSON.stringify(spec, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const tag = value.constructor.name as TypedArrayTag;
      if (!(tag in TYPED_ARRAYS)) throw new TypeError(`a pipeline spec cannot hold a ${tag}`);
      return { [`$${tag}`]: Array.from(value as unknown as ArrayLike<number>) };
    }
    return value;
  });
}

export function pipelineFromJson(json: string): PipelineSpec {
  return JSON.parse(json, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (keys.length !== 1 || !keys[0].startsWith('$')) return value;
    const tag = keys[0].slice(1);
    const inner = (value as Record<string, unknown>)[keys[0]];
    if (tag === 'bigint') return BigInt(inner as string);
    if (tag in TYPED_ARRAYS) return TYPED_ARRAYS[tag as TypedArrayTag].from(inner as number[]);
    return value;
  }) as PipelineSpec;
}
