"""Per-fold metrics: pinball loss per quantile, coverage of [q10, q90], crossed rows, and the
decile bins of each feature on the training rows (for PSI drift checks downstream).

Crossed quantiles are handled by rearrangement (Chernozhukov, Fernandez-Val and Galichon 2010):
the five predictions of a row are sorted. The ONNX graph does the same (TopK ascending), so its
output is always monotone; `crossedFraction` counts the rows whose raw predictions crossed."""
import numpy as np

from . import QUANTILES


def rearrange(raw):
    return np.sort(raw, axis=1)


def pinball(y, pred, q):
    d = y - pred
    return float(np.mean(np.maximum(q * d, (q - 1.0) * d)))


def fold_metrics(y, raw):
    sorted_pred = rearrange(raw)
    crossed = np.any(np.diff(raw, axis=1) < 0, axis=1)
    covered = (y >= sorted_pred[:, 0]) & (y <= sorted_pred[:, 4])
    return {
        "pinball": {str(q): pinball(y, sorted_pred[:, k], q) for k, q in enumerate(QUANTILES)},
        "coverage80": float(np.mean(covered)),
        "crossedFraction": float(np.mean(crossed)),
    }


def feature_bins(x, features):
    """Per feature: 9 inner decile edges of the training values, and the fraction of training
    rows in each of the 10 bins; value v is in bin searchsorted(edges, v, side='right')."""
    out = {}
    for c, name in enumerate(features):
        v = x[:, c].astype(np.float64)
        edges = np.quantile(v, np.linspace(0.1, 0.9, 9))
        counts = np.bincount(np.searchsorted(edges, v, side="right"), minlength=10)
        out[name] = {"edges": [float(e) for e in edges], "fractions": [float(c_) / len(v) for c_ in counts]}
    return out
