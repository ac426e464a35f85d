// Public API of engine/strategy: plain rule strategies from the configuration (`strategies`),
// their expressions, compiling them against an indicator plan to the program the core runs
// (wasm/assembly/strategy, PIPE_RULES in the engine pipeline), the core loader, and the plain
// TS reference (./reference) used as the parity oracle.
export {
  STRATEGIES_CONFIG_SCHEMA, StrategyConfigError, assignStrategies, resolveStrategies,
  type FusionStrategyConfig, type ResolveStrategiesOptions, type RuleSideConfig, type RuleStrategyConfig, type StrategyConfig, type StrategySize,
} from './strategy-config.js';
export {
  COMPARE_OPERATORS, RuleExpressionError, comparisonKey, comparisonsOf, disjunctiveNormalForm, expressionTokens, parseRuleExpression,
  type CompareOperator, type RuleComparison, type RuleExpression, type RuleOperand,
} from './rule-expression.js';
export { compileRuleProgram, encodeRulePrograms, parseStrategyExpressions, ruleTokens, type CompiledComparison, type RuleStrategyProgram } from './compile-rule-program.js';
export { WasmRuleStrategy, type RuleCoreExports } from './wasm-rule-strategy.js';
export { ReferenceRuleStrategy, type OperandReader, type ReferenceRuleStep } from './reference/index.js';
