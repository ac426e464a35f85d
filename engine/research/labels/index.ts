// Public API of engine/research/labels: triple-barrier labels and meta-labels (Lopez de Prado,
// AFML ch. 3) over bar series, with the volatility and the primary side computed by the same
// indicator plans and WASM kernels the engine runs (batch mode). Definitions: triple-barrier.ts.
export { labelEvents, type Barrier, type BarrierParameters, type Label, type LabelBars } from './triple-barrier.js';
export {
  DEFAULT_HORIZON, DEFAULT_PROFIT_TAKE, DEFAULT_STOP_LOSS, DEFAULT_VOLATILITY_TOKEN, tripleBarrierLabels, type TripleBarrierOptions,
} from './triple-barrier-labels.js';
export { indicatorColumns, toBarColumns } from './indicator-columns.js';
export { parseSideExpression, sidesFromExpression, sidesFromStrategy } from './side-signal.js';
export { LABEL_CSV_COLUMNS, countLabels, writeLabelCsv, type LabelCounts } from './label-csv-writer.js';
export { LabelOptionError } from './label-option-error.js';
