// Runs tools/hmm/hmmlearn_peer.py in the project's Python venv (.cache/pyenv) with
// parameters and data passed as JSON files in a temporary directory. Used by
// test/regime-hmmlearn.test.ts and bench/regime.bench.ts; never by the engine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gaussianHmmToPlain, type FeatureMatrix, type GaussianHmm, type PlainGaussianHmm } from '../../engine/regime/gaussian-hmm.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, from source (tools/hmm) or from dist (dist/tools/hmm). */
export const repoRoot = here.includes('/dist/') ? resolve(here, '../../..') : resolve(here, '../..');
export const pythonBin = join(repoRoot, '.cache', 'pyenv', 'bin', 'python');
const script = join(repoRoot, 'tools', 'hmm', 'hmmlearn_peer.py');

/** The model as the Python peer reads and writes it. */
export type PeerModel = PlainGaussianHmm;

/** Why the peer cannot run, or undefined when the venv has hmmlearn. */
export function hmmlearnUnavailableReason(): string | undefined {
  if (!existsSync(pythonBin)) return `Python venv missing at ${pythonBin}: run \`node tools/pyenv/ensure-python.mjs\``;
  const probe = spawnSync(pythonBin, ['-c', 'import hmmlearn'], { encoding: 'utf8' });
  if (probe.status !== 0) return `hmmlearn not importable in ${pythonBin}: run \`node tools/pyenv/ensure-python.mjs\` (${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}

export const toPeerModel: (m: GaussianHmm) => PeerModel = gaussianHmmToPlain;

export function fromPeerModel(m: PeerModel): GaussianHmm {
  return {
    states: m.states,
    features: m.features,
    covarianceType: m.covarianceType,
    startProb: Float64Array.from(m.startProb),
    transMat: Float64Array.from(m.transMat),
    means: Float64Array.from(m.means),
    covars: Float64Array.from(m.covars),
  };
}

function peerData(x: FeatureMatrix) {
  return { rows: x.rows, cols: x.cols, values: Array.from(x.data) };
}

function runPeer<T>(mode: 'score' | 'fit' | 'bench', request: unknown): T {
  const dir = mkdtempSync(join(tmpdir(), 'qf-hmmlearn-'));
  try {
    const input = join(dir, 'request.json');
    const output = join(dir, 'result.json');
    writeFileSync(input, JSON.stringify(request));
    const run = spawnSync(pythonBin, [script, mode, input, output], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
    if (run.status !== 0) throw new Error(`hmmlearn_peer.py ${mode} exited with ${run.status ?? run.signal}: ${run.stderr}`);
    return JSON.parse(readFileSync(output, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** hmmlearn's GaussianHMM.score (total log-likelihood) of each of `models` on `x`, in one Python run. */
export function hmmlearnScores(models: GaussianHmm[], x: FeatureMatrix): number[] {
  return runPeer<{ scores: number[] }>('score', { models: models.map(toPeerModel), data: peerData(x) }).scores;
}

/** hmmlearn's fit from exactly `initial`; returns the fitted model and its score. */
export function hmmlearnFit(initial: GaussianHmm, x: FeatureMatrix, nIter: number, tol: number): { model: GaussianHmm; score: number; iterations: number } {
  const r = runPeer<{ model: PeerModel; score: number; n_iter_run: number }>('fit', { model: toPeerModel(initial), data: peerData(x), n_iter: nIter, tol });
  return { model: fromPeerModel(r.model), score: r.score, iterations: r.n_iter_run };
}

/** Times hmmlearn fits from each of `inits` (only model.fit() inside the timer). */
export function hmmlearnBenchFits(inits: GaussianHmm[], x: FeatureMatrix, nIter: number, tol: number): { fitSeconds: number; scores: number[]; iterations: number[] } {
  const r = runPeer<{ fit_seconds: number; scores: number[]; n_iter_run: number[] }>('bench', { inits: inits.map(toPeerModel), data: peerData(x), n_iter: nIter, tol });
  return { fitSeconds: r.fit_seconds, scores: r.scores, iterations: r.n_iter_run };
}
