// `ema:N`: exponential moving average, alpha = 2/(N+1), seeded with the SMA of the first N
// closes (TA-Lib EMA). The hidden `emaskip:N:S` skips the first S inputs before seeding:
// MACD's fast EMA, which TA-Lib seeds on the bar where the slow EMA starts.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const ema: IndicatorDeclaration = {
  name: 'ema',
  summary: 'exponential moving average seeded with the SMA of the first N closes',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n]) => ({ opcode: Kernel.EMA, intParams: [n, 0], floatParams: [2 / (n + 1)] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
};

export const emaSkip: IndicatorDeclaration = {
  name: 'emaskip',
  summary: 'EMA that ignores its first S inputs, then seeds with the SMA of the next N',
  hidden: true,
  params: [periodParam(1), { name: 'skip', kind: 'integer', min: 0 }],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n, skip]) => ({ opcode: Kernel.EMA, intParams: [n, skip], floatParams: [2 / (n + 1)] }),
  warmup: ([n, skip], inputWarmup) => inputWarmup + skip + n - 1,
};
