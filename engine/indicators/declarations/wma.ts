// `wma:N`: linearly weighted mean of the last N closes, weights 1..N with the newest
// weighted N (TA-Lib WMA); O(1) by a running sum and weighted sum.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const wma: IndicatorDeclaration = {
  name: 'wma',
  summary: 'linearly weighted moving average of the last N closes',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n]) => ({ opcode: Kernel.WMA, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
};
