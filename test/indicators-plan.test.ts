// Indicator plans: topological order, shared nodes, only demanded nodes materialised,
// cycle rejection (a test registry with a deliberate cycle), parameter validation
// messages, the TS/WASM plan layout agreement and the core's checks on a loaded plan.
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  DEFAULT_DECLARATIONS, IndicatorRegistry, IndicatorSpecError, buildPlan, encodePlan, defaultRegistry, planStateBytes,
  type IndicatorCoreExports, type IndicatorDeclaration, type IndicatorPlan,
} from '../engine/indicators/index.js';
import { Kernel } from '../engine/indicators/kernel-opcodes.js';
import * as L from '../engine/indicators/plan-layout.js';
import { SCRATCH_REGION_OFFSET } from '../engine/layout/memory-map.js';

const ERR_IND_BAD_PLAN = -41;
const ERR_IND_SLOT_RANGE = -42;
const ERR_IND_SLOT_NOT_READY = -43;
const ERR_IND_NO_PLAN = -40;

function nodeLabels(plan: IndicatorPlan): string[] {
  return plan.nodes.map((n) => n.label);
}

function freshCore(): { core: IndicatorCoreExports; memory: WebAssembly.Memory } {
  const memory = createSharedMemory();
  return { core: instantiateCore(memory, compileCore('debug')) as IndicatorCoreExports, memory };
}

describe('indicator plan: dependency order', () => {
  it('orders every node after the nodes whose outputs it reads', () => {
    const plan = buildPlan('macd:12:26:9,stoch:14:3:3,bb:20:2.pctb@slope:5,atr:14,rvol:20,adx:14');
    const producedBefore = new Set<number>([0, 1, 2, 3, 4]);
    for (const node of plan.nodes) {
      for (const input of node.inputs) {
        expect(producedBefore.has(input), `${node.label} reads value ${input} before it is produced`).toBe(true);
      }
      node.outputs.forEach((_, k) => producedBefore.add(node.firstValue + k));
    }
    expect(plan.valueCount, 'values = 5 bar fields + every node output').toBe(5 + plan.nodes.reduce((s, n) => s + n.outputs.length, 0));
  });

  it('resolves macd into its declared graph: fast EMA seeded late, slow EMA, line, signal EMA over the line, hist', () => {
    expect(nodeLabels(buildPlan('macd:12:26:9'))).toEqual([
      'emaskip:12:14',
      'ema:26',
      'macdline:12:26',
      'ema:9(macdline:12:26)',
      'sub(macdline:12:26, ema:9(macdline:12:26))',
      'macd:12:26:9',
    ]);
  });

  it('declares warm-ups consistent with TA-Lib lookback + 1', () => {
    const plan = buildPlan('sma:20,ema:20,rsi:14,atr:14,macd:12:26:9,stoch:14:3:3,adx:14,roc:10,rvol:20,ema:20@slope:5,ema:20@diff:2');
    const warmups = Object.fromEntries([...plan.tokens].map(([token, cols]) => [token, plan.columns[cols[0]].warmup]));
    expect(warmups).toEqual({
      'sma:20': 20, 'ema:20': 20, 'rsi:14': 15, 'atr:14': 15, 'macd:12:26:9': 34, 'stoch:14:3:3': 18,
      'adx:14': 28, 'roc:10': 11, 'rvol:20': 21, 'ema:20@slope:5': 24, 'ema:20@diff:2': 22,
    });
  });
});

describe('indicator plan: shared nodes', () => {
  it('computes sma:20 and the 20-bar stdev once for sma:20, bb:20:2 and zscore:20', () => {
    const plan = buildPlan('sma:20,bb:20:2,zscore:20');
    expect(nodeLabels(plan)).toEqual(['sma:20', 'stdev:20:0', 'bb:20:2', 'zscore:20']);
    const sma = plan.nodes.find((n) => n.label === 'sma:20')!;
    expect(sma.consumers, 'sma:20 is demanded once and read by bb and zscore').toBe(3);
    expect(plan.nodes.find((n) => n.label === 'stdev:20:0')!.consumers).toBe(2);
  });

  it('shares the slow EMA of macd with a demanded ema of the same period, and donchian with stoch', () => {
    const plan = buildPlan('ema:26,macd:12:26:9,donchian:14,stoch:14:3');
    expect(plan.nodes.filter((n) => n.label === 'ema:26')).toHaveLength(1);
    expect(plan.nodes.filter((n) => n.name === 'donchian')).toHaveLength(1);
    expect(plan.nodes.find((n) => n.label === 'ema:26')!.consumers).toBe(2);
  });

  it('maps a token demanded by two consumers to the same columns, and `vwap` to the svwap:0 node', () => {
    const plan = buildPlan(['ema:20', 'rsi:14', 'ema:20', 'vwap', 'svwap:0', 'svwap']);
    expect(plan.tokens.get('ema:20')).toEqual([0]);
    expect(plan.columns.map((c) => c.name)).toEqual(['ema:20', 'rsi:14', 'vwap', 'svwap:0', 'svwap']);
    const svwapNodes = plan.nodes.filter((n) => n.name === 'svwap');
    expect(svwapNodes, '`vwap`, `svwap:0` and `svwap` are one node').toHaveLength(1);
    expect(new Set(plan.columns.slice(2).map((c) => c.valueIndex)).size).toBe(1);
  });

  it('keeps nodes apart when only their inputs differ (sma over close vs sma over volume)', () => {
    const plan = buildPlan('sma:20,relvol:20');
    expect(nodeLabels(plan)).toEqual(['sma:20', 'sma:20(volume)', 'relvol:20']);
  });
});

