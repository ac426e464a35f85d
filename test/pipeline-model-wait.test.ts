// The core's model wait (issue 14, core part): at a bar close a PIPE_MODEL instrument exports its
// features as FEATURES records and decides when the MODEL record for that bar close arrives, or
// without the ML expert once the wait bound passed. The engine loop runs in this thread
// (processInbound over the real inbound ring, OutboundDispatch over the real outbound ring), so
// tests choose the batch splits and read the decision after every record.
// Oracles: IndicatorExecutor on the same bars (the feature values), and the old path: the same
// core without the model wait, fed the same MODEL record before the bar (the decisions and every
// outbound record but FEATURES, byte for byte).
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore, type CoreExports } from '../engine/core/wasm-core.js';
import { EventKind, KIND_MASK, f64Bits, loadEventRecord, storeEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { INBOUND_CAPACITY, INBOUND_RING_OFFSET, OUTBOUND_CAPACITY, OUTBOUND_RING_OFFSET, PIPELINE_REGION_BYTES, PIPELINE_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { RingConsumer, RingProducer, initRing } from '../engine/ring/index.js';
import {
  FeatureAssembler, configurePipeline, planPipeline, readFeatureRecord, readPipelineCounters, writeModelRecord,
  type FeatureRecord, type PipelineSpec,
} from '../engine/pipeline/index.js';
import { BAR_RING_CAPACITY, BAR_RING_OFFSET, PIPE_ENTRY_BYTES, PIPE_MODEL_SOURCES, PIPE_TABLE } from '../engine/pipeline/pipeline-layout.js';
import { STATUS_COMP_SHIFT, STATUS_ML_TIMED_OUT, readDecisionOutput, type DecisionOutput } from '../engine/decision/index.js';
import { IndicatorExecutor } from '../engine/indicators/index.js';
import { OutboundDispatch } from '../engine/threads/outbound-dispatch.js';
import { OrderFlowTallier } from '../engine/threads/order-flow-tally.js';
import { copyImage, readCheckpointCounters, restoreCheckpointCounters, restoreImage, CHECKPOINT_IMAGE_BYTES } from '../engine/threads/core-checkpoint.js';
import { REPLAY_BAR_KIND, type ReplayTape } from '../engine/replay/bar-replay-tape.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';

const ML_PRESENT = 1 << (STATUS_COMP_SHIFT + 3);
const MINUTE = 60_000_000_000n;
const HOUR = 60n * MINUTE;
const TOKENS = ['ema:10', 'rsi:14', 'atr:14', 'rvol:20', 'zscore:20', 'sma:5', 'wma:10', 'roc:10', 'relvol:20'];

interface LoopCore extends CoreExports {
  engineStart(): number;
  processInbound(maxBatch: number): number;
  engineOutboundReserve(): number;
  pipelineConfigureModel(instrument: number, featureCount: number, waitNs: bigint): number;
  pipelineEntryOffset(instrument: number): number;
}

/** One core with its two rings, run in this thread the way engine-thread.ts runs it. */
class LoopHarness {
  readonly bytes: Uint8Array[] = [];
  readonly features: FeatureRecord[] = [];
  /** The decision after each record that changed it (read with maxBatch 1 in `feed`). */
  readonly decisions: { instrument: number; output: DecisionOutput }[] = [];
  readonly tally = new OrderFlowTallier();
  private readonly producer: RingProducer;
  private readonly dispatch: OutboundDispatch;
  private readonly view: DataView;

  private constructor(readonly memory: WebAssembly.Memory, readonly core: LoopCore, readonly spec: PipelineSpec) {
    this.view = new DataView(memory.buffer);
    this.producer = new RingProducer(memory, INBOUND_RING_OFFSET);
    const listeners = { onRecordBytes: (b: Uint8Array) => void this.bytes.push(b), onFeatures: (r: FeatureRecord) => void this.features.push(r) };
    this.dispatch = new OutboundDispatch(memory, new RingConsumer(memory, OUTBOUND_RING_OFFSET), OUTBOUND_CAPACITY * 64, listeners, this.tally, undefined);
  }

  static start(spec: PipelineSpec, restore?: { image: Uint8Array; counters: bigint[] }): LoopHarness {
    const memory = createSharedMemory();
    initRing(memory, INBOUND_RING_OFFSET, INBOUND_CAPACITY);
    initRing(memory, OUTBOUND_RING_OFFSET, OUTBOUND_CAPACITY);
    const core = instantiateCore(memory, compileCore('release')) as LoopCore;
    configurePipeline(core, memory, spec);
    if (restore) restoreImage(memory, restore.image);
    expect(core.engineStart(), 'engineStart').toBe(0);
    if (restore) restoreCheckpointCounters(memory, restore.counters);
    return new LoopHarness(memory, core, spec);
  }

  /** Publishes `records` and runs the loop over them in calls of `batch`; with `trace`, one record at a time, reading each decided output. */
  feed(records: readonly EventRecord[], batch: number, trace = false): void {
    const step = trace ? 1 : 4096;
    for (let from = 0; from < records.length; from += step) {
      const part = records.slice(from, from + step);
      const first = this.producer.tryClaim(part.length);
      expect(first, 'inbound room').toBeGreaterThanOrEqual(0);
      part.forEach((r, k) => storeEventRecord(this.view, this.producer.slotOffset((first + k) >>> 0), r));
      this.producer.publish((first + part.length) >>> 0);
      const before = trace ? this.spec.instruments.map(({ instrument }) => readDecisionOutput(this.memory, instrument).tsNs) : [];
      for (let guard = 0; ; guard++) {
        const units = this.core.processInbound(batch);
        expect(units, 'processInbound status').toBeGreaterThanOrEqual(0);
        this.dispatch.drain();
        if (units === 0) break;
        if (guard > 1e7) throw new Error('the loop does not settle');
      }
      if (trace) {
        this.spec.instruments.forEach(({ instrument }, k) => {
          const output = readDecisionOutput(this.memory, instrument);
          if (output.tsNs !== before[k]) this.decisions.push({ instrument, output });
        });
      }
    }
  }

  counters() {
    return readPipelineCounters(this.memory);
  }

  /** Outbound records but FEATURES, as bytes. */
  withoutFeatures(): Uint8Array[] {
    return this.bytes.filter((b) => (new DataView(b.buffer, b.byteOffset).getInt32(0, true) & KIND_MASK) !== EventKind.FEATURES);
  }

  checkpoint(): { image: Uint8Array; counters: bigint[] } {
    const image = new Uint8Array(CHECKPOINT_IMAGE_BYTES);
    copyImage(this.memory, image);
    return { image, counters: readCheckpointCounters(this.memory) };
  }
}

function barRecord(tape: ReplayTape, row: number): EventRecord {
  return {
    kind: REPLAY_BAR_KIND, instrument: tape.instrument[row], tsExchange: tape.tsExchange[row], tsLocal: tape.tsLocal[row],
    price: tape.close[row], size: tape.volume[row], a: tape.high[row], b: tape.low[row], id: f64Bits(tape.open[row]),
  };
}

/** Deterministic quantiles for a bar close, with a median that swings both ways. */
function quantilesAt(instrument: number, closeNs: bigint): [number, number, number, number, number] {
  const q50 = 0.006 * Math.sin(Number(closeNs / HOUR) * 0.37 + instrument);
  return [q50 - 0.012, q50 - 0.005, q50, q50 + 0.005, q50 + 0.012];
}

const scratch = new DataView(new ArrayBuffer(64));
/** The MODEL record for `instrument`'s bar closing at `closeNs` (engine/decision writeModelRecord). */
function modelRecord(instrument: number, closeNs: bigint, tsLocal = closeNs): EventRecord {
  writeModelRecord(scratch, 0, { instrument, tsNs: closeNs, quantiles: quantilesAt(instrument, closeNs) }, EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND);
  return { ...loadEventRecord(scratch, 0), tsLocal };
}

function withModel(spec: PipelineSpec, features: readonly string[], waitNs: bigint): PipelineSpec {
  return { ...spec, equityRecords: true, instruments: spec.instruments.map((entry) => ({ ...entry, model: { features, waitNs } })) };
}

/** Per tape row, the model features the plan computes after that bar (IndicatorExecutor on the same bars), or null while one is not finite. */
function expectedFeatures(spec: PipelineSpec, tape: ReplayTape): (Float64Array | null)[] {
  const { plan, modelSources } = planPipeline(spec);
  const memory = createSharedMemory();
  const core = instantiateCore(memory, compileCore('release'));
  const executor = IndicatorExecutor.create(plan, { core: core as never, memory });
  const values = new Float64Array(memory.buffer);
  for (const { instrument } of spec.instruments) executor.resetSlot(instrument);
  const out: (Float64Array | null)[] = [];
  for (let row = 0; row < tape.length; row++) {
    const k = tape.instrument[row];
    executor.update(k, tape.open[row], tape.high[row], tape.low[row], tape.close[row], tape.volume[row], tape.tsExchange[row]);
    const base = executor.valuesBase(k);
    const vector = Float64Array.from(modelSources.get(k)!, (index) => values[base + index]);
    out.push(vector.every(Number.isFinite) ? vector : null);
  }
  return out;
}

/** Stream of the model-wait run: each bar, then (when its features are finite) its MODEL record. */
function modelAfterBars(tape: ReplayTape, finite: readonly (Float64Array | null)[]): EventRecord[] {
  const records: EventRecord[] = [];
  for (let row = 0; row < tape.length; row++) {
    records.push(barRecord(tape, row));
    if (finite[row]) records.push(modelRecord(tape.instrument[row], tape.tsLocal[row]));
  }
  return records;
}

/** Stream of the old path: the same MODEL record before its bar, so the bar's own decision sees it. */
function modelBeforeBars(tape: ReplayTape, finite: readonly (Float64Array | null)[]): EventRecord[] {
  const records: EventRecord[] = [];
  for (let row = 0; row < tape.length; row++) {
    if (finite[row]) records.push(modelRecord(tape.instrument[row], tape.tsLocal[row]));
    records.push(barRecord(tape, row));
  }
  return records;
}

const sameBytes = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]) === 0);
const decidedBars = (h: LoopHarness) => h.decisions;

