// `vwap:N`: rolling sum(tp v) / sum(v) over the last N bars, tp = (high + low + close) / 3.
// `svwap:HH` (and `vwap` alone = `svwap:0`): session VWAP, reset at HH:00 UTC every day.
// With no volume in the window/session: the current bar's tp.
import type { IndicatorDeclaration } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const vwap: IndicatorDeclaration = {
  name: 'vwap',
  summary: 'rolling VWAP over N bars (`vwap:N`), or the session VWAP from 00:00 UTC (`vwap`)',
  params: [{ name: 'period', kind: 'integer', min: 1, optional: true }],
  outputs: ['value'],
  inputs: () => ['high', 'low', 'close', 'volume'],
  kernel: ([n]) => ({ opcode: Kernel.VWAP, intParams: [n] }),
  warmup: ([n], inputWarmup) => inputWarmup + n - 1,
  alias: (params) => (params.length === 0 ? { indicator: 'svwap', params: [0] } : undefined),
};

export const svwap: IndicatorDeclaration = {
  name: 'svwap',
  summary: 'session VWAP, sessions starting every day at HH:00 UTC',
  params: [{ name: 'hour', kind: 'integer', min: 0, max: 23, optional: true, default: 0 }],
  outputs: ['value'],
  inputs: () => ['high', 'low', 'close', 'volume'],
  kernel: ([hour]) => ({ opcode: Kernel.SVWAP, intParams: [hour] }),
  warmup: (_p, inputWarmup) => inputWarmup,
};
