// The risk account of a replay (backtest): the configured limits, each replayed instrument's
// asset class and lot size (its `risk.instruments` entry, matched by symbol, or
// `risk.replayDefaults`), the starting cash and the kill-switch state the replay starts in.
import { assetClassCode, riskLimitsFromConfig, type RiskSection } from '../risk/index.js';
import type { PipelineRisk } from '../pipeline/index.js';

const NS_PER_MS = 1_000_000n;

export interface ReplayRisk {
  readonly risk: PipelineRisk;
  /** Replayed instruments that took `risk.replayDefaults` (not listed in `risk.instruments`). */
  readonly defaulted: readonly string[];
}

/** `names[i]` is instrument i of the replay. */
export function replayRisk(section: RiskSection, names: readonly string[], options: { cash: number; startNs: bigint; halted: boolean }): ReplayRisk {
  const defaulted: string[] = [];
  const instruments = names.map((name, instrument) => {
    const listed = section.instruments.find((entry) => entry.symbol === name);
    if (!listed) defaulted.push(name);
    const source = listed ?? section.replayDefaults;
    return {
      instrument,
      assetClass: assetClassCode(source.assetClass),
      lotSize: source.lotSize,
      staleNs: BigInt(listed?.staleAfterMs ?? section.defaultStaleAfterMs) * NS_PER_MS,
    };
  });
  return {
    risk: { limits: riskLimitsFromConfig(section), instruments, cash: options.cash, startNs: options.startNs, halted: options.halted },
    defaulted,
  };
}
