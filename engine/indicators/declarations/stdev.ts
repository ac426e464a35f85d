// Hidden `stdev:N:D`: standard deviation of the last N values with denominator N - D
// (D = 0 population, 1 sample); shifted sums recomputed every N bars, exactly 0 for a flat
// window. Shared by bb, zscore, volz and rvol.
import type { IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const stdev: IndicatorDeclaration = {
  name: 'stdev',
  summary: 'rolling standard deviation (denominator N - ddof)',
  hidden: true,
  params: [
    { name: 'period', kind: 'integer', min: 1 },
    { name: 'ddof', kind: 'integer', min: 0, max: 1 },
  ],
  outputs: ['value'],
  inputs: () => ['close'],
  kernel: ([n, ddof]) => ({ opcode: Kernel.STDDEV, intParams: [n, ddof] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
  check: ([n, ddof]) => (n > ddof ? undefined : `\`period\` must be > \`ddof\` (${ddof}), was ${n}`),
};
