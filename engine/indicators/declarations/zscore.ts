// `zscore:N`: (close - SMA(N)) / population sigma(N) of closes; 0 when sigma is 0.
// `volz:N`: the same over volume.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const zscore: IndicatorDeclaration = {
  name: 'zscore',
  summary: 'z-score of the close against the last N closes',
  params: [periodParam(2)],
  outputs: ['value'],
  inputs: ([n]) => ['close', { indicator: 'sma', params: [n] }, { indicator: 'stdev', params: [n, 0] }],
  kernel: () => ({ opcode: Kernel.ZSCORE }),
  warmup: (_p, inputWarmup) => inputWarmup,
};

export const volz: IndicatorDeclaration = {
  name: 'volz',
  summary: 'z-score of the volume against the last N volumes',
  params: [periodParam(2)],
  outputs: ['value'],
  inputs: ([n]) => [
    'volume',
    { indicator: 'sma', params: [n], inputs: ['volume'] },
    { indicator: 'stdev', params: [n, 0], inputs: ['volume'] },
  ],
  kernel: () => ({ opcode: Kernel.ZSCORE }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
