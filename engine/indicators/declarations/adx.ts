// `adx:N`: outputs adx, plusdi, minusdi (Wilder, TA-Lib ADX / PLUS_DI / MINUS_DI). One
// warm-up for the node, 2N: all three appear on bar 2N-1 (TA-Lib's DI start at bar N; see
// TALIB_DIFFERENCES.md).
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const adx: IndicatorDeclaration = {
  name: 'adx',
  summary: 'average directional index with +DI and -DI',
  params: [periodParam(2)],
  outputs: ['adx', 'plusdi', 'minusdi'],
  inputs: () => ['high', 'low', 'close'],
  kernel: ([n]) => ({ opcode: Kernel.ADX, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + 2 * n - 1,
};
