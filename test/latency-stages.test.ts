// Per-stage latency: the stamps the producer and the engine thread leave (latency-stamps.ts) and
// what the I/O thread's LatencyMonitor makes of them, first on hand-written stamps (exact
// values), then through a real engine run (every published record is timed in ingress, ring and
// core; a paper-like run without journal or venue reports count 0 for those stages).
import { describe, expect, it } from 'vitest';
import { EventKind } from '../engine/layout/event-record.js';
import { BATCH_LOG_ENTRIES, EngineHost, LATENCY_STAGES, LatencyMonitor, LatencyStamps, monotonicNs } from '../engine/threads/index.js';

const row = (monitor: LatencyMonitor, stage: string) => monitor.rows().find((r) => r.stage === stage)!;

describe('latency stamps and the monitor', () => {
  it('times the ring stage of each record from its publish stamp to the start of the batch that consumed it, and the core stage per record', () => {
    const stamps = LatencyStamps.allocate(8);
    const monitor = new LatencyMonitor();
    for (let seq = 0; seq < 4; seq++) stamps.publishNs[seq] = 1_000 + seq * 100;
    stamps.logBatch(0, 4, 0, 0, 2_000, 2_500);
    monitor.collect(stamps, 4);
    const ring = row(monitor, 'ring');
    expect(ring.count).toBe(4);
    expect(ring.maxNs, 'the first record waited 2000 - 1000 ns').toBe(1_000);
    expect(ring.p50Ns, 'half the records waited at most 800 ns').toBe(800);
    const core = row(monitor, 'core');
    expect(core.count, 'each record of the batch is counted in the core stage').toBe(4);
    expect(core.maxNs).toBe(500);
  });

  it('refuses to read a publish stamp the producer has since overwritten (counted as unstamped)', () => {
    const stamps = LatencyStamps.allocate(8);
    const monitor = new LatencyMonitor();
    stamps.logBatch(0, 2, 0, 0, 10, 20);
    monitor.collect(stamps, 17);
    expect(row(monitor, 'ring').count, 'the producer claimed 17 > 2 * 8 past sequence 0').toBe(1);
    expect(monitor.unstamped[1]).toBe(1);
  });

  it('times intent from the end of the batch that wrote an outbound record to its drain, and skips records drained before their batch ended', () => {
    const stamps = LatencyStamps.allocate(8);
    const monitor = new LatencyMonitor();
    stamps.logBatch(0, 1, 10, 12, 100, 200);
    stamps.logBatch(1, 1, 12, 13, 300, 400);
    monitor.collect(stamps, 2);
    monitor.recordIntent(10, 1_200);
    monitor.recordIntent(11, 1_200);
    monitor.recordIntent(12, 1_200);
    monitor.recordIntent(13, 1_200);
    const intent = row(monitor, 'intent');
    expect(intent.count).toBe(3);
    expect(intent.maxNs).toBe(1_000);
    expect(monitor.unstamped[3], 'record 13 was not in any logged batch').toBe(1);
  });

  it('records runs of equal ring and intent times as one count each, giving the histograms one record per value gives', () => {
    const stamps = LatencyStamps.allocate(64);
    const monitor = new LatencyMonitor();
    const reference = new LatencyMonitor();
    // Records 0..39 published in runs that share a stamp (as a replay publishes a batch), some runs
    // with one record; three batches consume them, each writing outbound records.
    const publish = [0, 0, 0, 0, 0, 7, 7, 9, 9, 9, 9, 9, 9, 9, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 30, 30, 30, 31, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 40];
    publish.forEach((ns, seq) => { stamps.publishNs[seq] = 1_000 + ns; });
    const batches = [[0, 14, 0, 6, 2_000, 2_300], [14, 11, 6, 20, 2_400, 2_410], [25, 15, 20, 21, 3_000, 3_900]] as const;
    for (const [inFrom, count, outFrom, outEnd, startNs, endNs] of batches) {
      stamps.logBatch(inFrom, count, outFrom, outEnd, startNs, endNs);
      for (let i = 0; i < count; i++) reference.record('ring', startNs - (1_000 + publish[inFrom + i]));
      reference.record('core', endNs - startNs, count);
    }
    monitor.collect(stamps, publish.length);
    // Drained in two passes: records 0..11 at 5,000 ns, 12..20 at 6,500 ns.
    for (let seq = 0; seq < 21; seq++) {
      const drainNs = seq < 12 ? 5_000 : 6_500;
      monitor.recordIntent(seq, drainNs);
      const batch = batches.find(([, , outFrom, outEnd]) => seq >= outFrom && seq < outEnd)!;
      reference.record('intent', drainNs - batch[5]);
    }
    expect(monitor.rows(), 'every stage, count and percentile as recorded one by one').toStrictEqual(reference.rows());
    expect(row(monitor, 'ring').count).toBe(40);
    expect(row(monitor, 'intent').count).toBe(21);
    monitor.recordIntent(20, 9_000);
    expect(row(monitor, 'intent').maxNs, 'a record after a read is counted at the next read').toBe(9_000 - 3_900);
    monitor.reset();
    expect(row(monitor, 'intent').count, 'reset forgets a pending run too').toBe(0);
  });

  it('drops batch-log entries, counted, when the I/O thread has not read the log, and never waits', () => {
    const stamps = LatencyStamps.allocate(8);
    for (let i = 0; i < BATCH_LOG_ENTRIES + 5; i++) stamps.logBatch(0, 1, 0, 0, 0, 1);
    expect(stamps.dropped()).toBe(5);
  });

  it('reads one monotonic clock', () => {
    const a = monotonicNs();
    const b = monotonicNs();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Number(process.hrtime.bigint())), 'anchored to hrtime within 1 ms').toBeLessThan(1e6);
  });
});

