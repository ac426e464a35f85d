// Plays a replay tape into the engine's inbound ring: batch claim, write the slots
// in place, publish. Between batches it drains the outbound ring and yields to the
// event loop, so signals and clients are served while it runs. Optional pacing
// (records per second) replays at a chosen speed instead of as fast as possible.
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { EngineHost } from '../threads/index.js';
import type { ReplayTape } from './bar-replay-tape.js';
import { tapeWords } from './tape-words.js';

export interface PlayOptions {
  /** Records claimed and published at once. */
  batch: number;
  /** Records per second; 0 plays as fast as the engine consumes. */
  rate: number;
  /** Checked between batches: true stops the play at a batch boundary. */
  shouldStop(): boolean;
  /** Called between batches with the records published so far. */
  onProgress?(published: number): void;
}

export interface PlayResult {
  /** Records published to the inbound ring. */
  published: number;
  /** Tape rows among them (the rest are venue replies). */
  rows: number;
  /** The checksum the core should report when it was not the tape's alone (venue replies in between). */
  checksum?: string;
  /** Nanoseconds from the first claim until the core reported every published record consumed. */
  elapsedNs: bigint;
  stoppedEarly: boolean;
}

const BATCHES_BETWEEN_YIELDS = 16;
/** Longest sleep while waiting for the engine (it wakes the I/O thread sooner when it publishes). */
const WAIT_MS = 5;

export async function playTape(tape: ReplayTape, host: EngineHost, options: PlayOptions): Promise<PlayResult> {
  const producer = host.inbound;
  const words = tapeWords(tape);
  const { tsExchange, tsLocal, openBits } = words;
  const { instrument, close, volume, high, low } = tape;
  const kind = tape.kind;
  const consumedBefore = host.consumedReported;
  const started = process.hrtime.bigint();
  let row = 0;
  let batches = 0;
  let stoppedEarly = false;
  while (row < tape.length) {
    if (options.shouldStop()) {
      stoppedEarly = true;
      break;
    }
    let count = Math.min(options.batch, tape.length - row);
    if (options.rate > 0) {
      const due = Math.floor((Number(process.hrtime.bigint() - started) / 1e9) * options.rate);
      if (due <= row) {
        host.drainOutbound();
        options.onProgress?.(row);
        await sleep(1);
        continue;
      }
      count = Math.min(count, due - row);
    }
    const first = producer.tryClaim(count);
    if (first === -1) {
      host.checkHealthy();
      if (host.drainOutbound() === 0) await host.waitForInboundRoom(WAIT_MS);
      continue;
    }
    for (let k = 0; k < count; k++, row++) {
      const w = row * 2;
      producer.writeEvent(
        (first + k) >>> 0,
        kind,
        instrument[row],
        tsExchange[w],
        tsExchange[w + 1],
        tsLocal[w],
        tsLocal[w + 1],
        close[row],
        volume[row],
        high[row],
        low[row],
        openBits[w],
        openBits[w + 1],
      );
    }
    producer.publish((first + count) >>> 0);
    if (++batches % BATCHES_BETWEEN_YIELDS === 0) {
      host.checkHealthy();
      host.drainOutbound();
      options.onProgress?.(row);
      await yieldToEventLoop();
    }
  }
  await host.waitUntilConsumed(consumedBefore + row, options.shouldStop);
  const elapsedNs = process.hrtime.bigint() - started;
  options.onProgress?.(row);
  return { published: row, rows: row, elapsedNs, stoppedEarly };
}
