// `stoch:K:D` and `stoch:K:S:D`: fast %K = 100 (close - LL_K) / (HH_K - LL_K) (0 when
// HH == LL, as TA-Lib); k = SMA_S(fast %K) (S = 1: fast %K itself), d = SMA_D(k); both
// outputs appear together on bar K + S + D - 3. `stoch:K:D` = TA-Lib STOCHF(K, D, SMA);
// `stoch:K:S:D` = TA-Lib STOCH(K, S, SMA, D, SMA). HH/LL come from the shared donchian:K.
import { periodParam, type IndicatorDeclaration, type NodeRef } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const stochK: IndicatorDeclaration = {
  name: 'stochk',
  summary: 'fast stochastic %K',
  hidden: true,
  params: [periodParam(1, 'k')],
  outputs: ['value'],
  inputs: ([k]) => [
    'close',
    { indicator: 'donchian', params: [k], output: 'upper' },
    { indicator: 'donchian', params: [k], output: 'lower' },
  ],
  kernel: () => ({ opcode: Kernel.STOCHK }),
  warmup: (_p, inputWarmup) => inputWarmup,
};

export const stoch: IndicatorDeclaration = {
  name: 'stoch',
  summary: 'stochastic oscillator: k (smoothed %K) and d (SMA of k)',
  params: [periodParam(1, 'k'), { name: 'smoothing', kind: 'integer', min: 1, optional: true, default: 1 }, periodParam(1, 'd')],
  outputs: ['k', 'd'],
  inputs: ([k, smoothing, d]) => {
    const fast: NodeRef = { indicator: 'stochk', params: [k] };
    const slow: NodeRef = smoothing === 1 ? fast : { indicator: 'sma', params: [smoothing], inputs: [fast] };
    return [slow, { indicator: 'sma', params: [d], inputs: [slow] }];
  },
  kernel: () => ({ opcode: Kernel.PACK }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
