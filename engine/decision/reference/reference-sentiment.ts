// TS reference of the sentiment expert (wasm/assembly/decision/sentiment-expert.ts), written
// directly from the definition: every item is aged and decayed on its own at scoring time
// (the core keeps per-source sums instead), so the two agree to rounding, not bit for bit.
import { DEC_MAX_SOURCES, DEC_SENT_ITEMS } from '../decision-layout.js';
import type { DecisionProgram } from '../decision-program.js';

/** Smallest normal f64: a stored item weight below it is 0 (as in wasm/assembly/decision/sentiment-expert.ts). */
const MIN_NORMAL_WEIGHT = 2.2250738585072014e-308;

interface Item {
  readonly tsNs: bigint;
  readonly hash: bigint;
  readonly score: number;
  /** confidence * burst factor. */
  readonly weight: number;
  readonly source: number;
}

const absDiff = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);

export class ReferenceSentiment {
  /** The latest accepted items, oldest first. */
  private items: Item[] = [];
  private tRef = 0n;
  suppressed = 0;
  accepted = 0;

  constructor(private readonly program: DecisionProgram) {}

  /** 1 when stored, 0 when suppressed as a near-duplicate. */
  ingest(tsNs: bigint, score: number, confidence: number, source: number, hash: bigint): 0 | 1 {
    if (!(score >= -1 && score <= 1)) throw new RangeError(`sentiment \`score\` must be in [-1, 1], was ${score}`);
    if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`sentiment \`confidence\` must be in [0, 1], was ${confidence}`);
    if (!Number.isInteger(source) || source < 0 || source >= DEC_MAX_SOURCES) throw new RangeError(`sentiment \`source\` must be an integer in [0, ${DEC_MAX_SOURCES}), was ${source}`);
    const p = this.program;
    if (this.items.some((it) => it.hash === hash && absDiff(tsNs, it.tsNs) <= p.sentimentDuplicateWindowNs)) {
      this.suppressed++;
      return 0;
    }
    const inBurst = 1 + this.items.filter((it) => absDiff(tsNs, it.tsNs) < p.sentimentBurstWindowNs).length;
    const factor = inBurst > p.sentimentBurstCount ? p.sentimentBurstCount / inBurst : 1;
    const weight = confidence * factor;
    // A subnormal weight is stored as 0 (its decayed products would underflow in an order-dependent way).
    this.items.push({ tsNs, hash, score, weight: weight < MIN_NORMAL_WEIGHT ? 0 : weight, source });
    if (this.items.length > DEC_SENT_ITEMS) this.items.shift();
    if (this.accepted === 0 || tsNs > this.tRef) this.tRef = tsNs;
    this.accepted++;
    return 1;
  }

  evaluate(now: bigint): { score: number; confidence: number } | null {
    const p = this.program;
    const lead = now > this.tRef ? now - this.tRef : 0n;
    const bySource = new Map<number, { e: number; es: number }>();
    for (const it of this.items) {
      const age = lead + (this.tRef - it.tsNs);
      if (age > p.sentimentMaxAgeNs) continue;
      const e = p.sourceWeight[it.source] * it.weight * Math.exp(-p.sentimentDecayPerNs * Number(age));
      const sum = bySource.get(it.source) ?? { e: 0, es: 0 };
      sum.e += e;
      sum.es += e * it.score;
      bySource.set(it.source, sum);
    }
    let num = 0;
    let den = 0;
    for (const [source, { e, es }] of bySource) {
      if (!(e > 0)) continue;
      const cap = p.sourceCap[source];
      const f = e > cap ? cap / e : 1;
      num += f * es;
      den += f * e;
    }
    if (!(den > 0)) return null;
    return { score: num / den, confidence: Math.min(1, den / p.sentimentFullWeight) };
  }
}
