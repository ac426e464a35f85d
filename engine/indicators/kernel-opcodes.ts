// Kernel opcodes of the indicator program and each kernel's shape (inputs, outputs, parameters).
// Mirror of wasm/assembly/indicators/opcodes.ts; the core re-validates every node at load.

export const Kernel = {
  SMA: 1,
  EMA: 2,
  WMA: 3,
  WILDER: 4,
  RSI: 5,
  TR: 6,
  STDDEV: 7,
  LOGRET: 8,
  ZSCORE: 9,
  BB: 10,
  RATIO: 11,
  SUB: 12,
  PACK: 13,
  VWAP: 14,
  SVWAP: 15,
  ROC: 16,
  MAXMIN: 17,
  STOCHK: 18,
  ADX: 19,
  OBV: 20,
  DIFF: 21,
  LAG: 22,
  SLOPE: 23,
} as const;

export type KernelOpcode = (typeof Kernel)[keyof typeof Kernel];

/** Inputs and outputs per kernel; PACK takes 1..4 inputs and has as many outputs. */
export const KERNEL_SHAPES: Readonly<Record<KernelOpcode, { inputs: number; outputs: number }>> = {
  [Kernel.SMA]: { inputs: 1, outputs: 1 },
  [Kernel.EMA]: { inputs: 1, outputs: 1 },
  [Kernel.WMA]: { inputs: 1, outputs: 1 },
  [Kernel.WILDER]: { inputs: 1, outputs: 1 },
  [Kernel.RSI]: { inputs: 1, outputs: 1 },
  [Kernel.TR]: { inputs: 3, outputs: 1 },
  [Kernel.STDDEV]: { inputs: 1, outputs: 1 },
  [Kernel.LOGRET]: { inputs: 1, outputs: 1 },
  [Kernel.ZSCORE]: { inputs: 3, outputs: 1 },
  [Kernel.BB]: { inputs: 3, outputs: 5 },
  [Kernel.RATIO]: { inputs: 2, outputs: 1 },
  [Kernel.SUB]: { inputs: 2, outputs: 1 },
  [Kernel.PACK]: { inputs: -1, outputs: -1 },
  [Kernel.VWAP]: { inputs: 4, outputs: 1 },
  [Kernel.SVWAP]: { inputs: 4, outputs: 1 },
  [Kernel.ROC]: { inputs: 1, outputs: 1 },
  [Kernel.MAXMIN]: { inputs: 2, outputs: 2 },
  [Kernel.STOCHK]: { inputs: 3, outputs: 1 },
  [Kernel.ADX]: { inputs: 3, outputs: 3 },
  [Kernel.OBV]: { inputs: 2, outputs: 1 },
  [Kernel.DIFF]: { inputs: 1, outputs: 1 },
  [Kernel.LAG]: { inputs: 1, outputs: 1 },
  [Kernel.SLOPE]: { inputs: 1, outputs: 1 },
};

/** What a declaration asks the core to run: an opcode and its integer / float parameters. */
export interface KernelCall {
  readonly opcode: KernelOpcode;
  readonly intParams?: readonly number[]; // up to 3
  readonly floatParams?: readonly number[]; // up to 2
}

/**
 * Bytes of state a kernel keeps per slot for window `n` (its first integer parameter): mirror
 * of `opStateBytes` in wasm/assembly/indicators/opcodes.ts (test/indicators-plan.test.ts holds
 * the plan total to the core's indStateBytes).
 */
export function kernelStateBytes(opcode: KernelOpcode, n: number): number {
  switch (opcode) {
    case Kernel.SMA: return 16 + 8 * n;
    case Kernel.EMA: return 24;
    case Kernel.WMA: return 32 + 8 * n;
    case Kernel.WILDER: return 24;
    case Kernel.RSI: return 32;
    case Kernel.TR: return 16;
    case Kernel.STDDEV: return 40 + 8 * n;
    case Kernel.LOGRET: return 16;
    case Kernel.VWAP: return 40 + 16 * n;
    case Kernel.SVWAP: return 32;
    case Kernel.ROC: return 8 + 8 * n;
    case Kernel.MAXMIN: return 32 + 16 * n;
    case Kernel.ADX: return 72;
    case Kernel.OBV: return 24;
    case Kernel.DIFF: case Kernel.LAG: return 8 + 8 * n;
    case Kernel.SLOPE: return 40 + 8 * n;
    default: return 0;
  }
}
