// The run store (engine/backtest/run-store) on a real LMDB environment: a run's summary and
// files round-trip byte for byte; runs list newest first in pages that cover every run once;
// two runs with the same report in the same millisecond both land (distinct ids); a second
// handle (another reader, like the paper session's server) sees runs recorded after it opened;
// a malformed id, limit or cursor is refused with a message naming the value and the rule;
// a run id from the CLI's real outputs (writeBacktestOutputs) carries the report's figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RunStore, RunIdError, RunQueryError, RunStoreError, checkRunId, configHash, runInputFromOutputs, writeBacktestOutputs,
  type BacktestRecording, type RunInput,
} from '../engine/backtest/index.js';
import { runIdOf, runIdTime } from '../engine/backtest/run-store/index.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'qf-run-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function input(timeMs: number, hash: string, extra: Partial<RunInput> = {}): RunInput {
  return {
    timeMs,
    contentHash: hash,
    command: ['backtest', '--data', 'eth.csv', '--out', 'out'],
    configHash: 'c'.repeat(64),
    sources: ['eth.csv'],
    title: 'QuantFlow backtest: ETHUSDT',
    strategies: ['ema-cross'],
    instruments: ['ETHUSDT'],
    period: { start: '2024-04-16T02:00:00.000Z', end: '2024-05-06T21:00:00.000Z' },
    figures: { startingCash: 100_000, finalEquity: 99_820.8, totalReturn: -0.001792, sharpe: -2.57, maxDrawdown: 0.0033, trades: 10, fills: 20 },
    fillsSha256: 'f'.repeat(64),
    interrupted: false,
    files: { 'report.html': Buffer.from(`<!doctype html><title>run ${timeMs}</title>`), 'fills.csv': Buffer.from('time,instrument\n') },
    ...extra,
  };
}

describe('run ids', () => {
  it('are time-ordered text that reads back its time', () => {
    const a = runIdOf(Date.UTC(2026, 3, 16, 10, 15, 2, 123), '3fa9c2d1aa');
    expect(a).toBe('20260416T101502123Z-3fa9c2d1');
    expect(runIdTime(a)).toBe(Date.UTC(2026, 3, 16, 10, 15, 2, 123));
    expect(runIdOf(Date.UTC(2026, 3, 16, 10, 15, 2, 124), '00000000') > a, 'a later run sorts after').toBe(true);
  });

  it('refuses a malformed id, naming the value and the rule', () => {
    for (const bad of ['', '../etc/passwd', '20260416T101502123Z-3FA9C2D1', '20260416T101502123Z-3fa9c2d', '20261316T101502123Z-3fa9c2d1', 'x'.repeat(500)]) {
      expect(() => checkRunId(bad), JSON.stringify(bad)).toThrow(RunIdError);
    }
    expect(() => checkRunId('nope')).toThrow(/run id must look like 20260416T101502123Z-3fa9c2d1 .*was "nope"/);
  });
});

