// Fold provenance (engine/models/fold-provenance.ts, onnx-metadata-props.ts): each graph
// tools/train writes says which fold it is and from when it may serve (ONNX metadata_props);
// a model directory whose model.json or graphs were changed so that a fold serves bars inside
// its own training window is refused at read. Oracle for the metadata reader: the keys the
// committed graphs hold, as onnx.load(...).metadata_props lists them (recorded below).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelContractError, readModelDir } from '../engine/models/index.js';
import { readOnnxMetadataProps } from '../engine/models/onnx-metadata-props.js';

const BUNDLED = path.resolve('data/models/btc-1h-q5');
const SMALL = path.resolve('test/fixtures/models/q5-small');
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-provenance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HOUR = 3_600_000_000_000n;

/** A copy of the bundled model with `edit` applied to model.json and its directory; fold sha256s recomputed. */
function tampered(name: string, edit: (doc: any, dir: string) => void): string {
  const dir = path.join(tmp, name);
  cpSync(BUNDLED, dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  edit(doc, dir);
  for (const fold of doc.folds) fold.sha256 = createHash('sha256').update(readFileSync(path.join(dir, fold.file))).digest('hex');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return dir;
}

function refusal(dir: string): string {
  try {
    readModelDir(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelContractError);
    return (error as Error).message;
  }
  throw new Error(`expected ${dir} to be refused`);
}

describe('ONNX metadata_props reader', () => {
  it('reads the keys tools/train wrote into the committed graphs', () => {
    const props = readOnnxMetadataProps(readFileSync(path.join(BUNDLED, 'fold-3.onnx')));
    expect(Object.fromEntries(props!)).toEqual({
      'quantflow.features': 'roc:1,roc:6,roc:24,rsi:14,bb:20:2.pctb,zscore:20,rvol:20,adx:14.adx,relvol:20',
      'quantflow.quantiles': '0.1,0.25,0.5,0.75,0.9',
      'quantflow.horizonBars': '12',
      'quantflow.fold': '3',
      'quantflow.availableFromNs': '1746871200000000000',
      'quantflow.dataSha256': '5df1729821477a07775d0bba90d07f9093affea2712660e5b066613f712c2b9e',
    });
  });

  it('gives an empty map for a graph without metadata and null for bytes that are not protobuf', () => {
    expect(readOnnxMetadataProps(readFileSync(path.join(SMALL, 'fold-0.onnx')))?.size).toBe(0);
    expect(readOnnxMetadataProps(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toBeNull();
    expect(readOnnxMetadataProps(readFileSync(path.resolve('test/fixtures/models/corrupt/fold-0.onnx')))).toBeNull();
  });
});

describe('fold provenance at read', () => {
  it('accepts the committed model (provenance embedded) and a model whose graphs carry none (absent)', () => {
    expect(readModelDir(BUNDLED).provenance).toBe('embedded');
    expect(readModelDir(SMALL).provenance).toBe('absent');
  });

  it('refuses folds[4].availableFromNs moved back to fold 3\'s (inside fold 4\'s training window)', () => {
    const dir = tampered('avail-far', (d) => { d.folds[4].availableFromNs = String(BigInt(d.folds[3].availableFromNs) + 1n); });
    expect(refusal(dir)).toMatch(/model\.json: `folds\[4\]\.availableFromNs` must be >= folds\[4\]\.train\.endNs 1755258000000000000 - folding\.purgeNs 0 - target\.horizonBars x timeframe 43200000000000 = 1755214800000000000 .*, was "1746871200000000001"/);
  });

  it('refuses availableFromNs moved back by less than the horizon: the graph says otherwise', () => {
    const dir = tampered('avail-near', (d) => { d.folds[4].availableFromNs = String(BigInt(d.folds[4].availableFromNs) - 2n * HOUR); });
    expect(refusal(dir)).toMatch(/fold-4\.onnx: the graph's metadata `quantflow\.availableFromNs` is "1755255600000000000", model\.json says "1755248400000000000"/);
  });

  it('refuses fold 4\'s graph copied over fold-0.onnx (sha256 updated)', () => {
    const dir = tampered('swap', (_d, d) => cpSync(path.join(d, 'fold-4.onnx'), path.join(d, 'fold-0.onnx')));
    expect(refusal(dir)).toMatch(/fold-0\.onnx: the graph's metadata `quantflow\.fold` is "4", model\.json says "0" \(the graph of fold 0 must have been trained as fold 0/);
  });

  it('refuses model.json features in another order than the graphs take them', () => {
    const dir = tampered('permuted', (d) => {
      [d.features[0], d.features[1]] = [d.features[1], d.features[0]];
    });
    expect(refusal(dir)).toMatch(/fold-0\.onnx: the graph's metadata `quantflow\.features` is "roc:1,roc:6,.*", model\.json says "roc:6,roc:1,.*" \(features must list the graph's input columns, names and order\)/);
  });

  it('refuses a horizon the graphs were not trained on', () => {
    const dir = tampered('horizon', (d) => { d.target.horizonBars = 24; });
    expect(refusal(dir)).toMatch(/fold-0\.onnx: the graph's metadata `quantflow\.horizonBars` is "12", model\.json says "24"/);
  });

  it('refuses a model mixing graphs with and without provenance', () => {
    const dir = tampered('mixed', (d, m) => {
      cpSync(path.join(SMALL, 'fold-0.onnx'), path.join(m, 'fold-2.onnx'));
      void d;
    });
    expect(refusal(dir)).toMatch(/fold-2\.onnx: the graph carries no quantflow\.\* metadata, fold-0\.onnx does/);
  });

  it('bounds availableFromNs by the purge gap recorded in folding.purgeNs', () => {
    const dir = tampered('purge', (d) => {
      d.folding.purgeNs = String(24n * HOUR);
      d.folds[4].availableFromNs = String(BigInt(d.folds[4].train.endNs) - 30n * HOUR);
    });
    // Accepted by model.json's bound (24h purge + 12h horizon), then refused by the graph's own date.
    expect(refusal(dir)).toMatch(/fold-4\.onnx: the graph's metadata `quantflow\.availableFromNs`/);
  });
});
