// The branch-free helpers of wasm/assembly/decision/decision-math.ts (f64x2 pmin / pmax /
// compare masks, one-compare finiteness tests) against the scalar ternaries they replace in
// the decision core. The file is compiled on its own with a harness that exports each helper,
// and every result must be the ternary's to the bit (Object.is: NaN, -0 and +0 included).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import asc from 'assemblyscript/asc';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/package-root.js';

interface Helpers {
  upTo(v: number, hi: number): number;
  atLeast(v: number, lo: number): number;
  ifPositive(x: number, v: number): number;
  clampUnit(v: number): number;
  clamp01(v: number): number;
  isFinite2(a: number, b: number): number;
  isFinite3(a: number, b: number, c: number): number;
  isFinite4(a: number, b: number, c: number, d: number): number;
}

const HARNESS = `import { atLeast, clamp01, clampUnit, ifPositive, isFinite2, isFinite3, isFinite4, upTo } from './decision-math';
export function tUpTo(v: f64, hi: f64): f64 { return upTo(v, hi); }
export function tAtLeast(v: f64, lo: f64): f64 { return atLeast(v, lo); }
export function tIfPositive(x: f64, v: f64): f64 { return ifPositive(x, v); }
export function tClampUnit(v: f64): f64 { return clampUnit(v); }
export function tClamp01(v: f64): f64 { return clamp01(v); }
export function tIsFinite2(a: f64, b: f64): bool { return isFinite2(a, b); }
export function tIsFinite3(a: f64, b: f64, c: f64): bool { return isFinite3(a, b, c); }
export function tIsFinite4(a: f64, b: f64, c: f64, d: f64): bool { return isFinite4(a, b, c, d); }
`;

/** Edge values (NaN, signed zeros, infinities, subnormals, values next to the clamp bounds) and a seeded spread. */
function testValues(): number[] {
  const values = [Number.NaN, 0, -0, 1, -1, 0.5, -0.5, 2, -2, Infinity, -Infinity, 5e-324, -5e-324, 1e-310, -1e-310,
    1 + 2 ** -52, 1 - 2 ** -53, -1 - 2 ** -52, -1 + 2 ** -53, Number.MAX_VALUE, -Number.MAX_VALUE];
  let seed = 12345;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    values.push((seed / 2 ** 32 - 0.5) * 6);
  }
  return values;
}

const finite = (x: number) => x - x === 0;

describe('branch-free decision helpers (decision-math.ts) equal the scalar ternaries bit for bit', () => {
  let h: Helpers;
  const values = testValues();

  beforeAll(async () => {
    const source = readFileSync(path.join(packageRoot(), 'wasm/assembly/decision/decision-math.ts'), 'utf8');
    const result = await asc.compileString({ 'harness.ts': HARNESS, 'decision-math.ts': source }, { optimizeLevel: 3, enable: ['simd'], runtime: 'stub' });
    if (result.error || !result.binary) throw new Error(`decision-math.ts did not compile: ${result.error?.message}\n${result.stderr.toString()}`);
    const instance = await WebAssembly.instantiate(await WebAssembly.compile(new Uint8Array(result.binary)), { env: { abort: () => { throw new Error('abort'); } } });
    const e = instance.exports as Record<string, (...args: number[]) => number>;
    h = {
      upTo: e.tUpTo, atLeast: e.tAtLeast, ifPositive: e.tIfPositive, clampUnit: e.tClampUnit, clamp01: e.tClamp01,
      isFinite2: e.tIsFinite2, isFinite3: e.tIsFinite3, isFinite4: e.tIsFinite4,
    };
  }, 60_000);

  /** Every pair (a, b) of the test values whose two results differ (Object.is), as text. */
  function mismatches(f: (a: number, b: number) => number, want: (a: number, b: number) => number): string[] {
    const out: string[] = [];
    for (const a of values) for (const b of values) if (!Object.is(f(a, b), want(a, b))) out.push(`(${a}, ${b}): ${f(a, b)} vs ${want(a, b)}`);
    return out;
  }

  it('upTo(v, hi) is `hi < v ? hi : v` and atLeast(v, lo) is `v < lo ? lo : v`', () => {
    expect(mismatches(h.upTo, (v, hi) => (hi < v ? hi : v)), 'pairs where upTo differs').toEqual([]);
    expect(mismatches(h.atLeast, (v, lo) => (v < lo ? lo : v)), 'pairs where atLeast differs').toEqual([]);
  });

  it('ifPositive(x, v) is `x > 0 ? v : 0`', () => {
    expect(mismatches(h.ifPositive, (x, v) => (x > 0 ? v : 0)), 'pairs where ifPositive differs').toEqual([]);
  });

  it('clampUnit and clamp01 are the two-sided ternary clamps', () => {
    const unit = values.filter((v) => !Object.is(h.clampUnit(v), v > 1 ? 1 : v < -1 ? -1 : v));
    const zeroOne = values.filter((v) => !Object.is(h.clamp01(v), v > 1 ? 1 : v < 0 ? 0 : v));
    expect(unit, 'values where clampUnit differs').toEqual([]);
    expect(zeroOne, 'values where clamp01 differs').toEqual([]);
  });

  it('isFinite2/3/4 are the conjunction of the per-value finiteness tests', () => {
    expect(mismatches(h.isFinite2, (a, b) => Number(finite(a) && finite(b))), 'pairs where isFinite2 differs').toEqual([]);
    expect(mismatches((a, b) => h.isFinite3(a, b, a), (a, b) => Number(finite(a) && finite(b))), 'isFinite3(a, b, a)').toEqual([]);
    expect(mismatches((a, b) => h.isFinite3(1, a, b), (a, b) => Number(finite(a) && finite(b))), 'isFinite3(1, a, b)').toEqual([]);
    expect(mismatches((a, b) => h.isFinite4(b, 2, a, -3), (a, b) => Number(finite(a) && finite(b))), 'isFinite4(b, 2, a, -3)').toEqual([]);
  });
});
