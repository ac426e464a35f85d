// The adapters benchmark (bench/adapters.bench.ts) at a tiny scale against the real simulators:
// the JSON shape, and that every leg counted every message it sent and every command it wrote.
import { describe, expect, test } from 'vitest';
import { parseAdaptersBenchArgs, runAdaptersBench } from '../bench/adapters.bench.js';
import type { Percentiles } from '../bench/latency-percentiles.js';

const isPercentiles = (p: Percentiles) =>
  [p.p50Ns, p.p99Ns, p.p999Ns, p.maxNs].every((v) => Number.isFinite(v) && v > 0) && p.p50Ns <= p.p99Ns && p.p99Ns <= p.p999Ns && p.p999Ns <= p.maxNs;

describe('bench adapters', () => {
  test('rejects a bad option with the field, the value and the rule', () => {
    expect(() => parseAdaptersBenchArgs(['--venues', 'kraken'])).toThrow(/`--venues` must be a comma-separated list of binance, ib, was "kraken"/);
    expect(() => parseAdaptersBenchArgs(['--messages', '0'])).toThrow(/`--messages` must be an integer >= 1, was "0"/);
  });

  test('runs every leg at tiny scale, each counting every message and command it sent', async () => {
    const options = { venues: ['binance', 'ib'] as ('binance' | 'ib')[], messages: 6, orders: 3, warmUp: 2, repetitions: 2 };
    const result = await runAdaptersBench(options, () => undefined);
    const json = JSON.parse(JSON.stringify(result));
    expect(json.suite).toBe('adapters');
    expect(json.loadAverage.before).toHaveLength(3);
    expect(json.options).toEqual(options);
    const legs = result.inbound.map((x) => `${x.venue} ${x.stream} ${x.journalCommit}`);
    expect(legs, 'inbound legs').toEqual([
      'binance trades after publish', 'binance bars after publish', 'binance trades inside', 'binance orders after publish',
      'ib trades after publish', 'ib bars after publish', 'ib quotes after publish', 'ib trades inside', 'ib orders after publish',
    ]);
    for (const x of result.inbound) {
      const sent = (x.stream === 'orders' ? options.orders : options.messages) * options.repetitions;
      expect(x.messages, `${x.venue} ${x.stream}: messages sent`).toBe(sent);
      expect(x.recorded, `${x.venue} ${x.stream}: one record per message sent`).toBe(sent);
      expect(isPercentiles(x.latency), `${x.venue} ${x.stream}: percentiles ${JSON.stringify(x.latency)}`).toBe(true);
    }
    expect(result.outbound.map((x) => `${x.venue} ${x.durability}`)).toEqual(['binance group', 'binance async', 'ib group', 'ib async']);
    for (const x of result.outbound) {
      expect(x.commands, `${x.venue} ${x.durability}: commands`).toBe(options.orders * options.repetitions);
      expect(x.written, `${x.venue} ${x.durability}: every command reached the venue socket`).toBe(x.commands);
      expect(x.acked, `${x.venue} ${x.durability}: every command was acknowledged`).toBe(x.commands);
      for (const p of [x.wire, x.journal, x.adapter]) expect(isPercentiles(p), `${x.venue} ${x.durability}: ${JSON.stringify(p)}`).toBe(true);
      expect(x.wire.p50Ns, `${x.venue} ${x.durability}: the wire time holds the journal part`).toBeGreaterThanOrEqual(x.journal.p50Ns);
    }
  }, 300_000);
});
