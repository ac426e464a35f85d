// Properties of walk-forward folds, CPCV splits and purging (AFML ch. 7 and 12): no training
// sample's label interval reaches into a test range widened by the purge gap, none starts in
// the embargo after it, and CPCV's split and path counts are C(N, k) and k/N * C(N, k).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binomial, cpcvPlan, purge, walkForwardFolds, addBars, addSpan, parseSpan, parseWindowSpan, type SampleInterval, type TimeRange } from './index.js';

const HOUR = 3_600_000_000_000n;

/** Hourly samples over [start, end) whose labels last `horizon` hours. */
function samples(start: bigint, end: bigint, horizons: readonly number[]): SampleInterval[] {
  const out: SampleInterval[] = [];
  let i = 0;
  for (let t = start; t < end; t += HOUR, i++) out.push({ startNs: t, endNs: t + BigInt(horizons[i % horizons.length]) * HOUR });
  return out;
}

function checkPurged(kept: readonly SampleInterval[], tests: readonly TimeRange[], purgeNs: bigint, embargoNs: bigint): void {
  for (const s of kept) {
    for (const t of tests) {
      if (s.startNs < t.endNs + purgeNs && s.endNs >= t.startNs - purgeNs) expect.fail(`sample [${s.startNs}, ${s.endNs}] crosses test [${t.startNs}, ${t.endNs}) widened by ${purgeNs}`);
      if (s.startNs >= t.endNs && s.startNs < t.endNs + embargoNs) expect.fail(`sample starting ${s.startNs} lies in the embargo after ${t.endNs}`);
    }
  }
}

const foldArgs = fc.record({
  trainHours: fc.integer({ min: 48, max: 400 }),
  testHours: fc.integer({ min: 12, max: 200 }),
  stepHours: fc.option(fc.integer({ min: 12, max: 200 }), { nil: undefined }),
  purgeHours: fc.integer({ min: 0, max: 24 }),
  embargoHours: fc.integer({ min: 0, max: 24 }),
  horizons: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 5 }),
  mode: fc.constantFrom('rolling' as const, 'anchored' as const),
});

