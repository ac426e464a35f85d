// `obv`: on-balance volume, starting at the first bar's volume (TA-Lib OBV).
import type { IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const obv: IndicatorDeclaration = {
  name: 'obv',
  summary: 'on-balance volume',
  params: [],
  outputs: ['value'],
  inputs: () => ['close', 'volume'],
  kernel: () => ({ opcode: Kernel.OBV }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
