// The core's decision exports as a unit: offsets agree with the TS mirror, bad config, bad
// records and bad calls return the documented status codes, one batch call equals one call
// per instrument, and a state checkpoint (byte copy) resumes identically.
import { describe, expect, it } from 'vitest';
import { CoreStatusError } from '../engine/core/core-status.js';
import {
  CFG_CHOPPY_REDUCTION, DEC_BYTES, DEC_RECORD_OFFSET, DEC_OFFSET, DEC_CONFIG_OFFSET, DEC_MAX_INSTRUMENTS, DEC_RULE_BYTES, DEC_RULES_OFFSET, DEC_SOURCES_OFFSET,
  RULE_IN0, RULE_OPCODE, decInstrumentConfigOffset, decOutputOffset, decStateOffset,
} from '../engine/decision/decision-layout.js';
import { compileInstrument } from '../engine/decision/index.js';
import { DECISION_REGION_BYTES, DECISION_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { EventKind } from '../engine/layout/event-record.js';
import { DecisionPair, outputDifference } from './decision-harness.js';

const T0 = 1_700_000_000_000_000_000n;
const HOUR = 3_600_000_000_000n;

describe('decision core exports', () => {
  const pair = DecisionPair.create({ instruments: [0, 1, 2].map((i) => ({ instrument: i, indicatorSlot: i, timeframe: '1h', allowShort: i === 1 })) });
  const core = pair.core;

  it('lays its blocks inside the DECISION region, as the TS mirror says', () => {
    expect(DEC_OFFSET, 'fusion + sizing start the region').toBe(DECISION_REGION_OFFSET);
    expect(DEC_OFFSET + DEC_BYTES, 'and own all of it').toBe(DECISION_REGION_OFFSET + DECISION_REGION_BYTES);
    expect(DEC_RECORD_OFFSET + 64, 'the last block ends inside the region').toBeLessThanOrEqual(DECISION_REGION_OFFSET + DECISION_REGION_BYTES);
    expect(core.decConfigOffset(), 'config').toBe(DEC_CONFIG_OFFSET);
    expect(core.decRulesOffset(), 'rules').toBe(DEC_RULES_OFFSET);
    expect(core.decSourcesOffset(), 'sources').toBe(DEC_SOURCES_OFFSET);
    for (const i of [0, 1, DEC_MAX_INSTRUMENTS - 1]) {
      expect(core.decInstrumentConfigOffset(i), `instrument config ${i}`).toBe(decInstrumentConfigOffset(i));
      expect(core.decStateOffset(i), `state ${i}`).toBe(decStateOffset(i));
      expect(core.decOutputOffset(i), `output ${i}`).toBe(decOutputOffset(i));
    }
    expect(decOutputOffset(DEC_MAX_INSTRUMENTS), 'output table ends before the record staging').toBeLessThanOrEqual(DEC_RECORD_OFFSET);
    expect(core.decOutputOffset(DEC_MAX_INSTRUMENTS), `instrument ${DEC_MAX_INSTRUMENTS} is out of range`).toBe(-62);
    expect(core.decStateOffset(-1), 'instrument -1 is out of range').toBe(-62);
  });

  it('rejects bad calls with the documented statuses', () => {
    expect(core.decStep(DEC_MAX_INSTRUMENTS, T0, 1), 'instrument out of range').toBe(-62);
    expect(core.decStep(7, T0, 1), 'instrument never configured').toBe(-62);
    expect(core.decStep(0, T0, -1), 'negative equity').toBe(-6);
    expect(core.decStep(0, T0, Number.NaN), 'NaN equity').toBe(-6);
    expect(() => pair.wasm.onSentiment({ instrument: 0, tsNs: T0, score: 1.5, confidence: 1, source: 0, contentHash: 1n })).toThrow(CoreStatusError);
    expect(() => pair.wasm.onSentiment({ instrument: 0, tsNs: T0, score: 0.5, confidence: 1, source: 64, contentHash: 1n }), 'source 64').toThrow('status -63');
    expect(() => pair.wasm.onSentiment({ instrument: 0, tsNs: T0, score: 0.5, confidence: 1, source: 1.5, contentHash: 1n }), 'source 1.5').toThrow('status -63');
    expect(() => pair.wasm.onModel({ instrument: 0, tsNs: T0, quantiles: [0, 0, Number.NaN, 0, 0] }), 'NaN quantile').toThrow('status -63');
    expect(() => pair.wasm.onModel({ instrument: 9, tsNs: T0, quantiles: [0, 0, 0, 0, 0] }), 'unknown instrument').toThrow('status -62');
    const view = new DataView(pair.memory.buffer);
    view.setInt32(0x100, EventKind.TRADE, true);
    expect(pair.wasm.onRecord(0x100), 'a TRADE record is ignored').toBe(0);
  });

  it('rejects a config the core cannot run, and then refuses to decide', () => {
    const bad = DecisionPair.create();
    const view = new DataView(bad.memory.buffer);
    view.setFloat64(DEC_CONFIG_OFFSET + CFG_CHOPPY_REDUCTION, 1.5, true);
    expect(bad.core.decConfigure(), 'choppy reduction 1.5').toBe(-60);
    expect(bad.core.decStep(0, T0, 1), 'no accepted config').toBe(-61);
    view.setFloat64(DEC_CONFIG_OFFSET + CFG_CHOPPY_REDUCTION, 0.7, true);
    expect(bad.core.decConfigure(), 'restored').toBe(0);
    view.setInt32(DEC_RULES_OFFSET + RULE_IN0, bad.plan.valueCount, true);
    expect(bad.core.decConfigure(), 'rule input past the plan values').toBe(-60);
    view.setInt32(DEC_RULES_OFFSET + RULE_IN0, 5, true);
    view.setInt32(DEC_RULES_OFFSET + DEC_RULE_BYTES + RULE_OPCODE, 9, true);
    expect(bad.core.decConfigure(), 'unknown opcode').toBe(-60);
  });

  it('resumes identically from a checkpoint of the state block', () => {
    const a = DecisionPair.create();
    a.setRegime(0, [1], [0]);
    a.setBar(0, { close: 100, 'ema:12': 103, 'ema:26': 100, 'adx:14.adx': 30, 'rvol:20': 0.01 });
    a.model({ instrument: 0, tsNs: T0, quantiles: [-0.02, -0.01, 0.003, 0.01, 0.02] });
    for (let k = 0; k < 5; k++) a.sentiment({ instrument: 0, tsNs: T0 + BigInt(k) * 60_000_000_000n, score: 0.4, confidence: 0.8, source: k % 2, contentHash: BigInt(k) });
    const saved = a.wasm.checkpoint(0);
    const before = a.step(0, T0 + HOUR);
    a.wasm.addInstrument(compileInstrument(a.sizing, a.plan, { instrument: 0, indicatorSlot: 0, timeframe: '1h' }));
    expect(a.wasm.sentimentCounts(0), 'reset cleared the state').toEqual({ accepted: 0, suppressed: 0 });
    a.wasm.restore(0, saved);
    const after = a.step(0, T0 + HOUR);
    expect(outputDifference(after.wasm, before.wasm).difference, 'restored state decides the same').toBe(0);
    expect(after.wasm.componentConfidences[4], 'sentiment survived the checkpoint').toBeGreaterThan(0);
    expect(() => a.wasm.restore(0, saved.subarray(1))).toThrow('a decision checkpoint is 2048 bytes, was 2047');
  });
});
