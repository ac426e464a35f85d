// `sma:N`: mean of the last N closes (TA-Lib SMA). Also the building block for means of
// other series (relvol's volume mean, stoch's %K smoothing and %D).
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const sma: IndicatorDeclaration = {
  name: 'sma',
  summary: 'simple moving average of the last N closes',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n]) => ({ opcode: Kernel.SMA, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
};
