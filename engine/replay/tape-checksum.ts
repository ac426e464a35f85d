// The checksum the core should report after consuming the first `count` records of a
// tape: the same records written to a scratch slot and folded with EventChecksum.
// Used to verify a replay end to end; not on the hot path.
import { EventChecksum, RingMemory, writeEventRecord } from '../ring/index.js';
import type { ReplayTape } from './bar-replay-tape.js';
import { tapeWords } from './tape-words.js';

export function tapeChecksum(tape: ReplayTape, count: number = tape.length): string {
  const scratch = RingMemory.of(new SharedArrayBuffer(64));
  const { tsExchange, tsLocal, openBits } = tapeWords(tape);
  const checksum = new EventChecksum();
  for (let row = 0; row < count; row++) {
    const w = row * 2;
    writeEventRecord(
      scratch, 0, tape.kind, tape.instrument[row],
      tsExchange[w], tsExchange[w + 1], tsLocal[w], tsLocal[w + 1],
      tape.close[row], tape.volume[row], tape.high[row], tape.low[row], openBits[w], openBits[w + 1],
    );
    checksum.foldRecord(scratch.u32, 0);
  }
  return checksum.toHex();
}
