// Expands a sweep spec into its runs. Grid: the cartesian product of the parameters' values in
// the spec's order, the last parameter varying fastest. Random: `runs` combinations drawn with a
// seeded generator (splitmix32), each parameter uniformly from its values (or uniformly in
// [min, max] for a range without a step), distinct combinations only; the same seed gives the
// same runs. Combinations that fail a constraint are skipped and listed with the constraint.
// Run indices number the kept runs 0..n-1 in that order; they key the store and the queue.
// A constraint that cannot be evaluated on a combination (`fast < slow` with a text value) is a
// spec error naming the file, the constraint and the combination.
import { compileConstraint, type Parameters, type ParameterValue } from './constraint-expression.js';
import { SweepSpecError } from './sweep-errors.js';
import type { SweepSpec } from './sweep-spec.js';

export interface PlannedRun {
  readonly index: number;
  readonly parameters: Parameters;
}

export interface SkippedCombination {
  readonly parameters: Parameters;
  /** The first constraint it failed. */
  readonly constraint: string;
}

export interface SweepPlan {
  readonly runs: readonly PlannedRun[];
  readonly skipped: readonly SkippedCombination[];
  /** Random search: draws that repeated an earlier combination (not run twice). */
  readonly repeatedDraws: number;
}

/** splitmix32: a small, well-mixed 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

export function planSweep(spec: SweepSpec): SweepPlan {
  const names = spec.parameters.map((p) => p.name);
  const checks = spec.constraints.map((text, i) => ({ text, i, test: compileConstraint(text, names) }));
  const holds = (check: (typeof checks)[number], parameters: Parameters): boolean => {
    try {
      return check.test(parameters);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new SweepSpecError(`invalid sweep spec: \`constraints[${check.i}]\` ${JSON.stringify(check.text)} (${spec.file}) cannot be evaluated for ${JSON.stringify(parameters)}: ${error.message}`, `constraints[${check.i}]`);
    }
  };
  const failed = (parameters: Parameters): string | undefined => checks.find((c) => !holds(c, parameters))?.text;
  const runs: PlannedRun[] = [];
  const skipped: SkippedCombination[] = [];
  if (spec.search.method === 'grid') {
    const lists = spec.parameters.map((p) => p.values ?? []);
    const total = lists.reduce((n, list) => n * list.length, 1);
    for (let k = 0; k < total; k++) {
      const parameters: Record<string, ParameterValue> = {};
      let rest = k;
      for (let p = lists.length - 1; p >= 0; p--) {
        parameters[names[p]] = lists[p][rest % lists[p].length];
        rest = Math.floor(rest / lists[p].length);
      }
      const ordered = Object.fromEntries(names.map((name) => [name, parameters[name]]));
      const constraint = failed(ordered);
      if (constraint !== undefined) skipped.push({ parameters: ordered, constraint });
      else runs.push({ index: runs.length, parameters: ordered });
    }
    return { runs, skipped, repeatedDraws: 0 };
  }
  const { runs: wanted, seed } = spec.search;
  const random = seededRandom(seed);
  const seen = new Set<string>();
  const discrete = spec.parameters.every((p) => p.values !== undefined);
  const space = discrete ? spec.parameters.reduce((n, p) => n * p.values!.length, 1) : Infinity;
  let repeatedDraws = 0;
  // Bounded: stop once every combination was seen or after 100 draws per wanted run.
  for (let draw = 0; runs.length < wanted && seen.size < space && draw < wanted * 100; draw++) {
    const parameters: Record<string, ParameterValue> = {};
    for (const p of spec.parameters) {
      const u = random();
      if (p.values) parameters[p.name] = p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))];
      else if (p.domain.kind === 'range') parameters[p.name] = Number((p.domain.min + u * (p.domain.max - p.domain.min)).toPrecision(12));
    }
    const key = JSON.stringify(parameters);
    if (seen.has(key)) {
      repeatedDraws++;
      continue;
    }
    seen.add(key);
    const constraint = failed(parameters);
    if (constraint !== undefined) skipped.push({ parameters, constraint });
    else runs.push({ index: runs.length, parameters });
  }
  return { runs, skipped, repeatedDraws };
}
