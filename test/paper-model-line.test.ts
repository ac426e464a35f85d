// The paper summary's model line (engine/cli/commands/paper.ts paperModelLine) and the models
// topic's counters (engine/paper modelsView): bars with no fold model (before the first fold's
// training ended) time out in the core's wait, but they are reported as "no model for N bars",
// not as the model's timeouts.
import { describe, expect, it } from 'vitest';
import { paperModelLine } from '../engine/cli/commands/paper.js';
import { modelsView } from '../engine/paper/index.js';
import type { BacktestRun } from '../engine/backtest/index.js';
import type { ModelStatus } from '../engine/models/index.js';

const counters = { vectors: 4000, predictions: 1690, noFold: 2300, nonFinite: 10, crossed: 0, calibrationSkipped: 0, failures: 0, nonFiniteOutputs: 0, inFlight: 0, latencyP50Us: 120, latencyP99Us: 480 };
const status = {
  state: 'serving', source: 'data/models/btc-1h-q5', name: 'btc-1h-q5', hash: '0123456789abcdef', reason: null, fold: 0, driftThreshold: 0.25, coverageTolerance: 0.15,
  features: [], calibration: [], recentAlerts: [], counters,
} as unknown as ModelStatus;
/** The core's wait counters of such a run: every bar with a fold on time, the 2,300 before it timed out (plus 3 real timeouts). */
const waits = { onTime: 1687, timeouts: 2303, late: 0, unmatched: 0, pending: 0, featureRecords: 4000 };
const run = { pipeline: { modelWait: waits } } as unknown as BacktestRun;

describe('paper summary: the ML line', () => {
  it('reports the bars with no fold model as "no model for N bars", not as timeouts', () => {
    const line = paperModelLine(status, run)!;
    expect(line).toMatch(/: 1,687 on time, 3 timeouts, 0 late; /);
    expect(line).toContain("no model for 2,300 bars (before the first fold's training ended)");
  });

  it('the models topic (dashboard Model page) counts the same timeouts', () => {
    const view = modelsView(status, waits as never);
    expect([view.counters.timeouts, view.counters.noFold]).toEqual([3n, 2300n]);
  });
});
