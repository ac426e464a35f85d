// `rsi:N`: Wilder RSI seeded with simple averages of the first N gains/losses (TA-Lib RSI;
// first value on bar index N). 0 when average gain + loss is zero by TA-Lib's |x| < 1e-14.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const rsi: IndicatorDeclaration = {
  name: 'rsi',
  summary: 'Wilder relative strength index',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n]) => ({ opcode: Kernel.RSI, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n,
};