describe('walkForwardFolds and purge', () => {
  it('leaves no training label crossing into a test fold or its purge gap, and keeps the embargo (rolling and anchored)', () => {
    fc.assert(fc.property(foldArgs, (a) => {
      const startNs = 1_700_000_000_000_000_000n;
      const endNs = startNs + 800n * HOUR;
      const folds = walkForwardFolds({
        startNs, endNs, train: BigInt(a.trainHours) * HOUR, test: BigInt(a.testHours) * HOUR,
        step: a.stepHours === undefined ? undefined : BigInt(a.stepHours) * HOUR, mode: a.mode,
        purgeNs: BigInt(a.purgeHours) * HOUR, embargoNs: BigInt(a.embargoHours) * HOUR,
      });
      expect(folds.length).toBeGreaterThan(0);
      const all = samples(startNs, endNs, a.horizons);
      for (const fold of folds) {
        if (fold.test.endNs > endNs || fold.train.endNs !== fold.test.startNs) expect.fail(`fold ${fold.index} lies outside the data or leaves a hole`);
        if (fold.train.startNs !== (a.mode === 'anchored' ? startNs : fold.test.startNs - BigInt(a.trainHours) * HOUR)) expect.fail(`fold ${fold.index}: training starts at ${fold.train.startNs}`);
        const inTrain = all.filter((s) => s.startNs >= fold.train.startNs && s.startNs < fold.train.endNs);
        const kept = purge(inTrain, fold.test, BigInt(a.purgeHours) * HOUR, BigInt(a.embargoHours) * HOUR);
        checkPurged(kept, [fold.test], BigInt(a.purgeHours) * HOUR, BigInt(a.embargoHours) * HOUR);
        if (kept.length !== inTrain.filter((s) => s.endNs < fold.test.startNs - BigInt(a.purgeHours) * HOUR).length) expect.fail('purging must remove only what crosses');
      }
      const step = BigInt(a.stepHours ?? a.testHours) * HOUR;
      for (let i = 1; i < folds.length; i++) if (folds[i].test.startNs - folds[i - 1].test.startNs !== step) expect.fail(`folds must be ${step} ns apart`);
    }), { numRuns: 60 });
  });

  it('steps calendar months on the UTC calendar', () => {
    const start = BigInt(Date.UTC(2024, 0, 31)) * 1_000_000n;
    expect(addSpan(start, { months: 1 })).toBe(BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n);
    const folds = walkForwardFolds({ startNs: BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n, endNs: BigInt(Date.UTC(2025, 0, 1)) * 1_000_000n, train: { months: 6 }, test: { months: 1 }, mode: 'rolling', purgeNs: 0n, embargoNs: 0n });
    expect(folds.map((f) => new Date(Number(f.test.startNs / 1_000_000n)).toISOString().slice(0, 7))).toEqual(['2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12']);
  });

  it('refuses a test or step shorter than a bar, and more than 1000 folds (each is a fit and a backtest)', () => {
    const base = { startNs: 0n, endNs: 17_520n * HOUR, mode: 'rolling' as const, purgeNs: 0n, embargoNs: 0n, barIntervalNs: HOUR };
    expect(() => walkForwardFolds({ ...base, train: 720n * HOUR, test: 1_000_000_000n })).toThrow(/`test` must be at least one bar \(1h\), was 1s: a shorter window holds no bar/);
    expect(() => walkForwardFolds({ ...base, train: 720n * HOUR, test: 24n * HOUR, step: 30n * 60_000_000_000n })).toThrow(/`step` must be at least one bar \(1h\), was 30m/);
    expect(() => walkForwardFolds({ ...base, train: 720n * HOUR, test: HOUR })).toThrow(/make more than 1000 folds over the data/);
    expect(walkForwardFolds({ ...base, train: 720n * HOUR, test: 24n * HOUR })).toHaveLength(700);
    // The purge as a span, not 259200000000000 ns.
    expect(() => walkForwardFolds({ ...base, train: 72n * HOUR, test: 24n * HOUR, purgeNs: 72n * HOUR })).toThrow(/^the purge gap \(3d\) leaves no training data in fold 0 \(train 3d\): shorten `purge` or lengthen `train`$/);
  });

  it('counts window spans in bars in the data\'s bar times, across its gaps', () => {
    // Weekday-only daily bars (closes at midnight UTC): 10 bars span 14 calendar days.
    const DAY = 24n * HOUR;
    const monday = BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n;
    const times = BigInt64Array.from(Array.from({ length: 30 }, (_, i) => monday + BigInt(Math.floor(i / 5) * 7 + (i % 5)) * DAY));
    const calendar = { timesNs: times, intervalNs: DAY };
    expect(parseWindowSpan('10bars')).toEqual({ bars: 10 });
    expect(parseWindowSpan('10')).toEqual({ bars: 10 });
    expect(parseWindowSpan('0bars')).toBeUndefined();
    expect(parseWindowSpan('2w')).toBe(14n * DAY);
    expect(addBars(times[0], 10, calendar), 'ten bars on: the Monday two weeks later').toBe(times[10]);
    expect(addBars(times[3] + 1n, 2, calendar), 'from inside a bar\'s gap: counted from the next bar').toBe(times[6]);
    expect(addBars(times[20], 10, calendar), 'ending at the last bar: just after it').toBe(times[29] + 1n);
    const folds = walkForwardFolds({ startNs: times[0], endNs: times[29] + 1n, train: { bars: 10 }, test: { bars: 5 }, mode: 'rolling', purgeNs: 0n, embargoNs: 0n, barIntervalNs: DAY, calendar });
    const inRange = (r: { startNs: bigint; endNs: bigint }): number => times.filter((t) => t >= r.startNs && t < r.endNs).length;
    expect(folds.map((f) => [inRange(f.train), inRange(f.test)]), '10 training and 5 test bars in every fold').toEqual([[10, 5], [10, 5], [10, 5], [10, 5]]);
    expect(() => walkForwardFolds({ startNs: times[0], endNs: times[29] + 1n, train: { bars: 10 }, test: { bars: 5 }, mode: 'rolling', purgeNs: 0n, embargoNs: 0n })).toThrow(/a span of 10 bars needs the data's bar times/);
  });

  it('parses spans and rejects bad ones', () => {
    expect(parseSpan('6mo', undefined)).toEqual({ months: 6 });
    expect(parseSpan('1y', undefined)).toEqual({ months: 12 });
    expect(parseSpan('12h', undefined)).toBe(12n * HOUR);
    expect(parseSpan('500', HOUR)).toBe(500n * HOUR);
    expect(parseSpan('10bars', HOUR)).toBe(10n * HOUR);
    expect(parseSpan('0', HOUR)).toBeUndefined();
    expect(parseSpan('0', HOUR, true)).toBe(0n);
    expect(parseSpan('six months', HOUR)).toBeUndefined();
  });
});

describe('cpcvPlan', () => {
  it('has C(N,k) splits and k/N * C(N,k) paths, each path testing every group once, purged and embargoed', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 4 }), (n, kRaw, purgeHours, embargoHours, horizons) => {
      const k = 1 + ((kRaw - 1) % (n - 1));
      const startNs = 1_700_000_000_000_000_000n;
      const endNs = startNs + 300n * HOUR;
      const plan = cpcvPlan({ startNs, endNs, groups: n, testGroups: k });
      expect(plan.splits.length).toBe(binomial(n, k));
      expect(plan.paths.length).toBe((k / n) * binomial(n, k));
      expect(plan.paths.length).toBe(binomial(n - 1, k - 1));
      const used = new Set<string>();
      for (const path of plan.paths) {
        expect(path.length).toBe(n);
        path.forEach((split, g) => {
          if (!plan.splits[split].testGroups.includes(g)) expect.fail(`path takes group ${g} from split ${split}, which does not test it`);
          if (used.has(`${split}:${g}`)) expect.fail('no split result is used by two paths');
          used.add(`${split}:${g}`);
        });
      }
      expect(used.size, 'every split result is used').toBe(binomial(n, k) * k);
      expect(plan.groups[0].startNs).toBe(startNs);
      expect(plan.groups[n - 1].endNs).toBe(endNs);
      const all = samples(startNs, endNs, horizons);
      const purgeNs = BigInt(purgeHours) * HOUR;
      const embargoNs = BigInt(embargoHours) * HOUR;
      for (const split of plan.splits) {
        const tests = split.testGroups.map((g) => plan.groups[g]);
        const inTrain = all.filter((s) => split.trainGroups.some((g) => s.startNs >= plan.groups[g].startNs && s.startNs < plan.groups[g].endNs));
        checkPurged(purge(inTrain, tests, purgeNs, embargoNs), tests, purgeNs, embargoNs);
      }
    }), { numRuns: 60 });
  });

  it('refuses more than 1000 splits and groups shorter than a bar', () => {
    const HOUR_NS = 3_600_000_000_000n;
    expect(() => cpcvPlan({ startNs: 0n, endNs: 17_520n * HOUR_NS, groups: 20, testGroups: 10 })).toThrow(/C\(20, 10\) = 184756 splits .* at most 1000/);
    expect(cpcvPlan({ startNs: 0n, endNs: 17_520n * HOUR_NS, groups: 20, testGroups: 19 }).splits).toHaveLength(20);
    expect(() => cpcvPlan({ startNs: 0n, endNs: 10n * HOUR_NS, groups: 12, testGroups: 1, barIntervalNs: HOUR_NS })).toThrow(/shorter than one bar \(1h\)/);
  });

  it('counts the textbook case N = 6, k = 2: 15 splits, 5 paths', () => {
    const plan = cpcvPlan({ startNs: 0n, endNs: 600n, groups: 6, testGroups: 2 });
    expect([plan.splits.length, plan.paths.length]).toEqual([15, 5]);
  });
});
