// `macd:F:S:G`: outputs macd = EMA_F - EMA_S, signal = EMA_G(macd), hist = macd - signal,
// seeded as TA-Lib MACD: the fast EMA skips the first S - F closes so both EMAs start on
// bar S-1; all three outputs appear together on bar S + G - 2 (TA-Lib's lookback).
// `ema:S` is the slow EMA, shared with a demanded `ema:S`.
import { periodParam, type IndicatorDeclaration, type NodeRef } from '../indicator-declaration.js';
import { Kernel } from '../kernel-opcodes.js';

export const macdLine: IndicatorDeclaration = {
  name: 'macdline',
  summary: 'fast EMA (TA-Lib MACD seeding) minus slow EMA',
  hidden: true,
  params: [periodParam(1, 'fast'), periodParam(2, 'slow')],
  outputs: ['value'],
  inputs: ([fast, slow]) => [{ indicator: 'emaskip', params: [fast, slow - fast] }, { indicator: 'ema', params: [slow] }],
  kernel: () => ({ opcode: Kernel.SUB }),
  warmup: (_p, inputWarmup) => inputWarmup,
};

export const sub: IndicatorDeclaration = {
  name: 'sub',
  summary: 'difference of two series (inputs bound by the referencing declaration)',
  hidden: true,
  params: [],
  outputs: ['value'],
  inputs: () => [],
  kernel: () => ({ opcode: Kernel.SUB }),
  warmup: (_p, inputWarmup) => inputWarmup,
};

export const macd: IndicatorDeclaration = {
  name: 'macd',
  summary: 'MACD line, signal line and histogram',
  params: [periodParam(1, 'fast'), periodParam(2, 'slow'), periodParam(1, 'signal')],
  outputs: ['macd', 'signal', 'hist'],
  inputs: ([fast, slow, signal]) => {
    const line: NodeRef = { indicator: 'macdline', params: [fast, slow] };
    const signalLine: NodeRef = { indicator: 'ema', params: [signal], inputs: [line] };
    return [line, signalLine, { indicator: 'sub', inputs: [line, signalLine] }];
  },
  kernel: () => ({ opcode: Kernel.PACK }),
  warmup: (_p, inputWarmup) => inputWarmup,
  check: ([fast, slow]) => (fast < slow ? undefined : `\`fast\` must be < \`slow\` (${slow}), was ${fast}`),
};
