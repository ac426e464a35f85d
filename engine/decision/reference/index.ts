// The plain TS reference of fusion + sizing (parity oracle of wasm/assembly/decision).
export { ReferenceDecisionEngine, type RegimeInput, type StepInput } from './reference-decision-engine.js';
export { ReferenceSentiment } from './reference-sentiment.js';
export { evaluateModel, modelOutput, type ModelOutput } from './reference-ml.js';
export { evaluateRule, evaluateTechnical, type FamilyResult } from './reference-technical.js';
