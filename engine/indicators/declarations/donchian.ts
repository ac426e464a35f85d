// `donchian:N`: upper = max high, lower = min low over the last N bars (van Herk/Gil-Werman blocks;
// peers TA-Lib MAX(high, N) / MIN(low, N)). Shared with `stoch:N:...`'s highest/lowest.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const donchian: IndicatorDeclaration = {
  name: 'donchian',
  summary: 'Donchian channel: highest high and lowest low of the last N bars',
  params: [periodParam(1)],
  outputs: ['upper', 'lower'],
  inputs: () => ['high', 'low'],
  kernel: ([n]) => ({ opcode: Kernel.MAXMIN, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
};
