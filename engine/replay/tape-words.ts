// 32-bit word views over a tape's 64-bit columns, so records are copied into ring
// slots as lo/hi u32 pairs with no BigInt (and no allocation) per event.
import type { ReplayTape } from './bar-replay-tape.js';

export interface TapeWords {
  readonly tsExchange: Uint32Array;
  readonly tsLocal: Uint32Array;
  /** The open price's f64 bits, which BAR records carry in `id`. */
  readonly openBits: Uint32Array;
}

export function tapeWords(tape: ReplayTape): TapeWords {
  return {
    tsExchange: new Uint32Array(tape.tsExchange.buffer, tape.tsExchange.byteOffset, tape.length * 2),
    tsLocal: new Uint32Array(tape.tsLocal.buffer, tape.tsLocal.byteOffset, tape.length * 2),
    openBits: new Uint32Array(tape.open.buffer, tape.open.byteOffset, tape.length * 2),
  };
}
