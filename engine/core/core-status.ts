// Turns the core's negative status codes (wasm/assembly/errors.ts) into errors, in one place.

const MESSAGES: Record<number, string> = {
  [-1]: 'core static data reaches past CORE_STATIC_LIMIT: raise the limit in both layout files',
  [-2]: 'ring header magic missing: the ring was not initialised before use',
  [-3]: 'ring capacity must be a power of two below 2^25 slots',
  [-4]: 'outbound ring full: the I/O thread is not draining it',
  [-5]: 'inbound record has no known kind bit',
  [-6]: 'argument outside its documented range',
  [-7]: 'the outbound ring cannot hold what one unit of work may write (one record per instrument, per live order, per open lot, and more): give it more capacity',
  [-30]: 'HMM model slot holds no loaded model: call hmmLoadModel first',
  [-31]: 'HMM model parameters rejected by the core (sizes, stochastic rows or non-finite values)',
  [-32]: 'HMM filter state of the instrument was never reset with a model: call hmmResetFilter first',
  [-40]: 'no indicator plan loaded: call indPlanLoad first',
  [-41]: 'indicator plan rejected by the core (magic, opcodes, parameters, value order or sizes)',
  [-42]: 'indicator slot index outside 0 .. slotCapacity - 1',
  [-43]: 'indicator slot never reset (or restored) for the loaded plan: call indSlotReset first',
  [-44]: 'indicator batch columns fall outside the scratch region',
  [-50]: 'bar builder event earlier than the builder clock (last event or flush time): rejected, nothing changed',
  [-51]: 'bar builder slot outside 0 .. barsSlotCapacity() - 1',
  [-60]: 'decision config rejected by the core (magic, version, rules, weights, sources or ranges): check it with checkFusionConfig/checkSizingConfig',
  [-61]: 'no decision config accepted yet: load one (decConfigure) after the indicator plan',
  [-62]: 'decision instrument outside 0..511, or its config block was not accepted or its state never reset',
  [-63]: 'MODEL/SENTIMENT record with a non-finite or out-of-range field (score in [-1, 1], confidence in [0, 1], source 0..63)',
  [-70]: 'rule programs rejected by the core (magic, version, counts, opcodes, value indices or sizing): compile them with compileRulePrograms against the loaded plan',
  [-71]: 'no rule programs accepted yet (ruleLoad), or the instrument was never configured with one (ruleInstrumentConfigure)',
  [-72]: 'rule instrument outside 0 .. 1023, or program index outside the loaded programs',
  [-80]: 'risk engine not ready: call riskConfigure (limits) and riskInit (account) first',
  [-81]: 'risk limit outside its range (see engine/risk/risk-limits.ts): nothing changed',
  [-82]: 'risk instrument id outside 0 .. riskInstrumentCapacity() - 1, or a fill for an instrument never configured',
  [-83]: 'kill switch tripped but its flatten records did not fit in the outbound ring: drain it, then call riskEmitFlatten',
};

export class CoreStatusError extends Error {
  constructor(readonly status: number, readonly operation: string) {
    super(`WASM core ${operation} failed with status ${status}: ${MESSAGES[status] ?? 'unknown status'}`);
    this.name = 'CoreStatusError';
  }
}

/** Returns `result` when it is a count (>= 0); throws CoreStatusError for a negative status. */
export function checkCoreStatus(result: number, operation: string): number {
  if (result < 0) throw new CoreStatusError(result, operation);
  return result;
}
