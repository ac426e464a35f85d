"""Trains the five quantile boosters of one fold (deterministic: one thread, fixed seed) and
fixes their split thresholds for float32 inference.

Threshold fix: ONNX TreeEnsemble nodes hold float32 thresholds and compare x <= threshold. Each
LightGBM threshold t (a double) is replaced by the largest float32 t32 <= t. For a float32 input
x, x <= t holds exactly when x <= t32, so the fixed booster predicts the same as the original on
float32 features (checked: bit-identical predictions on the training rows), and the ONNX graph,
which stores t32 exactly, takes the same branches.

Early stopping (optional, `early_stopping_rounds`): each quantile's booster is first trained on
the fit rows with the inner validation rows as LightGBM's valid set, metric `quantile` (the
pinball loss at that alpha), stopping after `rounds` rounds without a lower loss; its best
iteration n (<= num_iterations) is kept, and the booster is then refit on the whole training
rows for exactly n rounds (same parameters and seed). The refit keeps the most recent training
data in the model (the inner rows are the window's tail) and leaves the fold's purge and its
availableFromNs as without early stopping."""
import numpy as np
import lightgbm as lgb

from . import QUANTILES


def default_params(trees, seed, leaves=15, min_data_in_leaf=50, learning_rate=0.05):
    return {
        "objective": "quantile",
        "num_iterations": int(trees),
        "num_leaves": int(leaves),
        "min_data_in_leaf": int(min_data_in_leaf),
        "learning_rate": float(learning_rate),
        "num_threads": 1,
        "deterministic": True,
        "force_col_wise": True,
        "seed": int(seed),
        "verbose": -1,
    }


def float32_floor(t):
    """The largest float32 <= t (as a Python float, exactly representable in float32)."""
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf), dtype=np.float32)
    return float(f)


def floor_thresholds(model_string):
    """The model text with every `threshold=` value rounded down to float32 (see the module doc)."""
    out = []
    for line in model_string.split("\n"):
        if line.startswith("tree_sizes="):
            continue  # byte sizes of the tree blocks, which change; LightGBM parses without them
        if line.startswith("threshold="):
            values = line[len("threshold="):].split(" ")
            line = "threshold=" + " ".join(repr(float32_floor(float(v))) for v in values if v != "")
        out.append(line)
    return "\n".join(out)


def best_rounds(x_fit, y_fit, x_inner, y_inner, alpha, params, rounds):
    """The number of boosting rounds (1..num_iterations) with the lowest inner pinball loss, and
    that loss, as LightGBM's early stopping finds it (stops `rounds` rounds after the best)."""
    p = dict(params)
    p["alpha"] = float(alpha)
    p["metric"] = "quantile"
    trees = p.pop("num_iterations")
    fit = lgb.Dataset(x_fit, label=y_fit, feature_name=[f"f{i}" for i in range(x_fit.shape[1])], free_raw_data=False, params={"verbose": -1})
    inner = lgb.Dataset(x_inner, label=y_inner, reference=fit, free_raw_data=False, params={"verbose": -1})
    booster = lgb.train(p, fit, num_boost_round=trees, valid_sets=[inner], valid_names=["inner"], callbacks=[lgb.early_stopping(int(rounds), first_metric_only=True, verbose=False)])
    best = int(booster.best_iteration)
    if best < 1:
        raise AssertionError(f"q{alpha}: early stopping gave best iteration {best}")
    return best, float(booster.best_score["inner"]["quantile"])


def train_quantile(x32, y, alpha, params, feature_names, trees=None):
    p = dict(params)
    p["alpha"] = float(alpha)
    most = p.pop("num_iterations")
    trees = most if trees is None else int(trees)
    dataset = lgb.Dataset(x32, label=y, feature_name=[f"f{i}" for i in range(x32.shape[1])], free_raw_data=False, params={"verbose": -1})
    booster = lgb.train(p, dataset, num_boost_round=trees)
    fixed = lgb.Booster(model_str=floor_thresholds(booster.model_to_string()))
    before = booster.predict(x32, num_threads=1)
    after = fixed.predict(x32, num_threads=1)
    if not np.array_equal(before, after):
        raise AssertionError(f"q{alpha}: flooring the thresholds to float32 changed {int(np.sum(before != after))} training predictions")
    return fixed


def train_fold(x32, y, params, feature_names, rounds=None):
    """The five boosters (q10 .. q90) on the training rows; `rounds` gives each one's boosting
    rounds (early stopping), else num_iterations."""
    return [train_quantile(x32, y, q, params, feature_names, None if rounds is None else rounds[k]) for k, q in enumerate(QUANTILES)]


def early_stop_fold(x_fit, y_fit, x_inner, y_inner, params, rounds):
    """Per quantile (q10 .. q90): (best rounds, inner pinball loss at them)."""
    return [best_rounds(x_fit, y_fit, x_inner, y_inner, q, params, rounds) for q in QUANTILES]


def predict_fold(boosters, x32):
    """Raw predictions [N, 5] (may cross) from LightGBM itself."""
    return np.column_stack([b.predict(x32, num_threads=1) for b in boosters])
