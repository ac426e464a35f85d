// What each fold's ONNX graph says about itself, checked against model.json. tools/train writes
// into every graph's metadata_props (onnx-metadata-props.ts reads them):
//
//   quantflow.fold             k                          must equal the fold's index
//   quantflow.availableFromNs  the fold's availableFromNs must equal folds[k].availableFromNs
//   quantflow.horizonBars      target.horizonBars         checked when present
//   quantflow.features         features, comma-joined     checked when present (names and order)
//   quantflow.quantiles        0.1,0.25,0.5,0.75,0.9      checked when present
//   quantflow.dataSha256       data.sha256                checked when present
//
// model.json is not a fold file (no sha256 covers it), so without this a fold could be moved to
// serve bars inside its own training window: folds[k].availableFromNs moved back, or another
// fold's graph copied over fold-k.onnx with its sha256 updated.
//
// Graphs without any `quantflow.` key (models trained before the keys were written, or built by
// hand) are served on model.json's word, and the bundle says so (`provenance: 'absent'`). A graph
// with some keys must carry quantflow.fold and quantflow.availableFromNs, and a model must not
// mix graphs with and without them (a graph was replaced).
import path from 'node:path';
import { ModelContractError, shown } from './model-errors.js';
import { MODEL_QUANTILES, type QuantileModelMetadata } from './model-metadata.js';
import { readOnnxMetadataProps } from './onnx-metadata-props.js';

const PREFIX = 'quantflow.';

/** Whether the folds' graphs carry their training provenance ('embedded', checked) or none ('absent'). */
export type FoldProvenance = 'embedded' | 'absent';

/**
 * Checks every fold graph's embedded quantflow.* metadata against `metadata`; throws a
 * ModelContractError naming the file, the key, both values and the rule. Graphs whose bytes do
 * not parse as protobuf are left to onnxruntime (it reports them at load).
 */
export function checkFoldProvenance(metadata: QuantileModelMetadata, foldBytes: readonly Uint8Array[], origin: string): FoldProvenance {
  const marked: number[] = [];
  const unmarked: number[] = [];
  metadata.folds.forEach((fold, k) => {
    const props = readOnnxMetadataProps(foldBytes[k]);
    if (props === null) return;
    const keys = [...props.keys()].filter((key) => key.startsWith(PREFIX));
    if (keys.length === 0) {
      unmarked.push(k);
      return;
    }
    marked.push(k);
    const file = path.join(origin, fold.file);
    const require = (key: string, expected: string, rule: string): void => {
      const actual = props.get(key);
      if (actual !== expected) {
        throw new ModelContractError(`${file}: the graph's metadata \`${key}\` is ${shown(actual)}, model.json says ${shown(expected)} (${rule})`);
      }
    };
    const ifPresent = (key: string, expected: string, rule: string): void => {
      if (props.has(key)) require(key, expected, rule);
    };
    require(`${PREFIX}fold`, String(k), `the graph of fold ${k} must have been trained as fold ${k}: a graph of another fold serves bars inside its own training window`);
    require(`${PREFIX}availableFromNs`, String(fold.availableFromNs), `folds[${k}].availableFromNs must be the one the fold was trained with: an earlier one serves bars inside its training window`);
    ifPresent(`${PREFIX}horizonBars`, String(metadata.target.horizonBars), 'target.horizonBars must be the horizon the graph was trained on');
    ifPresent(`${PREFIX}features`, metadata.features.join(','), 'features must list the graph\'s input columns, names and order');
    ifPresent(`${PREFIX}quantiles`, MODEL_QUANTILES.join(','), 'the graph must output the quantiles of the contract, in order');
    ifPresent(`${PREFIX}dataSha256`, metadata.data.sha256, 'data.sha256 must name the data the graph was trained on');
  });
  if (marked.length > 0 && unmarked.length > 0) {
    const file = path.join(origin, metadata.folds[unmarked[0]].file);
    throw new ModelContractError(`${file}: the graph carries no quantflow.* metadata, fold-${marked[0]}.onnx does (every graph quantflow train writes carries quantflow.fold and quantflow.availableFromNs: this one was replaced)`);
  }
  return marked.length > 0 ? 'embedded' : 'absent';
}