describe('indicator plan: only demanded nodes', () => {
  it.each([
    ['rsi:14', ['rsi:14']],
    ['atr:14', ['tr', 'atr:14']],
    ['bb:20:2.pctb', ['sma:20', 'stdev:20:0', 'bb:20:2']],
    ['stoch:14:3', ['donchian:14', 'stochk:14', 'sma:3(stochk:14)', 'stoch:14:1:3']],
    ['ema:20@lag:3', ['ema:20', 'lag:3(ema:20)']],
  ])('plans %s as exactly its dependency closure', (spec, labels) => {
    expect(nodeLabels(buildPlan(spec))).toEqual(labels);
  });

  it('expands a multi-output token without a selector into token.output columns', () => {
    const plan = buildPlan('bb:20:2,macd:12:26:9@diff:1,bb:20:2.pctb');
    expect(plan.columns.map((c) => c.name)).toEqual([
      'bb:20:2.upper', 'bb:20:2.middle', 'bb:20:2.lower', 'bb:20:2.pctb', 'bb:20:2.bandwidth',
      'macd:12:26:9.macd@diff:1', 'macd:12:26:9.signal@diff:1', 'macd:12:26:9.hist@diff:1',
      'bb:20:2.pctb',
    ]);
  });
});

describe('indicator plan: cycles', () => {
  const pingPong = (name: string, other: string): IndicatorDeclaration => ({
    name,
    summary: `test node that reads ${other}`,
    params: [{ name: 'period', kind: 'integer', min: 1 }],
    outputs: ['value'],
    inputs: ([n]) => [{ indicator: other, params: [n] }],
    kernel: ([n]) => ({ opcode: Kernel.SMA, intParams: [n] }),
    warmup: ([n], w) => w + n - 1,
  });

  it('rejects a two-node cycle with a message naming the cycle', () => {
    const registry = new IndicatorRegistry([pingPong('ping', 'pong'), pingPong('pong', 'ping')]);
    expect(() => buildPlan('ping:3', registry)).toThrow(new IndicatorSpecError('indicator dependency cycle: ping:3 -> pong:3 -> ping:3'));
  });

  it('rejects a node that reads itself, and a cycle reached through an acyclic prefix', () => {
    const registry = new IndicatorRegistry([
      pingPong('self', 'self'),
      pingPong('entry', 'a'),
      pingPong('a', 'b'),
      pingPong('b', 'a'),
    ]);
    expect(() => buildPlan('self:2', registry)).toThrow('indicator dependency cycle: self:2 -> self:2');
    expect(() => buildPlan('entry:4', registry)).toThrow('indicator dependency cycle: a:4 -> b:4 -> a:4');
  });

  it('the default registry has no cycle: every public indicator plans', () => {
    for (const d of DEFAULT_DECLARATIONS.filter((x) => !x.hidden && !x.transform)) {
      const params = d.params.filter((p) => !p.optional).map((p, i) => (d.name === 'macd' && i === 1 ? 26 : Math.max(2, p.min) + i));
      const token = [d.name, ...params].join(':');
      expect(() => buildPlan(token), token).not.toThrow();
    }
  });
});

