// Loads rule strategies into the WASM core (wasm/assembly/strategy) and runs or reads them:
// the programs go to the DECISION region past fusion's blocks, each instrument is bound to a
// program and an indicator slot, and a step writes the instrument's decision output block
// (target, price, status) that the order stage trades. The engine loop runs the step itself
// (PIPE_RULES); `step` is for tests and tools that drive the core directly.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { readDecisionOutput, type DecisionOutput } from '../decision/index.js';
import { encodeRulePrograms, type RuleStrategyProgram } from './compile-rule-program.js';
import { RS_SIDE, RULE_STATE_BYTES, RULE_STATE_OFFSET } from './rule-layout.js';

export interface RuleCoreExports extends CoreExports {
  ruleOffset(): number;
  ruleProgramOffset(program: number): number;
  ruleStateOffset(instrument: number): number;
  ruleLoad(): number;
  ruleInstrumentConfigure(instrument: number, program: number, indicatorSlot: number): number;
  ruleSide(instrument: number): number;
  ruleStep(instrument: number, nowNs: bigint, equity: number): number;
}

export class WasmRuleStrategy {
  constructor(
    private readonly core: RuleCoreExports,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /** Writes the programs and has the core check them against the loaded indicator plan (load the plan first). */
  load(programs: readonly RuleStrategyProgram[]): void {
    encodeRulePrograms(programs, this.memory.buffer);
    checkCoreStatus(this.core.ruleLoad(), 'ruleLoad');
  }

  /** Binds `instrument` to program `program` (index in the loaded list) over `indicatorSlot`, flat. */
  addInstrument(instrument: number, program: number, indicatorSlot: number): void {
    checkCoreStatus(this.core.ruleInstrumentConfigure(instrument, program, indicatorSlot), `ruleInstrumentConfigure(${instrument}, ${program}, ${indicatorSlot})`);
  }

  /** One bar of `instrument` (after its indicator slot took the bar) at `nowNs`, sizing against `equity`. */
  step(instrument: number, nowNs: bigint, equity: number): void {
    checkCoreStatus(this.core.ruleStep(instrument, nowNs, equity), `ruleStep(${instrument})`);
  }

  /** -1 short, 0 flat, +1 long. */
  side(instrument: number): number {
    return this.core.ruleSide(instrument);
  }

  /** The target quantity of the last step (signed). */
  target(instrument: number): number {
    return readDecisionOutput(this.memory, instrument).quantity;
  }

  output(instrument: number): DecisionOutput {
    return readDecisionOutput(this.memory, instrument);
  }

  /** A copy of the instrument's rule state (side, previous operands): a checkpoint of it. */
  checkpoint(instrument: number): Uint8Array {
    const at = RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES;
    return new Uint8Array(this.memory.buffer, at, RULE_STATE_BYTES).slice();
  }

  /** Reads the side straight from the state block (what a snapshot reader on the I/O thread does). */
  sideFromState(instrument: number): number {
    return new DataView(this.memory.buffer).getInt32(RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES + RS_SIDE, true);
  }
}
