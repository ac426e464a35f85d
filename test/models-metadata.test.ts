// model.json validation (engine/models/model-metadata.ts): every rule of the model directory
// contract, each rejection naming the file, the JSON path, the value and the rule; and the
// version hash (canonical model.json bytes + fold bytes), stable under re-formatting.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelContractError, canonicalJson, parseModelMetadata, readModelDir } from '../engine/models/index.js';

const SMALL = path.resolve('test/fixtures/models/q5-small');
const text = readFileSync(path.join(SMALL, 'model.json'), 'utf8');
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-models-meta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function rejection(edit: (doc: any) => void): string {
  const doc = JSON.parse(text);
  edit(doc);
  try {
    parseModelMetadata(JSON.stringify(doc), 'models/x/model.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ModelContractError);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('model.json validation', () => {
  it('accepts the fixture and reads times as BigInt', () => {
    const m = parseModelMetadata(text, 'model.json');
    expect(m.features).toEqual(['rsi:14', 'bb:20:2.pctb', 'rvol:20', 'roc:10']);
    expect(m.folds).toHaveLength(2);
    expect(m.folds[1].availableFromNs).toBe(1_704_067_200_000_000_000n + (899n + 4n) * 3_600_000_000_000n);
    expect(m.folds[0].featureBins['rvol:20'].edges).toHaveLength(9);
  });

  it.each([
    ['schema', (d: any) => (d.schema = 'quantflow.quantile-model/2'), '`schema` must be "quantflow.quantile-model/1", was "quantflow.quantile-model/2"'],
    ['quantiles', (d: any) => (d.quantiles = [0.1, 0.2, 0.5, 0.75, 0.9]), '`quantiles[1]` must be 0.25 (the quantiles are 0.1, 0.25, 0.5, 0.75, 0.9 in that order), was 0.2'],
    ['horizon', (d: any) => (d.target.horizonBars = 0), '`target.horizonBars` must be an integer >= 1, was 0'],
    ['target kind', (d: any) => (d.target.kind = 'return'), '`target.kind` must be "forward_log_return", was "return"'],
    ['timeframe', (d: any) => (d.timeframe = 'hourly'), '`timeframe` must be a positive count and a unit (ms, s, m, h, d, w) such as "1h", was "hourly"'],
    ['unknown token', (d: any) => (d.features[2] = 'nosuch:3'), '`features[2]` must be an indicator token of engine/indicators'],
    ['multi-output token', (d: any) => (d.features[1] = 'bb:20:2'), '`features[1]` must be a single-output indicator token (it has 5 outputs: bb:20:2.upper'],
    ['duplicate feature', (d: any) => (d.features[3] = 'rsi:14'), '`features[3]` must be unique (also features[0]), was "rsi:14"'],
    ['input columns', (d: any) => (d.input.columns = 5), '`input.columns` must equal the number of features (4), was 5'],
    ['input type', (d: any) => (d.input.type = 'int8'), '`input.type` must be "float32" or "float64", was "int8"'],
    ['output columns', (d: any) => (d.output.columns = 3), '`output.columns` must be 5 (q10 q25 q50 q75 q90), was 3'],
    ['data sha', (d: any) => (d.data.sha256 = 'abc'), '`data.sha256` must be a sha256 as 64 lower-case hex digits, was "abc"'],
    ['versions', (d: any) => delete d.versions.onnx, '`versions.onnx` must be a non-empty string, was undefined'],
    ['fold index', (d: any) => (d.folds[1].index = 0), '`folds[1].index` must be 1 (folds are listed in index order), was 0'],
    ['fold file', (d: any) => (d.folds[0].file = 'a.onnx'), '`folds[0].file` must be "fold-0.onnx", was "a.onnx"'],
    ['ns as number', (d: any) => (d.folds[0].train.endNs = 1704067200000000000), '`folds[0].train.endNs` must be a decimal string of nanoseconds since the epoch'],
    ['range order', (d: any) => (d.folds[0].validation.endNs = '1'), '`folds[0].validation.endNs` must be >= folds[0].validation.startNs'],
    ['available before training', (d: any) => (d.folds[0].availableFromNs = '1704067100000000000'), '`folds[0].availableFromNs` must be >= folds[0].train.startNs 1704067200000000000 (a training label ends after its bar), was "1704067100000000000"'],
    ['folds order', (d: any) => (d.folds[0].availableFromNs = d.folds[1].availableFromNs), '`folds[1].availableFromNs` must be > folds[0].availableFromNs'],
    ['pinball', (d: any) => delete d.folds[0].metrics.pinball['0.75'], '`folds[0].metrics.pinball["0.75"]` must be a finite number in [0, Infinity], was undefined'],
    ['coverage', (d: any) => (d.folds[1].metrics.coverage80 = 1.2), '`folds[1].metrics.coverage80` must be a finite number in [0, 1], was 1.2'],
    ['importance', (d: any) => (d.folds[0].importance['ema:9'] = 1), '`folds[0].importance` must only name listed features (rsi:14, bb:20:2.pctb, rvol:20, roc:10), was "ema:9"'],
    ['bins missing', (d: any) => delete d.folds[0].featureBins['roc:10'], '`folds[0].featureBins["roc:10"]` must be given for every feature'],
    ['edges count', (d: any) => d.folds[0].featureBins['rsi:14'].edges.pop(), '`folds[0].featureBins["rsi:14"].edges` must have exactly 9 entries (it has 8)'],
    ['edges order', (d: any) => (d.folds[0].featureBins['rsi:14'].edges[4] = 0), '`folds[0].featureBins["rsi:14"].edges[4]` must be >= edges[3]'],
    ['fractions sum', (d: any) => (d.folds[0].featureBins['rsi:14'].fractions[0] = 0.5), '`folds[0].featureBins["rsi:14"].fractions` must sum to 1 (within 0.000001)'],
  ])('rejects a bad %s, naming the file, the path, the value and the rule', (_name, edit, message) => {
    const got = rejection(edit);
    expect(got.startsWith('models/x/model.json: '), got).toBe(true);
    expect(got).toContain(message);
  });

  it('rejects text that is not JSON, naming the file', () => {
    expect(() => parseModelMetadata('{"schema": ', 'a/model.json')).toThrow(/^a\/model.json: not valid JSON/);
  });
});

describe('model.json early stopping (folds[k].earlyStopping, the bundled model data/models/btc-1h-q5)', () => {
  const bundled = readFileSync(path.resolve('data/models/btc-1h-q5/model.json'), 'utf8');
  const rejected = (edit: (doc: any) => void): string => {
    const doc = JSON.parse(bundled);
    edit(doc);
    try {
      parseModelMetadata(JSON.stringify(doc), 'btc/model.json');
    } catch (error) {
      expect(error).toBeInstanceOf(ModelContractError);
      return (error as Error).message;
    }
    throw new Error('expected a rejection');
  };

  it('reads each fold\'s rounds per quantile, at most params.num_iterations', () => {
    const m = parseModelMetadata(bundled, 'model.json');
    expect(m.params.early_stopping, 'the bundled model was trained with --early-stopping 0.2').toMatchObject({ fraction: 0.2, rounds: 20 });
    for (const f of m.folds) {
      const es = f.earlyStopping!;
      expect(Object.keys(es.iterations)).toEqual(['0.1', '0.25', '0.5', '0.75', '0.9']);
      for (const n of Object.values(es.iterations)) expect(n >= 1 && n <= (m.params.num_iterations as number)).toBe(true);
      expect(es.validation.endNs).toBe(f.train.endNs);
      expect(es.fitRows + es.validation.rows).toBeLessThanOrEqual(f.train.rows);
    }
    const plain = JSON.parse(bundled);
    for (const f of plain.folds) delete f.earlyStopping;
    expect(parseModelMetadata(JSON.stringify(plain), 'model.json').folds[0].earlyStopping, 'optional').toBeUndefined();
  });

  it.each([
    ['rounds above num_iterations', (d: any) => (d.folds[2].earlyStopping.iterations['0.9'] = 101), '`folds[2].earlyStopping.iterations["0.9"]` must be <= params.num_iterations 100 (early stopping only shortens training), was 101'],
    ['zero rounds', (d: any) => (d.folds[0].earlyStopping.iterations['0.1'] = 0), '`folds[0].earlyStopping.iterations["0.1"]` must be an integer >= 1, was 0'],
    ['a missing quantile', (d: any) => delete d.folds[1].earlyStopping.pinball['0.5'], '`folds[1].earlyStopping.pinball["0.5"]` must be a finite number in [0, Infinity], was undefined'],
    ['too many rows', (d: any) => (d.folds[3].earlyStopping.fitRows = d.folds[3].train.rows), '`folds[3].earlyStopping.fitRows` plus the inner validation rows (1852) must be <= the fold\'s training rows (9306), was 9306'],
  ])('rejects %s, naming the path, the value and the rule', (_name, edit, message) => {
    expect(rejected(edit)).toBe(`btc/model.json: ${message}`);
  });

  it('rejects an inner validation window that reaches the fold\'s validation', () => {
    expect(rejected((d) => (d.folds[4].earlyStopping.validation.endNs = d.folds[4].validation.endNs))).toMatch(/^btc\/model\.json: `folds\[4\]\.earlyStopping\.validation` must lie within the fold's training window \[\d+, \d+\) \(early stopping holds out the window's tail, never the fold's validation\), was /);
  });
});

describe('version hash', () => {
  it('is sha256 of the canonical model.json bytes then each fold in order, and ignores formatting', () => {
    const bundle = readModelDir(SMALL);
    const h = createHash('sha256').update(canonicalJson(JSON.parse(text)));
    h.update(readFileSync(path.join(SMALL, 'fold-0.onnx'))).update(readFileSync(path.join(SMALL, 'fold-1.onnx')));
    expect(bundle.hash).toBe(h.digest('hex'));

    const dir = path.join(tmp, 'reformatted');
    cpSync(SMALL, dir, { recursive: true });
    const doc = JSON.parse(text);
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(reordered));
    expect(readModelDir(dir).hash, 'key order and whitespace do not change the hash').toBe(bundle.hash);

    doc.name = 'another-name';
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(doc));
    expect(readModelDir(dir).hash, 'any metadata change does').not.toBe(bundle.hash);
  });

  it('names a missing model.json or fold file', () => {
    expect(() => readModelDir(path.join(tmp, 'nowhere'))).toThrow(/model directory .*nowhere does not exist/);
    const dir = path.join(tmp, 'no-fold');
    cpSync(SMALL, dir, { recursive: true });
    rmSync(path.join(dir, 'fold-1.onnx'));
    expect(() => readModelDir(dir)).toThrow(/no-fold\/fold-1\.onnx is missing: model.json lists it as fold 1/);
  });
});
