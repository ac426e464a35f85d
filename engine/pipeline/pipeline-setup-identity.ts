// What the TypeScript side feeds the core for a pipeline, as one identity per memory region: the
// core is instantiated over a zeroed memory of its own (not the session's), the pipeline is set
// up exactly as the engine thread sets it up (configurePipeline: indicator plan, regime models,
// decision and rule programs, risk limits and account, execution and exits, the simulated venue,
// each instrument's stage flags), and the sha256 of each region of the state a checkpoint holds is
// taken before the first record. core.wasm's own hash does not cover this: the TS that compiles
// strategy programs or lays out risk and execution settings can change what the core decides
// without changing core.wasm, and so can a session given another pipeline than its journal's.
//
//   memory 0        CORE_STATIC_LIMIT   STATE_OFFSET                                SCRATCH_REGION_OFFSET
//   | static  |  (control, rings:  | bars | indicators | regime | decision | pipeline |
//   |         |   not hashed)      | risk | orders | portfolio | exits | venue |
//
// Deterministic: a fresh zeroed memory and instance, the same calls for the same spec, no
// addresses of this process, no clock (the spec carries its own start time). The caller passes
// the spec in the form its journal holds it (pipelineFromJson(pipelineToJson(spec))), so a first
// start and a restart from the journaled JSON set up the same bytes.
import { createHash } from 'node:crypto';
import { compileCore, instantiateCore } from '../core/wasm-core.js';
import { keepCoreMemory, takeCoreMemory } from '../core/core-memory-cache.js';
import {
  BARS_REGION_OFFSET, CORE_STATIC_LIMIT, DECISION_REGION_OFFSET, EXITS_REGION_OFFSET, HMM_REGION_OFFSET, INDICATOR_REGION_OFFSET, ORDERS_REGION_OFFSET,
  PIPELINE_REGION_OFFSET, PORTFOLIO_REGION_OFFSET, RISK_REGION_OFFSET, SCRATCH_REGION_OFFSET, VENUE_REGION_OFFSET,
} from '../layout/memory-map.js';
import { configurePipeline } from './configure-pipeline.js';
import type { PipelineSpec } from './pipeline-spec.js';

/** The regions hashed, in memory order: name, what it holds (for messages), and its span. */
export const SETUP_REGIONS: readonly { readonly name: string; readonly holds: string; readonly from: number; readonly to: number }[] = [
  { name: 'static', holds: 'the core\'s data, globals and heap', from: 0, to: CORE_STATIC_LIMIT },
  { name: 'bars', holds: 'bar builders', from: BARS_REGION_OFFSET, to: INDICATOR_REGION_OFFSET },
  { name: 'indicators', holds: 'the indicator plan', from: INDICATOR_REGION_OFFSET, to: HMM_REGION_OFFSET },
  { name: 'regime', holds: 'regime models', from: HMM_REGION_OFFSET, to: DECISION_REGION_OFFSET },
  { name: 'decision', holds: 'fusion and sizing, rule strategy programs', from: DECISION_REGION_OFFSET, to: PIPELINE_REGION_OFFSET },
  { name: 'pipeline', holds: 'each instrument\'s stages and feature sources', from: PIPELINE_REGION_OFFSET, to: RISK_REGION_OFFSET },
  { name: 'risk', holds: 'risk limits, account, kill switch', from: RISK_REGION_OFFSET, to: ORDERS_REGION_OFFSET },
  { name: 'orders', holds: 'the order table and its order ids', from: ORDERS_REGION_OFFSET, to: PORTFOLIO_REGION_OFFSET },
  { name: 'portfolio', holds: 'cash and positions', from: PORTFOLIO_REGION_OFFSET, to: EXITS_REGION_OFFSET },
  { name: 'exits', holds: 'exit profiles', from: EXITS_REGION_OFFSET, to: VENUE_REGION_OFFSET },
  { name: 'venue', holds: 'the execution and simulated venue settings', from: VENUE_REGION_OFFSET, to: SCRATCH_REGION_OFFSET },
];

/** sha256 (hex) of each SETUP_REGIONS region after setup, by region name, in memory order. */
export type PipelineSetupIdentity = Readonly<Record<string, string>>;

/** The core's state right after `spec` is set up, before any record: one sha256 per region. */
export function pipelineSetupIdentity(spec: PipelineSpec): PipelineSetupIdentity {
  const memory = takeCoreMemory();
  try {
    configurePipeline(instantiateCore(memory, compileCore()), memory, spec);
    const bytes = new Uint8Array(memory.buffer);
    const identity: Record<string, string> = {};
    for (const region of SETUP_REGIONS) identity[region.name] = createHash('sha256').update(bytes.subarray(region.from, region.to)).digest('hex');
    return identity;
  } finally {
    keepCoreMemory(memory);
  }
}

/** The regions whose hashes differ between two identities, named with what they hold (a region one of them lacks counts as differing). */
export function setupDifferences(recorded: PipelineSetupIdentity, now: PipelineSetupIdentity): string[] {
  return SETUP_REGIONS.filter((region) => recorded[region.name] !== now[region.name]).map((region) => `${region.name} (${region.holds})`);
}
