// Reads of the core's state a live session needs between batches (read only while the engine
// is idle: everything published consumed, outbound drained): the live orders of the order
// table, each instrument's position, and the account. Also the JSON form of a pipeline (with
// bigints), which a session journals and a replay of its journal reads back.
import { OrderLayout, isLiveState, readInstrumentOrderIndex, readOrderSlot, type OrderSlotState } from '../orders/index.js';
import { readInstrumentRisk, readRiskAccount, type PipelineSpec } from '../pipeline/index.js';

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
  readonly positions: { instrument: number; position: number; averagePrice: number }[];
}

export function readSessionBook(memory: WebAssembly.Memory, instruments: readonly number[]): SessionBook {
  const account = readRiskAccount(memory);
  return {
    cash: account.cash,
    equity: account.equity,
    halted: account.halted,
    positions: instruments.map((instrument) => {
      const risk = readInstrumentRisk(memory, instrument);
      return { instrument, position: risk.position, averagePrice: risk.averagePrice };
    }),
  };
}

/** JSON of a pipeline spec, bigints as {"$bigint": "..."}. */
export function pipelineToJson(spec: PipelineSpec): string {
  return JSON.stringify(spec, (_key, value: unknown) => (typeof value === 'bigint' ? { $bigint: value.toString() } : value));
}

export function pipelineFromJson(json: string): PipelineSpec {
  return JSON.parse(json, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && '$bigint' in value && Object.keys(value).length === 1) return BigInt((value as { $bigint: string }).$bigint);
    return value;
  }) as PipelineSpec;
}