describe('latency through an engine run', () => {
  it('times every published record in ingress, ring and core, and reports journal and venue with count 0 when the run has neither', async () => {
    const host = await EngineHost.start({});
    const producer = host.inbound;
    const TRADE = EventKind.TRADE | EventKind.SOURCE_REPLAY | EventKind.DIRECTION_INBOUND;
    const total = 5_000;
    let timeNs = 1_700_000_000_000_000_000n;
    for (let i = 0; i < total; ) {
      const count = Math.min(250, total - i);
      let first = producer.tryClaim(count);
      while (first === -1) {
        host.drainOutbound();
        await new Promise((resolve) => setImmediate(resolve));
        first = producer.tryClaim(count);
      }
      for (let k = 0; k < count; k++, i++) {
        timeNs += 1_000_000n;
        const lo = Number(timeNs & 0xffff_ffffn);
        const hi = Number(timeNs >> 32n);
        producer.writeEvent((first + k) >>> 0, TRADE, 0, lo, hi, lo, hi, 100 + (i % 7), 1, 0, 0, 0, 0);
      }
      producer.publish((first + count) >>> 0);
      host.drainOutbound();
    }
    const counters = await host.drainAndStop();
    expect(counters.eventsProcessed).toBe(total);
    const rows = host.latency.rows();
    expect(rows.map((r) => r.stage)).toEqual([...LATENCY_STAGES]);
    expect(row(host.latency, 'ingress').count, 'each published record').toBe(total);
    expect(row(host.latency, 'ring').count + host.latency.unstamped[1], 'each consumed record').toBe(total);
    expect(row(host.latency, 'ring').count).toBeGreaterThan(0);
    expect(row(host.latency, 'core').count, 'each consumed record, in its batch').toBe(total);
    for (const stage of ['ring', 'core']) {
      const r = row(host.latency, stage);
      expect(r.p50Ns, `${stage}: percentiles in order`).toBeLessThanOrEqual(r.p99Ns);
      expect(r.p99Ns).toBeLessThanOrEqual(r.maxNs);
      expect(r.maxNs, `${stage}: a real duration, under the 60 s ceiling`).toBeLessThan(60e9);
    }
    expect(row(host.latency, 'journal'), 'no journal in this run').toMatchObject({ count: 0, p99Ns: 0 });
    expect(row(host.latency, 'venue'), 'no external venue in this run').toMatchObject({ count: 0, p99Ns: 0 });
    const view = host.latency.view();
    expect(view.stages.find((s) => s.stage === 'ingress')!.count).toBe(BigInt(total));
  });
});
