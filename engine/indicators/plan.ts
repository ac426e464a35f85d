// Builds an indicator plan from what consumers demand (tokens): resolves every declared
// dependency depth-first, rejects cycles naming them, materialises only demanded nodes and
// their dependencies, and shares identical nodes (same indicator, parameters and inputs)
// among all consumers. Nodes come out in topological order with their outputs numbered
// consecutively after the bar fields; the plan maps every token to its output values.
import { IndicatorSpecError } from './indicator-spec-error.js';
import type { IndicatorDeclaration, InputRef } from './indicator-declaration.js';
import { KERNEL_SHAPES, Kernel, kernelStateBytes, type KernelCall } from './kernel-opcodes.js';
import { BAR_FIELDS, MAX_WINDOW, NODE_MAX_INPUTS, PLAN_MAX_NODES, PLAN_MAX_OUTPUTS, SLOT_VALUES, SLOTS_BYTES, VALUE_FIELD_COUNT } from './plan-layout.js';
import { defaultRegistry, resolveParams, type IndicatorRegistry } from './registry.js';
import { parseToken } from './token-parser.js';

export interface PlanNode {
  /** Position in topological order. */
  readonly index: number;
  /** Identity used for sharing: indicator, parameters and input value indices. */
  readonly key: string;
  /** Readable form, e.g. `ema:9(macdline:12:26)`. */
  readonly label: string;
  readonly name: string;
  readonly params: readonly number[];
  readonly kernel: KernelCall;
  /** Value indices read, in kernel order. */
  readonly inputs: readonly number[];
  /** Value index of the first output; outputs are consecutive. */
  readonly firstValue: number;
  readonly outputs: readonly string[];
  /** Bars before the first value (first value on bar index warmup - 1). */
  readonly warmup: number;
  /** Distinct consumers of this node: demanded tokens plus dependent nodes. Above 1 means shared. */
  readonly consumers: number;
}

export interface PlanColumn {
  /** Column name: the token, or `token.output` for each output of a multi-output token. */
  readonly name: string;
  readonly token: string;
  readonly valueIndex: number;
  readonly warmup: number;
}

export interface IndicatorPlan {
  readonly nodes: readonly PlanNode[];
  /** Bar fields plus every node output. */
  readonly valueCount: number;
  /** Output columns in demand order (what indRunBatch writes). */
  readonly columns: readonly PlanColumn[];
  /** Every demanded token -> indices into `columns`. */
  readonly tokens: ReadonlyMap<string, readonly number[]>;
}

interface ResolvedValue {
  readonly valueIndex: number;
  readonly warmup: number;
  readonly label: string;
}

type BoundInput = InputRef | ResolvedValue;

function isResolved(input: BoundInput): input is ResolvedValue {
  return typeof input === 'object' && 'valueIndex' in input;
}

const formatParams = (params: readonly number[]): string => params.map((p) => `:${p}`).join('');

class PlanBuilder {
  readonly nodes: PlanNode[] = [];
  private readonly byKey = new Map<string, PlanNode>();
  private readonly consumersOf = new Map<PlanNode, Set<string>>();
  private nextValue = VALUE_FIELD_COUNT;

  constructor(private readonly registry: IndicatorRegistry) {}

  get valueCount(): number {
    return this.nextValue;
  }

  /** The final nodes, each with its count of distinct consumers. */
  finish(): PlanNode[] {
    return this.nodes.map((node) => ({ ...node, consumers: this.consumersOf.get(node)!.size }));
  }

