// The plain TS reference of rule strategies (parity oracle of the core's strategy/).
export { ReferenceRuleStrategy, type OperandReader, type ReferenceRuleStep } from './reference-rule-strategy.js';
