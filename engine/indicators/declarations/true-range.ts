// `tr`: true range, max(high - low, |prev close - high|, |prev close - low|); high - low on
// the first bar (TA-Lib TRANGE has no value there: see TALIB_DIFFERENCES.md).
import type { IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const tr: IndicatorDeclaration = {
  name: 'tr',
  summary: 'true range (high - low on the first bar)',
  params: [],
  outputs: ['value'],
  inputs: () => ['high', 'low', 'close'],
  kernel: () => ({ opcode: Kernel.TR }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
