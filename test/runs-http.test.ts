// The state server's run routes (engine/server/http.ts) against a real server on 127.0.0.1 and
// a real run store (LMDB): GET /api/runs lists newest first in pages (`limit`, `before` = the
// previous page's `next`), GET /api/runs/<id> is one run, GET /runs/<id>/report.html is the
// stored report byte for byte with its content type (and the CSVs as text/csv); a malformed id,
// limit or cursor is 400 and an unknown run or file 404, each with the reason; a run recorded
// while the server runs is listed on the next request; a server without a store says so (404).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore, type RunInput, type RunSummary } from '../engine/backtest/index.js';
import { PushStateSource, startStateServer, type StateServer } from '../engine/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'qf-runs-http-'));
let store: RunStore;
let server: StateServer;
let bare: StateServer;
const recorded: RunSummary[] = [];
const htmlOf = (k: number): Buffer => Buffer.from(`<!doctype html><html><head><title>run ${k}</title></head><body>report ${k} — é</body></html>`);

function input(k: number): RunInput {
  return {
    timeMs: Date.UTC(2026, 3, 1, 12, 0, k),
    contentHash: k.toString(16).padStart(8, '0').repeat(2),
    command: ['backtest', '--out', `out${k}`],
    configHash: 'c'.repeat(64),
    sources: [`data${k}.csv`],
    title: `run ${k}`,
    strategies: ['ema-cross'],
    instruments: ['ETHUSDT'],
    period: { start: '2024-04-16T02:00:00.000Z', end: '2024-05-06T21:00:00.000Z' },
    figures: { startingCash: 100_000, finalEquity: 100_000 + k, totalReturn: k / 100_000, sharpe: k / 10, maxDrawdown: 0.01, trades: k, fills: 2 * k },
    fillsSha256: 'f'.repeat(64),
    interrupted: false,
    files: { 'report.html': htmlOf(k), 'fills.csv': Buffer.from(`time,instrument\n${k}\n`) },
  };
}

const base = (s: StateServer): string => `http://${s.host}:${s.port}`;

async function get(s: StateServer, path: string): Promise<{ status: number; type: string | null; body: Buffer; json: () => any }> {
  const response = await fetch(`${base(s)}${path}`, { signal: AbortSignal.timeout(20_000) });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('content-type'), body, json: () => JSON.parse(body.toString('utf8')) };
}

beforeAll(async () => {
  store = RunStore.open(join(dir, 'runs'));
  for (const k of [3, 1, 5, 2, 4]) recorded.push(store.record(input(k)));
  server = await startStateServer({ source: new PushStateSource(), port: 0, runs: store });
  bare = await startStateServer({ source: new PushStateSource(), port: 0 });
});

afterAll(async () => {
  await server?.close();
  await bare?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/runs', () => {
  it('lists every run newest first, with its figures', async () => {
    const response = await get(server, '/api/runs');
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    const page = response.json();
    expect(page.next).toBeNull();
    expect(page.runs.map((r: RunSummary) => r.title)).toEqual(['run 5', 'run 4', 'run 3', 'run 2', 'run 1']);
    expect(page.runs[0].figures).toEqual(input(5).figures);
    expect(page.runs[0].files).toEqual([{ name: 'report.html', bytes: htmlOf(5).byteLength }, { name: 'fills.csv', bytes: 18 }]);
  });

  it('pages with limit and before, covering every run once', async () => {
    const first = (await get(server, '/api/runs?limit=2')).json();
    expect(first.runs.map((r: RunSummary) => r.title)).toEqual(['run 5', 'run 4']);
    const second = (await get(server, `/api/runs?limit=2&before=${first.next}`)).json();
    expect(second.runs.map((r: RunSummary) => r.title)).toEqual(['run 3', 'run 2']);
    const third = (await get(server, `/api/runs?limit=2&before=${second.next}`)).json();
    expect(third.runs.map((r: RunSummary) => r.title)).toEqual(['run 1']);
    expect(third.next).toBeNull();
  });

  it('answers a malformed limit or cursor with 400 and the reason', async () => {
    for (const [query, reason] of [
      ['limit=abc', /`limit` must be a whole number of runs \(1..200\), was "abc"/],
      ['limit=0', /limit must be an integer in 1..200, was 0/],
      ['limit=5000', /limit must be an integer in 1..200, was 5000/],
      ['before=yesterday', /before must look like 20260416T101502123Z-3fa9c2d1 .*was "yesterday"/],
    ] as const) {
      const response = await get(server, `/api/runs?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json().error, query).toMatch(reason);
    }
  });

  it('lists a run recorded while the server runs', async () => {
    const late = store.record(input(9));
    recorded.push(late);
    const page = (await get(server, '/api/runs?limit=1')).json();
    expect(page.runs[0].id).toBe(late.id);
    const one = await get(server, `/api/runs/${late.id}`);
    expect(one.status).toBe(200);
    expect(one.json()).toEqual(late);
  });
});

describe('GET /runs/<id>/<file>', () => {
  it('serves the stored report byte for byte as text/html, and a CSV as text/csv', async () => {
    const run = recorded.find((r) => r.title === 'run 3')!;
    const report = await get(server, `/runs/${run.id}/report.html`);
    expect(report.status).toBe(200);
    expect(report.type).toBe('text/html; charset=utf-8');
    expect(Buffer.compare(report.body, htmlOf(3)), 'the stored bytes').toBe(0);
    const fills = await get(server, `/runs/${run.id}/fills.csv`);
    expect(fills.type).toBe('text/csv; charset=utf-8');
    expect(fills.body.toString()).toBe('time,instrument\n3\n');
  });

  it('answers an unknown run or file with 404 and a malformed id with 400, each with the reason', async () => {
    const run = recorded[0];
    const unknown = await get(server, '/runs/20200101T000000000Z-00000000/report.html');
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toBe('no run 20200101T000000000Z-00000000 in the run store');
    const notStored = await get(server, `/runs/${run.id}/trades.csv`);
    expect(notStored.status, 'a file the run does not hold').toBe(404);
    expect(notStored.json().error).toMatch(/has no file "trades.csv"/);
    const outside = await get(server, `/runs/${run.id}/package.json`);
    expect(outside.status).toBe(404);
    for (const id of ['not-a-run', '..%2F..%2Fetc', '20260416T101502123Z-3FA9C2D1', '%E0%A4%A']) {
      const bad = await get(server, `/runs/${id}/report.html`);
      expect(bad.status, id).toBe(400);
      expect(bad.json().error, id).toMatch(/run id must (look like 20260416T101502123Z-3fa9c2d1|be valid percent-encoded UTF-8)/);
    }
    const badOne = await get(server, '/api/runs/nope');
    expect(badOne.status).toBe(400);
  });

  it('keeps the dashboard and /health answering next to the run routes', async () => {
    expect((await get(server, '/health')).status).toBe(200);
    expect((await get(server, '/runs/')).status).toBe(404);
    expect((await get(server, '/favicon.ico')).status, 'a stored report asks for an icon: no content, not a 404').toBe(204);
  });
});

describe('a server without a run store', () => {
  it('answers the run routes with 404 saying how to give one', async () => {
    for (const path of ['/api/runs', `/runs/${recorded[0].id}/report.html`]) {
      const response = await get(bare, path);
      expect(response.status, path).toBe(404);
      expect(response.json().error, path).toMatch(/no run store: start it with --run-store DIR/);
    }
  });
});
