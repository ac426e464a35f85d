// engine/research/features on the bundled BTCUSDT 1h bars: features are point in time (bars
// after t perturbed: every column up to t unchanged, targets changed only where their end time
// is after t), non-scale-free tokens are refused by name, and the Arrow IPC file + manifest
// round-trip through apache-arrow, byte-identical when written twice.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBarsCsv } from '../adapters/files/index.js';
import {
  DEFAULT_FEATURE_TOKENS, FeatureFileError, FeatureOptionError, NO_LABEL, NO_TIME, buildFeatureMatrix, checkScaleFree, readFeatureFile,
  scaleFreeViolations, writeFeatureFile, type FeatureBars, type FeatureMatrix, type FeatureProvenance,
} from '../engine/research/features/index.js';

const BTC = 'data/binance_spot_BTCUSDT_1h_2024-04-16_2026-04-16.csv';
const dir = mkdtempSync(path.join(tmpdir(), 'qf-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H = 12;
let bars: FeatureBars;

beforeAll(async () => {
  const { series } = await loadBarsCsv(BTC, {});
  const n = 2000;
  bars = {
    timeNs: BigInt64Array.from(series.timeNs.slice(0, n), (t: bigint) => t + 3_600_000_000_000n),
    open: Float64Array.from(series.open.slice(0, n)),
    high: Float64Array.from(series.high.slice(0, n)),
    low: Float64Array.from(series.low.slice(0, n)),
    close: Float64Array.from(series.close.slice(0, n)),
    volume: Float64Array.from(series.volume!.slice(0, n)),
  };
});

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const provenance: FeatureProvenance = {
  source: { file: 'btc.csv', sha256: 'ab'.repeat(32), symbol: 'BTCUSDT', barStamp: 'open' },
  timeframe: '1h',
  barrier: { volatility: 'rvol:20', profitTake: 2, stopLoss: 2, zeroAtTime: false },
  reserve: { fraction: 0.2, startNs: '0', included: false },
};

describe('feature matrix', () => {
  it('is point in time: perturbing the bars after t leaves every feature and time up to t unchanged, and targets ending by t', () => {
    const t = 1200;
    const base = buildFeatureMatrix(bars, { features: DEFAULT_FEATURE_TOKENS, horizonBars: H });
    const bump = (a: Float64Array) => a.map((x, i) => (i > t ? x * (1 + 0.03 * Math.sin(i)) : x));
    const perturbed: FeatureBars = { ...bars, open: bump(bars.open), high: bump(bars.high).map((x, i) => Math.max(x, bump(bars.open)[i], bump(bars.close)[i])), low: bump(bars.low).map((x, i) => Math.min(x, bump(bars.open)[i], bump(bars.close)[i])), close: bump(bars.close), volume: bump(bars.volume) };
    const moved = buildFeatureMatrix(perturbed, { features: DEFAULT_FEATURE_TOKENS, horizonBars: H });
    const tNs = bars.timeNs[t];
    for (let i = 0; i <= t; i++) {
      expect(moved.timeNs[i]).toBe(base.timeNs[i]);
      base.columns.forEach((col, c) => {
        if (!same(col[i], moved.columns[c][i])) throw new Error(`feature ${base.features[c]} at row ${i} <= t changed: ${col[i]} -> ${moved.columns[c][i]}`);
      });
      if (base.fwdEndNs[i] <= tNs && !same(base.fwdLogReturn[i], moved.fwdLogReturn[i])) throw new Error(`fwd_log_return at row ${i} ends by t but changed`);
      if (base.tbEndNs[i] !== NO_TIME && base.tbEndNs[i] <= tNs && (base.tbLabel[i] !== moved.tbLabel[i] || !same(base.tbReturn[i], moved.tbReturn[i]))) throw new Error(`triple-barrier target at row ${i} ends by t but changed`);
    }
    const changedTargets = Array.from({ length: t + 1 }, (_, i) => i).filter((i) => !same(base.fwdLogReturn[i], moved.fwdLogReturn[i]));
    expect(changedTargets, 'the targets whose end is after t see the perturbation').toEqual(Array.from({ length: H }, (_, k) => t - H + 1 + k));
    expect(base.columns.every((col, c) => col.slice(t + 30).some((x, i) => !same(x, moved.columns[c][t + 30 + i]))), 'every feature moves after t').toBe(true);
  });

  it('puts the forward log return and its end time beside the features; usable rows are warm and inside the data', () => {
    const m = buildFeatureMatrix(bars, { features: ['rsi:14', 'roc:24'], horizonBars: H });
    expect(m.fwdLogReturn[100]).toBeCloseTo(Math.log(bars.close[100 + H] / bars.close[100]), 15);
    expect(m.fwdEndNs[100]).toBe(bars.timeNs[100 + H]);
    expect(m.fwdEndNs[m.rows - H]).toBe(NO_TIME);
    expect(m.fwdEndNs[m.rows - H - 1]).toBe(bars.timeNs[m.rows - 1]);
    expect(m.usable[23], 'roc:24 warms up on bar 24').toBe(0);
    expect(m.usable[24]).toBe(1);
    expect(m.usable[m.rows - H]).toBe(0);
    const events = m.tbLabel.filter((l) => l !== NO_LABEL).length;
    expect(events, 'triple-barrier events from bar 20 (rvol:20 of 1-bar returns) to the horizon').toBe(m.rows - 20 - H);
  });

  it('refuses a token that is not scale-free, naming it, and accepts the default set', () => {
    const tokens = ['rsi:14', 'ema:10', 'stoch:14:3.k', 'atr:14'];
    const m = buildFeatureMatrix(bars, { features: tokens, horizonBars: H });
    expect(scaleFreeViolations(bars, tokens, m.columns).map((v) => v.token)).toEqual(['ema:10', 'atr:14']);
    expect(() => checkScaleFree(bars, tokens, m.columns)).toThrow(/not scale-free: `ema:10` \(row 9: .* with prices x1000\), `atr:14`/);
    const d = buildFeatureMatrix(bars, { features: [...DEFAULT_FEATURE_TOKENS, 'rsi:14@diff:1', 'volz:20'], horizonBars: H });
    expect(() => checkScaleFree(bars, d.features, d.columns)).not.toThrow();
  });

  it('refuses multi-output tokens, repeats and a bad horizon with the option named', () => {
    expect(() => buildFeatureMatrix(bars, { features: ['bb:20:2'], horizonBars: H })).toThrow('`features` token `bb:20:2` must have one output, it has 5');
    expect(() => buildFeatureMatrix(bars, { features: ['rsi:14', 'rsi:14'], horizonBars: H })).toThrow('`features` lists `rsi:14` twice');
    expect(() => buildFeatureMatrix(bars, { features: ['rsi:14'], horizonBars: 0 })).toThrow(FeatureOptionError);
  });
});

describe('feature file', () => {
  let m: FeatureMatrix;
  beforeAll(() => {
    m = buildFeatureMatrix(bars, { features: DEFAULT_FEATURE_TOKENS, horizonBars: H });
  });

  it('round-trips through apache-arrow with the manifest describing every column', () => {
    const out = path.join(dir, 'a');
    const manifest = writeFeatureFile(out, m, provenance);
    const bytes = readFileSync(path.join(out, 'features.arrow'));
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'))).toEqual(manifest);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(m.rows);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['time_ns', ...DEFAULT_FEATURE_TOKENS, 'fwd_log_return', 'fwd_end_ns', 'tb_label', 'tb_return', 'tb_end_ns', 'usable']);
    expect(table.schema.fields.map((f) => String(f.type)), 'Arrow types as the manifest says').toEqual(manifest.columns.map((c) => ({ int64: 'Int64', float64: 'Float64', int8: 'Int8', bool: 'Bool' })[c.dtype]));
    expect(manifest.columns.map((c) => c.role)).toEqual(['time', ...DEFAULT_FEATURE_TOKENS.map(() => 'feature'), 'target', 'target_end', 'target', 'target', 'target_end', 'flag']);
    expect(manifest.columns.filter((c) => c.role === 'feature').map((c) => c.token)).toEqual([...DEFAULT_FEATURE_TOKENS]);
    expect(table.getChild('time_ns')!.toArray()).toEqual(m.timeNs);
    DEFAULT_FEATURE_TOKENS.forEach((token, c) => expect(table.getChild(token)!.toArray(), token).toEqual(m.columns[c]));
    expect(table.getChild('fwd_end_ns')!.get(m.rows - 1), 'no forward end past the data: null').toBeNull();
    expect(table.getChild('fwd_end_ns')!.get(100)).toBe(m.fwdEndNs[100]);
    expect(table.getChild('tb_label')!.get(0), 'no event during the rvol:20 warm-up: null').toBeNull();
    expect(table.getChild('tb_label')!.get(100)).toBe(m.tbLabel[100]);
    let usable = 0;
    for (let i = 0; i < m.rows; i++) usable += table.getChild('usable')!.get(i) ? 1 : 0;
    expect(usable).toBe(manifest.usableRows);
    expect(manifest.rowPolicy).toContain('never dropped');
    expect(readFeatureFile(out).table.numRows).toBe(m.rows);
  });

  it('writes the same bytes twice and rejects a file changed after writing, naming it', () => {
    const a = writeFeatureFile(path.join(dir, 'b1'), m, provenance);
    const b = writeFeatureFile(path.join(dir, 'b2'), m, provenance);
    expect(readFileSync(path.join(dir, 'b1', 'features.arrow')).equals(readFileSync(path.join(dir, 'b2', 'features.arrow')))).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    const file = path.join(dir, 'b2', 'features.arrow');
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] ^= 1;
    writeFileSync(file, bytes);
    expect(() => readFeatureFile(path.join(dir, 'b2'))).toThrow(FeatureFileError);
    expect(() => readFeatureFile(path.join(dir, 'b2'))).toThrow(`${file}: sha256 must be ${a.sha256}`);
    expect(() => readFeatureFile(path.join(dir, 'none'))).toThrow('manifest.json: no such file');
  });
});