describe('RunStore', () => {
  it('round-trips a run: summary and files byte for byte', async () => {
    const store = RunStore.open(tempDir());
    const html = Buffer.from('<!doctype html><p>é — report</p>');
    const stored = store.record(input(Date.UTC(2026, 0, 2, 3, 4, 5, 6), 'ab12cd34ef', { files: { 'report.html': html, 'equity.csv': Buffer.from('time,equity,cash\n') } }));
    expect(stored.id).toBe('20260102T030405006Z-ab12cd34');
    expect(stored.time).toBe('2026-01-02T03:04:05.006Z');
    expect(stored.files).toEqual([{ name: 'report.html', bytes: html.byteLength }, { name: 'equity.csv', bytes: 17 }]);
    expect(store.get(stored.id)).toEqual(stored);
    expect(Buffer.compare(store.file(stored.id, 'report.html')!, html), 'report.html bytes').toBe(0);
    expect(store.servedFile(stored.id, 'report.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(store.file(stored.id, 'fills.csv'), 'a file not stored').toBeUndefined();
    expect(store.servedFile(stored.id, 'secrets.txt'), 'a name outside the run files').toBeUndefined();
    expect(store.get('20260102T030405007Z-ab12cd34'), 'an unknown well-formed id').toBeUndefined();
    expect(() => store.get('../../x'), 'a malformed id').toThrow(RunIdError);
    await store.close();
  });

  it('refuses a run without report.html or with an unknown file name', async () => {
    const store = RunStore.open(tempDir());
    expect(() => store.record(input(1_000, 'aaaaaaaa', { files: { 'fills.csv': Buffer.from('x') } }))).toThrow(/non-empty report.html/);
    expect(() => store.record(input(1_000, 'aaaaaaaa', { files: { 'report.html': Buffer.from('x'), ['notes.txt' as 'fills.csv']: Buffer.from('x') } }))).toThrow(RunStoreError);
    expect(store.count(), 'nothing was stored').toBe(0);
    await store.close();
  });

  it('lists newest first in pages that cover every run exactly once', async () => {
    const store = RunStore.open(tempDir());
    const base = Date.UTC(2026, 5, 1);
    // Recorded out of time order, and two with the same report in the same millisecond.
    const times = [5, 1, 9, 3, 7, 7, 2, 8, 4, 6].map((k) => base + k * 60_000);
    const ids = times.map((t) => store.record(input(t, '12345678')).id);
    expect(new Set(ids).size, 'same report, same millisecond: still distinct ids').toBe(10);
    expect(store.count()).toBe(10);
    const all = store.list({ limit: 200 });
    expect(all.next).toBeNull();
    expect(all.runs.map((r) => r.id), 'newest first').toEqual([...ids].sort().reverse());
    const paged: string[] = [];
    let before: string | undefined;
    let pages = 0;
    for (;;) {
      const page = store.list({ limit: 3, before });
      paged.push(...page.runs.map((r) => r.id));
      pages++;
      if (page.next === null) break;
      expect(page.runs.length).toBe(3);
      before = page.next;
      expect(pages, 'bounded paging').toBeLessThan(10);
    }
    expect(pages).toBe(4);
    expect(paged).toEqual(all.runs.map((r) => r.id));
    await store.close();
  });

  it('refuses a malformed page request', async () => {
    const store = RunStore.open(tempDir());
    expect(() => store.list({ limit: 0 })).toThrow(RunQueryError);
    expect(() => store.list({ limit: 201 })).toThrow(/limit must be an integer in 1..200, was 201/);
    expect(() => store.list({ before: 'yesterday' })).toThrow(/before must look like .*was "yesterday"/);
    await store.close();
  });

  it('shows a second handle the runs recorded after it opened', async () => {
    const dir = tempDir();
    const writer = RunStore.open(dir);
    const reader = RunStore.open(dir);
    expect(reader.list().runs).toEqual([]);
    const a = writer.record(input(Date.UTC(2026, 1, 1), 'aaaaaaaa'));
    expect(reader.list().runs.map((r) => r.id)).toEqual([a.id]);
    const b = writer.record(input(Date.UTC(2026, 1, 2), 'bbbbbbbb'));
    expect(reader.list().runs.map((r) => r.id)).toEqual([b.id, a.id]);
    await writer.close();
    await reader.close();
  });
});

describe('runInputFromOutputs', () => {
  it('takes the figures from the report.json writeBacktestOutputs wrote and hashes the configuration canonically', async () => {
    const out = tempDir();
    const t0 = 1_700_000_000_000_000_000n;
    const hour = 3_600_000_000_000n;
    const recording: BacktestRecording = {
      instruments: [{ id: 0, symbol: 'ETHUSDT', assetClass: 'crypto', timeframe: '1h', strategy: 'ema-cross' }],
      fills: [],
      trades: [],
      equity: [0, 1, 2].map((k) => ({ timeNs: t0 + BigInt(k) * hour, equity: [100_000, 99_000, 101_000][k], cash: [100_000, 99_000, 101_000][k] })),
      bars: [[0, 1, 2].map((k) => ({ timeNs: t0 + BigInt(k) * hour, open: 100, high: 101, low: 99, close: 100 }))],
      totals: { startingCash: 100_000, finalEquity: 101_000, finalCash: 101_000, fees: 0, slippage: 0, funding: 0, turnover: 0 },
      events: 3,
      startNs: t0,
      endNs: t0 + 2n * hour,
      fillsHash: '',
    };
    await writeBacktestOutputs(out, recording, { title: 'QuantFlow backtest: ETHUSDT' });
    const run = await runInputFromOutputs(out, { timeMs: 1_000, command: ['backtest'], config: { b: 1, a: { d: 2, c: 3 } }, sources: ['eth.csv'], interrupted: false });
    expect(run.title).toBe('QuantFlow backtest: ETHUSDT');
    expect(run.instruments).toEqual(['ETHUSDT']);
    expect(run.figures.startingCash).toBe(100_000);
    expect(run.figures.finalEquity).toBe(101_000);
    expect(run.figures.totalReturn).toBeCloseTo(0.01, 12);
    expect(run.figures.maxDrawdown, '100,000 -> 99,000').toBeCloseTo(0.01, 12);
    expect(run.strategies).toEqual(['ema-cross']);
    expect(run.period.start).toBe('2023-11-14T22:13:20.000Z');
    expect(run.files['report.html']!.byteLength).toBeGreaterThan(1000);
    expect(run.configHash, 'key order does not count').toBe(configHash({ a: { c: 3, d: 2 }, b: 1 }));
    expect(run.configHash).not.toBe(configHash({ a: { c: 3, d: 2 }, b: 2 }));
  });
});
