"""model.json (the model directory contract, schema quantflow.quantile-model/1) and the library
versions it records."""
import json
import platform

import lightgbm
import numpy
import onnx
import onnxmltools
import pyarrow

from . import MODEL_SCHEMA, QUANTILES


def library_versions():
    return {
        "python": platform.python_version(),
        "lightgbm": lightgbm.__version__,
        "onnx": onnx.__version__,
        "onnxmltools": onnxmltools.__version__,
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
    }


def model_document(plan, data, params, folds):
    return {
        "schema": MODEL_SCHEMA,
        "name": plan["name"],
        "quantiles": list(QUANTILES),
        "target": {"kind": "forward_log_return", "horizonBars": int(plan["horizonBars"])},
        "timeframe": plan["timeframe"],
        "features": list(plan["features"]),
        "input": {"name": "features", "type": "float32", "columns": len(plan["features"])},
        "output": {"name": "quantiles", "columns": len(QUANTILES)},
        "data": {
            "source": plan["source"],
            "sha256": data.sha256,
            "rows": int(data.x32.shape[0]),
            "file": "features.arrow",
            "sourceSha256": plan["sourceSha256"],
        },
        "versions": library_versions(),
        "params": params,
        "folding": plan["folding"],
        "folds": folds,
    }


def write_model_json(path, document):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(document, indent=2))
        f.write("\n")
