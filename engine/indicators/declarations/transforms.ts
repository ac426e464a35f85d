// Derivative transforms any output can take as a token suffix: `@diff:k` (value - value k
// bars ago), `@lag:k` (value k bars ago), `@slope:k` (least-squares slope per bar of the
// last k values, O(1) by running sums). Their input is bound by the token.
import type { IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const diff: IndicatorDeclaration = {
  name: 'diff',
  summary: 'value minus the value k bars ago',
  transform: true,
  params: [{ name: 'bars', kind: 'integer', min: 1 }],
  outputs: ['value'],
  inputs: () => [],
  kernel: ([k]) => ({ opcode: Kernel.DIFF, intParams: [k] }),
  warmup: ([k], inputWarmup) => inputWarmup + k,
};

export const lag: IndicatorDeclaration = {
  name: 'lag',
  summary: 'the value k bars ago',
  transform: true,
  params: [{ name: 'bars', kind: 'integer', min: 1 }],
  outputs: ['value'],
  inputs: () => [],
  kernel: ([k]) => ({ opcode: Kernel.LAG, intParams: [k] }),
  warmup: ([k], inputWarmup) => inputWarmup + k,
};

export const slope: IndicatorDeclaration = {
  name: 'slope',
  summary: 'least-squares slope per bar of the last k values',
  transform: true,
  params: [{ name: 'bars', kind: 'integer', min: 2 }],
  outputs: ['value'],
  inputs: () => [],
  kernel: ([k]) => ({ opcode: Kernel.SLOPE, intParams: [k] }),
  warmup: ([k], inputWarmup) => inputWarmup + k - 1,
};
