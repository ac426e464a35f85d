// Per-bar values of indicator tokens over a whole bar series, from the same plans and the
// same WASM kernels the engine runs per bar: one plan for every token, run in batch mode by
// the IndicatorExecutor (chunked through the core's scratch region), NaN during warm-up.
import { IndicatorExecutor, IndicatorSpecError, buildPlan, type BarColumns } from '../../indicators/index.js';
import { LabelOptionError } from './label-option-error.js';
import type { LabelBars } from './triple-barrier.js';

/** The bars as the executor's columns (BigInt64Array times, a volume column: zeros when absent). */
export function toBarColumns(bars: LabelBars): BarColumns {
  const n = bars.close.length;
  for (const field of ['open', 'high', 'low'] as const) {
    if (bars[field].length !== n) throw new LabelOptionError(`\`bars.${field}\` must have ${n} elements (as \`bars.close\`), was ${bars[field].length}`, `bars.${field}`);
  }
  if (bars.timeNs.length !== n) throw new LabelOptionError(`\`bars.timeNs\` must have ${n} elements (as \`bars.close\`), was ${bars.timeNs.length}`, 'bars.timeNs');
  if (bars.volume !== undefined && bars.volume.length !== n) throw new LabelOptionError(`\`bars.volume\` must have ${n} elements (as \`bars.close\`), was ${bars.volume.length}`, 'bars.volume');
  const timeNs = bars.timeNs instanceof BigInt64Array ? bars.timeNs : BigInt64Array.from(bars.timeNs);
  return { length: n, timeNs, open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume ?? new Float64Array(n) };
}

/**
 * Runs `tokens` (each a single-output token) over `bars` in the WASM core; returns each
 * token's column. `option` names the option the tokens came from in messages.
 */
export function indicatorColumns(bars: BarColumns, tokens: readonly string[], option: string): Map<string, Float64Array> {
  const unique = [...new Set(tokens)];
  const out = new Map<string, Float64Array>();
  if (unique.length === 0) return out;
  let plan;
  try {
    plan = buildPlan(unique);
  } catch (error) {
    if (error instanceof IndicatorSpecError) throw new LabelOptionError(`\`${option}\`: ${error.message}`, option);
    throw error;
  }
  for (const token of unique) {
    const columns = plan.tokens.get(token) ?? [];
    if (columns.length !== 1) {
      throw new LabelOptionError(`\`${option}\` token \`${token}\` must have one output, it has ${columns.length}: select one (${columns.map((c) => `\`${plan.columns[c].name}\``).join(', ')})`, option);
    }
  }
  const executor = IndicatorExecutor.create(plan);
  executor.resetSlot(0);
  const values = executor.runBatch(0, bars);
  for (const token of unique) out.set(token, values[plan.tokens.get(token)![0]]);
  return out;
}
