// Latency in a running paper session (the EMA cross of config/examples/ema-cross.yaml over the
// first 600 bundled 1h ETH bars): a client subscribed to the `latency` topic over uWS gets
// coalesced LatencyPayload frames with the six stages in order, ingress / ring / core timing
// every bar played and intent the outbound records drained; journal and venue say count 0 (a
// paper session has no journal and its venue is simulated in the core). /metrics exposes the
// same stages as quantflow_latency_ns{stage,quantile} and quantflow_latency_records{stage}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSources } from '../adapters/sources/index.js';
import { loadConfig } from '../engine/config/index.js';
import { startPaperSession } from '../engine/paper/index.js';
import { connect, type TopicUpdate } from '../engine/client/index.js';
import { writeBundledSlice } from './bundled-slice.js';

const ROOT = resolve(import.meta.dirname, '..');
const ETH = 'binance_spot_ETHUSDT_1h_2024-04-16_2026-04-16.csv';
const BARS = 600;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qf-latency-topic-'));
  writeBundledSlice(dir, ETH, BARS);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('latency topic and /metrics', () => {
  it('streams per-stage percentiles of a paper session, with count 0 for the stages it does not have', async () => {
    const config = loadConfig({ configFile: join(ROOT, 'config', 'examples', 'ema-cross.yaml'), env: {} });
    const session = await startPaperSession({ streams: await openDataSources([join(dir, ETH)], {}), config, equity: 100_000, speed: 3600 * 600, port: 0, throttleMs: 20, log: () => {} });
    const updates: TopicUpdate<'latency'>[] = [];
    const client = await connect(`ws://127.0.0.1:${session.server!.port}/`, { reconnect: false });
    try {
      client.subscribe('latency', (update) => updates.push(update));
      await session.finished;
      // The producer stamps a bar (ingress) when it publishes it; the core stage is collected from
      // the engine's batch log when the I/O thread drains. A frame sent between the two shows every
      // bar at ingress and a few fewer at core; the last frame (forced when the session detaches,
      // after its final drain) has both, but may reach this client after `finished` resolved.
      // So wait (bounded) for a frame in which both stages counted every bar; the checks below stay exact.
      const deadline = Date.now() + 30_000;
      const countOf = (name: string): bigint => updates.at(-1)?.payload.stages.find((s) => s.stage === name)?.count ?? 0n;
      while (Date.now() < deadline && (countOf('ingress') < BigInt(BARS) || countOf('core') < BigInt(BARS))) await new Promise((r) => setTimeout(r, 20));
      expect(updates.length, 'latency frames arrived').toBeGreaterThan(0);
      expect(updates.length, 'coalesced: far fewer frames than records').toBeLessThan(BARS / 4);
      const last = updates.at(-1)!.payload;
      expect(last.stages.map((s) => s.stage)).toEqual(['ingress', 'ring', 'core', 'intent', 'journal', 'venue']);
      const stage = (name: string) => last.stages.find((s) => s.stage === name)!;
      expect(stage('ingress').count, 'every bar played was stamped by the producer').toBe(BigInt(BARS));
      expect(stage('core').count, 'every bar went through a core batch').toBe(BigInt(BARS));
      expect(stage('ring').count).toBeGreaterThan(0n);
      expect(stage('intent').count, 'outbound records (equity, orders) were drained and timed').toBeGreaterThan(0n);
      for (const name of ['ingress', 'ring', 'core', 'intent']) {
        const s = stage(name);
        expect(s.p50Ns <= s.p99Ns && s.p99Ns <= s.maxNs && s.maxNs > 0, `${name}: ordered percentiles, a real maximum`).toBe(true);
      }
      expect(stage('journal'), 'a paper session has no journal').toMatchObject({ count: 0n, p99Ns: 0, maxNs: 0 });
      expect(stage('venue'), 'the paper venue is simulated inside the core').toMatchObject({ count: 0n, maxNs: 0 });

      const metrics = await (await fetch(`http://127.0.0.1:${session.server!.port}/metrics`)).text();
      expect(metrics).toMatch(/quantflow_latency_ns\{stage="core",quantile="0\.99"\} \d/);
      expect(metrics).toMatch(/quantflow_latency_ns\{stage="intent",quantile="1"\} \d/);
      expect(metrics).toContain(`quantflow_latency_records{stage="ingress"} ${BARS}`);
      expect(metrics).toContain('quantflow_latency_records{stage="journal"} 0');
      expect(metrics).toContain('quantflow_latency_records{stage="venue"} 0');
    } finally {
      await client.close();
      await session.close();
    }
  }, 120_000);
});
