// The stream bench (bench/stream.bench.ts) at a tiny scale: its JSON document has the shape the
// report promises, every client got every frame from both servers (with where the time went), and
// the engine legs measured every stage with and without clients, the stalled client's frames
// coalesced and then its 4008 close.
import { describe, expect, it } from 'vitest';
import { fanOutRun, parseStreamBenchArgs, printStreamBench, runStreamBench, type StreamBenchResult } from '../bench/stream.bench.js';
import { nativeClientsProgram } from '../bench/stream-fleet.js';

describe('stream bench', () => {
  it('fans every frame out to every client on uWS and ws and measures the engine p99 with and without clients', async () => {
    // 12 s of paper at 3.6M x: the stalled client passes the soft limit (its receive window is
    // kept small, so the kernel's buffers hold little) and is closed 1 s later.
    const options = parseStreamBenchArgs(['--clients', '3', '--frames', '2000', '--reps', '1', '--engine-seconds', '12', '--stall-ms', '1000']);
    const result = JSON.parse(JSON.stringify(await runStreamBench(options, () => undefined))) as StreamBenchResult;
    expect(result.suite).toBe('stream');
    expect(result.options).toMatchObject({ clients: 3, frames: 2000, reps: 1 });
    expect(result.fanOut.map((f) => f.server), 'uWS and the ws baseline, measured in the same run').toEqual(['uWebSockets.js', 'ws']);
    for (const leg of result.fanOut) {
      expect(leg.samples).toHaveLength(1);
      for (const sample of leg.samples) {
        expect(sample.received, `${leg.server}: every client received every frame`).toEqual({ min: 2000, max: 2000 });
        expect(sample.coalesced, `${leg.server}: nothing coalesced`).toBe(0);
        expect(sample.frameBytes, `${leg.server}: a state delta frame`).toBeGreaterThan(100);
        expect(sample.framesPerSecond).toBeGreaterThan(0);
        expect(sample.serverElu, `${leg.server}: server event-loop utilisation`).toBeGreaterThan(0);
        expect(sample.serverElu).toBeLessThanOrEqual(1);
        if (result.clientKind === 'native') {
          expect(sample.clientsElu, 'native clients have no event loop to measure').toBeNull();
          expect(sample.clientsCpuNsPerFrame, `${leg.server}: the native clients' CPU per frame`).toBeGreaterThan(0);
        } else {
          expect(sample.clientsElu).toBeGreaterThan(0);
        }
        expect(sample.serverCpuNsPerFrame, `${leg.server}: the server thread's CPU per frame`).toBeGreaterThan(0);
        expect(sample.cpuPerSecond).toBeGreaterThan(0);
      }
      expect(leg.medianFramesPerSecond).toBe(leg.samples[0].framesPerSecond);
    }
    expect(result.engine, 'the engine leg ran (no --skip-engine)').not.toBeNull();
    const { noClients, withClients, ratio } = result.engine!;
    expect(noClients.clients).toBe(0);
    expect(withClients).toMatchObject({ clients: 3, stalled: 1 });
    for (const leg of [noClients, withClients]) {
      for (const run of leg.runs) {
        expect(run.stages.map((s) => s.stage)).toEqual(['ingress', 'ring', 'core', 'intent']);
        for (const stage of run.stages) expect(stage.count, `${leg.clients} clients: stage ${stage.stage} timed records`).toBeGreaterThan(0);
      }
      expect(leg.medianTickToIntentP99Ns).toBeGreaterThan(0);
    }
    const watched = withClients.runs[0];
    expect(watched.framesPerClient!.min, 'each reading client got frames from the paper session').toBeGreaterThan(0);
    expect(watched.framesCoalesced, 'the stalled client passed the soft limit: frames coalesced').toBeGreaterThan(0);
    expect(watched.slowClientDisconnects, 'and was closed (4008) past the stall limit').toBe(1);
    expect(watched.firstDisconnectSeconds!).toBeGreaterThan(watched.firstCoalescedSeconds!);
    expect(noClients.runs[0]).toMatchObject({ framesCoalesced: 0, slowClientDisconnects: 0, firstCoalescedSeconds: null, firstDisconnectSeconds: null });
    expect(ratio).toBeCloseTo(withClients.medianTickToIntentP99Ns / noClients.medianTickToIntentP99Ns, 10);
    expect(result.goals.map((g) => g.goal)).toEqual([expect.stringMatching(/^fan-out >= 5M frames\/s/), expect.stringMatching(/^tick-to-intent p99 change < 10%/)]);
    for (const goal of result.goals) expect(typeof goal.met).toBe('boolean');
    expect(result.loadAverage.before).toHaveLength(3);
    expect(result.clientKind, 'gcc is on the machines the tests run on: the C clients are built and used').toBe('native');
  }, 240_000);

  it('runs the fan-out leg only with --skip-engine: no paper runs, no p99 goal', async () => {
    const options = parseStreamBenchArgs(['--clients', '2', '--frames', '500', '--reps', '1', '--skip-engine']);
    expect(options.skipEngine).toBe(true);
    const lines: string[] = [];
    const result = await runStreamBench(options, (line) => lines.push(line));
    expect(result.engine, 'no engine leg').toBeNull();
    expect(lines.filter((line) => line.includes('paper')), 'no paper run was started').toEqual([]);
    expect(result.fanOut.map((f) => f.samples[0].received)).toEqual([{ min: 500, max: 500 }, { min: 500, max: 500 }]);
    expect(result.goals.map((g) => g.goal)).toEqual([expect.stringMatching(/^fan-out >= 5M frames\/s/)]);
    const printed: string[] = [];
    printStreamBench(result, (line) => printed.push(line));
    expect(printed).toContain('engine leg: skipped (--skip-engine)');
  }, 120_000);

  it('runs the same fan-out with the Node clients (the fallback without a C compiler)', async () => {
    const options = parseStreamBenchArgs(['--clients', '3', '--frames', '1000', '--client-kind', 'node']);
    const sample = await fanOutRun('uWebSockets.js', options, { kind: 'node', program: null });
    expect(sample.received, 'every Node client received every frame').toEqual({ min: 1000, max: 1000 });
    expect(sample.clientsElu, 'the Node client workers\' event-loop utilisation').toBeGreaterThan(0);
    expect(sample.clientsCpuNsPerFrame, 'Node clients share the bench process: no CPU of their own').toBeNull();
  }, 120_000);

  it('says why the native clients cannot be built when the C compiler is missing', () => {
    const saved = process.env.CC;
    process.env.CC = '/nonexistent/quantflow-cc';
    try {
      expect(nativeClientsProgram()).toEqual({ reason: expect.stringMatching(/^no C compiler: `\/nonexistent\/quantflow-cc` could not run \(ENOENT\)/) });
    } finally {
      if (saved === undefined) delete process.env.CC;
      else process.env.CC = saved;
    }
  });
});
