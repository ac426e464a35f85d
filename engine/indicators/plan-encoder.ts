// Encodes an IndicatorPlan into the compact program the core loads (layout and box diagram:
// wasm/assembly/indicators/plan-layout.ts): a 64-byte header, one 64-byte record per node
// (opcode, input value indices, first output value, kernel parameters) and the list of
// output value indices. The core fills in state offsets, sizes and the checksum at load.
import {
  NODE_BYTES, NODE_FP0, NODE_IN0, NODE_IN_COUNT, NODE_IP0, NODE_OPCODE, NODE_OUT_COUNT, NODE_OUT_FIRST,
  PH_MAGIC, PH_NODE_COUNT, PH_OUTPUT_COUNT, PH_VALUE_COUNT, PH_VERSION, PLAN_AREA_BYTES, PLAN_HEADER_BYTES,
  PLAN_MAGIC, PLAN_VERSION,
} from './plan-layout.js';
import type { IndicatorPlan } from './plan.js';

/** Bytes the encoded plan occupies. */
export function encodedPlanBytes(plan: IndicatorPlan): number {
  return PLAN_HEADER_BYTES + plan.nodes.length * NODE_BYTES + plan.columns.length * 4;
}

/** Writes `plan` at `offset` of `buffer` (little-endian, as WebAssembly memory). Returns the bytes written. */
export function encodePlan(plan: IndicatorPlan, buffer: ArrayBufferLike, offset: number): number {
  const bytes = encodedPlanBytes(plan);
  if (bytes > PLAN_AREA_BYTES) throw new Error(`encoded indicator plan needs ${bytes} bytes, the plan area holds ${PLAN_AREA_BYTES}`);
  new Uint8Array(buffer, offset, bytes).fill(0);
  const view = new DataView(buffer, offset, bytes);
  view.setInt32(PH_MAGIC, PLAN_MAGIC, true);
  view.setInt32(PH_VERSION, PLAN_VERSION, true);
  view.setInt32(PH_NODE_COUNT, plan.nodes.length, true);
  view.setInt32(PH_VALUE_COUNT, plan.valueCount, true);
  view.setInt32(PH_OUTPUT_COUNT, plan.columns.length, true);
  plan.nodes.forEach((node, i) => {
    const rec = PLAN_HEADER_BYTES + i * NODE_BYTES;
    view.setInt32(rec + NODE_OPCODE, node.kernel.opcode, true);
    view.setInt32(rec + NODE_IN_COUNT, node.inputs.length, true);
    node.inputs.forEach((value, k) => view.setInt32(rec + NODE_IN0 + 4 * k, value, true));
    view.setInt32(rec + NODE_OUT_FIRST, node.firstValue, true);
    view.setInt32(rec + NODE_OUT_COUNT, node.outputs.length, true);
    (node.kernel.intParams ?? []).forEach((p, k) => view.setInt32(rec + NODE_IP0 + 4 * k, p, true));
    (node.kernel.floatParams ?? []).forEach((p, k) => view.setFloat64(rec + NODE_FP0 + 8 * k, p, true));
  });
  const outputs = PLAN_HEADER_BYTES + plan.nodes.length * NODE_BYTES;
  plan.columns.forEach((column, j) => view.setInt32(outputs + 4 * j, column.valueIndex, true));
  return bytes;
}
