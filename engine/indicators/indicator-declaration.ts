// The shape of one declared indicator: name, parameters (with their rules), inputs (bar
// fields or other indicators' outputs), outputs, warm-up and the core kernel that runs it.
// Declarations are data plus small pure functions of the parameters; the plan
// (plan.ts) resolves them into a shared, topologically ordered program.
import type { KernelCall } from './kernel-opcodes.js';
import type { BarField } from './plan-layout.js';

export interface ParamDeclaration {
  readonly name: string;
  readonly kind: 'integer' | 'number';
  /** Inclusive bounds. */
  readonly min: number;
  readonly max?: number;
  /**
   * Optional parameters may be left out of a token. With a default they take it; without
   * one they are simply absent from the resolved parameter list (see `alias`).
   */
  readonly optional?: boolean;
  readonly default?: number;
}

/** A reference to another indicator's output, as an input of a declaration. */
export interface NodeRef {
  readonly indicator: string;
  readonly params?: readonly number[];
  /** Overrides the referenced indicator's own inputs (e.g. an SMA over volume). */
  readonly inputs?: readonly InputRef[];
  /** Output name; defaults to the first output. */
  readonly output?: string;
}

export type InputRef = BarField | NodeRef;

export interface IndicatorDeclaration {
  readonly name: string;
  readonly summary: string;
  /** Building blocks used by other declarations; not accepted in a SPEC. */
  readonly hidden?: boolean;
  /** Derivative transforms (`@diff:k` ...): their single input is bound by the token. */
  readonly transform?: boolean;
  readonly params: readonly ParamDeclaration[];
  readonly outputs: readonly string[];
  /** Default inputs, in kernel order. */
  inputs(params: readonly number[]): readonly InputRef[];
  kernel(params: readonly number[]): KernelCall;
  /**
   * Warm-up W (first value on bar index W-1) of every output, given the largest warm-up
   * among the node's inputs (1 for bar fields).
   */
  warmup(params: readonly number[], inputWarmup: number): number;
  /** A rule across parameters; returns the failure message (without the token), or undefined. */
  check?(params: readonly number[]): string | undefined;
  /** When defined and returning a reference, the token means that indicator instead. */
  alias?(params: readonly number[]): { indicator: string; params: readonly number[] } | undefined;
}

/** Declares a single-period indicator parameter: an integer >= min. */
export function periodParam(min = 1, name = 'period'): ParamDeclaration {
  return { name, kind: 'integer', min };
}
