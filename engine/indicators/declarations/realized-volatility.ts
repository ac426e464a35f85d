// `rvol:N`: sample standard deviation (N - 1 denominator) of the last N log returns
// ln(c_t / c_t-1); hidden `logret` is the return series.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const logret: IndicatorDeclaration = {
  name: 'logret',
  summary: 'log return ln(x_t / x_t-1)',
  hidden: true,
  params: [],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: () => ({ opcode: Kernel.LOGRET }),
  warmup: (_p, inputWarmup) => inputWarmup + 1,
};

export const rvol: IndicatorDeclaration = {
  name: 'rvol',
  summary: 'realised volatility: sample std of the last N log returns',
  params: [periodParam(2)],
  outputs: ['value'],
  inputs: () => [{ indicator: 'logret' }],
  kernel: ([n]) => ({ opcode: Kernel.STDDEV, intParams: [n, 1] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
};
