// Sweep spec validation, key paths, templates, constraints and run planning (grid and seeded random search).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadConfig } from '../../config/index.js';
import { parseSweepSpec, planSweep, compileConstraint, parseKeyPath, fillTemplate, runDocument, readBaseDocument, baseDirectory, loadRunConfig, SweepSpecError, buildSweepReport, type RunResult } from './index.js';

const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const file = path.join(root, 'config', 'sweep.yaml');
const BASE = 'base: examples/ema-cross.yaml\ndata: [../data/binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv]\n';
const EMA_SET = 'set:\n  strategies[0].long.entry: "ema:{fast} >= ema:{slow}"\n  strategies[0].long.exit: "ema:{fast} < ema:{slow}"\n';

function specError(text: string): SweepSpecError {
  try {
    parseSweepSpec(text, file);
  } catch (error) {
    if (error instanceof SweepSpecError) return error;
    throw error;
  }
  throw new Error(`expected a SweepSpecError for:\n${text}`);
}

describe('sweep spec validation', () => {
  it('names the key path, the value and the rule of a bad range step', () => {
    const error = specError(`${BASE}parameters:\n  slow: { min: 20, max: 100, step: -10 }\n`);
    expect(error.keyPath, 'first offending key').toBe('parameters.slow.step');
    expect(error.message).toContain('`parameters.slow.step` must be > 0, was -10');
    expect(error.message, 'names the file and line').toMatch(/sweep\.yaml line 4/);
  });

  it('says only what is wrong with an empty list of values (not the range branch\'s "must be of type object")', () => {
    const error = specError(`${BASE}parameters:\n  fast: []\n${EMA_SET}`);
    expect(error.message).toBe(`invalid sweep spec:\n  \`parameters.fast\` must have at least 1 entries, was [] (${file} line 4)`);
  });

  it('rejects unknown keys, missing required keys and a bad search method', () => {
    const unknown = specError(`${BASE}parameters: { fast: [1] }\nsearh: { method: grid }\n`);
    expect(unknown.message).toContain('unknown key `searh`');
    const missing = specError('base: examples/ema-cross.yaml\nparameters: { fast: [1] }\n');
    expect(missing.message).toContain('`data` is required, was missing');
    const method = specError(`${BASE}parameters: { fast: [1] }\nsearch: { method: anneal }\n`);
    expect(method.message).toContain('`search.method` must be one of "grid", "random", was "anneal"');
    const runs = specError(`${BASE}parameters: { fast: [1] }\nsearch: { method: random, runs: 0, seed: 1 }\n`);
    expect(runs.message).toContain('`search.runs` must be >= 1, was 0');
  });

  it('rejects a template naming an unknown parameter, a bad constraint and a range without a step in a grid', () => {
    expect(specError(`${BASE}parameters: { fast: [1] }\nset: { "strategies[0].long.entry": "ema:{fats} > 0" }\n`).message).toContain('unknown parameter `{fats}`');
    expect(specError(`${BASE}parameters: { fast: [1], slow: [2] }\nconstraints: ["fast < slwo"]\n`).message).toContain('`constraints[0]` is not a valid constraint');
    expect(specError(`${BASE}parameters: { slow: { min: 1, max: 5 } }\n`).message).toContain('`parameters.slow` needs a `step` for a grid search');
    expect(specError(`${BASE}parameters: { slow: { min: 5, max: 1, step: 1 } }\n`).message).toContain('`parameters.slow.max` must be >= min (5), was 1');
    expect(specError(`${BASE}parameters: { fast: [1, 1] }\n`).message).toContain('`parameters.fast[1]` must not repeat a value');
  });

  it('resolves base and data against the spec file', () => {
    const spec = parseSweepSpec(`${BASE}parameters: { fast: [5] }\n`, file);
    expect(spec.base).toBe(path.join(root, 'config', 'examples', 'ema-cross.yaml'));
    expect(spec.data).toEqual([path.join(root, 'data', 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv')]);
    expect(spec.equity, 'default equity').toBe(100_000);
  });
});

describe('sweep planning', () => {
  it('expands a grid in spec order, last parameter fastest, and reports constraint skips', () => {
    const spec = parseSweepSpec(`${BASE}parameters:\n  fast: [5, 10, 20]\n  slow: { min: 10, max: 30, step: 10 }\n${EMA_SET}constraints: ["fast < slow"]\n`, file);
    const plan = planSweep(spec);
    expect(plan.runs.map((r) => [r.index, r.parameters.fast, r.parameters.slow])).toEqual([
      [0, 5, 10], [1, 5, 20], [2, 5, 30], [3, 10, 20], [4, 10, 30], [5, 20, 30],
    ]);
    expect(plan.skipped.map((s) => [s.parameters.fast, s.parameters.slow, s.constraint])).toEqual([
      [10, 10, 'fast < slow'], [20, 10, 'fast < slow'], [20, 20, 'fast < slow'],
    ]);
  });

  it('gives the same random runs for the same seed and other runs for another seed', () => {
    const text = (seed: number): string => `${BASE}parameters:\n  fast: { min: 2, max: 40, step: 1 }\n  slow: { min: 10, max: 200, step: 5 }\n  band: { min: 0, max: 1 }\nconstraints: ["fast < slow"]\nsearch: { method: random, runs: 20, seed: ${seed} }\n`;
    const a = planSweep(parseSweepSpec(text(7), file));
    const b = planSweep(parseSweepSpec(text(7), file));
    const c = planSweep(parseSweepSpec(text(8), file));
    expect(a.runs).toHaveLength(20);
    expect(b.runs, 'same seed, same runs').toEqual(a.runs);
    expect(c.runs, 'another seed, other runs').not.toEqual(a.runs);
    for (const run of a.runs) {
      expect(run.parameters.fast < run.parameters.slow, `constraint holds for ${JSON.stringify(run.parameters)}`).toBe(true);
      expect(run.parameters.band as number).toBeGreaterThanOrEqual(0);
      expect(run.parameters.band as number).toBeLessThanOrEqual(1);
    }
    expect(new Set(a.runs.map((r) => JSON.stringify(r.parameters))).size, 'distinct combinations').toBe(20);
  });

  it('names the file, the constraint and the combination when a constraint cannot be evaluated', () => {
    const spec = parseSweepSpec(`${BASE}parameters:\n  fast: ["a", 5]\n  slow: [10, 20]\n${EMA_SET}constraints: ["fast < slow"]\n`, file);
    let error: unknown;
    try {
      planSweep(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SweepSpecError);
    expect((error as SweepSpecError).keyPath).toBe('constraints[0]');
    expect((error as Error).message).toBe(`invalid sweep spec: \`constraints[0]\` "fast < slow" (${file}) cannot be evaluated for {"fast":"a","slow":10}: \`<\` needs numbers, got "a"`);
  });

  it('stops a random search at the size of a small discrete space', () => {
    const plan = planSweep(parseSweepSpec(`${BASE}parameters: { fast: [1, 2, 3] }\nsearch: { method: random, runs: 10, seed: 1 }\n`, file));
    expect(plan.runs.map((r) => r.parameters.fast).sort()).toEqual([1, 2, 3]);
  });
});

describe('constraints, key paths and templates', () => {
  it('evaluates arithmetic, comparisons and boolean operators over parameters only', () => {
    const check = compileConstraint('slow - fast >= 10 and (fast % 2 == 0 or not flag)', ['fast', 'slow', 'flag']);
    expect(check({ fast: 4, slow: 14, flag: true })).toBe(true);
    expect(check({ fast: 5, slow: 20, flag: true })).toBe(false);
    expect(check({ fast: 5, slow: 20, flag: false })).toBe(true);
    expect(() => compileConstraint('process.exit(1)', ['fast'])).toThrow(/unknown parameter `process`|unexpected/);
  });

  it('parses key paths and fills templates, keeping the type of a whole-value template', () => {
    expect(parseKeyPath('strategies[0].long.entry')).toEqual(['strategies', 0, 'long', 'entry']);
    expect(() => parseKeyPath('a..b')).toThrow(/empty segment/);
    expect(fillTemplate('ema:{fast} >= ema:{slow}', { fast: 5, slow: 20 })).toBe('ema:5 >= ema:20');
    expect(fillTemplate('{seed}', { seed: 42 })).toBe(42);
  });

  it('builds a run configuration that engine/config validates, and names a key the base lacks', () => {
    const spec = parseSweepSpec(`${BASE}parameters: { fast: [5], slow: [30], band: [0.05] }\n${EMA_SET}  execution.noTradeBand.equityPct: "{band}"\n`, file);
    const base = readBaseDocument(spec.base);
    const config = loadRunConfig(runDocument(base, spec.set, { fast: 5, slow: 30, band: 0.05 }), baseDirectory(spec.base));
    expect(config.strategies[0].type === 'rules' && config.strategies[0].long?.entry).toBe('ema:5 >= ema:30');
    expect(config.execution.noTradeBand.equityPct).toBe(0.05);
    const bad = parseSweepSpec(`${BASE}parameters: { fast: [5] }\nset: { "strategies[3].long.entry": "ema:{fast} > 0" }\n`, file);
    expect(() => runDocument(base, bad.set, { fast: 5 })).toThrow(/`set.strategies\[3\].long.entry`: `strategies\[3\]` does not exist/);
  });

  it('validates a local run\'s document as it is (it holds the defaults): the same configuration, no defaults file read', () => {
    const spec = parseSweepSpec(`${BASE}parameters: { fast: [5], slow: [30] }\n${EMA_SET}`, file);
    const doc = runDocument(readBaseDocument(spec.base), spec.set, { fast: 5, slow: 30 });
    const merged = loadRunConfig(doc, baseDirectory(spec.base));
    const asIs = loadRunConfig(doc, baseDirectory(spec.base), 'sweep t run 0', true);
    expect(asIs, 'the same configuration as merging it over the defaults again').toEqual(merged);
    expect(() => loadConfig({ document: { value: doc, label: 'run 0' }, env: {}, defaultsFile: path.join(root, 'no-such-defaults.yaml'), documentHoldsDefaults: true }), 'the defaults file is not read').not.toThrow();
    expect(() => loadConfig({ document: { value: doc, label: 'run 0' }, env: {}, defaultsFile: path.join(root, 'no-such-defaults.yaml') }), 'without it, the defaults file is read').toThrow(/no-such-defaults\.yaml/);
    const { execution: _dropped, ...lacking } = doc;
    expect(() => loadRunConfig(lacking, baseDirectory(spec.base), 'sweep t run 1', true), 'a key the document lacks is missing, not taken from the defaults').toThrow(/sweep t run 1/);
  });
});

describe('sweep report stability', () => {
  /** A finished run whose returns alternate around `mean` (sample std 0.01 for an even count). */
  const run = (index: number, parameters: Record<string, number>, mean: number): RunResult => {
    const returns = Float64Array.from({ length: 64 }, (_, i) => mean + (i % 2 === 0 ? 0.01 : -0.01));
    return { index, parameters, fillsHash: `h${index}`, fills: 2, finalEquity: 100_000, sharpe: null, sharpeAnnualised: null, periodsPerYear: null, maxDrawdown: 0, trades: 1, returns, events: 64, runMs: 1 };
  };

  it('gives no ratio to the best Sharpe when the best is not positive (worse neighbours would read as better than a plateau)', () => {
    const spec = parseSweepSpec(`${BASE}parameters:\n  fast: [5, 10, 20]\n  slow: [50]\n${EMA_SET}`, file);
    const plan = planSweep(spec);
    const report = (means: readonly number[]) => buildSweepReport({ id: 'sw-test', spec, plan, results: plan.runs.map((r, i) => run(r.index, r.parameters as Record<string, number>, means[i])), failures: [], events: [] });
    const losing = report([-0.004, -0.002, -0.004]).stability;
    expect('best' in losing && losing.best, 'the least bad run is the best').toBe(1);
    expect('meanRatio' in losing && losing.meanRatio, 'neighbours at -0.4 against the best at -0.2').toBeNull();
    const winning = report([0.001, 0.002, 0.001]).stability;
    expect('meanRatio' in winning && winning.meanRatio).toBeCloseTo(0.5, 6);
  });

  it('gives no PBO when every run has the same returns (CSCV counted each tie as overfit: PBO 1)', () => {
    const spec = parseSweepSpec(`${BASE}parameters:\n  fast: [5, 10, 20]\n  slow: [50]\n${EMA_SET}`, file);
    const plan = planSweep(spec);
    const report = (means: readonly number[]) => buildSweepReport({ id: 'sw-test', spec, plan, results: plan.runs.map((r, i) => run(r.index, r.parameters as Record<string, number>, means[i])), failures: [], events: [] });
    const same = report([0.001, 0.001, 0.001]).pbo;
    expect('skipped' in same && same.skipped).toMatch(/same per-period returns/);
    const differing = report([0.001, 0.002, 0.0015]).pbo;
    expect('pbo' in differing && differing.pbo, 'runs that differ get their PBO').toBeGreaterThanOrEqual(0);
  });
});
