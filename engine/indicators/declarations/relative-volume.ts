// `relvol:N`: volume / SMA(N) of volume, the mean including the current bar; 0 when the
// mean is 0 (no volume in the window).
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const relvol: IndicatorDeclaration = {
  name: 'relvol',
  summary: 'volume relative to its N-bar mean (current bar included)',
  params: [periodParam(1)],
  outputs: ['value'],
  inputs: ([n]) => ['volume', { indicator: 'sma', params: [n], inputs: ['volume'] }],
  kernel: () => ({ opcode: Kernel.RATIO }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
