"""Trains the five quantile boosters of one fold (deterministic: one thread, fixed seed) and
fixes their split thresholds for float32 inference.

Threshold fix: ONNX TreeEnsemble nodes hold float32 thresholds and compare x <= threshold. Each
LightGBM threshold t (a double) is replaced by the largest float32 t32 <= t. For a float32 input
x, x <= t holds exactly when x <= t32, so the fixed booster predicts the same as the original on
float32 features (checked: bit-identical predictions on the training rows), and the ONNX graph,
which stores t32 exactly, takes the same branches."""
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


def train_quantile(x32, y, alpha, params, feature_names):
    p = dict(params)
    p["alpha"] = float(alpha)
    trees = p.pop("num_iterations")
    dataset = lgb.Dataset(x32, label=y, feature_name=[f"f{i}" for i in range(x32.shape[1])], free_raw_data=False, params={"verbose": -1})
    booster = lgb.train(p, dataset, num_boost_round=trees)
    fixed = lgb.Booster(model_str=floor_thresholds(booster.model_to_string()))
    before = booster.predict(x32, num_threads=1)
    after = fixed.predict(x32, num_threads=1)
    if not np.array_equal(before, after):
        raise AssertionError(f"q{alpha}: flooring the thresholds to float32 changed {int(np.sum(before != after))} training predictions")
    return fixed


def train_fold(x32, y, params, feature_names):
    """The five boosters (q10 .. q90) on the training rows."""
    return [train_quantile(x32, y, q, params, feature_names) for q in QUANTILES]


def predict_fold(boosters, x32):
    """Raw predictions [N, 5] (may cross) from LightGBM itself."""
    return np.column_stack([b.predict(x32, num_threads=1) for b in boosters])