describe('indicator plan: parameter validation', () => {
  it.each([
    ['ema:0', 'token `ema:0`: parameter `period` of `ema` must be an integer in [1, 1048576], was "0"'],
    ['ema:2.5', 'token `ema:2.5`: parameter `period` of `ema` must be an integer in [1, 1048576], was "2.5"'],
    ['sma:abc', 'token `sma:abc`: parameter `period` of `sma` must be an integer in [1, 1048576], was "abc"'],
    ['bb:20:-1', 'token `bb:20:-1`: parameter `deviations` of `bb` must be a number >= 0, was "-1"'],
    ['bb:1:2', 'token `bb:1:2`: parameter `period` of `bb` must be an integer in [2, 1048576], was "1"'],
    ['bb:20', 'token `bb:20`: `bb` takes 2 parameter(s) (bb:period:deviations), got 1'],
    ['rsi', 'token `rsi`: `rsi` takes 1 parameter(s) (rsi:period), got 0'],
    ['svwap:24', 'token `svwap:24`: parameter `hour` of `svwap` must be an integer in [0, 23], was "24"'],
    ['macd:26:12:9', 'token `macd:26:12:9`: `fast` must be < `slow` (12), was 26'],
    ['stoch:14', 'token `stoch:14`: `stoch` takes 2 or 3 parameter(s) (stoch:k:[smoothing]:d), got 1'],
    ['ema:20@slope:1', 'token `ema:20@slope:1`: parameter `bars` of `@slope` must be an integer in [2, 1048576], was "1"'],
    ['ema:20@diff', 'token `ema:20@diff`: `@diff` takes 1 parameter(s) (@diff:bars), got 0'],
    ['ema:20@wiggle:2', 'token `ema:20@wiggle:2`: unknown transform `@wiggle` (known: @diff, @lag, @slope)'],
    ['bb:20:2.nope', 'token `bb:20:2.nope`: unknown output `nope` of `bb` (outputs: upper, middle, lower, pctb, bandwidth)'],
    ['stdev:20:0', 'token `stdev:20:0`: unknown indicator `stdev`'],
    ['Ema:20', 'token `Ema:20`: indicator name must be lower-case letters, digits or _, starting with a letter, was "Ema"'],
  ])('rejects %s naming the token, parameter, value and rule', (token, message) => {
    let thrown: unknown;
    try {
      buildPlan(token);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `${token} must be rejected`).toBeInstanceOf(IndicatorSpecError);
    expect((thrown as Error).message.startsWith(message), `message was: ${(thrown as Error).message}`).toBe(true);
  });

  it('accepts decimal deviations and the optional stoch smoothing', () => {
    const plan = buildPlan('bb:20:2.5.upper,stoch:14:3,stoch:14:3:3');
    expect(plan.nodes.find((n) => n.name === 'bb')!.kernel.floatParams).toEqual([2.5]);
    expect(plan.nodes.filter((n) => n.name === 'stoch').map((n) => n.params)).toEqual([[14, 1, 3], [14, 3, 3]]);
  });

  it('lists exactly the public indicators the brief defines', () => {
    expect(defaultRegistry.publicNames()).toEqual([
      'adx', 'atr', 'bb', 'donchian', 'ema', 'macd', 'obv', 'relvol', 'roc', 'rsi', 'rvol', 'sma', 'stoch', 'svwap', 'tr', 'volz', 'vwap', 'wma', 'zscore',
    ]);
  });
});

