"""Entry point: `python -m quantflow_train --plan PLAN.json` (PLAN written by `quantflow train`).

For each fold of the plan: train the five quantile boosters on its (purged) training rows,
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
from .fold_training import default_params, predict_fold, train_fold
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
        boosters = train_fold(x_train, y_train, params, data.features)
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
        folds.append({
            "index": k,
            "file": name,
            "sha256": hashlib.sha256(graph).hexdigest(),
            "train": {"startNs": str(fold["train"]["startNs"]), "endNs": str(fold["train"]["endNs"]), "rows": int(len(train_rows))},
            "validation": {"startNs": str(fold["validation"]["startNs"]), "endNs": str(fold["validation"]["endNs"]), "rows": int(len(valid_rows))},
            "availableFromNs": str(fold["availableFromNs"]),
            "metrics": metrics,
            "importance": {name_: float(g) for name_, g in zip(data.features, gain)},
            "featureBins": feature_bins(x_train, data.features),
        })
        pred_fold.append(np.full(len(valid_rows), k, dtype=np.int32))
        pred_row.append(valid_rows)
        pred_time.append(data.time_ns[valid_rows])
        pred_sorted.append(rearrange(raw))
        pred_raw.append(raw)
        log(f"fold {k}: {len(train_rows)} training rows, {len(valid_rows)} validation rows, coverage80 {metrics['coverage80']:.3f}, crossed {metrics['crossedFraction']:.3f}")
    write_validation_predictions(os.path.join(out, "validation-predictions.arrow"), pred_fold, pred_row, pred_time, pred_sorted, pred_raw)
    model_params = dict(params)
    model_params["quantiles"] = list(QUANTILES)
    write_model_json(os.path.join(out, "model.json"), model_document(plan, data, model_params, folds))


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