  /** Resolves (or finds, when an identical node exists) a node for `consumer` (a node label or a demand). */
  resolveNode(name: string, params: readonly number[], boundInputs: readonly BoundInput[] | undefined, trail: readonly string[], consumer: string): PlanNode {
    const declaration = this.registry.get(name);
    const alias = declaration.alias?.(params);
    if (alias) return this.resolveNode(alias.indicator, alias.params, boundInputs, trail, consumer);
    checkDeclaredParams(declaration, params);
    const label = `${name}${formatParams(params)}${boundInputs ? `(${boundInputs.map(describe).join(', ')})` : ''}`;
    const seenAt = trail.indexOf(label);
    if (seenAt >= 0) {
      throw new IndicatorSpecError(`indicator dependency cycle: ${[...trail.slice(seenAt), label].join(' -> ')}`);
    }
    const inner = [...trail, label];
    const inputs = (boundInputs ?? declaration.inputs(params)).map((input) => this.resolveInput(input, inner));
    const kernel = declaration.kernel(params);
    const shape = KERNEL_SHAPES[kernel.opcode];
    const isPack = kernel.opcode === Kernel.PACK;
    const outputCount = isPack ? inputs.length : shape.outputs;
    if (isPack ? inputs.length < 1 || inputs.length > NODE_MAX_INPUTS : inputs.length !== shape.inputs) {
      throw new Error(`declaration \`${name}\` binds ${inputs.length} input(s) to kernel ${kernel.opcode}, which takes ${isPack ? `1..${NODE_MAX_INPUTS}` : shape.inputs}`);
    }
    if (outputCount !== declaration.outputs.length) {
      throw new Error(`declaration \`${name}\` names ${declaration.outputs.length} output(s), its kernel writes ${outputCount}`);
    }
    const key = `${name}${formatParams(params)}[${inputs.map((i) => i.valueIndex).join(',')}]`;
    const existing = this.byKey.get(key);
    if (existing) {
      this.consumersOf.get(existing)!.add(consumer);
      return existing;
    }
    const inputWarmup = Math.max(1, ...inputs.map((i) => i.warmup));
    const node: PlanNode = {
      index: this.nodes.length,
      key,
      label,
      name,
      params,
      kernel,
      inputs: inputs.map((i) => i.valueIndex),
      firstValue: this.nextValue,
      outputs: declaration.outputs,
      warmup: declaration.warmup(params, inputWarmup),
      consumers: 0,
    };
    this.consumersOf.set(node, new Set([consumer]));
    this.nextValue += outputCount;
    this.nodes.push(node);
    this.byKey.set(key, node);
    if (this.nodes.length > PLAN_MAX_NODES) throw new IndicatorSpecError(`indicator plan needs more than ${PLAN_MAX_NODES} nodes`);
    return node;
  }

  output(node: PlanNode, outputIndex: number): ResolvedValue {
    const name = node.outputs.length === 1 ? node.label : `${node.label}.${node.outputs[outputIndex]}`;
    return { valueIndex: node.firstValue + outputIndex, warmup: node.warmup, label: name };
  }

  private resolveInput(input: BoundInput, trail: readonly string[]): ResolvedValue {
    if (isResolved(input)) return input;
    if (typeof input === 'string') return { valueIndex: BAR_FIELDS.indexOf(input), warmup: 1, label: input };
    const node = this.resolveNode(input.indicator, input.params ?? [], input.inputs, trail, trail[trail.length - 1]);
    const outputIndex = input.output === undefined ? 0 : node.outputs.indexOf(input.output);
    if (outputIndex < 0) throw new Error(`declaration references output \`${input.output}\` of \`${input.indicator}\`, which has ${node.outputs.join(', ')}`);
    return this.output(node, outputIndex);
  }
}

function describe(input: BoundInput): string {
  if (typeof input === 'string') return input;
  if (isResolved(input)) return input.label;
  const inner = input.inputs ? `(${input.inputs.map(describe).join(', ')})` : '';
  return `${input.indicator}${formatParams(input.params ?? [])}${inner}${input.output ? `.${input.output}` : ''}`;
}

/** Parameters built by declarations (not typed by users) must still obey the rules: a broken declaration fails fast. */
function checkDeclaredParams(declaration: IndicatorDeclaration, params: readonly number[]): void {
  const ok = params.every((value, i) => {
    const rule = declaration.params[i];
    if (!rule) return false;
    const max = rule.max ?? (rule.kind === 'integer' ? MAX_WINDOW : Number.POSITIVE_INFINITY);
    return Number.isFinite(value) && value >= rule.min && value <= max && (rule.kind === 'number' || Number.isInteger(value));
  });
  const problem = ok ? declaration.check?.(params) : 'parameters break the declared rules';
  if (problem) throw new Error(`\`${declaration.name}${formatParams(params)}\`: ${problem}`);
}

