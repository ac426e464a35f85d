// `atr:N`: Wilder average of the true range, seeded with the mean of the true ranges of
// bars 1..N (TA-Lib ATR ignores bar 0's range; first value on bar index N).
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const atr: IndicatorDeclaration = {
  name: 'atr',
  summary: 'average true range (Wilder)',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => [{ indicator: 'tr' }],
  kernel: ([n]) => ({ opcode: Kernel.WILDER, intParams: [n, 1] }),
  warmup: ([n], inputWarmup) => inputWarmup + n,
};