let fixtures: Map<string, Promise<TradingFixture>> | undefined;
function fixture(bars: number, instruments: number): Promise<TradingFixture> {
  fixtures ??= new Map();
  const key = `${bars}:${instruments}`;
  if (!fixtures.has(key)) fixtures.set(key, tradingFixture(bars, instruments));
  return fixtures.get(key)!;
}

describe('model wait in the core', () => {
  it('writes each bar\'s features as FEATURES records, 4 per record, equal to the indicator executor, from the first bar they are all finite', async () => {
    const fx = await fixture(300, 1);
    for (const count of [1, 4, 5, 9]) {
      const spec = withModel(fx.pipeline(true), TOKENS.slice(0, count), 0n);
      const expected = expectedFeatures(spec, fx.tape);
      const h = LoopHarness.start(spec);
      h.feed(Array.from({ length: fx.tape.length }, (_, row) => barRecord(fx.tape, row)), 64);
      const chunks = Math.ceil(count / 4);
      const finiteRows = expected.flatMap((v, row) => (v ? [row] : []));
      expect(finiteRows.length, `F=${count}: most bars have all features`).toBeGreaterThan(250);
      expect(h.features.length, `F=${count}: ${chunks} records per bar with finite features`).toBe(finiteRows.length * chunks);
      const assembler = new FeatureAssembler();
      let vectors = 0;
      h.features.forEach((record, i) => {
        const row = finiteRows[Math.floor(i / chunks)];
        expect(record, `F=${count} record ${i}`).toMatchObject({ instrument: fx.tape.instrument[row], barOpenNs: fx.tape.tsExchange[row], barCloseNs: fx.tape.tsLocal[row], chunk: i % chunks, featureCount: count });
        record.values.forEach((v, k) => {
          const j = (i % chunks) * 4 + k;
          if (j >= count) expect(v, `F=${count}: value ${j} past the count is NaN`).toBeNaN();
          else expect(v, `F=${count} bar ${row} feature ${j} (${TOKENS[j]})`).toBe(expected[row]![j]);
        });
        const vector = assembler.add(record);
        if (i % chunks === chunks - 1) {
          expect(Array.from(vector!), `F=${count}: the assembled vector of bar ${row}`).toEqual(Array.from(expected[row]!));
          vectors++;
        } else expect(vector).toBeNull();
      });
      expect(vectors).toBe(finiteRows.length);
      const raw = h.bytes.find((b) => (new DataView(b.buffer).getInt32(0, true) & KIND_MASK) === EventKind.FEATURES)!;
      const view = new DataView(raw.buffer);
      expect(view.getInt32(0, true), 'kind FEATURES | DIRECTION_OUTBOUND').toBe(EventKind.FEATURES | EventKind.DIRECTION_OUTBOUND);
      expect(view.getBigUint64(56, true), 'id = chunk << 32 | F').toBe(BigInt(count));
      expect(readFeatureRecord(view, 0)).toEqual(h.features[0]);
      expect(h.counters().modelWait).toMatchObject({ featureRecords: finiteRows.length * chunks, featureRecordsDropped: 0, timeouts: finiteRows.length - 1, pending: 1 });
    }
  });

  it('decides on the bar\'s MODEL record exactly as the old path decides with the same record before the bar, in any batch split', async () => {
    const fx = await fixture(500, 2);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 5), HOUR / 2n);
    const finite = expectedFeatures(spec, fx.tape);
    const stream = modelAfterBars(fx.tape, finite);
    const models = finite.filter(Boolean).length;

    const waited = LoopHarness.start(spec);
    waited.feed(stream, 1, true);
    const old = LoopHarness.start({ ...spec, instruments: spec.instruments.map(({ model: _model, ...entry }) => entry) });
    old.feed(modelBeforeBars(fx.tape, finite), 1, true);

    const counters = waited.counters();
    expect(counters.modelWait, 'every bar with features decided on time').toMatchObject({ onTime: models, timeouts: 0, late: 0, unmatched: 0, pending: 0 });
    expect(counters.decisionSteps, 'one decision per bar').toBe(fx.tape.length);
    expect(old.counters().modelWait, 'no model wait in the old path').toBeUndefined();
    const a = decidedBars(waited);
    const b = decidedBars(old);
    expect(a.length, 'as many decided bars').toBe(b.length);
    a.forEach((d, i) => expect(d, `decision ${i} (instrument ${d.instrument}, bar close ${d.output.tsNs})`).toEqual(b[i]));
    const withMl = a.filter((d) => (d.output.status & ML_PRESENT) !== 0).length;
    expect(withMl, 'the ML expert takes part in most decisions').toBeGreaterThan(models * 0.8);
    expect(a.some((d) => d.output.exposure !== 0), 'non-zero targets').toBe(true);
    expect(sameBytes(waited.withoutFeatures(), old.bytes), 'every outbound record but FEATURES is the old path\'s, byte for byte').toBe(true);
    expect(waited.tally.tally.orders, 'the fixture trades').toBeGreaterThan(10);

    for (const batch of [7, 64, 4096]) {
      const again = LoopHarness.start(spec);
      again.feed(stream, batch);
      expect(sameBytes(again.bytes, waited.bytes), `batch ${batch}: the same outbound bytes, FEATURES included`).toBe(true);
    }
  });

  it('waits the same way without a risk account: the outbound ring keeps room for FEATURES records', async () => {
    const fx = await fixture(300, 2);
    const { risk: _risk, execution: _execution, ...decisionOnly } = fx.pipeline(true);
    const spec = { ...withModel(decisionOnly, TOKENS.slice(0, 5), HOUR / 2n), equityRecords: false };
    const finite = expectedFeatures(spec, fx.tape);
    const waited = LoopHarness.start(spec);
    expect(waited.core.engineOutboundReserve(), 'two FEATURES records a bar at most, and a spare').toBe(5);
    waited.feed(modelAfterBars(fx.tape, finite), 3, true);
    const old = LoopHarness.start({ ...spec, instruments: spec.instruments.map(({ model: _model, ...entry }) => entry) });
    expect(old.core.engineOutboundReserve(), 'no reserve without risk or a model wait').toBe(0);
    old.feed(modelBeforeBars(fx.tape, finite), 3, true);
    expect(waited.counters().modelWait).toMatchObject({ onTime: finite.filter(Boolean).length, timeouts: 0, featureRecords: 2 * finite.filter(Boolean).length });
    expect(waited.decisions).toEqual(old.decisions);
    expect(waited.withoutFeatures(), 'nothing else goes out').toEqual([]);
  });

  it('decides without the ML expert once the wait bound passed, as a run without the model wait, and counts it', async () => {
    const fx = await fixture(400, 1);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 4), MINUTE);
    const finite = expectedFeatures(spec, fx.tape);
    const bars = Array.from({ length: fx.tape.length }, (_, row) => barRecord(fx.tape, row));
    const timer: EventRecord = { kind: EventKind.TIMER | EventKind.DIRECTION_INBOUND, instrument: -1, tsExchange: fx.tape.tsLocal[fx.tape.length - 1] + 2n * MINUTE, tsLocal: 0n, price: 0, size: 0, a: 0, b: 0, id: 0n };
    const waited = LoopHarness.start(spec);
    waited.feed([...bars, timer], 1, true);
    const plain = LoopHarness.start({ ...spec, instruments: spec.instruments.map(({ model: _model, ...entry }) => entry) });
    plain.feed([...bars, timer], 1, true);

    const waits = finite.filter(Boolean).length;
    expect(waited.counters().modelWait, 'each bar with features timed out; the TIMER past the last deadline decided the last').toMatchObject({ timeouts: waits, onTime: 0, pending: 0 });
    const a = decidedBars(waited);
    const b = decidedBars(plain);
    expect(a.length).toBe(b.length);
    let timedOut = 0;
    a.forEach((d, i) => {
      if (d.output.status & STATUS_ML_TIMED_OUT) timedOut++;
      expect(d.output.status & ML_PRESENT, 'never the ML expert').toBe(0);
      expect({ ...d.output, status: d.output.status & ~STATUS_ML_TIMED_OUT }, `decision ${i} equals the plain run's`).toEqual(b[i].output);
    });
    expect(timedOut, 'the timed-out decisions say so').toBe(waits);
    expect(sameBytes(waited.withoutFeatures(), plain.bytes), 'the same outbound records as without the model wait').toBe(true);
  });

  it('counts a MODEL record after the deadline as late and decides nothing twice; one with another time does not end the wait', async () => {
    const fx = await fixture(200, 1);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 2), MINUTE);
    const finite = expectedFeatures(spec, fx.tape);
    const first = finite.findIndex(Boolean);
    const tape = fx.tape;
    const records: EventRecord[] = [];
    for (let row = 0; row < tape.length; row++) {
      records.push(barRecord(tape, row));
      // The previous bar's MODEL record arrives after this bar (past its deadline), and a MODEL record a nanosecond before this bar's close.
      if (row > first) records.push(modelRecord(0, tape.tsLocal[row - 1], tape.tsLocal[row]));
      if (row >= first) records.push(modelRecord(0, tape.tsLocal[row] - 1n));
    }
    const h = LoopHarness.start(spec);
    h.feed(records, 1, true);
    const waits = tape.length - first;
    expect(h.counters().modelWait).toMatchObject({ late: waits - 1, unmatched: waits, onTime: 0, timeouts: waits - 1, pending: 1 });
    expect(h.counters().decisionSteps, 'one decision per bar but the last, still waiting').toBe(tape.length - 1);
    const decided = decidedBars(h);
    expect(decided.every((d) => (d.output.status & ML_PRESENT) === 0), 'neither the late record nor the one off by a nanosecond stands in for the bar\'s').toBe(true);
    expect(new Set(decided.map((d) => d.output.tsNs)).size, 'each bar decided once').toBe(decided.length);
  });

  it('decides a waiting bar first when the instrument\'s next bar comes before the deadline', async () => {
    const fx = await fixture(200, 1);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 3), 10n * HOUR);
    const finite = expectedFeatures(spec, fx.tape);
    const h = LoopHarness.start(spec);
    h.feed(Array.from({ length: fx.tape.length }, (_, row) => barRecord(fx.tape, row)), 1, true);
    const waits = finite.filter(Boolean).length;
    expect(h.counters().modelWait).toMatchObject({ timeouts: waits - 1, pending: 1 });
    const decided = decidedBars(h);
    const last = decided[decided.length - 1].output;
    expect(last.tsNs, 'the last decision is the bar before the last, at its close').toBe(fx.tape.tsLocal[fx.tape.length - 2]);
    expect(last.status & STATUS_ML_TIMED_OUT, 'reported as timed out').toBe(STATUS_ML_TIMED_OUT);
    // The bar's MODEL record still ends the wait of the last bar.
    h.feed([modelRecord(0, fx.tape.tsLocal[fx.tape.length - 1])], 1, true);
    expect(h.counters().modelWait).toMatchObject({ onTime: 1, pending: 0 });
    expect(readDecisionOutput(h.memory, 0).status & ML_PRESENT, 'with the ML expert').toBe(ML_PRESENT);
  });

  it('resumes a checkpoint taken while a decision waits with the same outbound bytes as the uninterrupted run', async () => {
    const fx = await fixture(400, 2);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 6), HOUR / 2n);
    const stream = modelAfterBars(fx.tape, expectedFeatures(spec, fx.tape));
    // Cut right after a bar whose MODEL record follows: its decision waits across the checkpoint.
    const cut = stream.findIndex((r, i) => i > stream.length / 2 && (r.kind & KIND_MASK) === EventKind.BAR && (stream[i + 1].kind & KIND_MASK) === EventKind.MODEL) + 1;
    const a = LoopHarness.start(spec);
    a.feed(stream.slice(0, cut), 64);
    expect(a.counters().modelWait!.pending, 'a decision waits at the cut').toBe(1);
    const saved = a.checkpoint();
    const bytesAtCut = a.bytes.length;
    a.feed(stream.slice(cut), 64);
    const b = LoopHarness.start(spec, saved);
    expect(b.counters().modelWait!.pending, 'the restored core still waits').toBe(1);
    b.feed(stream.slice(cut), 64);
    expect(sameBytes(b.bytes, a.bytes.slice(bytesAtCut)), 'the same outbound records after the cut').toBe(true);
    expect(b.counters()).toEqual(a.counters());
    const endA = a.checkpoint();
    const endB = b.checkpoint();
    expect(endA.image.findIndex((x, i) => x !== endB.image[i]), 'the same state image').toBe(-1);
  });

  it('checks the model option: the export refuses bad counts, sources and waits; the spec names the bad token', async () => {
    const fx = await fixture(100, 1);
    const spec = withModel(fx.pipeline(true), TOKENS.slice(0, 2), MINUTE);
    const h = LoopHarness.start(spec);
    const { core } = h;
    const valueCount = planPipeline(spec).plan.valueCount;
    const sources = new Int32Array(h.memory.buffer, PIPE_TABLE + PIPE_MODEL_SOURCES, 16);
    sources[0] = 5;
    expect(core.pipelineConfigureModel(0, 0, MINUTE), 'no features').toBe(-6);
    expect(core.pipelineConfigureModel(0, 17, MINUTE), '17 features').toBe(-6);
    expect(core.pipelineConfigureModel(0, 1, -1n), 'negative wait').toBe(-6);
    expect(core.pipelineConfigureModel(1, 1, MINUTE), 'instrument without decisions').toBe(-6);
    expect(core.pipelineConfigureModel(-1, 1, MINUTE), 'instrument -1').toBe(-6);
    sources[0] = valueCount;
    expect(core.pipelineConfigureModel(0, 1, MINUTE), 'source past the plan').toBe(-6);
    sources[0] = -1;
    expect(core.pipelineConfigureModel(0, 1, MINUTE), 'FEATURE_LOGRET is no plan value').toBe(-6);
    sources[0] = valueCount - 1;
    expect(core.pipelineConfigureModel(0, 1, 0n), 'a plan value, no wait').toBe(0);
    for (const i of [0, 1, 1023]) expect(core.pipelineEntryOffset(i), `entry ${i} as the TS mirror says`).toBe(PIPE_TABLE + i * PIPE_ENTRY_BYTES);
    expect(BAR_RING_OFFSET + 256 + BAR_RING_CAPACITY * 64, 'the bar ring ends inside the PIPELINE region').toBeLessThanOrEqual(PIPELINE_REGION_OFFSET + PIPELINE_REGION_BYTES);
    expect(core.engineOutboundReserve(), 'room for the FEATURES records on top of the risk reserve').toBeGreaterThan(LoopHarness.start(fx.pipeline(true)).core.engineOutboundReserve());

    const base = fx.pipeline(true);
    expect(() => planPipeline(withModel(base, ['bb:20:2'], MINUTE))).toThrow(/model feature `bb:20:2` of instrument 0 must be a single-output indicator token/);
    expect(() => planPipeline(withModel(base, TOKENS.concat(TOKENS), MINUTE))).toThrow(/`model`.features must list 1 to 16 indicator tokens, was 18 tokens/);
    expect(() => planPipeline(withModel(base, ['ema:10'], -1n))).toThrow(/`model`.waitNs must be a bigint >= 0 \(ns\), was -1/);
    const rulesOnly = { ...base, decision: undefined, risk: undefined, execution: undefined, instruments: [{ instrument: 0, model: { features: ['ema:10'], waitNs: MINUTE } }] };
    expect(() => planPipeline(rulesOnly as PipelineSpec)).toThrow(/pipeline instrument 0 `model` needs fusion decisions/);
  });
});
