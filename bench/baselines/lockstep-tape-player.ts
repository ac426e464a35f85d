// Plays a replay tape with a venue in the loop: bars go to the engine one close time at a
// time, and before each bar the venue's replies (fills, rejects) to the orders the engine
// accepted on earlier bars are published. Per close time:
//
//   venue replies for the group's instruments + the group's BAR records --> inbound ring
//   wait until the core reported them consumed (PROGRESS)
//   drain the outbound ring: ORDER records --> venue.onOrder (EngineHost's onOrder)
//
// So every decision sees exactly the fills a live venue could have reported by then, and the
// run is deterministic. Pacing (options.rate, bars per second) delays close times, never
// splits one. Slower than playTape (one round trip per close time), which replays
// without a venue as fast as the core consumes.
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { EngineHost } from '../../engine/threads/index.js';
import { EventChecksum, RingMemory } from '../../engine/ring/index.js';
import type { ReplayTape } from '../../engine/replay/bar-replay-tape.js';
import { f64Bits, publishRecords, writeInboundRecord, type InboundRecord } from '../../engine/replay/inbound-records.js';
import type { ReplayVenue } from './lockstep-venue.js';
import type { PlayOptions, PlayResult } from '../../engine/replay/tape-player.js';

const GROUPS_BETWEEN_YIELDS = 64;

/** Folds published records into the checksum the core keeps (the replay's end-to-end check). */
function foldInto(checksum: EventChecksum, scratch: RingMemory, records: readonly InboundRecord[]): void {
  for (const record of records) {
    writeInboundRecord(scratch, 0, record);
    checksum.foldRecord(scratch.u32, 0);
  }
}

/** Plays `tape` with `venue` answering orders; the host must deliver ORDER records to `venue.onOrder`. */
export async function playTapeWithVenue(tape: ReplayTape, host: EngineHost, venue: ReplayVenue, options: PlayOptions): Promise<PlayResult> {
  const consumedBefore = host.consumedReported;
  const started = process.hrtime.bigint();
  let published = 0;
  let row = 0;
  let groups = 0;
  let stoppedEarly = false;
  const records: InboundRecord[] = [];
  const checksum = new EventChecksum();
  const scratch = RingMemory.of(new SharedArrayBuffer(64));
  while (row < tape.length) {
    if (options.shouldStop()) {
      stoppedEarly = true;
      break;
    }
    if (options.rate > 0 && Math.floor((Number(process.hrtime.bigint() - started) / 1e9) * options.rate) <= row) {
      options.onProgress?.(row);
      await sleep(1); // paced: the next close time is not due yet
      continue;
    }
    records.length = 0;
    const close = tape.tsLocal[row];
    for (; row < tape.length && tape.tsLocal[row] === close; row++) {
      const instrument = tape.instrument[row];
      venue.repliesBefore(instrument, tape.open[row], tape.tsExchange[row], records);
      records.push({
        kind: tape.kind, instrument, tsExchange: tape.tsExchange[row], tsLocal: close,
        price: tape.close[row], size: tape.volume[row], a: tape.high[row], b: tape.low[row], id: f64Bits(tape.open[row]),
      });
    }
    await publishRecords(host, records);
    foldInto(checksum, scratch, records);
    published += records.length;
    const target = consumedBefore + published;
    for (let polls = 1; host.consumedReported < target; polls++) {
      host.checkHealthy();
      if (host.drainOutbound() === 0 && polls % 256 === 0) await yieldToEventLoop();
    }
    host.drainOutbound();
    if (++groups % GROUPS_BETWEEN_YIELDS === 0) {
      options.onProgress?.(row);
      await yieldToEventLoop();
    }
  }
  options.onProgress?.(row);
  return { published, rows: row, checksum: checksum.toHex(), elapsedNs: process.hrtime.bigint() - started, stoppedEarly };
}
