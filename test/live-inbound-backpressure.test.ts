// A live push session whose engine falls behind (engine/live journaled-inbound.ts): a burst of
// venue records larger than the inbound ring, pushed while the engine thread is parked, does not
// block the I/O thread (the adapter's callback returns at once), loses nothing and keeps order:
// every record is journaled at the inbound sequence it is published at, the core takes them all,
// and its decisions equal those of a session with room to spare. The condition is logged and
// reported to the watcher (the health topic's reason).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../engine/journal/index.js';
import { EVENT_BYTES, EventKind, f64Bits, storeEventRecord } from '../engine/layout/event-record.js';
import {
  runLiveSession, SessionStop, type LiveSessionResult, type PushMarketStream, type PushVenueAdapter, type VenueRecordListener, type VenueStatus,
} from '../engine/live/index.js';
import type { EngineHost } from '../engine/threads/index.js';
import { isParked, releasePark, requestPark } from '../engine/threads/core-checkpoint.js';
import { tradingFixture, type TradingFixture } from './trading-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'qf-inbound-full-'));
let fixture: TradingFixture;

/** A push venue in paper mode whose market records the test pushes itself. */
class BurstVenue implements PushVenueAdapter {
  readonly name = 'burst';
  listener: VenueRecordListener | null = null;
  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  onRecord(listener: VenueRecordListener): void { this.listener = listener; }
  onDisconnect(): void {}
  onReconnect(): void {}
  subscribe(_streams: readonly PushMarketStream[]): void {}
  submit(): void { throw new Error('paper mode sends no order'); }
  cancel(): void { throw new Error('paper mode sends no cancel'); }
  replace(): void { throw new Error('paper mode sends no replace'); }
  async sync(): Promise<void> {}
  async market(): Promise<number> { return 0; }
  async status(): Promise<VenueStatus> { return { nowNs: 0n, marketSeq: 0n, lastFillId: 0n }; }
  async openOrders(): Promise<never[]> { return []; }
  async order(): Promise<null> { return null; }
  async positions(): Promise<never[]> { return []; }
  async fillsSince(): Promise<Uint8Array[]> { return []; }
}

/** The fixture's bars as the venue's BAR records (64 bytes each). */
function barRecords(): Uint8Array[] {
  const tape = fixture.tape;
  const records: Uint8Array[] = [];
  for (let i = 0; i < tape.length; i++) {
    const bytes = new Uint8Array(EVENT_BYTES);
    storeEventRecord(new DataView(bytes.buffer), 0, {
      kind: EventKind.BAR | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, instrument: tape.instrument[i], tsExchange: tape.tsExchange[i], tsLocal: tape.tsLocal[i],
      price: tape.close[i], size: tape.volume[i], a: tape.high[i], b: tape.low[i], id: f64Bits(tape.open[i]),
    });
    records.push(bytes);
  }
  return records;
}

interface Session { result: LiveSessionResult; log: string[]; waits: number[]; burstReturned: boolean; waitingAfterBurst: number; journalDir: string }

/** One paper push session; the venue pushes every bar in one synchronous burst, with the engine parked when `parkEngine`. */
async function session(name: string, inboundCapacity: number | undefined, parkEngine: boolean): Promise<Session> {
  const journalDir = path.join(dir, name);
  const venue = new BurstVenue();
  const stop = new SessionStop();
  const log: string[] = [];
  const waits: number[] = [];
  let host: EngineHost | undefined;
  let trading!: () => void;
  const tradingNow = new Promise<void>((resolve) => { trading = resolve; });
  const running = runLiveSession({
    journalDir, pipeline: fixture.pipeline(true), adapter: venue, feed: 'push', log: (line) => log.push(line),
    ...(inboundCapacity !== undefined ? { inboundCapacity } : {}),
    push: { streams: [{ instrument: 0, channel: 'bars', timeframe: '1h' }], venueOrders: false, timerIntervalMs: 3_600_000, stop },
    watcher: {
      engineStarted: (h) => { host = h; },
      phase: (phase) => { if (phase === 'trading') trading(); },
      inboundWaiting: (waiting) => waits.push(waiting),
    },
  });
  await Promise.race([tradingNow, running]);
  const i32 = new Int32Array(host!.memory.buffer);
  if (parkEngine) {
    requestPark(i32);
    while (!isParked(i32)) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const records = barRecords();
  let burstReturned = false;
  let waitingAfterBurst = -1;
  try {
    records.forEach((record, i) => venue.listener!(record, BigInt(i + 1)));
    burstReturned = true;
    // Read while the engine is still parked: once released it may take records at once.
    waitingAfterBurst = host!.inbound.capacity - host!.inbound.freeSlots();
  } finally {
    if (parkEngine) releasePark(i32);
  }
  stop.stop({ policy: 'keep', who: 'test', why: 'burst played', boundMs: 1000 });
  const result = await running;
  return { result, log, waits, burstReturned, waitingAfterBurst, journalDir };
}

beforeAll(async () => {
  fixture = await tradingFixture(300);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('live session: the engine falls behind the venue', () => {
  it('keeps a burst larger than the inbound ring in order without blocking the I/O thread: nothing lost, the same decisions, the condition reported', async () => {
    const bars = fixture.tape.length;
    const roomy = await session('roomy', undefined, false);
    const full = await session('full', 16, true);
    expect(full.burstReturned, 'the venue callback returns while the engine is parked (records wait, journaled)').toBe(true);
    expect(full.waitingAfterBurst, 'the parked engine left the 16-slot ring full').toBe(16);
    expect(full.waits, 'the watcher hears the ring fill, then the waiting records all go out').toEqual([1, 0]);
    expect(full.log.some((line) => line.includes('the ring is full (the engine is behind)')), full.log.join('\n')).toBe(true);
    expect(full.log.some((line) => line.includes(`at most ${bars - 16} records waited`)), full.log.join('\n')).toBe(true);
    expect(full.result.marketRecords).toBe(bars);
    expect(full.result.inboundWaits, 'the result counts the stretch and its most waiting records').toEqual({ stretches: 1, mostWaiting: bars - 16 });
    expect(roomy.result.inboundWaits, 'with room to spare nothing waited').toEqual({ stretches: 0, mostWaiting: 0 });
    expect(full.result.decisionsHash, 'the core decided exactly as with a ring large enough').toBe(roomy.result.decisionsHash);
    const journal = Journal.open(full.journalDir);
    try {
      const inbound = [...journal.read()].map((view) => view.entry).filter((entry) => entry.type === 'inbound');
      expect(inbound.map((entry) => entry.type === 'inbound' ? Number(entry.inboundSeq) : -1)).toEqual([...Array(bars).keys()]);
      expect(inbound.map((entry) => entry.type === 'inbound' ? Number(entry.sourceSeq) : -1)).toEqual([...Array(bars).keys()].map((i) => i + 1));
    } finally {
      journal.close();
    }
  }, 120_000);
});
