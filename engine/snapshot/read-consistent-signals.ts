// Reads the published-signals block (signals-layout.ts; written by the core at batch boundaries,
// wasm/assembly/state/signals-publish.ts) whole, on any thread holding the shared memory, with
// the seqlock protocol of seqlock-block.ts (its own sequence), and decodes the copy.
import { readSeqlockBlock, type ReadConsistentStateOptions, type SeqlockBlockLayout } from './seqlock-block.js';
import * as G from './signals-layout.js';

/** One instrument's last decision as the core published it (decision/decision-layout.ts "Output block"). */
export interface ConsistentDecision {
  /** The decision's bar close (ns); 0n before the first decision. */
  readonly tsNs: bigint;
  /** STATUS_* bits of the decision (regime, vol ready, price, component c present at bit 8 + c, ...). */
  readonly status: number;
  /** Fusion decides it (regime-gated experts); false for a rule strategy. */
  readonly fusion: boolean;
  /** P(trending), P(mean_reverting), P(choppy). */
  readonly regimeProbabilities: readonly [number, number, number];
  /** Per component (trend rules, mean-reversion rules, breakout rules, ML, sentiment). */
  readonly weights: readonly number[];
  readonly scores: readonly number[];
  readonly confidences: readonly number[];
  /** Which of the five components took part (status bit 8 + c). */
  readonly present: readonly boolean[];
  readonly signal: number;
  readonly confidence: number;
  readonly choppyScale: number;
  readonly direction: number;
  /** Target exposure (signed notional / equity). */
  readonly exposure: number;
  /** Target quantity. */
  readonly quantity: number;
  readonly price: number;
  /** The risk reason code of the order the target implied, -1 when there was none. */
  readonly orderReason: number;
  /** Its signed quantity. */
  readonly orderQuantity: number;
  /** The risk reason code of the limit that cut or stopped it, 0 when none did. */
  readonly orderLimit: number;
}

/** One instrument's feed health as the risk stage holds it (engine/risk feed-health.ts codes). */
export interface ConsistentFeedHealth {
  /** Active conditions, 1 << FeedCondition code (0: healthy). */
  readonly mask: number;
  /** FeedAction code the policy applies (0 OK, 1 reduce-only, 2 halt, 3 cancel-all). */
  readonly action: number;
  /** The last condition code applied. */
  readonly condition: number;
  /** When the instrument last went degraded (0n while healthy). */
  readonly sinceNs: bigint;
}

export interface ConsistentInstrumentSignals {
  readonly instrument: number;
  /** null when no strategy decides the instrument. */
  readonly decision: ConsistentDecision | null;
  readonly feed: ConsistentFeedHealth;
}

export interface ConsistentSignals {
  /** The seqlock value the block was read at (even). */
  readonly seq: number;
  readonly inboundSeq: number;
  readonly clockNs: bigint;
  /** The pipeline's decision counter when the block was written. */
  readonly decisionSteps: number;
  /** Every configured instrument (risk slot), by id. */
  readonly instruments: ConsistentInstrumentSignals[];
}

const SIGNALS_BLOCK: SeqlockBlockLayout = {
  reader: 'readConsistentSignals', offset: G.PUBLISHED_SIGNALS_OFFSET, maxBytes: G.SG_BLOCK_BYTES_MAX, headerBytes: G.SG_ENTRIES, entryBytes: G.SG_ENTRY_BYTES, countField: G.SG_COUNT,
};

/** Every configured instrument's last decision and feed health, as one publication of the core. */
export function readConsistentSignals(memory: WebAssembly.Memory, options: ReadConsistentStateOptions = {}): ConsistentSignals {
  const { view, seq, count } = readSeqlockBlock(memory, SIGNALS_BLOCK, options);
  return decode(view, seq, count);
}

function decode(view: DataView, seq: number, count: number): ConsistentSignals {
  const instruments: ConsistentInstrumentSignals[] = [];
  for (let i = 0; i < count; i += 1) {
    const e = G.SG_ENTRIES + i * G.SG_ENTRY_BYTES;
    const f64 = (at: number): number => view.getFloat64(e + at, true);
    const i32 = (at: number): number => view.getInt32(e + at, true);
    const five = (at: number): number[] => [0, 1, 2, 3, 4].map((k) => f64(at + 8 * k));
    const flags = i32(G.SE_FLAGS);
    const status = i32(G.SE_STATUS);
    instruments.push({
      instrument: i32(G.SE_INSTRUMENT),
      decision: (flags & G.SF_DECIDES) === 0 ? null : {
        tsNs: view.getBigInt64(e + G.SE_TS, true),
        status,
        fusion: (flags & G.SF_FUSION) !== 0,
        regimeProbabilities: [f64(G.SE_REGIME_PROB), f64(G.SE_REGIME_PROB + 8), f64(G.SE_REGIME_PROB + 16)],
        weights: five(G.SE_WEIGHTS),
        scores: five(G.SE_COMP_SCORE),
        confidences: five(G.SE_COMP_CONF),
        present: [0, 1, 2, 3, 4].map((c) => (status & (1 << (8 + c))) !== 0),
        signal: f64(G.SE_SIGNAL),
        confidence: f64(G.SE_CONFIDENCE),
        choppyScale: f64(G.SE_CHOPPY_SCALE),
        direction: f64(G.SE_DIRECTION),
        exposure: f64(G.SE_EXPOSURE),
        quantity: f64(G.SE_QUANTITY),
        price: f64(G.SE_PRICE),
        orderReason: i32(G.SE_ORDER_REASON),
        orderQuantity: f64(G.SE_ORDER_QTY),
        orderLimit: i32(G.SE_ORDER_LIMIT),
      },
      feed: { mask: i32(G.SE_FEED_MASK), action: i32(G.SE_FEED_ACTION), condition: i32(G.SE_FEED_CONDITION), sinceNs: view.getBigInt64(e + G.SE_FEED_SINCE_NS, true) },
    });
  }
  return {
    seq,
    inboundSeq: Number(view.getBigInt64(G.SG_INBOUND_SEQ, true)),
    clockNs: view.getBigInt64(G.SG_CLOCK_NS, true),
    decisionSteps: Number(view.getBigInt64(G.SG_DECISION_STEPS, true)),
    instruments,
  };
}
