"""Entry point: `python -m quantflow_train --plan PLAN.json` (PLAN written by `quantflow train`).

For each fold of the plan: (with early stopping, pick each quantile's rounds on the fold's inner
split, see fold_training.py) train the five quantile boosters on its (purged) training rows,
predict its validation rows with LightGBM, score them, export fold-<k>.onnx; then write
validation-predictions.arrow (LightGBM's own predictions, for parity checks) and model.json."""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from . import PLAN_SCHEMA, QUANTILES, TrainInputError
from .feature_data import load_feature_data, rows_of
from .fold_training import default_params, early_stop_fold, predict_fold, train_fold
from .metadata import model_document, write_model_json
from .metrics import feature_bins, fold_metrics, rearrange
from .onnx_export import fold_graph

TAGS = [f"q{int(round(q * 100)):02d}" for q in QUANTILES]


def read_plan(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            plan = json.load(f)
    except (OSError, ValueError) as error:
        raise TrainInputError(f"{path}: cannot read the plan ({error})")
    if plan.get("schema") != PLAN_SCHEMA:
        raise TrainInputError(f"{path}: `schema` must be {PLAN_SCHEMA}, was {plan.get('schema')!r}")
    for key in ("featuresDir", "out", "name", "features", "target", "horizonBars", "timeframe", "source", "sourceSha256", "params", "folds", "folding"):
        if key not in plan:
            raise TrainInputError(f"{path}: `{key}` is missing")
    return plan


def run(plan, log):
    data = load_feature_data(plan["featuresDir"], plan["features"], plan["target"])
    p = plan["params"]
    params = default_params(p["trees"], p["seed"], p.get("leaves", 15), p.get("minDataInLeaf", 50), p.get("learningRate", 0.05))
    early = p.get("earlyStopping")
    out = plan["out"]
    os.makedirs(out, exist_ok=True)
    folds = []
    pred_fold, pred_row, pred_time, pred_sorted, pred_raw = [], [], [], [], []
    for fold in plan["folds"]:
        k = int(fold["index"])
        train_rows = rows_of(fold["trainRows"])
        valid_rows = rows_of(fold["validationRows"])
        if len(train_rows) < 2 * params["min_data_in_leaf"] or len(valid_rows) == 0:
            raise TrainInputError(f"fold {k}: {len(train_rows)} training and {len(valid_rows)} validation rows are too few (need >= {2 * params['min_data_in_leaf']} and >= 1)")
        x_train, y_train = data.x32[train_rows], data.y[train_rows]
        if not (np.all(np.isfinite(x_train)) and np.all(np.isfinite(y_train))):
            raise TrainInputError(f"fold {k}: training rows must have finite features and target (the plan must select usable rows only)")
        stopped = None
        rounds = None
        if early is not None:
            stopped = early_stopping_of(fold, k, data, train_rows, params, int(early["rounds"]))
            rounds = [stopped["iterations"][str(q)] for q in QUANTILES]
        boosters = train_fold(x_train, y_train, params, data.features, rounds)
        raw = predict_fold(boosters, data.x32[valid_rows])
        metrics = fold_metrics(data.y[valid_rows], raw)
        gain = np.sum([b.feature_importance(importance_type="gain") for b in boosters], axis=0)
        metadata = {
            "quantflow.features": ",".join(data.features),
            "quantflow.quantiles": ",".join(str(q) for q in QUANTILES),
            "quantflow.horizonBars": str(plan["horizonBars"]),
            "quantflow.fold": str(k),
            "quantflow.availableFromNs": str(fold["availableFromNs"]),
            "quantflow.dataSha256": data.sha256,
        }
        graph = fold_graph(boosters, len(data.features), metadata)
        name = f"fold-{k}.onnx"
        with open(os.path.join(out, name), "wb") as f:
            f.write(graph)
        entry = {
            "index": k,
            "file": name,
            "sha256": hashlib.sha256(graph).hexdigest(),
            "train": {"startNs": str(fold["train"]["startNs"]), "endNs": str(fold["train"]["endNs"]), "rows": int(len(train_rows))},
            "validation": {"startNs": str(fold["validation"]["startNs"]), "endNs": str(fold["validation"]["endNs"]), "rows": int(len(valid_rows))},
            "availableFromNs": str(fold["availableFromNs"]),
            "metrics": metrics,
            "importance": {name_: float(g) for name_, g in zip(data.features, gain)},
            "featureBins": feature_bins(x_train, data.features),
        }
        if stopped is not None:
            entry["earlyStopping"] = stopped
        folds.append(entry)
        pred_fold.append(np.full(len(valid_rows), k, dtype=np.int32))
        pred_row.append(valid_rows)
        pred_time.append(data.time_ns[valid_rows])
        pred_sorted.append(rearrange(raw))
        pred_raw.append(raw)
        rounds_text = "" if rounds is None else ", rounds " + " ".join(f"{t} {n}" for t, n in zip(TAGS, rounds))
        log(f"fold {k}: {len(train_rows)} training rows, {len(valid_rows)} validation rows, coverage80 {metrics['coverage80']:.3f}, crossed {metrics['crossedFraction']:.3f}{rounds_text}")
    write_validation_predictions(os.path.join(out, "validation-predictions.arrow"), pred_fold, pred_row, pred_time, pred_sorted, pred_raw)
    model_params = dict(params)
    model_params["quantiles"] = list(QUANTILES)
    if early is not None:
        model_params["early_stopping"] = {
            "fraction": float(early["fraction"]),
            "rounds": int(early["rounds"]),
            "metric": "quantile",
            "refit": "whole training window, each quantile's best iteration",
        }
    write_model_json(os.path.join(out, "model.json"), model_document(plan, data, model_params, folds))


def early_stopping_of(fold, k, data, train_rows, params, rounds):
    """The fold's inner split from the plan, checked against its training rows, and each
    quantile's best rounds on it (model.json folds[k].earlyStopping)."""
    split = fold.get("earlyStopping")
    if split is None:
        raise TrainInputError(f"fold {k}: `earlyStopping` is missing (the plan's params ask for early stopping)")
    fit_rows = rows_of(split["fitRows"])
    inner_rows = rows_of(split["validationRows"])
    if len(fit_rows) < 2 * params["min_data_in_leaf"] or len(inner_rows) == 0:
        raise TrainInputError(f"fold {k}: early stopping has {len(fit_rows)} rows to fit and {len(inner_rows)} inner validation rows, too few (need >= {2 * params['min_data_in_leaf']} and >= 1)")
    if not (np.all(np.isin(fit_rows, train_rows)) and np.all(np.isin(inner_rows, train_rows))) or np.intersect1d(fit_rows, inner_rows).size:
        raise TrainInputError(f"fold {k}: early stopping rows must be disjoint subsets of the fold's training rows")
    chosen = early_stop_fold(data.x32[fit_rows], data.y[fit_rows], data.x32[inner_rows], data.y[inner_rows], params, rounds)
    return {
        "validation": {"startNs": str(split["validation"]["startNs"]), "endNs": str(split["validation"]["endNs"]), "rows": int(len(inner_rows))},
        "fitRows": int(len(fit_rows)),
        "iterations": {str(q): n for q, (n, _) in zip(QUANTILES, chosen)},
        "pinball": {str(q): loss for q, (_, loss) in zip(QUANTILES, chosen)},
    }


def write_validation_predictions(path, folds, rows, times, sorted_pred, raw_pred):
    s = np.concatenate(sorted_pred)
    r = np.concatenate(raw_pred)
    columns = {
        "fold": pa.array(np.concatenate(folds), type=pa.int32()),
        "time_ns": pa.array(np.concatenate(times), type=pa.int64()),
    }
    for c, tag in enumerate(TAGS):
        columns[tag] = pa.array(s[:, c], type=pa.float64())
    columns["crossed"] = pa.array(np.any(np.diff(r, axis=1) < 0, axis=1), type=pa.bool_())
    table = pa.table(columns)
    with ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="quantflow_train", description="LightGBM quantile models per walk-forward fold -> one ONNX graph per fold")
    parser.add_argument("--plan", required=True, help="train plan JSON written by `quantflow train`")
    args = parser.parse_args(argv)
    try:
        run(read_plan(args.plan), lambda line: print(line, file=sys.stderr, flush=True))
    except TrainInputError as error:
        print(f"quantflow_train: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
