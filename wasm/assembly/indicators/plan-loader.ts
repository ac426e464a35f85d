// Loads an indicator plan into the plan area: validates every node against its kernel's
// rules (opcodes.ts), assigns each node's state offset, sizes the per-slot state block and
// computes the plan checksum that marks slots built for it; also maps each value to the batch
// output column it is written to and sizes indRunBatch's blocks. See plan-layout.ts for the bytes.

import { MEMORY_BYTES, SCRATCH_REGION_OFFSET } from '../layout';
import { ERR_IND_BAD_PLAN } from '../errors';
import {
  NODE_BYTES, NODE_FP0, NODE_IN0, NODE_IN_COUNT, NODE_IP0, NODE_IP1, NODE_MAX_INPUTS, NODE_OPCODE,
  NODE_OUT_COUNT, NODE_OUT_FIRST, NODE_STATE_OFFSET, PH_CHECKSUM, PH_MAGIC, PH_NODE_COUNT,
  PH_OUTPUT_COUNT, PH_SLOT_CAPACITY, PH_STATE_BYTES, PH_VALUE_COUNT, PH_VERSION, PLAN_AREA_BYTES,
  PLAN_HEADER_BYTES, PLAN_MAGIC, PLAN_MAX_NODES, PLAN_MAX_OUTPUTS, PLAN_OFFSET, PLAN_VERSION,
  SLOTS_BYTES, SLOT_VALUES, VALUE_FIELD_COUNT, BLOCK_MAX_ROWS, WS_COLUMNS_BYTES, WS_OUTPUT_MAP,
} from './plan-layout';
import { OP_BB, OP_COUNT, OP_EMA, OP_PACK, opInputCount, opOutputCount, opParamsValid, opStateBytes } from './opcodes';

/** The loaded plan, cached from its header (0 nodes: nothing loaded). */
export let planNodeCount: i32 = 0;
export let planValueCount: i32 = 0;
export let planOutputCount: i32 = 0;
export let planStateBytes: i32 = 0;
export let planSlotCapacity: i32 = 0;
export let planChecksum: i32 = 0;
/** Bars per block of indRunBatch: BLOCK_MAX_ROWS, or fewer so every workspace column fits. */
export let planBlockRows: i32 = 0;

@inline
export function planOutputsOffset(): usize {
  return PLAN_OFFSET + PLAN_HEADER_BYTES + planNodeCount * NODE_BYTES;
}

function planBytes(nodeCount: i32, outputCount: i32): i32 {
  return PLAN_HEADER_BYTES + nodeCount * NODE_BYTES + outputCount * 4;
}

function fnv1a(from: usize, to: usize, hash: u32): u32 {
  for (let p = from; p < to; p++) hash = (hash ^ <u32>load<u8>(p)) * 16777619;
  return hash;
}

function validateNodes(nodeCount: i32, valueCount: i32): i32 {
  let nextValue = VALUE_FIELD_COUNT;
  let stateCursor = (SLOT_VALUES + valueCount * 8 + 7) & ~7;
  for (let i = 0; i < nodeCount; i++) {
    const rec = PLAN_OFFSET + PLAN_HEADER_BYTES + i * NODE_BYTES;
    const op = load<i32>(rec, NODE_OPCODE);
    if (op <= 0 || op >= OP_COUNT) return ERR_IND_BAD_PLAN;
    const inCount = load<i32>(rec, NODE_IN_COUNT);
    const outCount = load<i32>(rec, NODE_OUT_COUNT);
    if (op == OP_PACK) {
      if (inCount < 1 || inCount > NODE_MAX_INPUTS || outCount != inCount) return ERR_IND_BAD_PLAN;
    } else if (inCount != opInputCount(op) || outCount != opOutputCount(op)) {
      return ERR_IND_BAD_PLAN;
    }
    // Inputs must be bar fields or outputs of earlier nodes: this is the topological order.
    for (let k = 0; k < inCount; k++) {
      const input = load<i32>(rec + NODE_IN0 + k * 4);
      if (input < 0 || input >= nextValue) return ERR_IND_BAD_PLAN;
    }
    if (load<i32>(rec, NODE_OUT_FIRST) != nextValue) return ERR_IND_BAD_PLAN;
    nextValue += outCount;
    const ip0 = load<i32>(rec, NODE_IP0);
    if (!opParamsValid(op, ip0, load<i32>(rec, NODE_IP1))) return ERR_IND_BAD_PLAN;
    const fp0 = load<f64>(rec, NODE_FP0);
    if (op == OP_EMA && !(fp0 > 0 && fp0 <= 1)) return ERR_IND_BAD_PLAN;
    if (op == OP_BB && !(fp0 >= 0 && fp0 < Infinity)) return ERR_IND_BAD_PLAN;
    store<i32>(rec, stateCursor, NODE_STATE_OFFSET);
    stateCursor += opStateBytes(op, ip0);
    if (stateCursor > SLOTS_BYTES) return ERR_IND_BAD_PLAN;
  }
  if (nextValue != valueCount) return ERR_IND_BAD_PLAN;
  return (stateCursor + 63) & ~63;
}

