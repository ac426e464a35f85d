// Public surface of the TS reference indicators: the plain streaming oracle the WASM
// indicator kernels are tested against (and that is itself tested against TA-Lib).

export { createReferenceIndicator, REFERENCE_FACTORIES } from './create-reference-indicator.js';
export { parseIndicatorToken, type IndicatorToken, type TransformToken } from './parse-indicator-token.js';
export type { ReferenceIndicator } from './reference-indicator.js';
