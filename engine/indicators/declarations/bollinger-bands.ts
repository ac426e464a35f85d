// `bb:N:K`: Bollinger bands. middle = SMA(N), sigma = population std of the last N closes,
// upper/lower = middle +/- K sigma (TA-Lib BBANDS, SMA); pctb = (close - lower)/(upper - lower)
// (0.5 when upper == lower); bandwidth = (upper - lower)/middle (0 when middle == 0).
// Shares its sma:N and stdev nodes with `sma:N` and `zscore:N`.
import { periodParam, type IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const bb: IndicatorDeclaration = {
  name: 'bb',
  summary: 'Bollinger bands: upper, middle, lower, %b, bandwidth',
  params: [periodParam(2), { name: 'deviations', kind: 'number', min: 0 }],
  outputs: ['upper', 'middle', 'lower', 'pctb', 'bandwidth'],
  inputs: ([n]) => ['close', { indicator: 'sma', params: [n] }, { indicator: 'stdev', params: [n, 0] }],
  kernel: ([, k]) => ({ opcode: Kernel.BB, floatParams: [k] }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
