// `roc:N`: 100 (c_t / c_t-N - 1) (TA-Lib ROC; 0 when c_t-N is 0).
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const roc: IndicatorDeclaration = {
  name: 'roc',
  summary: 'rate of change in percent over N bars',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n]) => ({ opcode: Kernel.ROC, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n,
};
