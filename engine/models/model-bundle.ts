// A model in memory: its validated metadata, the canonical model.json text and each fold's ONNX
// bytes, with the version hash over them. Built from a model directory (readModelDir) or from
// the registry's stored bytes (modelBundle); both verify every fold's sha256 and each graph's
// embedded training provenance (fold-provenance.ts: its fold, availableFromNs, horizon, features).
//
//   version hash = sha256( utf8(canonicalJson(model.json)) || fold-0.onnx || fold-1.onnx || ... )
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkFoldProvenance, type FoldProvenance } from './fold-provenance.js';
import { ModelContractError } from './model-errors.js';
import { canonicalJson, checkModelMetadata, type QuantileModelMetadata } from './model-metadata.js';

export interface ModelBundle {
  /** The model's version hash (64 hex digits). */
  readonly hash: string;
  readonly metadata: QuantileModelMetadata;
  /** canonicalJson of model.json: what the hash covers and what the registry stores. */
  readonly canonical: string;
  /** ONNX bytes of fold k at k. */
  readonly foldBytes: readonly Uint8Array[];
  /** Where the bytes came from, for messages: a directory or `registry DIR model HASH`. */
  readonly origin: string;
  /** Whether the graphs carry their training provenance, checked against model.json ('embedded'), or none ('absent': older models). */
  readonly provenance: FoldProvenance;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The version hash of a model: canonical metadata bytes, then each fold's ONNX bytes in fold order. */
export function modelVersionHash(canonical: string, foldBytes: readonly Uint8Array[]): string {
  const hash = createHash('sha256').update(Buffer.from(canonical, 'utf8'));
  for (const bytes of foldBytes) hash.update(bytes);
  return hash.digest('hex');
}

/** Builds a bundle from a parsed model.json document and fold bytes; verifies each fold's sha256. */
export function modelBundle(doc: unknown, foldBytes: readonly Uint8Array[], origin: string, metadataFile: string): ModelBundle {
  const metadata = checkModelMetadata(doc, metadataFile);
  if (foldBytes.length !== metadata.folds.length) {
    throw new ModelContractError(`${origin}: model.json lists ${metadata.folds.length} folds, ${foldBytes.length} ONNX files were given`);
  }
  metadata.folds.forEach((fold, k) => {
    const actual = sha256Hex(foldBytes[k]);
    if (actual !== fold.sha256) {
      throw new ModelContractError(`${path.join(origin, fold.file)}: sha256 is ${actual}, model.json \`folds[${k}].sha256\` says ${fold.sha256} (the file changed after training, or the metadata belongs to another model)`);
    }
  });
  const provenance = checkFoldProvenance(metadata, foldBytes, origin);
  const canonical = canonicalJson(doc);
  return { hash: modelVersionHash(canonical, foldBytes), metadata, canonical, foldBytes, origin, provenance };
}

/** Reads and verifies a model directory (model.json + fold-<k>.onnx). */
export function readModelDir(dir: string): ModelBundle {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ModelContractError(`model directory ${dir} does not exist`);
  }
  if (!isDir) throw new ModelContractError(`${dir} is not a directory (a model is a directory with model.json and fold-<k>.onnx files)`);
  const metadataFile = path.join(dir, 'model.json');
  let text: string;
  try {
    text = readFileSync(metadataFile, 'utf8');
  } catch {
    throw new ModelContractError(`${metadataFile} is missing: a model directory holds model.json and fold-<k>.onnx files`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ModelContractError(`${metadataFile}: not valid JSON (${(error as Error).message})`);
  }
  const metadata = checkModelMetadata(doc, metadataFile);
  const foldBytes = metadata.folds.map((fold) => {
    const file = path.join(dir, fold.file);
    try {
      return new Uint8Array(readFileSync(file));
    } catch {
      throw new ModelContractError(`${file} is missing: model.json lists it as fold ${fold.index}`);
    }
  });
  return modelBundle(doc, foldBytes, dir, metadataFile);
}