describe('indicator plan: encoding and the core loader', () => {
  it('agrees with the compiled core on the plan area', () => {
    const { core } = freshCore();
    expect(core.indPlanOffset()).toBe(L.PLAN_OFFSET);
    expect(core.indPlanAreaBytes()).toBe(L.PLAN_AREA_BYTES);
    expect(core.indStateBytes(), 'no plan loaded yet').toBe(ERR_IND_NO_PLAN);
  });

  it('loads a plan using every kernel and sizes the slot state', () => {
    const { core, memory } = freshCore();
    const plan = buildPlan('sma:20,ema:20,wma:20,rsi:14,tr,atr:14,bb:20:2,vwap:20,vwap,rvol:20,zscore:20,macd:12:26:9,roc:10,donchian:20,stoch:14:3:3,adx:14,obv,relvol:20,volz:20,ema:20@diff:1,ema:20@lag:2,ema:20@slope:5');
    const used = new Set(plan.nodes.map((n) => n.kernel.opcode));
    expect(used.size, 'every opcode appears').toBe(Object.keys(Kernel).length);
    encodePlan(plan, memory.buffer, L.PLAN_OFFSET);
    const capacity = core.indPlanLoad(L.PLAN_OFFSET);
    const stateBytes = core.indStateBytes();
    expect(stateBytes % 64).toBe(0);
    expect(capacity).toBe(Math.floor(L.SLOTS_BYTES / stateBytes));
    const view = new DataView(memory.buffer, L.PLAN_OFFSET);
    const offsets = plan.nodes.map((_, i) => view.getInt32(L.PLAN_HEADER_BYTES + i * L.NODE_BYTES + L.NODE_STATE_OFFSET, true));
    expect(offsets[0], 'node state starts after the values').toBeGreaterThanOrEqual(L.SLOT_VALUES + 8 * plan.valueCount);
    expect([...offsets].sort((a, b) => a - b), 'state offsets follow node order').toEqual(offsets);
  });

  it('sizes a plan\'s slot state as the core does (planStateBytes == indStateBytes), long windows included', () => {
    const { core, memory } = freshCore();
    const specs = [
      'sma:20,ema:20,wma:20,rsi:14,tr,atr:14,bb:20:2,vwap:20,vwap,rvol:20,zscore:20,macd:12:26:9,roc:10,donchian:20,stoch:14:3:3,adx:14,obv,relvol:20,volz:20,ema:20@diff:1,ema:20@lag:2,ema:20@slope:5',
      'sma:1048576,wma:1048576', 'donchian:500000,stoch:7:3', 'vwap:300000,roc:99999,ema:5@lag:123457@slope:3001', 'bb:777777:2,zscore:777777',
    ];
    for (const spec of specs) {
      const plan = buildPlan(spec);
      encodePlan(plan, memory.buffer, L.PLAN_OFFSET);
      expect(core.indPlanLoad(L.PLAN_OFFSET), `${spec}: the core loads it`).toBeGreaterThanOrEqual(1);
      expect(planStateBytes(plan), spec).toBe(core.indStateBytes());
    }
  });

  it('refuses, naming the largest windows, a plan whose windows are each allowed but whose state does not fit the core', () => {
    const spec = 'sma:1048576,wma:1048576,bb:1048576:2,donchian:1048576';
    let thrown: unknown;
    try {
      buildPlan(spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `${spec} must be refused when planned, not by the core loader (status -41)`).toBeInstanceOf(IndicatorSpecError);
    expect((thrown as Error).message).toMatch(/^indicator plan needs 40\.0 MiB of state per instrument, the core holds 31\.4 MiB: use shorter periods \(largest: donchian:1048576 16\.0 MiB, /);
  });

  it('loads the same plan from a copy in the scratch region, and refuses an offset outside both areas', () => {
    const { core, memory } = freshCore();
    const plan = buildPlan('macd:12:26:9,bb:20:2');
    encodePlan(plan, memory.buffer, L.PLAN_OFFSET);
    const fromPlanArea = core.indPlanLoad(L.PLAN_OFFSET);
    encodePlan(plan, memory.buffer, SCRATCH_REGION_OFFSET + 4096);
    expect(core.indPlanLoad(SCRATCH_REGION_OFFSET + 4096), 'same capacity from the scratch copy').toBe(fromPlanArea);
    expect(core.indPlanLoad(SCRATCH_REGION_OFFSET - 4096), 'an offset in another region').toBe(ERR_IND_BAD_PLAN);
  });

  it('refuses a corrupted plan: unknown opcode, forward input, wrong output numbering, bad window', () => {
    const { core, memory } = freshCore();
    const plan = buildPlan('sma:20,bb:20:2');
    const corruptions: [string, (v: DataView) => void][] = [
      ['unknown opcode', (v) => v.setInt32(L.PLAN_HEADER_BYTES + L.NODE_OPCODE, 99, true)],
      ['input read before it is produced', (v) => v.setInt32(L.PLAN_HEADER_BYTES + L.NODE_IN0, 7, true)],
      ['outputs not numbered in order', (v) => v.setInt32(L.PLAN_HEADER_BYTES + L.NODE_OUT_FIRST, 9, true)],
      ['window 0', (v) => v.setInt32(L.PLAN_HEADER_BYTES + L.NODE_IP0, 0, true)],
      ['bad magic', (v) => v.setInt32(L.PH_MAGIC, 0, true)],
      ['output column past the values', (v) => v.setInt32(L.PLAN_HEADER_BYTES + plan.nodes.length * L.NODE_BYTES, 999, true)],
    ];
    for (const [what, corrupt] of corruptions) {
      encodePlan(plan, memory.buffer, L.PLAN_OFFSET);
      corrupt(new DataView(memory.buffer, L.PLAN_OFFSET));
      expect(core.indPlanLoad(L.PLAN_OFFSET), what).toBe(ERR_IND_BAD_PLAN);
      expect(core.indSlotReset(0), `after a refused plan (${what}) no plan is loaded`).toBe(ERR_IND_NO_PLAN);
    }
  });

  it('refuses to run a slot that was never reset, or a slot out of range', () => {
    const { core, memory } = freshCore();
    encodePlan(buildPlan('ema:3'), memory.buffer, L.PLAN_OFFSET);
    const capacity = core.indPlanLoad(L.PLAN_OFFSET);
    expect(core.indUpdate(0, 1, 1, 1, 1, 1, 0n)).toBe(ERR_IND_SLOT_NOT_READY);
    expect(core.indSlotReset(capacity)).toBe(ERR_IND_SLOT_RANGE);
    expect(core.indSlotReset(-1)).toBe(ERR_IND_SLOT_RANGE);
    expect(core.indSlotReset(0)).toBe(0);
    expect(core.indUpdate(0, 1, 1, 1, 1, 1, 0n)).toBe(0);
  });
});
