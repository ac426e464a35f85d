#!/usr/bin/env python3
"""hmmlearn as a peer for QuantFlow's Gaussian HMM (engine/regime/).

Usage: hmmlearn_peer.py MODE INPUT.json OUTPUT.json
  score  input {models: [model...], data}         -> {scores}
  fit    input {model, data, n_iter, tol}          -> {model, score, n_iter_run}
  bench  input {inits: [model...], data, n_iter, tol} -> {fit_seconds, scores, n_iter_run}

A model is {states, features, covarianceType ('diag'|'full'), startProb, transMat,
means, covars} with flat row-major arrays, as in engine/regime/gaussian-hmm.ts.
data is {rows, cols, values} (flat, row-major).

Fits use hmmlearn as a plain maximum-likelihood estimator (covars_prior=0, no means
prior, uniform Dirichlet priors), from exactly the given initial parameters
(init_params=''), so its EM is the same estimator as ours. Only model.fit() is timed.
"""
import json
import sys
import time

import numpy as np
from hmmlearn.hmm import GaussianHMM


def to_matrix(data):
    return np.asarray(data["values"], dtype=np.float64).reshape(data["rows"], data["cols"])


def to_hmm(model, n_iter=10, tol=1e-2):
    k, d, cov = model["states"], model["features"], model["covarianceType"]
    hmm = GaussianHMM(
        n_components=k,
        covariance_type=cov,
        n_iter=n_iter,
        tol=tol,
        init_params="",
        params="stmc",
        covars_prior=0.0,
        covars_weight=1.0,
        min_covar=1e-300,
        implementation="log",
    )
    hmm.n_features = d
    hmm.startprob_ = np.asarray(model["startProb"], dtype=np.float64)
    hmm.transmat_ = np.asarray(model["transMat"], dtype=np.float64).reshape(k, k)
    hmm.means_ = np.asarray(model["means"], dtype=np.float64).reshape(k, d)
    covars = np.asarray(model["covars"], dtype=np.float64)
    hmm.covars_ = covars.reshape(k, d) if cov == "diag" else covars.reshape(k, d, d)
    return hmm


def from_hmm(hmm, cov):
    covars = hmm._covars_ if cov == "diag" else hmm.covars_
    return {
        "states": int(hmm.n_components),
        "features": int(hmm.n_features),
        "covarianceType": cov,
        "startProb": hmm.startprob_.tolist(),
        "transMat": hmm.transmat_.ravel().tolist(),
        "means": hmm.means_.ravel().tolist(),
        "covars": np.asarray(covars).ravel().tolist(),
    }


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("score", "fit", "bench"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    mode, inp, out = sys.argv[1:]
    with open(inp) as f:
        request = json.load(f)
    x = to_matrix(request["data"])
    if mode == "score":
        result = {"scores": [float(to_hmm(m).score(x)) for m in request["models"]]}
    elif mode == "fit":
        hmm = to_hmm(request["model"], request["n_iter"], request["tol"])
        hmm.fit(x)
        result = {
            "model": from_hmm(hmm, request["model"]["covarianceType"]),
            "score": float(hmm.score(x)),
            "n_iter_run": int(hmm.monitor_.iter),
        }
    else:
        hmms = [to_hmm(m, request["n_iter"], request["tol"]) for m in request["inits"]]
        start = time.perf_counter()
        for hmm in hmms:
            hmm.fit(x)
        elapsed = time.perf_counter() - start
        result = {
            "fit_seconds": elapsed,
            "scores": [float(h.score(x)) for h in hmms],
            "n_iter_run": [int(h.monitor_.iter) for h in hmms],
        }
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
