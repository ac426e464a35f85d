// What the engine computes per bar, per instrument: the indicator tokens every
// instrument gets, and optionally a regime model filtered on its features.
// Plain data, so it crosses to the engine thread by structured clone.
import type { RegimeModelRecord } from '../regime/index.js';
import { PIPE_MAX_INSTRUMENTS } from './pipeline-layout.js';

export interface PipelineSpec {
  /** Indicator tokens demanded for every instrument (e.g. `ema:20`, `bb:20:2.pctb`). */
  readonly indicators: readonly string[];
  /** Instruments that run the pipeline; ids are the replay's instrument ids. */
  readonly instruments: readonly PipelineInstrument[];
}

export interface PipelineInstrument {
  readonly instrument: number;
  /** Filtered every bar when present; its feature spec joins the indicator plan. */
  readonly regimeModel?: RegimeModelRecord;
}

/** Every token the plan must compute: the demanded ones, then regime features (not `logret`). */
export function pipelineTokens(spec: PipelineSpec): string[] {
  const tokens = new Set(spec.indicators);
  for (const entry of spec.instruments) {
    for (const feature of entry.regimeModel?.featureSpec ?? []) if (feature !== 'logret') tokens.add(feature);
  }
  return [...tokens];
}

export function checkPipelineSpec(spec: PipelineSpec): PipelineSpec {
  const seen = new Set<number>();
  for (const { instrument } of spec.instruments) {
    if (!Number.isInteger(instrument) || instrument < 0 || instrument >= PIPE_MAX_INSTRUMENTS) {
      throw new RangeError(`pipeline \`instrument\` must be an integer in [0, ${PIPE_MAX_INSTRUMENTS}), was ${instrument}`);
    }
    if (seen.has(instrument)) throw new RangeError(`pipeline instrument ${instrument} is configured twice`);
    seen.add(instrument);
  }
  if (pipelineTokens(spec).length === 0) throw new RangeError('pipeline needs at least one indicator token or a regime model');
  return spec;
}