/**
 * Plans `demands` (tokens, or one comma-separated SPEC string). The same token demanded
 * twice maps to the same columns; identical nodes are shared whoever demands them.
 */
export function buildPlan(demands: readonly string[] | string, registry: IndicatorRegistry = defaultRegistry): IndicatorPlan {
  const tokens = typeof demands === 'string' ? demands.split(',') : demands;
  const builder = new PlanBuilder(registry);
  const columns: PlanColumn[] = [];
  const tokenColumns = new Map<string, number[]>();
  for (const raw of tokens) {
    const parsed = parseToken(raw);
    if (tokenColumns.has(parsed.text)) continue;
    const declaration = registry.getPublic(parsed.name, parsed.text);
    const params = resolveParams(declaration, parsed.rawParams, parsed.text);
    const demand = `demand ${parsed.text}`;
    const node = builder.resolveNode(declaration.name, params, undefined, [], demand);
    let selected = node.outputs.map((_, i) => i);
    if (parsed.output !== undefined) {
      const index = node.outputs.indexOf(parsed.output);
      if (index < 0) {
        throw new IndicatorSpecError(`token \`${parsed.text}\`: unknown output \`${parsed.output}\` of \`${parsed.name}\` (outputs: ${node.outputs.join(', ')})`, parsed.text);
      }
      selected = [index];
    }
    const at = parsed.text.indexOf('@');
    const base = at < 0 ? parsed.text : parsed.text.slice(0, at);
    const suffix = at < 0 ? '' : parsed.text.slice(at);
    const indices: number[] = [];
    for (const outputIndex of selected) {
      let value = builder.output(node, outputIndex);
      for (const transform of parsed.transforms) {
        const transformDeclaration = registry.getTransform(transform.name, parsed.text);
        const transformParams = resolveParams(transformDeclaration, transform.rawParams, parsed.text, '@');
        value = builder.output(builder.resolveNode(transform.name, transformParams, [value], [], demand), 0);
      }
      const expand = selected.length > 1 || (parsed.output === undefined && node.outputs.length > 1);
      const name = expand ? `${base}.${node.outputs[outputIndex]}${suffix}` : parsed.text;
      indices.push(columns.length);
      columns.push({ name, token: parsed.text, valueIndex: value.valueIndex, warmup: value.warmup });
    }
    tokenColumns.set(parsed.text, indices);
  }
  if (columns.length > PLAN_MAX_OUTPUTS) throw new IndicatorSpecError(`indicator plan has ${columns.length} output columns, at most ${PLAN_MAX_OUTPUTS} are supported`);
  const plan = { nodes: builder.finish(), valueCount: builder.valueCount, columns, tokens: tokenColumns };
  checkStateFits(plan);
  return plan;
}

const MIB = 1024 * 1024;

/**
 * Bytes of one slot's state for `plan`, as the core's plan loader lays it out (values, then
 * each node's state in order, rounded up to 64): one instrument's indicator state.
 */
export function planStateBytes(plan: Pick<IndicatorPlan, 'nodes' | 'valueCount'>): number {
  let bytes = (SLOT_VALUES + plan.valueCount * 8 + 7) & ~7;
  for (const node of plan.nodes) bytes += kernelStateBytes(node.kernel.opcode, node.kernel.intParams?.[0] ?? 0);
  return Math.ceil(bytes / 64) * 64;
}

/** Every window is within MAX_WINDOW, but their state together must fit the core's slot area. */
function checkStateFits(plan: Pick<IndicatorPlan, 'nodes' | 'valueCount'>): void {
  const bytes = planStateBytes(plan);
  if (bytes <= SLOTS_BYTES) return;
  const largest = plan.nodes
    .map((node) => ({ label: node.label, bytes: kernelStateBytes(node.kernel.opcode, node.kernel.intParams?.[0] ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 4)
    .map((n) => `${n.label} ${(n.bytes / MIB).toFixed(1)} MiB`);
  throw new IndicatorSpecError(
    `indicator plan needs ${(bytes / MIB).toFixed(1)} MiB of state per instrument, the core holds ${(SLOTS_BYTES / MIB).toFixed(1)} MiB: use shorter periods (largest: ${largest.join(', ')})`,
  );
}