/**
 * Loads the plan written at planOffset (the plan area itself, or a copy in the scratch region)
 * and returns the number of slots that fit, or ERR_IND_BAD_PLAN. Slots must be reset afterwards.
 */
export function indPlanLoad(planOffset: i32): i32 {
  planNodeCount = 0;
  const inPlanArea = planOffset == PLAN_OFFSET;
  const inScratch = planOffset >= SCRATCH_REGION_OFFSET && planOffset <= MEMORY_BYTES - PLAN_HEADER_BYTES;
  if (!inPlanArea && !inScratch) return ERR_IND_BAD_PLAN;
  const nodeCount = load<i32>(planOffset, PH_NODE_COUNT);
  const outputCount = load<i32>(planOffset, PH_OUTPUT_COUNT);
  const valueCount = load<i32>(planOffset, PH_VALUE_COUNT);
  if (load<i32>(planOffset, PH_MAGIC) != PLAN_MAGIC || load<i32>(planOffset, PH_VERSION) != PLAN_VERSION) return ERR_IND_BAD_PLAN;
  if (nodeCount < 1 || nodeCount > PLAN_MAX_NODES) return ERR_IND_BAD_PLAN;
  if (outputCount < 0 || outputCount > PLAN_MAX_OUTPUTS) return ERR_IND_BAD_PLAN;
  if (valueCount <= VALUE_FIELD_COUNT || valueCount > VALUE_FIELD_COUNT + 4 * PLAN_MAX_NODES) return ERR_IND_BAD_PLAN;
  const bytes = planBytes(nodeCount, outputCount);
  if (bytes > PLAN_AREA_BYTES) return ERR_IND_BAD_PLAN;
  if (!inPlanArea) {
    if (<i64>planOffset + <i64>bytes > <i64>MEMORY_BYTES) return ERR_IND_BAD_PLAN;
    memory.copy(PLAN_OFFSET, planOffset, bytes);
  }
  const stateBytes = validateNodes(nodeCount, valueCount);
  if (stateBytes < 0) return stateBytes;
  const outputs = PLAN_OFFSET + PLAN_HEADER_BYTES + nodeCount * NODE_BYTES;
  for (let j = 0; j < outputCount; j++) {
    const value = load<i32>(outputs + j * 4);
    if (value < 0 || value >= valueCount) return ERR_IND_BAD_PLAN;
  }
  // Output map: a value listed by several output columns is written to the first, copied to the rest.
  for (let v = 0; v < valueCount; v++) store<i32>(WS_OUTPUT_MAP + v * 4, -1);
  let workspaceColumns = 0;
  for (let j = 0; j < outputCount; j++) {
    const at = WS_OUTPUT_MAP + load<i32>(outputs + j * 4) * 4;
    if (load<i32>(at) < 0) store<i32>(at, j);
  }
  for (let v = VALUE_FIELD_COUNT; v < valueCount; v++) if (load<i32>(WS_OUTPUT_MAP + v * 4) < 0) workspaceColumns++;
  const fit = workspaceColumns == 0 ? BLOCK_MAX_ROWS : WS_COLUMNS_BYTES / (8 * workspaceColumns);
  const slotCapacity = SLOTS_BYTES / stateBytes;
  store<i32>(PLAN_OFFSET, stateBytes, PH_STATE_BYTES);
  store<i32>(PLAN_OFFSET, slotCapacity, PH_SLOT_CAPACITY);
  let hash = fnv1a(PLAN_OFFSET, PLAN_OFFSET + PH_CHECKSUM, 2166136261);
  hash = fnv1a(PLAN_OFFSET + PLAN_HEADER_BYTES, PLAN_OFFSET + bytes, hash);
  // 0 marks a slot that was never reset, so a plan never hashes to it.
  const checksum = hash == 0 ? 1 : <i32>hash;
  store<i32>(PLAN_OFFSET, checksum, PH_CHECKSUM);
  planValueCount = valueCount;
  planOutputCount = outputCount;
  planStateBytes = stateBytes;
  planSlotCapacity = slotCapacity;
  planChecksum = checksum;
  planBlockRows = fit < BLOCK_MAX_ROWS ? fit : BLOCK_MAX_ROWS;
  planNodeCount = nodeCount;
  return slotCapacity;
}
